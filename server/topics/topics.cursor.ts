import { badRequest } from '../errors/errors.js';

/** Opaque keyset cursors: the sort key of the last item, so pages never skip or repeat under inserts. */
export const encodeCursor = (values: (string | number | boolean)[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

export function decodeCursor(cursor: string, shape: ('string' | 'number' | 'boolean')[]): (string | number | boolean)[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values) && values.length === shape.length && values.every((v, i) => typeof v === shape[i])) {
      return values as (string | number | boolean)[];
    }
  } catch { /* fall through */ }
  throw badRequest('invalid_cursor', 'The cursor is not one this server handed out.');
}
