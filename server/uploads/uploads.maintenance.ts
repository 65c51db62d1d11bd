/**
 * Files nobody uses go (hourly, with the other maintenance jobs): first sendings older than a day
 * whose file no post shows (a composer's upload never posted, or taken out by an edit), then blobs
 * that neither a sending nor a post points at, their bytes before their row.
 */
import { sql } from 'drizzle-orm';
import { rows, textArray, type Db } from '../../db/client.js';
import type { BlobStore } from './storage/blob-store.js';
import { blobKey } from './upload.types.js';

/** Rows one statement removes; each batch its own short transaction. */
const SENDINGS_BATCH = 1000;
/** Blobs one transaction removes: each costs two store deletes (an S3 round trip each) while its row is locked. */
const BLOBS_BATCH = 100;
/** Batches of each kind one run does at most; a backlog goes over several runs. */
const MAX_BATCHES = 50;

export interface PruneLimits {
  sendingsBatch?: number;
  blobsBatch?: number;
  maxBatches?: number;
}

export async function pruneUploads(db: Db, store: BlobStore, limits: PruneLimits = {}): Promise<{ uploads: number; blobs: number }> {
  const maxBatches = limits.maxBatches ?? MAX_BATCHES;
  const sendingsBatch = limits.sendingsBatch ?? SENDINGS_BATCH;
  const blobsBatch = limits.blobsBatch ?? BLOBS_BATCH;

  let uploads = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const gone = await rows<{ id: number }>(
      db,
      sql`WITH doomed AS (
            SELECT u.id FROM uploads u
            WHERE u.created_at < now() - interval '1 day'
              AND NOT EXISTS (SELECT 1 FROM post_uploads pu WHERE pu.blob_hash = u.blob_hash)
            ORDER BY u.created_at LIMIT ${sendingsBatch}
            FOR UPDATE SKIP LOCKED
          )
          DELETE FROM uploads u USING doomed WHERE u.id = doomed.id RETURNING u.id`,
    );
    uploads += gone.length;
    if (gone.length < sendingsBatch) break;
  }

  let blobs = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const n = await db.transaction(async (tx) => {
      // Locked for update: an upload or a post about to point at one of these waits for this
      // transaction (they lock the blob FOR SHARE / KEY SHARE first) and then finds it gone.
      const doomed = await rows<{ hash: string }>(
        tx,
        sql`SELECT b.hash FROM upload_blobs b
            WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.blob_hash = b.hash)
              AND NOT EXISTS (SELECT 1 FROM post_uploads pu WHERE pu.blob_hash = b.hash)
            ORDER BY b.created_at LIMIT ${blobsBatch}
            FOR UPDATE SKIP LOCKED`,
      );
      if (!doomed.length) return 0;
      // The bytes first: a store that fails leaves the rows, and the next run tries again.
      for (const { hash } of doomed) {
        await store.delete(blobKey(hash, true));
        await store.delete(blobKey(hash));
      }
      const hashes = doomed.map((d) => d.hash);
      await tx.execute(sql`DELETE FROM upload_blobs WHERE hash = ANY(${textArray(hashes)}::text[])`);
      return doomed.length;
    });
    blobs += n;
    if (n < blobsBatch) break;
  }
  return { uploads, blobs };
}
