/**
 * Images are re-encoded into what the thread needs: scaled to fit, a thumbnail when wider than the
 * thread shows, turned upright, animated ones still animated, and the same bytes in give the same
 * bytes out (the stored file's name is the hash of what comes out). Real sharp, images made here.
 */
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import type { UploadImageType } from '../db/schema.js';
import { processUpload, type ProcessLimits } from '../server/uploads/upload.process.js';

const LIMITS: ProcessLimits = { maxDimension: 256, maxPixels: 4_000_000, thumbnailWidth: 100 };

/** A picture with some detail, so encoders have something to encode: coarse noise (fine noise takes GIF's quantiser seconds). */
async function photo(width: number, height: number): Promise<Sharp> {
  const coarse = { width: Math.ceil(width / 8), height: Math.ceil(height / 8), channels: 3 as const };
  const noise = await sharp({ create: { ...coarse, background: '#4a7', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .raw()
    .toBuffer();
  return sharp(noise, { raw: coarse }).resize(width, height, { kernel: 'nearest', fit: 'fill' });
}

async function encoded(image: Sharp, type: UploadImageType): Promise<Buffer> {
  if (type === 'image/png') return image.png().toBuffer();
  if (type === 'image/jpeg') return image.jpeg().toBuffer();
  if (type === 'image/webp') return image.webp().toBuffer();
  return image.gif().toBuffer();
}

/** An animated GIF or WebP of `frames` frames, each a different colour. */
async function animation(type: 'image/gif' | 'image/webp', width: number, height: number, frames = 3): Promise<Buffer> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({ create: { width, height, channels: 3, background: { r: (i * 80) % 256, g: 60, b: 200 - i * 40 } } })
        .raw()
        .toBuffer(),
    ),
  );
  const strip = sharp(Buffer.concat(pages), { raw: { width, height: height * frames, channels: 3, pageHeight: height } });
  const delay = pages.map(() => 100);
  return type === 'image/gif' ? strip.gif({ loop: 0, delay }).toBuffer() : strip.webp({ loop: 0, delay }).toBuffer();
}

