import { join } from 'node:path';
import { ConfigError, type Config } from '../../config/config.js';
import type { BlobStore } from './blob-store.js';
import { LocalStore } from './local-store.js';
import { MemoryStore } from './memory-store.js';

/**
 * local: config.dir ?? `<dataDir>/uploads` (a memory store when dataDir starts with memory://, so
 * files go with the database they belong to); s3: S3Store, whose SDK is loaded only then (a
 * server storing files on disk does not carry it: several MB of code at idle).
 */
export async function openBlobStore(uploads: Config['uploads'], dataDir: string): Promise<BlobStore> {
  if (uploads.storage === 's3') {
    if (!uploads.s3) throw new ConfigError('uploads.storage is s3 but uploads.s3 (bucket, credentials) is not set');
    const { S3Store } = await import('./s3-store.js');
    return new S3Store(uploads.s3);
  }
  if (uploads.dir) return new LocalStore(uploads.dir);
  if (dataDir.startsWith('memory://')) return new MemoryStore();
  return new LocalStore(join(dataDir, 'uploads'));
}
