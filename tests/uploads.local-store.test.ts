/**
 * Files kept on the local disk (the default, so `npm start` just works): put, get, delete, absent
 * keys, keys that cannot leave the directory, whole files only (a reader never sees half of one),
 * and which store openBlobStore picks.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../server/config/config.js';
import type { BlobStore } from '../server/uploads/storage/blob-store.js';
import { LocalStore } from '../server/uploads/storage/local-store.js';
import { MemoryStore } from '../server/uploads/storage/memory-store.js';
import { openBlobStore } from '../server/uploads/storage/open-store.js';

const hashOf = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
/** Used through the interface, as the upload service does. */
const localStore = (dir: string): BlobStore & { readonly dir: string } => new LocalStore(dir);

/** Every file under dir, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'parley-local-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a local store', () => {
  it('keeps bytes under their key and gives them back', async () => {
    const store = localStore(join(root, 'basic'));
    const bytes = Buffer.from('the pixels of a screenshot');
    const key = hashOf(bytes);

    await store.put(key, bytes, 'image/png');
    await store.put(`${key}-thumb`, Buffer.from('smaller'), 'image/png');

    expect((await store.get(key))?.equals(bytes)).toBe(true);
    expect((await store.get(`${key}-thumb`))?.toString()).toBe('smaller');
    expect(await filesUnder(store.dir)).toEqual([`${key.slice(0, 2)}/${key}`, `${key.slice(0, 2)}/${key}-thumb`]);
  });

  it('answers null for a key it does not have, also before anything was stored', async () => {
    const store = localStore(join(root, 'never-written'));
    expect(await store.get(hashOf('nothing'))).toBeNull();
  });

  it('puts the same key twice without harm', async () => {
    const store = localStore(join(root, 'twice'));
    const bytes = Buffer.from('same file sent twice');
    const key = hashOf(bytes);
    await store.put(key, bytes, 'text/plain');
    const first = await stat(join(store.dir, key.slice(0, 2), key));

    await Promise.all([store.put(key, bytes, 'text/plain'), store.put(key, bytes, 'text/plain')]);

    expect((await store.get(key))?.equals(bytes)).toBe(true);
    expect((await stat(join(store.dir, key.slice(0, 2), key))).ino).toBe(first.ino);
    expect(await filesUnder(store.dir)).toEqual([`${key.slice(0, 2)}/${key}`]);
  });

  it('deletes, and deleting what is not there is fine', async () => {
    const store = localStore(join(root, 'delete'));
    const key = hashOf('to be removed');
    await store.put(key, Buffer.from('to be removed'), 'text/plain');

    await store.delete(key);
    await store.delete(key);
    await store.delete(hashOf('never stored'));

    expect(await store.get(key)).toBeNull();
    expect(await filesUnder(store.dir)).toEqual([]);
  });

  it('refuses keys that are not a hash, so none can name a path outside its directory', async () => {
    const store = localStore(join(root, 'jail', 'uploads'));
    await mkdir(store.dir, { recursive: true });
    const hash = hashOf('x');
    const bad = [
      '../x',
      '../../etc/passwd',
      `../${hash}`,
      `${hash}/../../x`,
      `${hash}-thumb/../x`,
      'a/b',
      '',
      hash.toUpperCase(),
      `${hash}.png`,
      `${hash}-thumb-thumb`,
      hash.slice(1),
    ];
    for (const key of bad) {
      await expect(store.put(key, Buffer.from('escape'), 'text/plain'), key).rejects.toThrow(RangeError);
      await expect(store.get(key), key).rejects.toThrow(RangeError);
      await expect(store.delete(key), key).rejects.toThrow(RangeError);
    }
    expect(await filesUnder(join(root, 'jail'))).toEqual([]);
  });

  it('writes whole files only: a reader during a write sees nothing or everything, and no temporary file stays', async () => {
    const store = localStore(join(root, 'atomic'));
    const bytes = Buffer.alloc(24 * 1024 * 1024, 0xab);
    const key = hashOf(bytes);
    const seen: (number | null)[] = [];
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const got = await store.get(key);
        seen.push(got ? got.length : null);
        if (got && !got.equals(bytes)) throw new Error(`read ${got.length} of ${bytes.length} bytes`);
      }
    })();

    await store.put(key, bytes, 'image/png');
    writing = false;
    await reader;

    expect(
      seen.every((n) => n === null || n === bytes.length),
      `lengths read: ${[...new Set(seen)].join(', ')}`,
    ).toBe(true);
    expect(await filesUnder(store.dir)).toEqual([`${key.slice(0, 2)}/${key}`]);
  });
});

describe('choosing the store', () => {
  it('keeps files beside the database by default', async () => {
    const dataDir = join(root, 'data');
    const store = await openBlobStore(defaultConfig().uploads, dataDir);
    expect(store).toBeInstanceOf(LocalStore);
    const key = hashOf('beside the data');
    await store.put(key, Buffer.from('beside the data'), 'text/plain');
    expect(await filesUnder(join(dataDir, 'uploads'))).toEqual([`${key.slice(0, 2)}/${key}`]);
  });

  it('uses the configured directory when there is one', async () => {
    const dir = join(root, 'elsewhere');
    const store = await openBlobStore(defaultConfig({ uploads: { dir } }).uploads, join(root, 'unused-data'));
    expect(store).toBeInstanceOf(LocalStore);
    expect((store as LocalStore).dir).toBe(dir);
  });

  it('keeps files in memory when the database is, and they behave the same', async () => {
    const store = await openBlobStore(defaultConfig().uploads, 'memory://');
    expect(store).toBeInstanceOf(MemoryStore);
    const bytes = Buffer.from('in memory');
    const key = hashOf(bytes);
    expect(await store.get(key)).toBeNull();
    await store.put(key, bytes, 'text/plain');
    await store.put(key, bytes, 'text/plain');
    bytes.fill(0); // the store kept its own copy
    expect((await store.get(key))?.toString()).toBe('in memory');
    await store.delete(key);
    await store.delete(key);
    expect(await store.get(key)).toBeNull();
    await expect(store.put('../x', bytes, 'text/plain')).rejects.toThrow(RangeError);
  });

  it('refuses s3 storage without its settings', async () => {
    await expect(openBlobStore(defaultConfig({ uploads: { storage: 's3' } }).uploads, 'memory://')).rejects.toThrow(/uploads\.s3/);
  });
});
