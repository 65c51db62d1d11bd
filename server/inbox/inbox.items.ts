/**
 * What is in a community's inbox, found in the data each time: nothing about an item is stored, so
 * it leaves by itself once resolved (a reply, an answer, a status, a settled flag). Each kind is one
 * statement over an index, bounded: at most ITEMS_PER_KIND items, the newest first, and where a
 * kind must look at topics one by one (is the asker the last to write?), at most a fixed number of
 * the most recently active topics.
 *
 * Only what the public can read makes an item (a hidden or deleted post or a hidden topic makes
 * none), except held and flagged content, which is the review queue's.
 *
 * Every statement answers rows of one shape (KindRow): the item's id within its kind, `since`
 * (when it became an item, or will: rows with `since` in the future say when a time-based rule
 * will next put one here), `activity` (its latest change: a done item comes back once either moves
 * past the time it was marked done), and the topic, post and counts it shows.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { thresholdOf, type InboxRule } from './inbox.rules.js';

/** Items per kind: the inbox is what needs a person now, not an archive. */
export const ITEMS_PER_KIND = 100;
/**
 * How many of a community's most recently active topics (of those a kind looks at) are looked at
 * one by one: the cost of a kind stays the same in a community of a thousand topics or a million.
 */
export const TOPICS_SCANNED = 2000;
/** Topics whose replies are all their asker's own, or hidden, are looked for among this many of the most recently active. */
const RECENT_SCANNED = 1000;
/** Questions active within a rule's wait, looked at for the next one to come due. */
const PENDING_SCANNED = 500;

/** The roles that answer for the organisation in the inbox's sense: staff, moderators, admins. */
const ORGANISATION_ROLES = sql`('staff', 'moderator', 'admin')`;

export interface KindRow {
  item_id: number;
  since: string | Date;
  activity: string | Date;
  due: boolean;
  votes: number | null;
  replies: number | null;
  flags: number | null;
  queue_item_id: number | null;
  topic_id: number | null;
  topic_title: string | null;
  topic_kind: 'discussion' | 'question' | 'idea' | null;
  category_slug: string | null;
  post_id: number | null;
  post_number: number | null;
  post_html: string | null;
  post_hidden: boolean | null;
  post_deleted: boolean | null;
  author_id: number | null;
  author_handle: string | null;
  author_display_name: string | null;
}

/** A visible, non-deleted reply by someone other than the topic's author (`t` in the caller). */
const qualifyingReply = (topic: string, before?: SQL) => {
  const t = sql.raw(topic);
  return sql`EXISTS (SELECT 1 FROM posts q WHERE q.topic_id = ${t}.id AND q.number > 1 ${before ? sql`AND q.number < ${before}` : sql``}
    AND NOT q.hidden AND NOT q.deleted AND q.author_id <> ${t}.author_id)`;
};

const only = (column: SQL, id: number | null) => (id === null ? sql`` : sql`AND ${column} = ${id}`);

/**
 * Questions and discussions with no qualifying reply (API.md "Insights": visible, number > 1, by
 * someone other than the topic's author) `hours` after they were opened. Pinned topics are
 * announcements and locked ones are closed to replies: neither waits for one. Found two ways:
 * topics with no reply at all (the unanswered index, exact), and, among the most recently active,
 * those whose replies are all the asker's own or hidden.
 */
function noReply(communityId: number, hours: number, id: number | null): SQL {
  const wait = sql`make_interval(hours => ${hours})`;
  const open = sql`t.community_id = ${communityId} AND NOT t.pinned AND t.solution_post_id IS NULL AND t.kind <> 'idea' AND NOT t.hidden AND NOT t.locked ${only(sql`t.id`, id)}`;
  return sql`
    WITH cand AS (
      (SELECT t.id, t.created_at, t.last_post_at FROM topics t
       WHERE ${open} AND t.post_count <= 1 AND t.created_at <= now() - ${wait}
       ORDER BY t.created_at DESC LIMIT ${ITEMS_PER_KIND})
      UNION
      (SELECT t.id, t.created_at, t.last_post_at FROM topics t
       WHERE ${open} AND t.post_count <= 1 AND t.created_at > now() - ${wait}
       ORDER BY t.created_at LIMIT 1)
      UNION
      (SELECT r.id, r.created_at, r.last_post_at FROM (
         SELECT t.id, t.created_at, t.last_post_at, t.author_id, t.post_count, t.kind, t.hidden, t.locked, t.solution_post_id FROM topics t
         WHERE t.community_id = ${communityId} AND NOT t.pinned ${only(sql`t.id`, id)}
         ORDER BY t.last_post_at DESC LIMIT ${RECENT_SCANNED}) r
       WHERE r.post_count > 1 AND r.kind <> 'idea' AND NOT r.hidden AND NOT r.locked AND r.solution_post_id IS NULL AND NOT ${qualifyingReply('r')})
    )
    SELECT c.id AS item_id, c.created_at + ${wait} AS since, c.last_post_at AS activity, c.id AS topic_id, p.id AS post_id,
      NULL::int AS votes, NULL::int AS replies, NULL::int AS flags, NULL::int AS queue_item_id
    FROM cand c JOIN posts p ON p.topic_id = c.id AND p.number = 1 AND NOT p.hidden AND NOT p.deleted`;
}

