/**
 * Names of stored files: the types Parley keeps, their extensions, and the paths files are served
 * under (`/uploads/<hash>.<ext>`, the thumbnail `/uploads/<hash>-thumb.<ext>`). The hash is the
 * SHA-256 of the stored bytes, so a path names one content forever.
 */
import { UPLOAD_IMAGE_TYPES, type UploadImageType, type UploadType } from '../../db/schema.js';

export const UPLOAD_EXTENSIONS: Record<UploadType, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
};

const TYPE_OF_EXTENSION = new Map(Object.entries(UPLOAD_EXTENSIONS).map(([type, ext]) => [ext, type as UploadType]));

/** Only the one extension each type is served under (`jpg`, not `jpeg`): a path has one spelling. */
export function typeOfExtension(ext: string): UploadType | undefined {
  return TYPE_OF_EXTENSION.get(ext);
}

const IMAGE_TYPES: ReadonlySet<string> = new Set(UPLOAD_IMAGE_TYPES);
export const isImageType = (t: UploadType): t is UploadImageType => IMAGE_TYPES.has(t);

/** The storage key of a blob or of its thumbnail. */
export function blobKey(hash: string, thumb = false): string {
  return thumb ? `${hash}-thumb` : hash;
}

/** `/uploads/<hash>.<ext>`, thumb: `/uploads/<hash>-thumb.<ext>` */
export function uploadPath(hash: string, type: UploadType, thumb = false): string {
  return `/uploads/${blobKey(hash, thumb)}.${UPLOAD_EXTENSIONS[type]}`;
}

const UPLOAD_NAME = /^([0-9a-f]{64})(-thumb)?\.([a-z]{1,8})$/;

/**
 * Parses `<hash>.<ext>` or `<hash>-thumb.<ext>` (hash = 64 lower-case hex, ext one of
 * UPLOAD_EXTENSIONS); undefined if not one. Whether the extension matches the blob's type is the
 * caller's question: it needs the stored row.
 */
export function parseUploadName(name: string): { hash: string; thumb: boolean; ext: string } | undefined {
  const m = UPLOAD_NAME.exec(name);
  if (!m || !TYPE_OF_EXTENSION.has(m[3]!)) return undefined;
  return { hash: m[1]!, thumb: m[2] !== undefined, ext: m[3]! };
}
