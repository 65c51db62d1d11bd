import fp from 'fastify-plugin';
import compress from '@fastify/compress';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { constants as zlib } from 'node:zlib';
import { COMPRESSION_THRESHOLD, compressNow, takenEncoding, worthCompressing } from './precompress.js';
import { varyOnEncoding } from './kept-json.js';

/** What is worth compressing: text, JSON, XML (SVG, feeds); never a stream of events. */
const COMPRESSIBLE = /^text\/(?!event-stream)|[+/]json(?:;|$)|[+/]xml(?:;|$)|^application\/javascript/;

/**
 * Every answer compressed as `Accept-Encoding` allows (brotli, else gzip), once it is over the
 * threshold and of a compressible type. Answers that already carry a Content-Encoding (the cached
 * pages and topic JSON, kept compressed once per render) go out untouched; WebSocket upgrades never
 * pass through here. Registered before the routes: @fastify/compress attaches itself to each route
 * as it is added.
 */
export const compressionPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(compress, {
      globalCompression: true,
      // Fixed, not the plugin's default list: it puts zstd first where Node has it (22.15+), which
      // would make what a reader gets depend on the runtime, and the caches keep only these two.
      encodings: ['br', 'gzip'],
      threshold: COMPRESSION_THRESHOLD,
      customTypes: COMPRESSIBLE,
      // Brotli's default quality (11) costs milliseconds per page. Measured on a 13 KB notifications
      // page and a 19 KB topic list: quality 2 takes half the time of 4 (70 against 140 µs) for 4–6%
      // more bytes, about gzip's cost and size.
      brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 2, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } },
      // An answer already in memory is compressed in one call up to this size, not through a
      // compressing stream (on two cores the plugin's default, 8 KB, sent a 13 KB page through one,
      // whose machinery cost more than the compression): under 64 KB it holds the event loop for
      // at most a quarter of a millisecond.
      syncThreshold: 65_536,
      // Request bodies stay as sent: no client compresses them, and inflating them would be one
      // more way past the body limit.
      globalDecompression: false,
    });

    // The rendered pages are answered by the not-found handler (every path that is no route is a
    // page), which @fastify/compress never sees: compressed here, in one piece.
    app.addHook('onSend', async (request, reply, payload) => {
      if (!request.is404 || reply.hasHeader('content-encoding') || !compressible(reply, payload)) return payload;
      varyOnEncoding(reply);
      const encoding = takenEncoding(request.headers['accept-encoding']);
      if (!encoding) return payload;
      const packed = compressNow(Buffer.from(payload), encoding);
      reply.header('content-encoding', encoding).header('content-length', packed.length);
      return packed;
    });
  },
  { name: 'compression' },
);

function compressible(reply: FastifyReply, payload: unknown): payload is string | Buffer {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return false;
  return worthCompressing(payload) && COMPRESSIBLE.test(String(reply.getHeader('content-type') ?? ''));
}
