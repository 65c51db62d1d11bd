import { promisify } from 'node:util';
import { constants as zlib, crc32, deflateRaw } from 'node:zlib';

const deflated = promisify(deflateRaw);

/**
 * The part of a gzip answer that every reader shares, deflated once: its stream flushed to a byte
 * boundary but not finished, so more blocks may follow it (RFC 1951), with the CRC-32 and length of
 * what it holds, which the member's trailer must cover (RFC 1952).
 */
export interface GzipHead {
  deflated: Buffer;
  crc: number;
  length: number;
}

/** Deflates the shared part once, on libuv's pool, at gzip's default level (it is made once per version of the page). */
export async function deflateHead(bytes: Buffer): Promise<GzipHead> {
  return {
    deflated: await deflated(bytes, { level: 6, finishFlush: zlib.Z_SYNC_FLUSH }),
    crc: crc32(bytes),
    length: bytes.length,
  };
}

// ID1 ID2, deflate, no flags, no mtime, no extra flags, OS unknown.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** A stored block holds at most this many bytes. */
const STORED_MAX = 0xffff;

/**
 * One gzip member: the shared head, then the reader's own tail as it is, in stored blocks. The
 * tail is a few hundred bytes, so leaving it uncompressed costs about as many bytes as it holds
 * and no compression work: sending a 60 KB page costs a copy and the CRC of its tail.
 */
export function gzipWithTail(head: GzipHead, tail: Buffer): Buffer {
  const parts: Buffer[] = [GZIP_HEADER, head.deflated];
  let from = 0;
  do {
    const piece = tail.subarray(from, from + STORED_MAX);
    from += piece.length;
    const block = Buffer.allocUnsafe(5);
    // BFINAL on the last block, BTYPE 00 (stored); the stream is byte-aligned after the head's flush.
    block[0] = from >= tail.length ? 1 : 0;
    block.writeUInt16LE(piece.length, 1);
    block.writeUInt16LE(~piece.length & 0xffff, 3);
    parts.push(block, piece);
  } while (from < tail.length);
  const trailer = Buffer.allocUnsafe(8);
  // zlib's crc32 of a buffer with no memory behind it (an empty one may have none) is its initial value, 0, not the running CRC.
  trailer.writeUInt32LE(tail.length ? crc32(tail, head.crc) : head.crc, 0);
  trailer.writeUInt32LE((head.length + tail.length) >>> 0, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}
