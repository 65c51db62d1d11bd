import { eq, inArray } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { intArray, rows, type Db } from '../../db/client.js';
import { postColumns, topicColumns } from '../../db/columns.js';
import { categories, posts, topics, users } from '../../db/schema.js';
import { badRequest } from '../errors/errors.js';
import { findCommunity } from '../communities/communities.service.js';
import type { CommunityRow } from '../communities/communities.present.js';
import { presentPost } from '../posts/posts.present.js';
import { presentTopic } from '../topics/topics.present.js';
import { decodeCursor, encodeCursor } from '../topics/topics.cursor.js';
import type { TopicListCache } from '../topics/topic-list.cache.js';
import type { KeptJson } from '../compression/kept-json.js';
import { userColumns } from '../users/users.present.js';
import { isPubliclyReadable, publiclyReadableSql } from '../visibility/visibility.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';
import { foldQuery, type SearchTermCounter } from './search.terms.js';

/** Ranked matches, the same for every viewer (only publicly readable text is searched), kept per process for a few seconds. */
export type SearchCache = TopicListCache<RankedMatch[]>;
interface RankedMatch {
  id: number;
  snippet: string;
}

// Control characters cannot occur in stored text, so they mark highlights unambiguously.
const START = '\u0002';
const STOP = '\u0003';
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Matches ranked per search, from each side (post text, topic titles): the newest this many. */
export const SEARCH_CANDIDATES = 200;

/**
 * Full-text search over posts and titles, ranked among the newest SEARCH_CANDIDATES matches of
 * each (in a large community a common word matches tens of thousands of posts; ranking them all
 * took a second). Only publicly readable text is searched, for every
 * viewer: a hidden or deleted post never shows up, not even as a snippet.
 */
export async function search(db: Db, viewer: Viewer, slug: string, q: string, cursor?: string, limit = 20, cache?: SearchCache, terms?: SearchTermCounter) {
  const offset = cursor ? Number(decodeCursor(cursor, ['number'])[0]) : 0;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > 1_000_000) throw badRequest('invalid_cursor', 'The cursor is not one this server handed out.');
  const community = await findCommunity(db, slug);
  const [role, ranked] = await Promise.all([roleIn(db, viewer, community.id), rankedMatches(db, community, q, offset, limit, cache)]);
  const standing = { viewer, role };
  const page = ranked.slice(0, limit);
  if (!page.length) {
    countSearch(terms, community.slug, q, cursor, 0);
    return { items: [], nextCursor: null };
  }
  const topicAuthors = alias(users, 'topic_authors');
  const loaded = await db
    .select({ post: postColumns, author: userColumns(users), topic: topicColumns, topicAuthor: userColumns(topicAuthors), categorySlug: categories.slug })
    .from(posts)
    .innerJoin(users, eq(posts.authorId, users.id))
    .innerJoin(topics, eq(posts.topicId, topics.id))
    .innerJoin(topicAuthors, eq(topics.authorId, topicAuthors.id))
    .innerJoin(categories, eq(topics.categoryId, categories.id))
    .where(
      inArray(
        posts.id,
        page.map((r) => Number(r.id)),
      ),
    );
  const byId = new Map(loaded.map((r) => [r.post.id, r]));

  const items = page.flatMap(({ id, snippet }) => {
    const r = byId.get(Number(id));
    // Re-checked after loading: a post hidden between the two queries must not slip out.
    if (!r || !isPubliclyReadable(r.post, r.topic)) return [];
    return [
      {
        topic: presentTopic(r.topic, { communitySlug: community.slug, categorySlug: r.categorySlug, author: r.topicAuthor }),
        post: presentPost(r.post, r.author, standing),
        snippet: snippet.replaceAll(START, '').replaceAll(STOP, ''),
        snippetHtml: escapeHtml(snippet).replaceAll(START, '<mark>').replaceAll(STOP, '</mark>'),
      },
    ];
  });
  countSearch(terms, community.slug, q, cursor, items.length);
  return { items, nextCursor: ranked.length > limit ? encodeCursor([offset + limit]) : null };
}

/**
 * Counts a search for insights (anonymously: search.terms.ts), however it was answered: ranked
 * afresh, from the ranked matches kept, or a guest's whole answer kept by the route. Only a first
 * page is a search; a next page is the same search read further. `results`: what the page showed.
 */
export function countSearch(terms: SearchTermCounter | undefined, slug: string, q: string, cursor: string | undefined, results: number): void {
  if (!cursor) terms?.record(slug, q, results);
}

/**
 * The ranked matches of one page, from `cache` while its community has had no list event and the
 * entry is younger than its time to live. What a viewer is then shown is loaded and checked again
 * by `search` on every request: a post hidden since it was ranked drops out at once.
 */
