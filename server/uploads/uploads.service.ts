/**
 * A member sends a file (POST /api/uploads): it is checked, processed once per content, stored
 * once per content, and recorded as their sending. The blob (upload_blobs, keyed by the hash of
 * the stored bytes) is shared by every sending of the same file; the sending (uploads) is what
 * quotas count and what lets its sender see the file before any post shows it.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rows, type Db, type Executor } from '../../db/client.js';
import type { UploadFileType, UploadType } from '../../db/schema.js';
import type { Config } from '../config/config.js';
import { unauthorized } from '../errors/errors.js';
import { findCommunity } from '../communities/communities.service.js';
import type { Viewer } from '../visibility/viewer.js';
import { processUpload, type Processed } from './upload.process.js';
import { unsupportedFile } from './processing/refusals.js';
import { blobKey, isImageType, UPLOAD_EXTENSIONS, uploadPath } from './upload.types.js';
import type { BlobStore } from './storage/blob-store.js';
import { checkUploadQuota } from './uploads.quota.js';

export interface UploadDeps {
  db: Db;
  store: BlobStore;
  limits: Config['uploads'];
}

export interface SentFile {
  bytes: Buffer;
  /** The name the browser sent it with; kept only for downloads. */
  fileName: string | null;
  /** The community the composer is in: non-image files need one that accepts their type. */
  communitySlug: string | null;
}

export interface PresentedUpload {
  id: number;
  url: string;
  type: UploadType;
  size: number;
  width?: number;
  height?: number;
  name?: string;
}

