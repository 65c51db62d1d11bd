/**
 * The corpus of hostile files uploads are known for (SVG with script, HTML renamed to .png, a GIF
 * that is also JavaScript, a photo that says where it was taken, a decompression bomb, truncated
 * files, programs and archives): each is refused with its stable code, or neutralised by the
 * re-encode. Only bytes reach processing, as from the upload route: no name, no declared type.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import type { UploadFileType } from '../db/schema.js';
import { AppError } from '../server/errors/errors.js';
import { processUpload, type ProcessLimits } from '../server/uploads/upload.process.js';

const LIMITS: ProcessLimits = { maxDimension: 1024, maxPixels: 4_000_000, thumbnailWidth: 200 };
const NONE: readonly UploadFileType[] = [];
const BOTH: readonly UploadFileType[] = ['application/pdf', 'text/plain'];

async function refusal(bytes: Buffer, allowed = NONE): Promise<{ status: number; code: string; details?: Record<string, unknown> }> {
  const err = await processUpload(bytes, allowed, LIMITS).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'refused with an AppError').toBeInstanceOf(AppError);
  const { statusCode: status, code, details } = err as AppError;
  return details ? { status, code, details } : { status, code };
}

const unsupported = { status: 415, code: 'unsupported_type' };
const unreadable = { status: 422, code: 'unreadable_file' };

/** A picture with detail: coarse noise (fine noise takes GIF's quantiser seconds). */
async function noisy(width: number, height: number): Promise<Sharp> {
  const coarse = { width: Math.ceil(width / 4), height: Math.ceil(height / 4), channels: 3 as const };
  const noise = await sharp({ create: { ...coarse, background: '#888', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
    .raw()
    .toBuffer();
  return sharp(noise, { raw: coarse }).resize(width, height, { kernel: 'nearest', fit: 'fill' });
}

/** A PNG made by hand, so its header can claim any size: the IDAT holds exactly the rows it claims, all zero. */
function pngOf(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const frame = Buffer.alloc(body.length + 8);
    frame.writeUInt32BE(data.length, 0);
    body.copy(frame, 4);
    frame.writeUInt32BE(crc32(body), body.length + 4);
    return frame;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // one bit per pixel, greyscale: the smallest honest rows there are
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height); // filter byte 0 and black pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The GPS IFD's entries in an EXIF block (`Exif\0\0` then TIFF), or [] when it has none. */
function gpsTags(exif: Buffer | undefined): number[] {
  if (!exif) return [];
  const tiff = exif.subarray(exif.indexOf('Exif\0\0', 0, 'latin1') + 6);
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const entries = (ifd: number) => Array.from({ length: u16(ifd) }, (_, i) => ({ tag: u16(ifd + 2 + i * 12), value: u32(ifd + 2 + i * 12 + 8) }));
  const gps = entries(u32(4)).find((e) => e.tag === 0x8825);
  return gps ? entries(gps.value).map((e) => e.tag) : [];
}

describe('markup is never taken in', () => {
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>');
  const svgWithProlog = Buffer.from('\uFEFF  <?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
  const html = Buffer.from('<!DOCTYPE html>\n<html><body><script>fetch("/api/me").then(r => r.text()).then(alert)</script></body></html>');

  it('refuses an SVG with a script', async () => {
    expect(await refusal(svg)).toEqual(unsupported);
    expect(await refusal(svgWithProlog)).toEqual(unsupported);
  });

  it('refuses an SVG even where text files are accepted', async () => {
    expect(await refusal(svg, BOTH)).toEqual(unsupported);
    expect(await refusal(svgWithProlog, BOTH)).toEqual(unsupported);
  });

  it('refuses HTML sent as cat.png (only the bytes decide)', async () => {
    expect(await refusal(html)).toEqual(unsupported);
    expect(await refusal(html, BOTH)).toEqual(unsupported);
    expect(await refusal(Buffer.from('\n\t  <html><img src=x onerror=alert(1)>'), BOTH)).toEqual(unsupported);
  });
});

describe('images are re-encoded, so nothing but pixels survives', () => {
  it('takes a GIF that is also JavaScript only as a clean picture without the script', async () => {
    const gif = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c33' } })
      .gif()
      .toBuffer();
    // `GIF89a/*` opens a JavaScript comment in the header (the width bytes are "/*"), a GIF comment
    // block after the colour table closes it and runs the script, and the bytes after the GIF's end
    // close the last comment: a page that includes this "image" as a <script> runs alert(1).
    const js = '*/=1;alert(1);/*';
    const polyglot = Buffer.concat([
      Buffer.from('GIF89a/*', 'latin1'),
      gif.subarray(8, 19), // the rest of the screen descriptor, and the two-colour table
      Buffer.from([0x21, 0xfe, js.length]),
      Buffer.from(js, 'latin1'),
      Buffer.from([0x00]),
      gif.subarray(19),
      Buffer.from('*/;alert(2)//', 'latin1'),
    ]);
    expect(polyglot.toString('latin1')).toMatch(/^GIF89a\/\*[\s\S]*\*\/=1;alert\(1\)/);
    expect((await sharp(polyglot).metadata()).format, 'a GIF to an image decoder').toBe('gif');

    const result = await processUpload(polyglot, NONE, LIMITS);

    expect(result.type).toBe('image/gif');
    const text = result.bytes.toString('latin1');
    expect(text).not.toContain('alert');
    expect(text).not.toContain('/*');
    expect(result.bytes.includes(Buffer.from([0x21, 0xfe])), 'no GIF comment block').toBe(false);
    expect(result.bytes.at(-1), 'nothing after the trailer').toBe(0x3b);
    expect(await sharp(result.bytes).metadata()).toMatchObject({ format: 'gif', width: 40, height: 30 });
  });

  it('drops GPS and all other EXIF from a photo', async () => {
    const withGps = await (
      await noisy(320, 240)
    )
      .jpeg()
      .withExif({
        IFD0: { Make: 'PhoneMaker', Model: 'Phone 12', Artist: 'Ada' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '52/1 31/1 1234/100', GPSLongitudeRef: 'E', GPSLongitude: '13/1 24/1 2/1' },
      })
      .toBuffer();
    const input = await sharp(withGps).metadata();
    expect(gpsTags(input.exif), 'the input has a latitude (tag 2) and a longitude (tag 4)').toEqual(expect.arrayContaining([2, 4]));

    const result = await processUpload(withGps, NONE, LIMITS);

    const output = await sharp(result.bytes).metadata();
    expect(output.exif).toBeUndefined();
    expect(output.xmp).toBeUndefined();
    expect(output.icc).toBeUndefined();
    const text = result.bytes.toString('latin1');
    for (const trace of ['Exif', 'PhoneMaker', 'Ada']) expect(text).not.toContain(trace);
  });

  it('drops XMP and bytes appended after the image', async () => {
    const png = await (
      await noisy(64, 64)
    )
      .png()
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">home-address</rdf:RDF></x:xmpmeta>')
      .toBuffer();
    const tail = Buffer.from('<script>alert(document.domain)</script>');
    const result = await processUpload(Buffer.concat([png, tail]), NONE, LIMITS);
    const text = result.bytes.toString('latin1');
    expect(text).not.toContain('home-address');
    expect(text).not.toContain('<script>');
    expect((await sharp(result.bytes).metadata()).xmp).toBeUndefined();
  });
});

describe('decompression bombs', () => {
  it('refuses a 20000×20000 PNG of one colour (48 KB on disk) from its header', async () => {
    const bomb = pngOf(20_000, 20_000);
    expect(bomb.length).toBeLessThan(100_000);
    expect(await refusal(bomb)).toEqual({ status: 413, code: 'image_too_large', details: { maxPixels: LIMITS.maxPixels } });
  });

  it('counts every frame of an animation', async () => {
    // Three frames of 1000×1500 (of different colours, or the encoder merges them): each under the limit, together over it.
    const frames = await Promise.all(
      ['#123', '#456', '#789'].map((background) =>
        sharp({ create: { width: 1000, height: 1500, channels: 3, background } })
          .raw()
          .toBuffer(),
      ),
    );
    const gif = await sharp(Buffer.concat(frames), { raw: { width: 1000, height: 4500, channels: 3, pageHeight: 1500 } })
      .gif()
      .toBuffer();
    expect((await sharp(gif, { animated: true }).metadata()).pages).toBe(3);
    expect(await refusal(gif)).toMatchObject({ status: 413, code: 'image_too_large' });
  });

  it('accepts an image just within the limit', async () => {
    const result = await processUpload(pngOf(2000, 2000), NONE, LIMITS);
    expect(result).toMatchObject({ type: 'image/png', width: 1024, height: 1024 });
  });
});

describe('damaged files', () => {
  it.each(['png', 'jpeg', 'webp', 'gif'] as const)('refuses a truncated %s instead of showing half of it', async (format) => {
    const whole = await (await noisy(300, 200)).toFormat(format).toBuffer();
    expect((await processUpload(whole, NONE, LIMITS)).width).toBe(300);
    expect(await refusal(whole.subarray(0, Math.floor(whole.length * 0.6)))).toEqual(unreadable);
  });

  it('refuses an image whose header is damaged', async () => {
    const png = await (await noisy(50, 50)).png().toBuffer();
    const broken = Buffer.from(png);
    broken.fill(0xff, 16, 24); // IHDR's width and height
    expect(await refusal(broken)).toEqual(unreadable);
  });

  it('refuses an empty file', async () => {
    expect(await refusal(Buffer.alloc(0), BOTH)).toEqual(unreadable);
  });
});

describe('programs and archives', () => {
  it('refuses a Windows program', async () => {
    const exe = Buffer.alloc(512);
    exe.write('MZ', 0, 'latin1');
    exe.writeUInt32LE(0x80, 0x3c);
    exe.write('PE\0\0', 0x80, 'latin1');
    expect(await refusal(exe, BOTH)).toEqual(unsupported);
  });

  it('refuses a ZIP archive', async () => {
    const name = Buffer.from('index.html');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(name.length, 26);
    const zip = Buffer.concat([header, name, Buffer.from('<script>alert(1)</script>')]);
    expect(await refusal(zip, BOTH)).toEqual(unsupported);
  });
});

describe('downloads a community may accept', () => {
  const pdf = Buffer.from(
    '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
  );
  const log = Buffer.from('2024-05-01 12:00:01 INFO starting\n2024-05-01 12:00:02 ERROR connection refused (ECONNREFUSED) — retrying ✓\n');

  it('refuses a PDF where the community does not accept PDFs', async () => {
    expect(await refusal(pdf)).toEqual(unsupported);
    expect(await refusal(pdf, ['text/plain'])).toEqual(unsupported);
  });

  it('keeps a PDF as sent where the community accepts PDFs', async () => {
    const result = await processUpload(pdf, ['application/pdf'], LIMITS);
    expect(result).toEqual({ type: 'application/pdf', bytes: pdf, width: null, height: null, animated: false, thumb: null });
  });

  it('keeps a text log as sent where the community accepts text', async () => {
    const result = await processUpload(log, ['text/plain'], LIMITS);
    expect(result).toEqual({ type: 'text/plain', bytes: log, width: null, height: null, animated: false, thumb: null });
    expect(await refusal(log)).toEqual(unsupported);
    expect(await refusal(log, ['application/pdf'])).toEqual(unsupported);
  });

  it('refuses text that is markup, binary or not UTF-8', async () => {
    expect(await refusal(Buffer.from('<html><body>hello</body></html>\n'), BOTH)).toEqual(unsupported);
    expect(await refusal(Buffer.from('\uFEFF<script>alert(1)</script>'), BOTH)).toEqual(unsupported);
    expect(await refusal(Buffer.from('line one\0line two\n'), BOTH)).toEqual(unsupported);
    expect(await refusal(Buffer.from([0x68, 0x69, 0xff, 0xfe, 0x0a]), BOTH)).toEqual(unsupported);
    expect(await refusal(Buffer.from('  \n\t'), BOTH)).toEqual(unsupported);
  });
});
