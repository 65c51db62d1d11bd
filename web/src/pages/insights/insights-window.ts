/**
 * The window the insights page shows, kept in its URL (`?days=30&interval=week`) so that a view
 * can be shared and the back button returns to the previous one. Anything else in the URL reads
 * as the default: the last 30 days, one point per day.
 */
import type { InsightsInterval } from '../../lib/api-insights';
import { p } from '../../router';

export const WINDOW_DAYS = [7, 30, 90, 365] as const;
export type WindowDays = (typeof WINDOW_DAYS)[number];
export const INTERVALS = ['day', 'week'] as const satisfies readonly InsightsInterval[];

const DEFAULT_DAYS: WindowDays = 30;
const DEFAULT_INTERVAL: InsightsInterval = 'day';
const DAY_MS = 86_400_000;

export interface WindowChoice {
  days: WindowDays;
  interval: InsightsInterval;
}

export function readWindow(param: (name: string) => string | null): WindowChoice {
  const days = WINDOW_DAYS.find((d) => String(d) === param('days')) ?? DEFAULT_DAYS;
  const interval = INTERVALS.find((i) => i === param('interval')) ?? DEFAULT_INTERVAL;
  return { days, interval };
}

export function insightsHref(slug: string, choice: WindowChoice): string {
  const params = { slug: encodeURIComponent(slug) };
  const search: Record<string, string> = {};
  if (choice.days !== DEFAULT_DAYS) search.days = String(choice.days);
  if (choice.interval !== DEFAULT_INTERVAL) search.interval = choice.interval;
  // sv-router 0.16 appends "undefined" for an empty search object: pass one only when needed.
  return Object.keys(search).length > 0 ? p('/c/:slug/insights', { params, search }) : p('/c/:slug/insights', { params });
}

/** The last `days` days up to now, as the API takes them. */
export function windowEndingNow(days: number, now = Date.now()): { from: string; to: string } {
  return { from: new Date(now - days * DAY_MS).toISOString(), to: new Date(now).toISOString() };
}
