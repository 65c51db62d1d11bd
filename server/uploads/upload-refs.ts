/**
 * Which stored files a post shows (post_uploads), from its current text. Who may fetch a file
 * follows these rows (server/visibility/visibility.ts), so they are rewritten with every text a
 * post gets, in the transaction that stores that text.
 */
import { sql } from 'drizzle-orm';
import { textArray, type Executor } from '../../db/client.js';
import { unprocessable } from '../errors/errors.js';

/** A path the composer inserts: `/uploads/<sha-256 hex>.<ext>`, or its thumbnail's `-thumb.<ext>`. */
const UPLOAD_PATH = /\/uploads\/([0-9a-f]{64})(?:-thumb)?\./g;

/** The distinct files a text names, in the order it first names them. */
export function uploadHashesIn(markdown: string): string[] {
  // Most posts show no file: one substring test spares them the regular expression.
  if (!markdown.includes('/uploads/')) return [];
  const hashes = new Set<string>();
  for (const match of markdown.matchAll(UPLOAD_PATH)) hashes.add(match[1]!);
  return [...hashes];
}

/** Checked before anything is stored, so a refused post or edit leaves nothing behind. */
export function throwIfTooManyUploads(hashes: readonly string[], maxPerPost: number): void {
  if (hashes.length > maxPerPost) {
    throw unprocessable('too_many_uploads', `A post can show at most ${maxPerPost} files.`, { max: maxPerPost, count: hashes.length });
  }
}

/**
 * The post's rows, rebuilt from the files its text names now: a name that is no stored file (a
 * typo, a file removed since) gets no row. The blobs are locked against maintenance's delete
 * (FOR KEY SHARE), so a file removed at this moment is simply not linked, never a failed write.
 */
export async function linkPostUploads(tx: Executor, postId: number, hashes: readonly string[], opts: { isNew?: boolean } = {}): Promise<void> {
  if (!opts.isNew) await tx.execute(sql`DELETE FROM post_uploads WHERE post_id = ${postId}`);
  if (!hashes.length) return;
  await tx.execute(
    sql`WITH b AS (SELECT hash FROM upload_blobs WHERE hash = ANY(${textArray(hashes)}::text[]) FOR KEY SHARE)
        INSERT INTO post_uploads (post_id, blob_hash) SELECT ${postId}, hash FROM b ON CONFLICT DO NOTHING`,
  );
}