/**
 * Unsolved questions (the unsolved-questions index), visible and open, that pass `test` on their
 * last visible post (`lp`): the most recently active of those at least `wait` quiet (due, up to
 * ITEMS_PER_KIND, among at most TOPICS_SCANNED), and the first of those active within it to come
 * due. Each scan runs in the index's order, so it stops as soon as it has found enough.
 */
function unsolvedQuestions(communityId: number, wait: SQL, id: number | null, minPosts: number, test: SQL): SQL {
  const open = sql`t.community_id = ${communityId} AND t.kind = 'question' AND t.solution_post_id IS NULL
    AND NOT t.pinned AND NOT t.hidden AND NOT t.locked AND t.post_count >= ${minPosts} ${only(sql`t.id`, id)}`;
  const columns = sql`t.id, t.author_id, t.last_post_at, t.post_count`;
  const found = (scan: SQL, order: SQL, limit: number) => sql`
      (SELECT s.id AS item_id, lp.created_at + ${wait} AS since, lp.created_at AS activity, s.id AS topic_id, lp.id AS post_id,
         NULL::int AS votes, s.post_count - 1 AS replies, NULL::int AS flags, NULL::int AS queue_item_id
       FROM (${scan}) s
       CROSS JOIN LATERAL (
         SELECT p.id, p.author_id, p.created_at, p.number FROM posts p
         WHERE p.topic_id = s.id AND NOT p.hidden AND NOT p.deleted ORDER BY p.number DESC LIMIT 1
       ) lp
       WHERE ${test}
       ORDER BY s.last_post_at ${order} LIMIT ${limit})`;
  return sql`
    ${found(sql`SELECT ${columns} FROM topics t WHERE ${open} AND t.last_post_at <= now() - ${wait} ORDER BY t.last_post_at DESC LIMIT ${TOPICS_SCANNED}`, sql`DESC`, ITEMS_PER_KIND)}
    UNION ALL
    ${found(sql`SELECT ${columns} FROM topics t WHERE ${open} AND t.last_post_at > now() - ${wait} ORDER BY t.last_post_at LIMIT ${PENDING_SCANNED}`, sql`ASC`, 1)}`;
}

/** Unsolved questions whose last visible post is the asker's, after replies from others, `hours` ago. */
function askerWaiting(communityId: number, hours: number, id: number | null): SQL {
  return unsolvedQuestions(
    communityId,
    sql`make_interval(hours => ${hours})`,
    id,
    3,
    sql`lp.author_id = s.author_id AND ${qualifyingReply('s', sql`lp.number`)}`,
  );
}

/** Unsolved questions with qualifying replies whose last visible post is `days` old. */
function staleUnsolved(communityId: number, days: number, id: number | null): SQL {
  return unsolvedQuestions(communityId, sql`make_interval(days => ${days})`, id, 2, qualifyingReply('s'));
}

/**
 * Visible ideas with at least `votes` votes and no status from the organisation, the most voted
 * first (the ideas-by-votes index). An idea became one when its `votes`-th vote (of those it still
 * has) came in.
 */
function popularIdea(communityId: number, votes: number, id: number | null): SQL {
  const idea = (pinned: boolean) => sql`
      (SELECT t.id, t.votes, t.created_at, t.post_count FROM topics t
       WHERE t.community_id = ${communityId} AND t.kind = 'idea' AND t.pinned = ${pinned} AND t.votes >= ${votes}
         AND t.idea_status IS NULL AND NOT t.hidden ${only(sql`t.id`, id)}
       ORDER BY t.votes DESC, t.id DESC LIMIT ${ITEMS_PER_KIND})`;
  return sql`
    WITH s AS (${idea(false)} UNION ALL ${idea(true)})
    SELECT s.id AS item_id, coalesce(v.created_at, s.created_at) AS since, coalesce(v.created_at, s.created_at) AS activity,
      s.id AS topic_id, p.id AS post_id, s.votes, s.post_count - 1 AS replies, NULL::int AS flags, NULL::int AS queue_item_id
    FROM s
    JOIN posts p ON p.topic_id = s.id AND p.number = 1 AND NOT p.hidden AND NOT p.deleted
    LEFT JOIN LATERAL (
      SELECT tv.created_at FROM topic_votes tv WHERE tv.topic_id = s.id ORDER BY tv.created_at OFFSET ${votes - 1} LIMIT 1
    ) v ON true`;
}