describe('scaling and thumbnails', () => {
  it.each(['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const)(
    'scales a large %s to fit maxDimension and makes a thumbnail thumbnailWidth wide',
    async (type) => {
      const result = await processUpload(await encoded(await photo(1000, 600), type), [], LIMITS);

      expect(result).toMatchObject({ type, width: 256, height: 154, animated: false });
      const stored = await sharp(result.bytes).metadata();
      expect({ format: stored.format, width: stored.width, height: stored.height }).toEqual({ format: type.slice('image/'.length), width: 256, height: 154 });

      expect(result.thumb).toMatchObject({ width: 100, height: 60 });
      const thumb = await sharp(result.thumb!.bytes).metadata();
      expect({ format: thumb.format, width: thumb.width, height: thumb.height }).toEqual({ format: stored.format, width: 100, height: 60 });
    },
  );

  it('scales a tall image by its height', async () => {
    const result = await processUpload(await encoded(await photo(300, 1200), 'image/png'), [], LIMITS);
    expect({ width: result.width, height: result.height, thumb: result.thumb }).toEqual({ width: 64, height: 256, thumb: null });
  });

  it('keeps a small image at its size, without a thumbnail', async () => {
    const result = await processUpload(await encoded(await photo(80, 60), 'image/png'), [], LIMITS);
    expect(result).toMatchObject({ type: 'image/png', width: 80, height: 60, thumb: null });
    expect(await sharp(result.bytes).metadata()).toMatchObject({ width: 80, height: 60 });
  });

  it('makes no thumbnail for an image exactly as wide as the thumbnail', async () => {
    const result = await processUpload(await encoded(await photo(100, 50), 'image/jpeg'), [], LIMITS);
    expect(result).toMatchObject({ width: 100, height: 50, thumb: null });
  });
});

describe('orientation', () => {
  it('turns the pixels as the EXIF orientation says, then drops the orientation', async () => {
    // Stored 60×40, red on the left and blue on the right; orientation 6 means "turn 90° clockwise to show".
    const red = await sharp({ create: { width: 30, height: 40, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    const sideways = await sharp({ create: { width: 60, height: 40, channels: 3, background: '#00f' } })
      .composite([{ input: red, left: 0, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(sideways).metadata()).orientation).toBe(6);

    const result = await processUpload(sideways, [], LIMITS);

    expect({ width: result.width, height: result.height }).toEqual({ width: 40, height: 60 });
    const stored = await sharp(result.bytes).metadata();
    expect({ width: stored.width, height: stored.height, orientation: stored.orientation }).toEqual({ width: 40, height: 60, orientation: undefined });
    // Turned clockwise, the left (red) half is now on top.
    const { data } = await sharp(result.bytes).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * 40 + x) * 3, (y * 40 + x) * 3 + 3)];
    expect(pixel(20, 5)[0]).toBeGreaterThan(200);
    expect(pixel(20, 5)[2]).toBeLessThan(60);
    expect(pixel(20, 55)[2]).toBeGreaterThan(200);
    expect(pixel(20, 55)[0]).toBeLessThan(60);
  });
});

describe('animation', () => {
  it.each(['image/gif', 'image/webp'] as const)('keeps an animated %s animated, reporting the frame size', async (type) => {
    const result = await processUpload(await animation(type, 60, 40), [], LIMITS);

    expect(result).toMatchObject({ type, width: 60, height: 40, animated: true, thumb: null });
    const stored = await sharp(result.bytes, { animated: true }).metadata();
    expect({ pages: stored.pages, width: stored.width, pageHeight: stored.pageHeight, delay: stored.delay }).toEqual({
      pages: 3,
      width: 60,
      pageHeight: 40,
      delay: [100, 100, 100],
    });
  });

  it('scales every frame of a large animation and gives it an animated thumbnail', async () => {
    const result = await processUpload(await animation('image/gif', 400, 200), [], LIMITS);

    expect(result).toMatchObject({ width: 256, height: 128, animated: true, thumb: { width: 100, height: 50 } });
    const stored = await sharp(result.bytes, { animated: true }).metadata();
    expect({ pages: stored.pages, width: stored.width, pageHeight: stored.pageHeight }).toEqual({ pages: 3, width: 256, pageHeight: 128 });
    const thumb = await sharp(result.thumb!.bytes, { animated: true }).metadata();
    expect({ format: thumb.format, pages: thumb.pages, width: thumb.width, pageHeight: thumb.pageHeight }).toEqual({
      format: 'gif',
      pages: 3,
      width: 100,
      pageHeight: 50,
    });
  });

  it('treats a one-frame GIF as a still image', async () => {
    const result = await processUpload(await encoded(await photo(50, 50), 'image/gif'), [], LIMITS);
    expect(result).toMatchObject({ type: 'image/gif', animated: false, width: 50, height: 50 });
  });
});

describe('the same input gives the same output', () => {
  it.each(['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const)('re-encodes a %s byte for byte the same twice', async (type) => {
    const input = await encoded(await photo(500, 300), type);
    const [first, second] = [await processUpload(input, [], LIMITS), await processUpload(Buffer.from(input), [], LIMITS)];
    expect(first.bytes.equals(second.bytes)).toBe(true);
    expect(first.thumb!.bytes.equals(second.thumb!.bytes)).toBe(true);
  });

  it('re-encodes an animation byte for byte the same twice', async () => {
    const input = await animation('image/webp', 300, 120);
    const [first, second] = [await processUpload(input, [], LIMITS), await processUpload(input, [], LIMITS)];
    expect(first.bytes.equals(second.bytes)).toBe(true);
    expect(first.thumb!.bytes.equals(second.thumb!.bytes)).toBe(true);
  });
});
