import { sql, type SQL } from 'drizzle-orm';
import { badRequest } from '../errors/errors.js';

export const INTERVALS = ['day', 'week'] as const;
export type Interval = (typeof INTERVALS)[number];

const DAY_MS = 86_400_000;
export const INTERVAL_MS: Record<Interval, number> = { day: DAY_MS, week: 7 * DAY_MS };
/** A leap year and a day of slack: "the last 365 days" never trips it, "the last two years" does. */
export const MAX_WINDOW_DAYS = 366;
export const DEFAULT_WINDOW_DAYS = 30;

/**
 * What the figures are measured over: from (inclusive) to `to` (exclusive), cut into intervals
 * aligned on UTC days, or on weeks starting Monday 00:00 UTC. The first interval may start before
 * `from` and the last end after `to`: each counts only what falls in the window.
 */
export interface Window {
  from: Date;
  to: Date;
  interval: Interval;
  /** Start of the first interval. */
  base: Date;
  /** Number of intervals. */
  buckets: number;
}

export interface WindowInput {
  from?: string | undefined;
  to?: string | undefined;
  interval?: string | undefined;
}

// A date, or a date and time with an optional zone (none means UTC): what `new Date().toISOString()` and date inputs give.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const invalid = (field: string, value: string) =>
  badRequest('invalid_window', `"${value}" is not a usable ${field}: use an ISO date (2025-01-31) or date and time.`, { field, value });

function parseInstant(field: string, value: string): Date {
  const m = ISO.exec(value);
  if (!m) throw invalid(field, value);
  const withZone = m[4] !== undefined && m[7] === undefined ? `${value}Z` : value;
  const at = new Date(withZone);
  const year = Number(m[1]);
  // Date rolls 2025-02-30 over to March: a date that is not one is refused, not moved.
  if (Number.isNaN(at.getTime()) || year < 1970 || (m[7] === undefined && at.getUTCDate() !== Number(m[3]))) throw invalid(field, value);
  return at;
}

/** The UTC midnight of the day `at` falls in; with `week`, of the Monday on or before it. */
export function intervalStart(at: Date, interval: Interval): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (interval === 'day') return new Date(day);
  const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
  return new Date(day - sinceMonday * DAY_MS);
}

/** The query's window, with the defaults (to = now, from = to − 30 days, interval = day); 400 `invalid_window`, `window_too_long`. */
export function parseWindow(input: WindowInput, now: Date = new Date()): Window {
  const interval = input.interval ?? 'day';
  if (!(INTERVALS as readonly string[]).includes(interval)) {
    throw badRequest('invalid_window', `"${interval}" is not an interval: use day or week.`, { field: 'interval', value: interval });
  }
  const to = input.to === undefined ? now : parseInstant('to', input.to);
  const from = input.from === undefined ? new Date(to.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS) : parseInstant('from', input.from);
  if (from.getTime() >= to.getTime()) {
    throw badRequest('invalid_window', 'The window must start before it ends.', { field: 'from', value: from.toISOString() });
  }
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) {
    throw badRequest('window_too_long', `A window is at most ${MAX_WINDOW_DAYS} days long.`, { max: MAX_WINDOW_DAYS });
  }
  return windowOf(from, to, interval as Interval);
}

export function windowOf(from: Date, to: Date, interval: Interval): Window {
  const base = intervalStart(from, interval);
  const buckets = Math.ceil((to.getTime() - base.getTime()) / INTERVAL_MS[interval]);
  return { from, to, interval, base, buckets };
}

/** Start of interval `i`. */
export const bucketStart = (w: Window, i: number): Date => new Date(w.base.getTime() + i * INTERVAL_MS[w.interval]);

/**
 * The interval a time falls in, as an index from 0, computed in SQL. A number rather than a
 * truncated timestamp: no time zone of the session or of the driver can shift it.
 */
export const bucketSql = (w: Window, at: SQL): SQL =>
  sql`floor(date_part('epoch', ${at} - ${w.base.toISOString()}::timestamptz) / ${INTERVAL_MS[w.interval] / 1000}::int)::int`;

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * A window over insight_posts' `day` and `week` columns (UTC day, Monday of the UTC week): the
 * weeks it touches (the range of insight_posts_window_idx), then the exact instants.
 */
export const postsInWindowSql = (w: Window, alias: string): SQL =>
  sql`${sql.raw(alias)}.week >= ${isoDay(intervalStart(w.from, 'week'))}::date AND ${sql.raw(alias)}.week <= ${isoDay(
    intervalStart(new Date(w.to.getTime() - 1), 'week'),
  )}::date AND ${inWindowSql(w, sql.raw(`${alias}.created_at`))}`;

/** The interval of an insight_posts row from its `day` or `week` column (exact: both are UTC dates, as the intervals are). */
export const postBucketSql = (w: Window, alias: string): SQL =>
  w.interval === 'day' ? sql`(${sql.raw(alias)}.day - ${isoDay(w.base)}::date)` : sql`((${sql.raw(alias)}.week - ${isoDay(w.base)}::date) / 7)`;

/** The columns insight_posts is grouped by for per-interval, per-member figures: in the order of insight_posts_window_idx. */
export const postGroupSql = (w: Window, alias: string): SQL =>
  w.interval === 'day' ? sql.raw(`${alias}.week, ${alias}.author_id, ${alias}.day`) : sql.raw(`${alias}.week, ${alias}.author_id`);

/** `column` within the window, as SQL. */
export const inWindowSql = (w: Window, at: SQL): SQL => sql`${at} >= ${w.from.toISOString()}::timestamptz AND ${at} < ${w.to.toISOString()}::timestamptz`;