/**
 * Visible posts of the last `days` days that mention someone with an organisation role here, by
 * someone without one, and that nobody with one has replied after yet. The mentions are the
 * mention notifications the posts made (one per person named: the notifications' own index).
 */
function mentionsStaff(communityId: number, days: number, id: number | null): SQL {
  const window = sql`now() - make_interval(days => ${days})`;
  return sql`
    SELECT n.post_id AS item_id, min(n.created_at) AS since, max(n.created_at) AS activity, min(p.topic_id) AS topic_id, n.post_id AS post_id,
      NULL::int AS votes, NULL::int AS replies, NULL::int AS flags, NULL::int AS queue_item_id
    FROM notifications n
    JOIN memberships m ON m.community_id = n.community_id AND m.user_id = n.user_id AND m.role IN ${ORGANISATION_ROLES}
    JOIN posts p ON p.id = n.post_id
    JOIN topics t ON t.id = p.topic_id
    WHERE n.community_id = ${communityId} AND n.kind = 'mention' AND n.created_at >= ${window} ${only(sql`n.post_id`, id)}
      AND NOT p.hidden AND NOT p.deleted AND NOT t.hidden AND p.author_role NOT IN ${ORGANISATION_ROLES}
      AND NOT EXISTS (
        SELECT 1 FROM posts s WHERE s.topic_id = p.topic_id AND s.number > p.number
          AND NOT s.hidden AND NOT s.deleted AND s.author_role IN ${ORGANISATION_ROLES})
    GROUP BY n.post_id
    ORDER BY n.post_id DESC LIMIT ${ITEMS_PER_KIND}`;
}

/** Held first posts and topics, and authors' requests for a review of their hidden post: the queue's open items other than flags. */
function held(communityId: number, id: number | null): SQL {
  return sql`
    SELECT q.id AS item_id, q.created_at AS since, q.created_at AS activity, q.topic_id, q.post_id,
      NULL::int AS votes, NULL::int AS replies, NULL::int AS flags, q.id AS queue_item_id
    FROM queue_items q
    WHERE q.community_id = ${communityId} AND q.status = 'open' AND q.kind <> 'flag' ${only(sql`q.id`, id)}
    ORDER BY q.id DESC LIMIT ${ITEMS_PER_KIND}`;
}

/** Posts with open flags, one item per post: since its first open flag, changed by every new one. */
function flagged(communityId: number, id: number | null): SQL {
  return sql`
    SELECT f.post_id AS item_id, min(f.created_at) AS since, max(f.created_at) AS activity, min(f.topic_id) AS topic_id, f.post_id,
      NULL::int AS votes, NULL::int AS replies, count(*)::int AS flags, min(f.id) AS queue_item_id
    FROM queue_items f
    WHERE f.community_id = ${communityId} AND f.status = 'open' AND f.kind = 'flag' ${only(sql`f.post_id`, id)}
    GROUP BY f.post_id
    ORDER BY min(f.created_at) DESC LIMIT ${ITEMS_PER_KIND}`;
}

function kindSql(rule: InboxRule, communityId: number, id: number | null): SQL {
  const n = thresholdOf(rule) ?? 0;
  switch (rule.kind) {
    case 'no_reply':
      return noReply(communityId, n, id);
    case 'asker_waiting':
      return askerWaiting(communityId, n, id);
    case 'stale_unsolved':
      return staleUnsolved(communityId, n, id);
    case 'popular_idea':
      return popularIdea(communityId, n, id);
    case 'mentions_staff':
      return mentionsStaff(communityId, n, id);
    case 'held':
      return held(communityId, id);
    case 'flagged':
      return flagged(communityId, id);
  }
}

/**
 * One kind's rows, with the topic and post they show. The kind's own rows are materialised first
 * (at most a few hundred), so what they show is read by key for them alone.
 */
export async function findKind(db: Executor, rule: InboxRule, communityId: number, id: number | null = null): Promise<KindRow[]> {
  return rows<KindRow>(
    db,
    sql`
    WITH f AS MATERIALIZED (${kindSql(rule, communityId, id)})
    SELECT f.item_id, f.since, f.activity, f.since <= now() AS due, f.votes, f.replies, f.flags, f.queue_item_id,
      t.id AS topic_id, t.title AS topic_title, t.kind AS topic_kind, c.slug AS category_slug,
      p.id AS post_id, p.number AS post_number, left(p.body_html, 2000) AS post_html, p.hidden AS post_hidden, p.deleted AS post_deleted,
      u.id AS author_id, u.handle AS author_handle, u.display_name AS author_display_name
    FROM f
    LEFT JOIN topics t ON t.id = f.topic_id
    LEFT JOIN categories c ON c.id = t.category_id
    LEFT JOIN posts p ON p.id = f.post_id
    LEFT JOIN users u ON u.id = p.author_id`,
  );
}
