/**
 * The API calls of a community's insights (figures, trends, superusers, what people searched for)
 * and its public health panel. Kept out of api.ts so that the first load does not carry them: the
 * insights page is loaded on first use, and the health panel only when a community shows one.
 */
import type { Static } from 'typebox';
import type * as insights from '../../../server/insights/insights.schema.js';
import type * as searches from '../../../server/insights/searches.schema.js';
import { api, type CallOptions, type IsoDateTime } from './api';

type Request = typeof api.request;

// -- shapes (contract: API.md "Insights") ----------------------------------------------------

/** Every figure, in the order the page and the all-series CSV list them. */
export const FIGURE_KEYS = [
  'topics',
  'questions',
  'replies',
  'activeContributors',
  'newContributors',
  'firstResponseMedianSeconds',
  'firstResponseP90Seconds',
  'firstPeerResponseMedianSeconds',
  'firstStaffResponseMedianSeconds',
  'unansweredRate',
  'solvedRate',
  'solutionMedianSeconds',
  'peerSolvedShare',
  'staffReplyShare',
  'superuserShare',
  'flagsPer1000Posts',
  'flagSettleMedianSeconds',
  'ideaVotes',
  'ideaStatusChanges',
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];

/** Numbers; null where there is nothing to measure (no reply to time, no question to solve). Defined in the schema's descriptions. */
export type Figures = Static<typeof insights.Figures>;

// The list above must name every figure the server has, and nothing else, or this fails the type check.
type Assert<T extends true> = T;
export type FiguresAreComplete = [Assert<[keyof Figures] extends [FigureKey] ? true : false>, Assert<[FigureKey] extends [keyof Figures] ? true : false>];

export type InsightsInterval = 'day' | 'week';

/** `series`: one entry per interval, oldest first, `start` its first instant; `superusers`: the window's top 10 helpers who are not staff. */
export type Insights = Static<typeof insights.InsightsReply>;
export type Superuser = Insights['superusers'][number];

/** The most searched terms (with what the latest search found) and those that found nothing; `counting`: whether this server counts searches now. */
export type SearchTerms = Static<typeof searches.SearchTermsReply>;

/** The public panel: the last 90 days. `memberReplyShare` = 1 - staffReplyShare. */
export type CommunityHealth = Static<typeof insights.HealthReply>;

export interface InsightsWindow {
  from: IsoDateTime;
  to: IsoDateTime;
}

// -- calls -------------------------------------------------------------------------------------

const enc = encodeURIComponent;

export function insightsCalls(request: Request) {
  return {
    /** Staff, moderators, admins and site admins: `401 not_signed_in`, `403 not_staff`; `400 invalid_window` / `window_too_long`. */
    insights(slug: string, query: InsightsWindow & { interval: InsightsInterval }, opts?: CallOptions): Promise<Insights> {
      return request<Insights>('GET', `/communities/${enc(slug)}/insights`, { ...opts, query: { from: query.from, to: query.to, interval: query.interval } });
    },
    /** Same access as `insights`. */
    searchTerms(slug: string, query: InsightsWindow, opts?: CallOptions): Promise<SearchTerms> {
      return request<SearchTerms>('GET', `/communities/${enc(slug)}/insights/searches`, { ...opts, query: { from: query.from, to: query.to } });
    },
    /** Anyone; `404 health_panel_off` while the community's admins have not switched it on. */
    health(slug: string, opts?: CallOptions): Promise<CommunityHealth> {
      return request<CommunityHealth>('GET', `/communities/${enc(slug)}/health`, opts);
    },
  };
}

export const insightsApi = insightsCalls(api.request);