async function rankedMatches(db: Db, community: CommunityRow, q: string, offset: number, limit: number, cache?: SearchCache): Promise<RankedMatch[]> {
  // The same words in another case or spacing are the same search.
  const key = JSON.stringify([community.id, community.searchConfig, community.searchConfigs, foldQuery(q), offset, limit]);
  return cache?.enabled ? cache.getOrLoad(key, community.slug, () => rank(db, community, q, offset, limit)) : rank(db, community, q, offset, limit);
}

async function rank(db: Db, community: CommunityRow, q: string, offset: number, limit: number): Promise<RankedMatch[]> {
  // Every configuration the community's rows are in: one, or more while a re-index runs. Each row
  // is matched with the query parsed its own way; each alternative is a GIN index scan of its own.
  const configs = community.searchConfigs.length ? community.searchConfigs : [community.searchConfig];
  const parsed = (config: string) => sql`websearch_to_tsquery(${config}::regconfig, ${q})`;
  const matches = (row: 'p' | 't') =>
    configs.length === 1
      ? sql`${sql.raw(row)}.search @@ ${parsed(configs[0]!)}`
      : sql`(${sql.join(
          configs.map((c) => sql`(${sql.raw(row)}.search_config = ${c} AND ${sql.raw(row)}.search @@ ${parsed(c)})`),
          sql` OR `,
        )})`;
  const queryOf = (row: 'p' | 't') =>
    configs.length === 1
      ? parsed(configs[0]!)
      : sql`CASE ${sql.raw(row)}.search_config ${sql.join(
          configs.map((c) => sql`WHEN ${c} THEN ${parsed(c)}`),
          sql` `,
        )} END`;
  // Candidates first, each side read through its own index (GIN for a rare term, newest-first by
  // id for a common one; the planner picks by the term's statistics): the newest matching posts,
  // and the opening posts of the newest topics whose title matches. Only those are ranked, so a
  // word in every tenth post of a million costs what a rare one does.
  return rows<RankedMatch>(
    db,
    sql`
    WITH post_hits AS (
      SELECT p.id FROM posts p JOIN topics t ON t.id = p.topic_id
      WHERE t.community_id = ${community.id} AND NOT t.hidden AND NOT p.hidden AND NOT p.deleted AND ${matches('p')}
      ORDER BY p.id DESC LIMIT ${SEARCH_CANDIDATES}
    ), title_hits AS (
      SELECT p.id FROM topics t JOIN posts p ON p.topic_id = t.id AND p.number = 1
      WHERE t.community_id = ${community.id} AND NOT t.hidden AND NOT p.hidden AND NOT p.deleted AND ${matches('t')}
      ORDER BY t.id DESC LIMIT ${SEARCH_CANDIDATES}
    )
    SELECT p.id, ts_headline(p.search_config::regconfig, p.body, ${queryOf('p')}, ${`StartSel=${START}, StopSel=${STOP}, MaxWords=30, MinWords=10, MaxFragments=2`}) AS snippet
    FROM (SELECT id FROM post_hits UNION SELECT id FROM title_hits) hits
    JOIN posts p ON p.id = hits.id JOIN topics t ON t.id = p.topic_id
    ORDER BY ts_rank(p.search, ${queryOf('p')}) + 2 * ts_rank(t.search, ${queryOf('t')}) DESC, p.id DESC
    LIMIT ${limit + 1} OFFSET ${offset}`,
  );
}

/** A guest's answer, serialised, and the posts it shows. */
export interface KeptAnswer {
  postIds: number[];
  json: KeptJson;
  /** Taken before the search read anything. */
  at: Date;
}
export type GuestSearchCache = TopicListCache<KeptAnswer>;

/** The key of a search: the same words in another case or spacing are the same search. */
export const searchKey = (slug: string, q: string, cursor?: string) => JSON.stringify([slug.toLowerCase(), foldQuery(q), cursor ?? null]);

/**
 * Whether every one of the posts may still be read by anyone (none hidden or deleted since) and
 * reads as it did at `since` (none edited since), in one index lookup each. `since` is this
 * process's clock and an edit is stamped by the database's: a margin covers the two disagreeing.
 */
export async function unchangedSince(db: Db, postIds: number[], since: Date): Promise<boolean> {
  if (!postIds.length) return true;
  const after = new Date(since.getTime() - CLOCK_MARGIN_MS);
  const [row] = await rows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM posts p JOIN topics t ON t.id = p.topic_id
        WHERE p.id = ANY(${intArray(postIds)}::int[]) AND ${publiclyReadableSql('p', 't')}
          AND (p.edited_at IS NULL OR p.edited_at < ${after.toISOString()}::timestamptz)`,
  );
  return Number(row?.n) === postIds.length;
}

const CLOCK_MARGIN_MS = 5000;