interface BlobRow {
  hash: string;
  type: UploadType;
  size: number;
  width: number | null;
  height: number | null;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A sending of the same blob by the same member within this long is answered, not counted again (a retried send). */
const SAME_SENDING_WINDOW = sql`interval '1 day'`;
const NAME_MAX = 200;

/**
 * The name a download is saved under: no directories, no control or direction characters, at most
 * 200 characters, and always the extension of what it is (a text log named `page.html` would open
 * as a page from the disk it was saved to).
 */
export function downloadName(sent: string | null, type: UploadType): string {
  const ext = `.${UPLOAD_EXTENSIONS[type]}`;
  const base = (sent ?? '')
    .split(/[\\/]/)
    .pop()!
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .trim();
  const stem = base.toLowerCase().endsWith(ext) ? base.slice(0, -ext.length) : base;
  return `${[...(stem || 'file')].slice(0, NAME_MAX - ext.length).join('')}${ext}`;
}

function present(upload: { id: number; file_name: string | null }, blob: BlobRow): PresentedUpload {
  const image = isImageType(blob.type);
  return {
    id: Number(upload.id),
    url: uploadPath(blob.hash, blob.type),
    type: blob.type,
    size: Number(blob.size),
    ...(blob.width !== null && blob.height !== null ? { width: Number(blob.width), height: Number(blob.height) } : {}),
    ...(!image && upload.file_name !== null ? { name: upload.file_name } : {}),
  };
}

const BLOB_COLUMNS = sql`hash, type, size, width, height`;

/** This member's sending of the blob within the last day, if any. */
async function recentSending(db: Executor, uploaderId: number, hash: string) {
  const [found] = await rows<{ id: number; file_name: string | null }>(
    db,
    sql`SELECT id, file_name FROM uploads WHERE uploader_id = ${uploaderId} AND blob_hash = ${hash} AND created_at > now() - ${SAME_SENDING_WINDOW}
        ORDER BY id DESC LIMIT 1`,
  );
  return found;
}

/** Answers `created: false` for a retried send of the same bytes by the same member within a day (nothing counted twice). */
export async function createUpload(deps: UploadDeps, viewer: Viewer, file: SentFile): Promise<{ created: boolean; upload: PresentedUpload }> {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const community = file.communitySlug ? await findCommunity(deps.db, file.communitySlug) : null;
  const allowed: readonly UploadFileType[] = community?.uploadFileTypes ?? [];
  const sourceHash = sha256(file.bytes);

  // The same bytes sent before: what processing made of them is stored already.
  const [known] = await rows<BlobRow>(deps.db, sql`SELECT ${BLOB_COLUMNS} FROM upload_blobs WHERE source_hash = ${sourceHash} LIMIT 1`);
  // A download is an admin's choice per community: a file stored for one community is not thereby welcome in another.
  if (known && !isImageType(known.type) && !allowed.includes(known.type)) throw unsupportedFile();
  if (known) {
    const again = await recentSending(deps.db, user.id, known.hash);
    if (again) return { created: false, upload: present(again, known) };
  }
  await checkUploadQuota(deps.db, user, file.bytes.length, deps.limits);

  const sending = (blob: BlobRow) => ({
    uploaderId: user.id,
    communityId: community?.id ?? null,
    fileName: isImageType(blob.type) ? null : downloadName(file.fileName, blob.type),
    size: file.bytes.length,
  });
  if (known) {
    const recorded = await recordSending(deps, known, null, sending(known));
    if (recorded) return recorded;
    // Maintenance removed that blob at this very moment: process the bytes as new.
  }
  const processed = await processUpload(file.bytes, allowed, deps.limits);
  const blob: BlobRow = {
    hash: sha256(processed.bytes),
    type: processed.type,
    size: processed.bytes.length,
    width: processed.width,
    height: processed.height,
  };
  const recorded = await recordSending(deps, blob, { sourceHash, processed }, sending(blob));
  if (!recorded) throw new Error(`upload blob ${blob.hash} vanished while it was being stored`);
  return recorded;
}

/** Who sent a file, for which community, under which name. */
interface Sending {
  uploaderId: number;
  communityId: number | null;
  fileName: string | null;
  size: number;
}

/** A file not stored before: what it was sent as, and what processing made of it. */
interface Fresh {
  sourceHash: string;
  processed: Processed;
}

/**
 * The blob's row (and, new, its bytes) and the sending, in one transaction. The blob row is
 * locked (FOR SHARE) before the sending points at it, so maintenance, which deletes only blobs
 * it can lock for update, never removes one under it. A new blob's bytes are put while its row is
 * not yet committed: no reader ever finds a row without its bytes. Answers null when an existing
 * blob is gone (the caller stores it anew).
 *
 * Bytes put by a transaction that then fails are deleted before it rolls back: maintenance finds
 * unused files by their rows, so bytes without a row would stay for good. Still inside the
 * transaction, the new row's key is ours alone (another sending of the same file waits on it),
 * so the delete cannot take bytes that another sending has put.
 */
async function recordSending(
  deps: UploadDeps,
  blob: BlobRow,
  fresh: Fresh | null,
  sending: Sending,
): Promise<{ created: boolean; upload: PresentedUpload } | null> {
  return deps.db.transaction(async (tx) => {
    const putHere: string[] = [];
    try {
      return await recordIn(tx, deps, blob, fresh, sending, putHere);
    } catch (err) {
      await Promise.all(putHere.map((key) => deps.store.delete(key).catch(() => {})));
      throw err;
    }
  });
}

async function recordIn(
  tx: Executor,
  deps: UploadDeps,
  blob: BlobRow,
  fresh: Fresh | null,
  sending: Sending,
  /** The keys this transaction stores, each named before its put (a put may fail half-written). */
  putHere: string[],
): Promise<{ created: boolean; upload: PresentedUpload } | null> {
  if (fresh) {
    const { processed } = fresh;
    const inserted = await rows<{ hash: string }>(
      tx,
      sql`INSERT INTO upload_blobs (hash, source_hash, type, size, width, height, animated, thumb_width, thumb_height, thumb_size)
            VALUES (${blob.hash}, ${fresh.sourceHash}, ${blob.type}, ${blob.size}, ${blob.width}, ${blob.height}, ${processed.animated},
                    ${processed.thumb?.width ?? null}, ${processed.thumb?.height ?? null}, ${processed.thumb?.bytes.length ?? null})
            ON CONFLICT (hash) DO NOTHING RETURNING hash`,
    );
    if (inserted.length) {
      const put = async (key: string, bytes: Buffer) => {
        putHere.push(key);
        await deps.store.put(key, bytes, blob.type);
      };
      await put(blobKey(blob.hash), processed.bytes);
      if (processed.thumb) await put(blobKey(blob.hash, true), processed.thumb.bytes);
    }
  }
  const [held] = await rows<BlobRow>(tx, sql`SELECT ${BLOB_COLUMNS} FROM upload_blobs WHERE hash = ${blob.hash} FOR SHARE`);
  if (!held) return null;
  // Other bytes that processed into the same file, sent again by the same member.
  const again = await recentSending(tx, sending.uploaderId, held.hash);
  if (again) return { created: false, upload: present(again, held) };
  const [upload] = await rows<{ id: number; file_name: string | null }>(
    tx,
    sql`INSERT INTO uploads (blob_hash, uploader_id, community_id, file_name, size)
          VALUES (${held.hash}, ${sending.uploaderId}, ${sending.communityId}, ${sending.fileName}, ${sending.size})
          RETURNING id, file_name`,
  );
  return { created: true, upload: present(upload!, held) };
}
