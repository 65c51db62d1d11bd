/**
 * Files in S3-compatible object storage, against a real S3-compatible server in its own process
 * (s3rver, spoken to over HTTP by the AWS SDK), with the same behaviour as the local store: put,
 * get, delete, absent keys, repeated puts; keys under the configured prefix, with their type.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../server/config/config.js';
import type { BlobStore } from '../server/uploads/storage/blob-store.js';
import { openBlobStore } from '../server/uploads/storage/open-store.js';
import { S3Store } from '../server/uploads/storage/s3-store.js';

const BUCKET = 'parley-uploads';
const hashOf = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** s3rver on an ephemeral port, in a child process; resolves with its endpoint once it listens. */
async function startS3rver(directory: string): Promise<{ proc: ChildProcess; endpoint: string }> {
  const proc = spawn(
    process.execPath,
    ['node_modules/s3rver/bin/s3rver.js', '--directory', directory, '--address', '127.0.0.1', '--port', '0', '--silent', '--configure-bucket', BUCKET],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start: ${out}`)), 20_000);
    proc.stdout.on('data', (chunk) => {
      out += String(chunk);
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    });
    proc.stderr.on('data', (chunk) => {
      out += String(chunk);
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited ${code}: ${out}`));
    });
  });
  return { proc, endpoint };
}

let directory: string;
let s3rver: ChildProcess;
let settings: NonNullable<Config['uploads']['s3']>;
let store: BlobStore;
let raw: S3Client;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'parley-s3rver-'));
  const started = await startS3rver(directory);
  s3rver = started.proc;
  // s3rver accepts the access key S3RVER with the secret S3RVER.
  settings = {
    bucket: BUCKET,
    region: 'us-east-1',
    endpoint: started.endpoint,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    prefix: 'site-a/',
  };
  store = await openBlobStore(defaultConfig({ uploads: { storage: 's3', s3: settings } }).uploads, 'memory://');
  raw = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  await store?.close?.();
  raw?.destroy();
  if (s3rver && s3rver.exitCode === null) {
    const exited = new Promise((resolve) => s3rver.once('exit', resolve));
    s3rver.kill();
    await exited;
  }
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('an S3 store', () => {
  it('is what openBlobStore gives for s3 storage', () => {
    expect(store).toBeInstanceOf(S3Store);
  });

  it('keeps bytes under their key and gives them back', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255, 254, 10, 13]);
    const key = hashOf(bytes);

    await store.put(key, bytes, 'image/png');
    await store.put(`${key}-thumb`, Buffer.from('smaller'), 'image/png');

    expect((await store.get(key))?.equals(bytes)).toBe(true);
    expect((await store.get(`${key}-thumb`))?.toString()).toBe('smaller');
  });

  it('stores each object under the prefix, with its type', async () => {
    const bytes = Buffer.from('%PDF-1.4 a manual');
    const key = hashOf(bytes);
    await store.put(key, bytes, 'application/pdf');

    const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `site-a/${key}` }));
    expect({ type: head.ContentType, length: head.ContentLength }).toEqual({ type: 'application/pdf', length: bytes.length });
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect((listed.Contents ?? []).every((o) => o.Key?.startsWith('site-a/'))).toBe(true);
  });

  it('answers null for a key it does not have', async () => {
    expect(await store.get(hashOf('never stored'))).toBeNull();
  });

  it('puts the same key twice without harm', async () => {
    const bytes = Buffer.from('same file sent twice');
    const key = hashOf(bytes);
    await store.put(key, bytes, 'text/plain');
    await Promise.all([store.put(key, bytes, 'text/plain'), store.put(key, bytes, 'text/plain')]);
    expect((await store.get(key))?.equals(bytes)).toBe(true);
  });

  it('deletes, and deleting what is not there is fine', async () => {
    const bytes = Buffer.from('to be removed');
    const key = hashOf(bytes);
    await store.put(key, bytes, 'text/plain');

    await store.delete(key);
    await store.delete(key);
    await store.delete(hashOf('never stored'));

    expect(await store.get(key)).toBeNull();
  });

  it('keeps a file of several megabytes whole', async () => {
    const bytes = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
    const key = hashOf(bytes);
    await store.put(key, bytes, 'image/png');
    expect((await store.get(key))?.equals(bytes)).toBe(true);
  });

  it('refuses keys that are not a hash before asking the server', async () => {
    for (const key of ['../x', `../${hashOf('x')}`, 'a/b', '', `${hashOf('x')}.png`]) {
      await expect(store.put(key, Buffer.from('escape'), 'text/plain'), key).rejects.toThrow(RangeError);
      await expect(store.get(key), key).rejects.toThrow(RangeError);
      await expect(store.delete(key), key).rejects.toThrow(RangeError);
    }
  });

  it('reports a missing bucket as an error, not as a missing file', async () => {
    const elsewhere = new S3Store({ ...settings, bucket: 'no-such-bucket' });
    try {
      await expect(elsewhere.get(hashOf('x'))).rejects.toThrow();
    } finally {
      elsewhere.close();
    }
  });
});
