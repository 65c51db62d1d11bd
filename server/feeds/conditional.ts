import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Conditional GET for generated documents: the ETag is a hash of the bytes, so any change (an
 * item added, edited, hidden or retitled) changes it. Last-Modified only moves with items created
 * or edited, so a removal shows only in the ETag; a client that sends both is judged by the ETag
 * alone, as RFC 9110 §13.2.2 asks.
 */
export function sendConditional(request: FastifyRequest, reply: FastifyReply, body: string, lastModified: Date) {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  // HTTP dates have whole seconds: compare at that precision, or a client could never match.
  const modified = new Date(Math.floor(lastModified.getTime() / 1000) * 1000);
  reply.header('etag', etag).header('last-modified', modified.toUTCString());
  const ifNoneMatch = request.headers['if-none-match'];
  const ifModifiedSince = request.headers['if-modified-since'];
  const fresh =
    ifNoneMatch !== undefined
      ? ifNoneMatch
          .split(',')
          .map((t) => t.trim().replace(/^W\//, ''))
          .some((t) => t === etag || t === '*')
      : ifModifiedSince !== undefined && Date.parse(ifModifiedSince) >= modified.getTime();
  return fresh ? reply.status(304).send() : reply.send(body);
}
