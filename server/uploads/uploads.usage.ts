/** The site-wide storage figure site admins read (GET /api/admin/uploads). */
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';

export interface UploadUsage {
  /** Stored files (each content once) and their bytes, thumbnails apart. */
  files: number;
  bytes: number;
  thumbnailBytes: number;
  /** Sendings kept (what quotas count, and what names downloads). */
  uploads: number;
  last24h: { uploads: number; bytes: number };
  /** Stored files no post shows: composers' uploads not posted yet, and what maintenance removes after a day. */
  orphaned: { files: number; bytes: number };
}

export async function uploadUsage(db: Executor): Promise<UploadUsage> {
  const [blobs] = await rows<{ files: number; bytes: string; thumbs: string; orphans: number; orphan_bytes: string }>(
    db,
    sql`SELECT count(*)::int AS files, coalesce(sum(size), 0)::text AS bytes, coalesce(sum(thumb_size), 0)::text AS thumbs,
          count(*) FILTER (WHERE NOT used)::int AS orphans, coalesce(sum(size + coalesce(thumb_size, 0)) FILTER (WHERE NOT used), 0)::text AS orphan_bytes
        FROM (SELECT b.size, b.thumb_size, EXISTS (SELECT 1 FROM post_uploads pu WHERE pu.blob_hash = b.hash) AS used FROM upload_blobs b) AS b`,
  );
  const [sent] = await rows<{ uploads: number; recent: number; recent_bytes: string }>(
    db,
    sql`SELECT count(*)::int AS uploads, count(*) FILTER (WHERE created_at > now() - interval '1 day')::int AS recent,
          coalesce(sum(size) FILTER (WHERE created_at > now() - interval '1 day'), 0)::text AS recent_bytes
        FROM uploads`,
  );
  return {
    files: Number(blobs!.files),
    bytes: Number(blobs!.bytes),
    thumbnailBytes: Number(blobs!.thumbs),
    uploads: Number(sent!.uploads),
    last24h: { uploads: Number(sent!.recent), bytes: Number(sent!.recent_bytes) },
    orphaned: { files: Number(blobs!.orphans), bytes: Number(blobs!.orphan_bytes) },
  };
}
