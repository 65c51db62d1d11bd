import { assertBlobKey, type BlobStore } from './blob-store.js';

/** Files of a site whose database lives in memory (tests, the try-out): they go with it. */
export class MemoryStore implements BlobStore {
  readonly #blobs = new Map<string, Buffer>();

  async put(key: string, bytes: Buffer): Promise<void> {
    assertBlobKey(key);
    // A copy: the caller's buffer may be a view into something it reuses.
    if (!this.#blobs.has(key)) this.#blobs.set(key, Buffer.from(bytes));
  }

  async get(key: string): Promise<Buffer | null> {
    assertBlobKey(key);
    const bytes = this.#blobs.get(key);
    return bytes ? Buffer.from(bytes) : null;
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    this.#blobs.delete(key);
  }
}
