/**
 * Where stored files' bytes live, by key: a blob's hash, or `<hash>-thumb` for its thumbnail.
 * Keys name contents, so a key is written once with the same bytes every time: `put` may be
 * repeated (a retried upload, two members sending the same file at once) and need not be atomic
 * against another `put` of the same key, only against readers.
 */
export interface BlobStore {
  /** Idempotent: putting a key that exists leaves it as it is. */
  put(key: string, bytes: Buffer, type: string): Promise<void>;
  /** null when absent. */
  get(key: string): Promise<Buffer | null>;
  /** Absent is fine. */
  delete(key: string): Promise<void>;
  close?(): Promise<void> | void;
}

const BLOB_KEY = /^[0-9a-f]{64}(-thumb)?$/;

/**
 * Keys become file names and object names: anything but a hash (`../x`, `a/b`, an empty string)
 * is a bug in the caller, refused before it reaches a path.
 */
export function assertBlobKey(key: string): void {
  if (!BLOB_KEY.test(key)) throw new RangeError(`Not a blob key: ${JSON.stringify(key.slice(0, 80))}`);
}
