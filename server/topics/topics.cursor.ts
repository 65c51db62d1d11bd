import { badRequest } from '../errors/errors.js';
import { INT4_MAX } from '../schemas/common.schema.js';

/** Opaque keyset cursors: the sort key of the last item, so pages never skip or repeat under inserts. */
export const encodeCursor = (values: (string | number | boolean)[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

export function decodeCursor(cursor: string, shape: ('string' | 'number' | 'boolean')[]): (string | number | boolean)[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values) && values.length === shape.length && values.every((v, i) => typeof v === shape[i])) {
      return values as (string | number | boolean)[];
    }
  } catch {
    /* fall through */
  }
  throw badRequest('invalid_cursor', 'The cursor is not one this server handed out.');
}

/** Where a topic page starts: `after` (a post number) or the `cursor` the previous page handed out. */
export function pageAfter(after: number | undefined, cursor: string | undefined): number {
  const value = after ?? (cursor ? Number(cursor) : 0);
  // Post numbers are PostgreSQL integers: a larger cursor was never handed out (and would fail the query).
  if (value > INT4_MAX) throw badRequest('invalid_cursor', 'The cursor is not one this server handed out.');
  return value;
}

/** Lists ordered by id, newest first, page on "ids below this one". */
export function decodeIdCursor(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  const id = /^\d{1,10}$/.test(cursor) ? Number(cursor) : 0;
  if (id < 1 || id > INT4_MAX) throw badRequest('invalid_cursor', 'The cursor is not one this server handed out.');
  return id;
}
