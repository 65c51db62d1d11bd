import { randomBytes } from 'node:crypto';
import { access, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { assertBlobKey, type BlobStore } from './blob-store.js';

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Files on the local disk under one directory, in subdirectories by the key's first two hex
 * digits (no directory grows past a few thousand entries however many files there are).
 */
export class LocalStore implements BlobStore {
  constructor(readonly dir: string) {}

  /** Keys are validated first, so the path never leaves `dir`. */
  #path(key: string): string {
    assertBlobKey(key);
    return join(this.dir, key.slice(0, 2), key);
  }

  /**
   * Written to a temporary name beside the final one, flushed, then renamed: a reader (or a crash)
   * sees the whole file or none of it, never the first half of a screenshot under its final name.
   */
  async put(key: string, bytes: Buffer): Promise<void> {
    const path = this.#path(key);
    if (await this.#exists(path)) return;
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const file = await open(temp, 'wx');
      try {
        await file.writeFile(bytes);
        // Without it a power cut after the rename can leave an empty file under the final name.
        await file.datasync();
      } finally {
        await file.close();
      }
      await rename(temp, path);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.#path(key));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.#path(key));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  async #exists(path: string): Promise<boolean> {
    try {
      await access(path);
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }
}
