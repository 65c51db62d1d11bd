/**
 * Which pages search engines are asked to index: the sitemap lists exactly these topics, and every
 * other public page says `noindex` (it stays readable; robots.txt disallows none of them).
 *
 * A topic is indexable when all of these hold:
 * - its community and its category are listed (an admin has not marked either `unlisted`);
 * - the public may read it: the topic is not hidden, and its opening post is neither hidden nor
 *   deleted (a page whose first post is a tombstone has nothing to offer a searcher);
 * - it is not thin: a question is thin until it has a visible reply (a post with number > 1 that is
 *   neither hidden nor deleted), because an unanswered question only sends the next person with the
 *   same problem to a page without the answer. A discussion or an idea is never thin: its opening
 *   post is the content.
 *
 * A topic's last modification is the latest creation or edit of a visible post in it: what a
 * reader of the page would notice. Bumps (lastPostAt) move with hidden replies too, so they are
 * not used.
 *
 * Visibility comes from server/visibility (publiclyReadableSql, the SQL twin of isPubliclyReadable).
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { publiclyReadableSql } from '../visibility/visibility.js';

/**
 * The rule as a condition over a query's aliases `t` (topics), `c` (communities) and `cat`
 * (categories), for queries that list many topics at once (the sitemap).
 */
export const indexableTopicSql = (): SQL => sql`(
  NOT c.unlisted AND NOT cat.unlisted AND NOT t.hidden
  AND EXISTS (SELECT 1 FROM posts op WHERE op.topic_id = t.id AND op.number = 1 AND ${publiclyReadableSql('op', 't')})
  AND (t.kind <> 'question' OR EXISTS (SELECT 1 FROM posts r WHERE r.topic_id = t.id AND r.number > 1 AND ${publiclyReadableSql('r', 't')}))
)`;

/** The latest creation or edit of a visible post of the topic aliased `t`, as a column. */
export const lastModifiedSql = (): SQL =>
  sql`(SELECT max(greatest(lp.created_at, coalesce(lp.edited_at, lp.created_at))) FROM posts lp WHERE lp.topic_id = t.id AND ${publiclyReadableSql('lp', 't')})`;

/** The joins `indexableTopicSql` expects. */
export const indexableFrom = (): SQL => sql`topics t JOIN communities c ON c.id = t.community_id JOIN categories cat ON cat.id = t.category_id`;

/** Whether the topic page should be indexed (false for a topic that does not exist). */
export async function isTopicIndexable(db: Executor, topicId: number): Promise<boolean> {
  return (await topicIndexFacts(db, topicId)).indexable;
}

/** What a topic page's head needs from here, in one round trip: whether it is indexed, and its last change. */
export async function topicIndexFacts(db: Executor, topicId: number): Promise<{ indexable: boolean; lastModified: Date | null }> {
  const found = await rows<{ indexable: boolean; at: Date | string | null }>(
    db,
    sql`SELECT ${indexableTopicSql()} AS indexable, ${lastModifiedSql()} AS at FROM ${indexableFrom()} WHERE t.id = ${topicId}`,
  );
  const at = found[0]?.at;
  return { indexable: found[0]?.indexable === true, lastModified: at ? new Date(at) : null };
}

/**
 * Whether a community's pages (its topic list, or one category's when `categorySlug` is given)
 * should be indexed: the community, and the category, exist and are not unlisted.
 */
export async function isCommunityIndexable(db: Executor, slug: string, categorySlug?: string): Promise<boolean> {
  const found = await rows<{ unlisted: boolean }>(
    db,
    categorySlug === undefined
      ? sql`SELECT c.unlisted FROM communities c WHERE c.slug = ${slug.toLowerCase()}`
      : sql`SELECT (c.unlisted OR cat.unlisted) AS unlisted FROM communities c JOIN categories cat ON cat.community_id = c.id
          WHERE c.slug = ${slug.toLowerCase()} AND cat.slug = ${categorySlug.toLowerCase()}`,
  );
  return found[0]?.unlisted === false;
}

/** The latest creation or edit of a visible post of the topic; null when it has none (or is hidden). */
export async function topicLastModified(db: Executor, topicId: number): Promise<Date | null> {
  const found = await rows<{ at: Date | string | null }>(db, sql`SELECT ${lastModifiedSql()} AS at FROM topics t WHERE t.id = ${topicId}`);
  const at = found[0]?.at;
  return at ? new Date(at) : null;
}
