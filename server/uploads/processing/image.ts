import sharp, { type Sharp } from 'sharp';
import type { UploadImageType } from '../../../db/schema.js';
import type { ProcessLimits, Processed } from '../upload.process.js';
import { imageTooLarge, unreadableFile } from './refusals.js';

// libvips' operation cache keeps recent inputs and results (up to 50 MB) to answer the same
// operation on the same image again. Every upload is processed once, so it never hits; it only
// holds decoded screenshots in memory between uploads.
sharp.cache(false);

/** What sharp must report for each type file-type found, or the bytes are not what they claim. */
const SHARP_FORMAT: Record<UploadImageType, string> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/webp': 'webp', 'image/gif': 'gif' };

/**
 * Decodes and re-encodes an image in its own format: what comes out holds pixels only, no EXIF,
 * GPS, XMP, comments or bytes appended after the image (no `withMetadata`). Scaled to fit
 * maxDimension; animated GIF and WebP stay animated; a thumbnail when wider than thumbnailWidth.
 */
export async function processImage(bytes: Buffer, type: UploadImageType, limits: ProcessLimits): Promise<Processed> {
  // The header alone, before any pixel is decoded: a 20000×20000 PNG of one colour is a few KB on
  // disk and 1.6 GB in memory. For an animated image `height` is all frames together.
  const meta = await sharp(bytes, { animated: true, limitInputPixels: false })
    .metadata()
    .catch(() => Promise.reject(unreadableFile()));
  if (meta.format !== SHARP_FORMAT[type] || !meta.width || !meta.height) throw unreadableFile();
  if (meta.width * meta.height > limits.maxPixels) throw imageTooLarge(limits.maxPixels);
  const animated = (meta.pages ?? 1) > 1 && (type === 'image/gif' || type === 'image/webp');

  const full = await encode(
    decode(bytes, animated, limits).resize({ width: limits.maxDimension, height: limits.maxDimension, fit: 'inside', withoutEnlargement: true }),
    type,
    limits,
  );
  const thumb =
    full.width > limits.thumbnailWidth ? await encode(decode(full.bytes, animated, limits).resize({ width: limits.thumbnailWidth }), type, limits) : null;
  return { type, bytes: full.bytes, width: full.width, height: full.height, animated, thumb };
}

/**
 * failOn 'error': a truncated or corrupt file is refused, not decoded into half a picture with grey
 * below. limitInputPixels is the second wall behind the header check above.
 */
function decode(bytes: Buffer, animated: boolean, limits: ProcessLimits): Sharp {
  const image = sharp(bytes, { animated, limitInputPixels: limits.maxPixels, failOn: 'error' });
  // EXIF orientation is applied to the pixels, since the EXIF that says how to turn them is dropped.
  // Animated images carry none worth applying (and libvips turns only single pages).
  return animated ? image : image.rotate();
}

async function encode(image: Sharp, type: UploadImageType, limits: ProcessLimits): Promise<{ bytes: Buffer; width: number; height: number }> {
  const encoded =
    type === 'image/jpeg'
      ? image.jpeg({ quality: 85, mozjpeg: false })
      : type === 'image/png'
        ? image.png()
        : type === 'image/webp'
          ? image.webp({ quality: 85 })
          : image.gif();
  try {
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    // For an animated image the size of one frame, not of the strip of all of them.
    return { bytes: data, width: info.width, height: info.pageHeight ?? info.height };
  } catch (err) {
    if (err instanceof Error && /pixel limit/i.test(err.message)) throw imageTooLarge(limits.maxPixels);
    throw unreadableFile();
  }
}
