import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { Reply, TestClient } from './client.js';

export interface FormPart {
  name: string;
  value: Buffer | string;
  /** Makes the part a file. */
  filename?: string;
  type?: string;
}

/** A multipart/form-data body as a browser sends it. */
export function multipartBody(parts: FormPart[]): { body: Buffer; contentType: string } {
  const boundary = `----parley${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.type ? `Content-Type: ${part.type}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head), Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POST /api/uploads with one file (and a community, for downloads), as the composer sends it. */
export function upload(client: TestClient, bytes: Buffer, opts: { filename?: string; type?: string; community?: string } = {}): Promise<Reply> {
  const parts: FormPart[] = [{ name: 'file', value: bytes, filename: opts.filename ?? 'screenshot.png', type: opts.type ?? 'image/png' }];
  if (opts.community) parts.push({ name: 'community', value: opts.community });
  const { body, contentType } = multipartBody(parts);
  return client.post('/api/uploads', body, { 'content-type': contentType });
}

/** A PNG of one colour; distinct colours give distinct files. */
export function png(width: number, height: number, seed = randomBytes(3)): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: seed[0]!, g: seed[1]!, b: seed[2]! } } })
    .png()
    .toBuffer();
}

/** A PNG of random pixels: it does not compress, so its size follows its dimensions (about 3 bytes a pixel). */
export function noise(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** A small but real PDF (file-type knows it by its header). */
export const pdf = (text = 'hello'): Buffer =>
  Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj ` +
      `3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n% ${text}\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
  );
