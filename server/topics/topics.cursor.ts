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

/** The orders a community's topic list offers (server/topics/topics.schema.ts describes them). */
export type TopicSort = 'latest' | 'top' | 'unanswered' | 'votes';

/** A sort key's type: a timestamp (as `to_char` prints it in UTC, to the microsecond) or an integer. */
export type TopicKeyType = 'timestamp' | 'int';

/** After pinned and before id, each sort's keys: what `topicListCursor` carries, in the order the list is sorted. */
export const TOPIC_SORT_KEYS: Record<TopicSort, readonly TopicKeyType[]> = {
  latest: ['timestamp'],
  unanswered: ['timestamp'],
  top: ['int', 'int'],
  votes: ['int'],
};

/** A timestamp written by the list's `to_char(… AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`. */
const UTC_MICROS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;

function isUtcMicros(value: string): boolean {
  const m = UTC_MICROS.exec(value);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // A date the database would refuse (Feb 30, hour 25) must be a 400, not a failed query.
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}

export interface TopicListPosition {
  pinned: boolean;
  keys: (string | number)[];
  id: number;
}

/**
 * Where a topic list continues: [pinned, …the sort's keys, id] of the last topic shown, which the
 * next page compares as a row with the same columns of its index. Cursors handed out before the
 * lists sorted on plain columns (a numeric key) do not decode: 400 invalid_cursor, as for any
 * cursor this server did not hand out.
 */
export function decodeTopicListCursor(cursor: string, sort: TopicSort): TopicListPosition {
  const types = TOPIC_SORT_KEYS[sort];
  const values = decodeCursor(cursor, ['boolean', ...types.map((t) => (t === 'int' ? ('number' as const) : ('string' as const))), 'number']);
  const keys = values.slice(1, -1) as (string | number)[];
  const id = values.at(-1) as number;
  const valid =
    Number.isInteger(id) &&
    id >= 0 &&
    id <= INT4_MAX &&
    keys.every((k, i) => (types[i] === 'int' ? Number.isInteger(k) && Math.abs(k as number) <= INT4_MAX : isUtcMicros(k as string)));
  if (!valid) throw badRequest('invalid_cursor', 'The cursor is not one this server handed out.');
  return { pinned: values[0] as boolean, keys, id };
}

export const encodeTopicListCursor = (p: TopicListPosition) => encodeCursor([p.pinned, ...p.keys, p.id]);
