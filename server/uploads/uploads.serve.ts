/**
 * What `GET /uploads/<name>` answers: the stored bytes of a file the viewer may see
 * (server/visibility: canFetchUpload), or one not-found for everything else, so whether a file
 * exists never shows to someone who may not see it.
 */
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import type { UploadType } from '../../db/schema.js';
import { notFound } from '../errors/errors.js';
import { canFetchUpload } from '../visibility/visibility.js';
import type { Viewer } from '../visibility/viewer.js';
import type { BlobStore } from './storage/blob-store.js';
import { blobKey, isImageType, parseUploadName, typeOfExtension } from './upload.types.js';
import { downloadName } from './uploads.service.js';

export const uploadNotFound = () => notFound('upload_not_found', 'No such file.');

export interface FileToServe {
  type: UploadType;
  /** The validator of these bytes: the hash they are stored under (the thumbnail's own). */
  etag: string;
  /** Set for downloads (files that are not images): the name it is saved under. */
  downloadName: string | null;
  /** null when the viewer's copy is current (If-None-Match): answer 304. */
  bytes: Buffer | null;
}

/** `"abc"`, `W/"abc"`, lists of them, or `*`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === `"${etag}"`;
  });
}

/** The name a download goes out under: a name its sender gave, the viewer's own first, then one its posts' authors sent. */
async function nameOf(db: Executor, viewer: Viewer, hash: string, type: UploadType): Promise<string> {
  const uid = viewer.user?.id ?? null;
  const [named] = await rows<{ file_name: string }>(
    db,
    sql`SELECT u.file_name FROM uploads u WHERE u.blob_hash = ${hash} AND u.file_name IS NOT NULL
        ORDER BY (u.uploader_id IS NOT DISTINCT FROM ${uid}) DESC,
          EXISTS (SELECT 1 FROM post_uploads pu JOIN posts p ON p.id = pu.post_id WHERE pu.blob_hash = u.blob_hash AND p.author_id = u.uploader_id) DESC,
          u.id
        LIMIT 1`,
  );
  return named?.file_name ?? downloadName(null, type);
}

export async function fileToServe(
  deps: { db: Executor; store: BlobStore },
  viewer: Viewer,
  name: string,
  ifNoneMatch: string | undefined,
): Promise<FileToServe> {
  const parsed = parseUploadName(name);
  if (!parsed) throw uploadNotFound();
  const [blob] = await rows<{ type: UploadType; thumb_size: number | null }>(
    deps.db,
    sql`SELECT type, thumb_size FROM upload_blobs WHERE hash = ${parsed.hash}`,
  );
  // A path has one spelling: the extension of the stored type, never another the bytes would be sniffed as.
  if (!blob || typeOfExtension(parsed.ext) !== blob.type) throw uploadNotFound();
  if (!(await canFetchUpload(deps.db, viewer, parsed.hash))) throw uploadNotFound();
  // No thumbnail (a small image, a download): `-thumb` serves the file itself.
  const key = blobKey(parsed.hash, parsed.thumb && blob.thumb_size !== null);
  const image = isImageType(blob.type);
  const served = { type: blob.type, etag: key, downloadName: image ? null : await nameOf(deps.db, viewer, parsed.hash, blob.type) };
  if (matches(ifNoneMatch, key)) return { ...served, bytes: null };
  const bytes = await deps.store.get(key);
  if (!bytes) throw uploadNotFound();
  return { ...served, bytes };
}
