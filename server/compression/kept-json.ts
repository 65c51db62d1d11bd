import type { FastifyReply } from 'fastify';
import { MadeOnce } from './made-once.js';
import { compressNow, precompress, takenEncoding, worthCompressing, type Precompressed } from './precompress.js';

/** Bytes to send as they are, with the Content-Encoding they are already in (null: plain). */
export interface Packed {
  bytes: Buffer;
  encoding: Precompressed | null;
}

/**
 * A JSON answer serialised once and sent to many readers (a guest's topic page, topic list,
 * search answer or moderation log), with each encoding made once, off the event loop, by the
 * first reader who takes it: a kept answer costs no compression work after that.
 */
export class KeptJson {
  private readonly encoded: Record<Precompressed, MadeOnce<Buffer>>;

  constructor(readonly json: Buffer) {
    this.encoded = { br: new MadeOnce(() => precompress(json, 'br')), gzip: new MadeOnce(() => precompress(json, 'gzip')) };
  }

  /** What `reply.serialize` gave (a string, from the route's schema serialiser). */
  static serialized(body: unknown): KeptJson {
    return new KeptJson(typeof body === 'string' ? Buffer.from(body) : Buffer.from(body as Uint8Array));
  }

  /**
   * The answer in the reader's encoding once it is made. Until then the plain bytes (which the
   * compression plugin compresses on the way out for that reader alone), and the first such
   * reader starts making it.
   */
  packedFor(acceptEncoding: string | string[] | undefined): Packed {
    const encoding = encodingFor(this.json, acceptEncoding);
    if (!encoding) return { bytes: this.json, encoding: null };
    const ready = this.encoded[encoding].ready();
    return ready ? { bytes: ready, encoding } : { bytes: this.json, encoding: null };
  }
}

/** An answer made for one reader (a guest's page with their own state spliced in), compressed now in one piece (see compressNow). */
export function packedOnce(json: Buffer, acceptEncoding: string | string[] | undefined): Packed {
  const encoding = encodingFor(json, acceptEncoding);
  return encoding ? { bytes: compressNow(json, encoding), encoding } : { bytes: json, encoding: null };
}

/** The encoding this answer goes in: none when it is too small to be worth it, or the reader takes none. */
function encodingFor(json: Buffer, acceptEncoding: string | string[] | undefined): Precompressed | null {
  return worthCompressing(json) ? takenEncoding(acceptEncoding) : null;
}

/** Sends JSON bytes as they are: no serialising again, no compressing again when already encoded. */
export function sendJson(reply: FastifyReply, packed: Packed, cache: string): FastifyReply {
  reply.type('application/json; charset=utf-8').header('x-parley-cache', cache);
  varyOnEncoding(reply);
  if (packed.encoding) reply.header('content-encoding', packed.encoding);
  return reply.send(packed.bytes);
}

/** Adds Accept-Encoding to the answer's Vary, keeping what is there (CORS's Origin, say). */
export function varyOnEncoding(reply: FastifyReply): void {
  const vary = String(reply.getHeader('vary') ?? '');
  if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) reply.header('vary', vary ? `${vary}, accept-encoding` : 'accept-encoding');
}
