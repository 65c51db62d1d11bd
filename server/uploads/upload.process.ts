/**
 * Turns the bytes a member sent into what Parley stores, or refuses them. The type is decided from
 * the bytes alone (file-type), never from a file name or a declared Content-Type: an HTML page
 * named `cat.png` is HTML. Images are re-encoded (processing/image.ts); PDFs and text logs, where
 * the community accepts them, are kept as sent and only ever served as downloads.
 */
import { UPLOAD_IMAGE_TYPES, type UploadFileType, type UploadImageType, type UploadType } from '../../db/schema.js';
import { isPlainText } from './processing/plain-text.js';
import { unreadableFile, unsupportedFile } from './processing/refusals.js';

export interface ProcessLimits {
  maxDimension: number;
  maxPixels: number;
  thumbnailWidth: number;
}

export interface Processed {
  type: UploadType;
  bytes: Buffer;
  width: number | null;
  height: number | null;
  animated: boolean;
  thumb: { bytes: Buffer; width: number; height: number } | null;
}

const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
const isImage = (mime: string): mime is UploadImageType => (UPLOAD_IMAGE_TYPES as readonly string[]).includes(mime);

/**
 * Decides the type from the bytes (file-type, never a name or a declared type), refuses or
 * re-encodes. Refusals: 415 unsupported_type, 413 image_too_large, 422 unreadable_file.
 * The same bytes give the same result every time (the stored file's hash is its name).
 */
export async function processUpload(bytes: Buffer, allowedFiles: readonly UploadFileType[], limits: ProcessLimits): Promise<Processed> {
  if (bytes.length === 0) throw unreadableFile();
  // Loaded with the first upload, as sharp is: most processes at rest never see one.
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = await fileTypeFromBuffer(bytes);
  // sharp and libvips load with the first image, not with the server: most processes never see one.
  if (detected && isImage(detected.mime)) return (await import('./processing/image.js')).processImage(bytes, detected.mime, limits);
  if (detected?.mime === 'application/pdf' && bytes.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC) && allowedFiles.includes('application/pdf'))
    return asDownload('application/pdf', bytes);
  // Plain text has no signature: it is what file-type recognises nothing in (SVG and HTML too,
  // which isPlainText refuses; XML file-type reports as such).
  if (!detected && allowedFiles.includes('text/plain') && isPlainText(bytes)) return asDownload('text/plain', bytes);
  throw unsupportedFile();
}

function asDownload(type: UploadFileType, bytes: Buffer): Processed {
  return { type, bytes, width: null, height: null, animated: false, thumb: null };
}
