import { negotiate } from '@fastify/accept-negotiator';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

/** The encodings an answer is kept in ahead of time, in the order a reader's preference is met. */
export const PRECOMPRESSED = ['br', 'gzip'] as const;
export type Precompressed = (typeof PRECOMPRESSED)[number];

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/**
 * Compresses an answer once, to be sent many times: brotli at a middling quality (a kept page is
 * compressed again after every change of its topic, and quality 11 costs ten times more for a few
 * per cent), gzip at its default level. Runs on libuv's pool, off the event loop.
 */
export function precompress(bytes: Buffer, encoding: Precompressed): Promise<Buffer> {
  if (encoding === 'gzip') return gzipped(bytes, { level: 6 });
  return brotli(bytes, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
}

/** The kept encoding this reader takes, best first; null when it takes neither (`br;q=0, gzip;q=0`, or no header). */
export function takenEncoding(acceptEncoding: string | string[] | undefined): Precompressed | null {
  if (typeof acceptEncoding !== 'string') return null;
  return negotiate<Precompressed>(acceptEncoding, [...PRECOMPRESSED]);
}
