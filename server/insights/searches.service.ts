/**
 * What people searched for in a community over a window, from the anonymous daily counts
 * (server/search/search.terms.ts): the most searched terms, and those whose searches found nothing,
 * the clearest sign of content that is missing. For the community's own people only.
 */
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import type { Viewer } from '../visibility/viewer.js';
import { requireInsightsViewer } from './insights.service.js';
import { parseWindow } from './insights.window.js';

/** Terms per list. */
export const SEARCH_TERMS_LISTED = 50;

export interface SearchTermFigures {
  items: { term: string; count: number; results: number }[];
  noResults: { term: string; count: number }[];
}

/** The UTC days a window touches, first and last: a day's counts belong to it when any of the day lies inside. */
export function windowDays({ from, to }: { from: Date; to: Date }): { first: string; last: string } {
  return { first: from.toISOString().slice(0, 10), last: new Date(to.getTime() - 1).toISOString().slice(0, 10) };
}

/**
 * The most searched terms of community `communityId` over `window`, each with what its latest
 * search found, and the most searched of those whose latest search found nothing. `limit` per list.
 */
export async function topSearchTerms(
  db: Executor,
  communityId: number,
  window: { from: Date; to: Date },
  limit = SEARCH_TERMS_LISTED,
): Promise<SearchTermFigures> {
  const { first, last } = windowDays(window);
  const found = await rows<{ list: 'top' | 'vain'; term: string; count: number; results: number }>(
    db,
    sql`
    WITH terms AS (
      SELECT term, sum(searches)::int AS count, (array_agg(results ORDER BY day DESC))[1]::int AS results
      FROM search_terms
      WHERE community_id = ${communityId} AND day BETWEEN ${first}::date AND ${last}::date
      GROUP BY term
    ), top AS (
      SELECT * FROM terms ORDER BY count DESC, term LIMIT ${limit}
    ), vain AS (
      SELECT * FROM terms WHERE results = 0 ORDER BY count DESC, term LIMIT ${limit}
    )
    SELECT 'top' AS list, * FROM top UNION ALL SELECT 'vain' AS list, * FROM vain
    ORDER BY list, count DESC, term`,
  );
  const ranked = found.map((r) => ({ list: r.list, term: r.term, count: Number(r.count), results: Number(r.results) }));
  return {
    items: ranked.filter((r) => r.list === 'top').map(({ term, count, results }) => ({ term, count, results })),
    noResults: ranked.filter((r) => r.list === 'vain').map(({ term, count }) => ({ term, count })),
  };
}

export async function readSearchTerms(
  db: Executor,
  viewer: Viewer,
  slug: string,
  query: { from?: string | undefined; to?: string | undefined },
  counting: boolean,
  now = new Date(),
): Promise<SearchTermFigures & { from: string; to: string; counting: boolean }> {
  const community = await requireInsightsViewer(db, viewer, slug);
  const window = parseWindow(query, now);
  return { from: window.from.toISOString(), to: window.to.toISOString(), counting, ...(await topSearchTerms(db, community.id, window)) };
}
