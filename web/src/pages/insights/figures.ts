/**
 * What each insights figure is and how it reads: its kind (a count, a duration, a share, a rate
 * per 1,000 posts), its words in the catalogues, and its formatting in the reader's language. The
 * headline figures, the charts, their tables and the CSV files all go through this one place.
 */
import type { FigureKey } from '../../lib/api-insights';
import { hasMessage, t } from '../../lib/i18n.svelte';

/** `seconds`: a duration; `share`: 0..1; `per1000`: flags per 1,000 posts. */
export type FigureKind = 'count' | 'seconds' | 'share' | 'per1000';

export const FIGURE_KIND: Record<FigureKey, FigureKind> = {
  topics: 'count',
  questions: 'count',
  replies: 'count',
  activeContributors: 'count',
  newContributors: 'count',
  firstResponseMedianSeconds: 'seconds',
  firstResponseP90Seconds: 'seconds',
  firstPeerResponseMedianSeconds: 'seconds',
  firstStaffResponseMedianSeconds: 'seconds',
  unansweredRate: 'share',
  solvedRate: 'share',
  solutionMedianSeconds: 'seconds',
  peerSolvedShare: 'share',
  staffReplyShare: 'share',
  superuserShare: 'share',
  flagsPer1000Posts: 'per1000',
  flagSettleMedianSeconds: 'seconds',
  ideaVotes: 'count',
  ideaStatusChanges: 'count',
};

/** The headline figures, grouped as the page shows them. */
export const FIGURE_GROUPS: { id: 'activity' | 'help' | 'solutions' | 'helpers' | 'moderation' | 'ideas'; keys: FigureKey[] }[] = [
  { id: 'activity', keys: ['topics', 'questions', 'replies', 'activeContributors', 'newContributors'] },
  {
    id: 'help',
    keys: ['firstResponseMedianSeconds', 'firstResponseP90Seconds', 'firstPeerResponseMedianSeconds', 'firstStaffResponseMedianSeconds', 'unansweredRate'],
  },
  { id: 'solutions', keys: ['solvedRate', 'solutionMedianSeconds', 'peerSolvedShare'] },
  { id: 'helpers', keys: ['staffReplyShare', 'superuserShare'] },
  { id: 'moderation', keys: ['flagsPer1000Posts', 'flagSettleMedianSeconds'] },
  { id: 'ideas', keys: ['ideaVotes', 'ideaStatusChanges'] },
];

/** The charts: every figure is in one of them, so every series has a chart, a table and a CSV. */
export const CHARTS: { id: 'activity' | 'contributors' | 'response' | 'shares' | 'moderation' | 'ideas'; keys: FigureKey[] }[] = [
  { id: 'activity', keys: ['topics', 'questions', 'replies'] },
  { id: 'contributors', keys: ['activeContributors', 'newContributors'] },
  {
    id: 'response',
    keys: [
      'firstResponseMedianSeconds',
      'firstResponseP90Seconds',
      'firstPeerResponseMedianSeconds',
      'firstStaffResponseMedianSeconds',
      'solutionMedianSeconds',
    ],
  },
  { id: 'shares', keys: ['unansweredRate', 'solvedRate', 'peerSolvedShare', 'staffReplyShare', 'superuserShare'] },
  { id: 'moderation', keys: ['flagsPer1000Posts', 'flagSettleMedianSeconds'] },
  { id: 'ideas', keys: ['ideaVotes', 'ideaStatusChanges'] },
];

/** Each figure's name in the catalogues (keys there are snake_case). */
const MESSAGE_ID = {
  topics: 'topics',
  questions: 'questions',
  replies: 'replies',
  activeContributors: 'active_contributors',
  newContributors: 'new_contributors',
  firstResponseMedianSeconds: 'first_response_median',
  firstResponseP90Seconds: 'first_response_p90',
  firstPeerResponseMedianSeconds: 'first_peer_response_median',
  firstStaffResponseMedianSeconds: 'first_staff_response_median',
  unansweredRate: 'unanswered_rate',
  solvedRate: 'solved_rate',
  solutionMedianSeconds: 'solution_median',
  peerSolvedShare: 'peer_solved_share',
  staffReplyShare: 'staff_reply_share',
  superuserShare: 'superuser_share',
  flagsPer1000Posts: 'flags_per_1000_posts',
  flagSettleMedianSeconds: 'flag_settle_median',
  ideaVotes: 'idea_votes',
  ideaStatusChanges: 'idea_status_changes',
} as const satisfies Record<FigureKey, string>;

export const figureLabel = (key: FigureKey): string => t(`insights.figure.${MESSAGE_ID[key]}.label`);
export const figureDefinition = (key: FigureKey): string => t(`insights.figure.${MESSAGE_ID[key]}.definition`);

/** Why a figure has no value (only figures that can lack one have a sentence; counts never do). */
export function figureNone(key: FigureKey): string {
  const own = `insights.figure.${MESSAGE_ID[key]}.none`;
  return hasMessage(own) ? t(own) : '';
}

// -- formatting ----------------------------------------------------------------------------------

const formats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}:${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    formats.set(key, format);
  }
  return format;
}

export type DurationUnit = 'second' | 'minute' | 'hour' | 'day';
export const UNIT_SECONDS: Record<DurationUnit, number> = { second: 1, minute: 60, hour: 3600, day: 86_400 };

/** The unit a duration reads best in: under a minute in seconds, under an hour in minutes, under 48 hours in hours, then days. */
export function durationUnit(seconds: number): DurationUnit {
  const s = Math.abs(seconds);
  return s < 59.5 ? 'second' : s < 3570 ? 'minute' : s < 48 * 3600 ? 'hour' : 'day';
}

/** "45 seconds", "12 minutes", "3.5 hours", "2.1 days", in the reader's language. */
export function formatDuration(seconds: number, locale: string, style: 'long' | 'short' = 'long'): string {
  const unit = durationUnit(seconds);
  const value = seconds / UNIT_SECONDS[unit];
  return numberFormat(locale, { style: 'unit', unit, unitDisplay: style, maximumFractionDigits: unit === 'second' || unit === 'minute' ? 0 : 1 }).format(value);
}

/** A duration in a chosen unit (a chart's axis): "30 min", "4 hr". */
export function formatInUnit(value: number, unit: DurationUnit, locale: string): string {
  return numberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
}

/** 0.425 → "42.5%". */
export function formatShare(share: number, locale: string): string {
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(share);
}

export function formatCount(n: number, locale: string): string {
  return numberFormat(locale, { maximumFractionDigits: 1 }).format(n);
}

/** A figure's value for people; null when there is nothing to measure (the page shows a dash). */
export function formatFigure(key: FigureKey, value: number | null, locale: string): string | null {
  if (value === null || !Number.isFinite(value)) return null;
  switch (FIGURE_KIND[key]) {
    case 'seconds':
      return formatDuration(value, locale);
    case 'share':
      return formatShare(value, locale);
    default:
      return formatCount(value, locale);
  }
}

const dates = new Map<string, Intl.DateTimeFormat>();
/**
 * A day as the page's tables and axes show it. In UTC: the server counts days and weeks from
 * midnight UTC, so a day shown in the reader's own zone could be labelled with its neighbour.
 */
export function formatDay(iso: string | number, locale: string, style: 'long' | 'short' = 'long'): string {
  const key = `${locale}:${style}`;
  let format = dates.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, style === 'long' ? { dateStyle: 'medium', timeZone: 'UTC' } : { day: 'numeric', month: 'short', timeZone: 'UTC' });
    dates.set(key, format);
  }
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : format.format(date);
}
