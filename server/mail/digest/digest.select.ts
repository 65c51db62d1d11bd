/**
 * What goes into one member's digest: three queries, however many topics and communities are
 * involved. Each walks indexes from the member outwards (their unread notifications, their
 * memberships, each community's recently active topics) and is bounded by LIMITs, so a big
 * community costs a member no more than a small one.
 *
 * A digest is read away from the site, by anyone the mail reaches: it lists only what the public
 * may read (never hidden or deleted posts, never hidden topics), even to moderators. It never lists
 * the member's own posts, posts already mailed to them, topics or categories they muted, topics
 * they stopped mail for, or anything from a community that banned them.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../../../db/client.js';
import { banInForce } from '../../moderation/bans.js';
import { publiclyReadableSql } from '../../visibility/visibility.js';

/** Items shown per section. */
export const SECTION_SIZE = 5;

/** Rows asked for per section: a post may already sit in an earlier section. */
const FETCH = SECTION_SIZE * 3;

/** Unread notifications read for the personal section, newest first. */
const TOLD_LIMIT = 100;

/** Posts looked at per coalesced reply notification ("5 new replies" is one row). */
const REPLIES_PER_TOPIC = 30;

/** A community's most recently active topics looked at for its answers and questions. */
const TOPICS_PER_COMMUNITY = 200;

/** Of each of those topics, only the newest posts can be answers written in the period. */
const NEWEST_POSTS = 50;

export interface DigestPost {
  postId: number;
  number: number;
  html: string;
  author: string;
  topic: { id: number; title: string };
  category: string;
  community: { slug: string; name: string; language: string };
}

/** Why a post is the member's business. */
export type PersonalReason = 'reply' | 'mention' | 'new_topic' | 'watching';

export interface PersonalItem extends DigestPost {
  why: PersonalReason;
}

export interface AnswerItem extends DigestPost {
  accepted: boolean;
  helpful: number;
}

export interface QuestionItem extends DigestPost {
  replies: number;
}

export interface DigestSelection {
  personal: PersonalItem[];
  answers: AnswerItem[];
  questions: QuestionItem[];
}

interface Row {
  post_id: number;
  number: number;
  body_html: string;
  author: string;
  topic_id: number;
  title: string;
  category: string;
  slug: string;
  community: string;
  language: string;
}

const toPost = (r: Row): DigestPost => ({
  postId: Number(r.post_id),
  number: Number(r.number),
  html: r.body_html,
  author: r.author,
  topic: { id: Number(r.topic_id), title: r.title },
  category: r.category,
  community: { slug: r.slug, name: r.community, language: r.language },
});

/** The columns every section shows, over aliases p (post), t (topic), a (author), cat, c (community). */
const SHOWN = sql.raw(`p.id AS post_id, p.number, p.body_html, coalesce(nullif(a.display_name, ''), a.handle) AS author,
  t.id AS topic_id, t.title, cat.name AS category, c.slug, c.name AS community, c.language`);

/** The member's level for topic t: their own for it, else for its category, else authors watch their topics. */
const levelSql = (userId: number) => sql`coalesce(
  (SELECT l.level FROM notification_levels l WHERE l.user_id = ${userId} AND l.target_type = 'topic' AND l.target_id = t.id),
  (SELECT l.level FROM notification_levels l WHERE l.user_id = ${userId} AND l.target_type = 'category' AND l.target_id = t.category_id),
  CASE WHEN t.author_id = ${userId} THEN 'watching' ELSE 'normal' END)`;

/** Whether post p in topic t may appear in this member's digest (see the module comment). */
function mayList(userId: number): SQL {
  return sql`${publiclyReadableSql('p', 't')}
    AND p.author_id <> ${userId}
    AND ${levelSql(userId)} <> 'muted'
    AND NOT EXISTS (SELECT 1 FROM bans WHERE bans.community_id = t.community_id AND bans.user_id = ${userId} AND ${banInForce()})
    AND NOT EXISTS (SELECT 1 FROM email_opt_outs o WHERE o.user_id = ${userId} AND o.stream = 'topic' AND o.target = t.id::text)
    AND NOT EXISTS (SELECT 1 FROM mailed_posts mp WHERE mp.user_id = ${userId} AND mp.post_id = p.id)`;
}

/**
 * Replies to the member, mentions of them, and new posts in what they watch: the member's unread
 * notifications (which already apply who is told what) re-read now, so that anything hidden,
 * muted or read since is left out. A reply notification stands for all the unread replies of its
 * topic from its post on; of those, the ones the member was told about are the replies to them,
 * or all of them in a topic they watch. Direct ones first, then the newest.
 */
export async function personalItems(db: Executor, userId: number, since: string): Promise<PersonalItem[]> {
  const found = await rows<Row & { why: PersonalReason }>(
    db,
    sql`
    WITH told AS (
      SELECT n.kind, n.post_id FROM notifications n
      WHERE n.user_id = ${userId} AND n.read_at IS NULL AND n.kind IN ('reply', 'mention', 'new_topic')
        AND n.post_id IS NOT NULL AND n.updated_at >= ${since}::timestamptz
      ORDER BY n.updated_at DESC
      LIMIT ${TOLD_LIMIT}
    ), candidate AS (
      SELECT n.post_id, n.kind FROM told n WHERE n.kind <> 'reply'
      UNION ALL
      SELECT later.id, 'reply' FROM told n
      JOIN posts first ON first.id = n.post_id
      CROSS JOIN LATERAL (
        SELECT p.id FROM posts p WHERE p.topic_id = first.topic_id AND p.number >= first.number ORDER BY p.number LIMIT ${REPLIES_PER_TOPIC}
      ) later
      WHERE n.kind = 'reply'
    ), listed AS (
      SELECT DISTINCT ON (p.id) ${SHOWN}, p.created_at,
        CASE WHEN k.kind = 'mention' THEN 'mention' WHEN rt.author_id = ${userId} THEN 'reply'
          WHEN p.number = 1 THEN 'new_topic' ELSE 'watching' END AS why
      FROM candidate k
      JOIN posts p ON p.id = k.post_id
      JOIN topics t ON t.id = p.topic_id
      JOIN categories cat ON cat.id = t.category_id
      JOIN communities c ON c.id = t.community_id
      JOIN users a ON a.id = p.author_id
      LEFT JOIN posts rt ON rt.id = p.reply_to_id
      LEFT JOIN topic_reads tr ON tr.user_id = ${userId} AND tr.topic_id = t.id
      WHERE p.created_at >= ${since}::timestamptz
        AND (tr.last_read_number IS NULL OR tr.last_read_number < p.number)
        AND (k.kind <> 'reply' OR rt.author_id = ${userId} OR ${levelSql(userId)} = 'watching')
        AND ${mayList(userId)}
      ORDER BY p.id, (k.kind = 'mention') DESC
    )
    SELECT * FROM listed ORDER BY (why IN ('mention', 'reply')) DESC, created_at DESC, post_id DESC
    LIMIT ${FETCH}`,
  );
  return found.map((r) => ({ ...toPost(r), why: r.why }));
}

/**
 * Topics of the member's communities (those that have not banned them) active since `since`:
 * the newest few hundred per community, through topics_latest_idx (`pinned = ANY` lets both
 * halves of that index be read as ranges on last_post_at).
 */
const activeTopics = (userId: number, since: string, extra: SQL) => sql`
  memberships m
  JOIN communities c ON c.id = m.community_id
  CROSS JOIN LATERAL (
    SELECT t.id, t.title, t.author_id, t.category_id, t.community_id, t.hidden, t.last_number, t.solution_post_id, t.solved_at, t.created_at
    FROM topics t
    WHERE t.community_id = m.community_id AND t.pinned = ANY(ARRAY[false, true]) AND t.last_post_at >= ${since}::timestamptz
      AND NOT t.hidden ${extra}
    ORDER BY t.last_post_at DESC
    LIMIT ${TOPICS_PER_COMMUNITY}
  ) t
  JOIN categories cat ON cat.id = t.category_id`;

/**
 * The communities' most helpful answers of the period: replies written since `since` that readers
 * marked helpful, and answers accepted since then (in topics active since then). An acceptance
 * counts as one more reader finding it helpful; ties go to the newer.
 */
export async function helpfulAnswers(db: Executor, userId: number, since: string): Promise<AnswerItem[]> {
  const found = await rows<Row & { accepted: boolean; helpful: number }>(
    db,
    sql`
    SELECT ${SHOWN}, (p.id IS NOT DISTINCT FROM t.solution_post_id) AS accepted, p.helpful_count AS helpful
    FROM ${activeTopics(userId, since, sql``)}
    CROSS JOIN LATERAL (
      SELECT p.id, p.number, p.author_id, p.body_html, p.created_at, p.helpful_count, p.hidden, p.deleted FROM posts p
      WHERE p.topic_id = t.id AND p.number > greatest(1, t.last_number - ${NEWEST_POSTS}) AND p.created_at >= ${since}::timestamptz
        AND (p.helpful_count > 0 OR p.id = t.solution_post_id)
      UNION ALL
      -- An older answer accepted in the period (the newest posts above are those written in it).
      SELECT p.id, p.number, p.author_id, p.body_html, p.created_at, p.helpful_count, p.hidden, p.deleted FROM posts p
      WHERE p.id = t.solution_post_id AND t.solved_at >= ${since}::timestamptz
        AND NOT (p.number > greatest(1, t.last_number - ${NEWEST_POSTS}) AND p.created_at >= ${since}::timestamptz)
    ) p
    JOIN users a ON a.id = p.author_id
    WHERE m.user_id = ${userId}
      AND p.number > 1
      AND ${mayList(userId)}
    ORDER BY p.helpful_count + (p.id IS NOT DISTINCT FROM t.solution_post_id)::int DESC, p.created_at DESC, p.id DESC
    LIMIT ${FETCH}`,
  );
  return found.map((r) => ({ ...toPost(r), accepted: !!r.accepted, helpful: Number(r.helpful) }));
}

/**
 * Questions asked since `since` in the member's communities that nobody has answered (no
 * accepted answer), by someone else, in which the member has not written: unreplied ones first,
 * then those with fewest replies, then the newest. Listed by their opening post.
 */
export async function openQuestions(db: Executor, userId: number, since: string): Promise<QuestionItem[]> {
  const found = await rows<Row & { replies: number }>(
    db,
    sql`
    SELECT ${SHOWN}, r.replies
    FROM ${activeTopics(
      userId,
      since,
      sql`AND t.kind = 'question' AND t.solution_post_id IS NULL AND t.created_at >= ${since}::timestamptz AND t.author_id <> ${userId}`,
    )}
    JOIN posts p ON p.topic_id = t.id AND p.number = 1
    JOIN users a ON a.id = p.author_id
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS replies FROM posts r WHERE r.topic_id = t.id AND r.number > 1 AND NOT r.hidden AND NOT r.deleted
    ) r
    WHERE m.user_id = ${userId}
      AND NOT EXISTS (SELECT 1 FROM posts mine WHERE mine.author_id = ${userId} AND mine.created_at >= t.created_at AND mine.topic_id = t.id)
      AND ${mayList(userId)}
    ORDER BY (r.replies = 0) DESC, r.replies, t.created_at DESC, t.id DESC
    LIMIT ${FETCH}`,
  );
  return found.map((r) => ({ ...toPost(r), replies: Number(r.replies) }));
}

/** The three sections, each post at most once (in the first section that has it), SECTION_SIZE each. */
export async function selectDigest(db: Executor, userId: number, since: string): Promise<DigestSelection> {
  const personal = await personalItems(db, userId, since);
  const answers = await helpfulAnswers(db, userId, since);
  const questions = await openQuestions(db, userId, since);
  const seen = new Set<number>();
  const take = <T extends DigestPost>(items: T[]): T[] => {
    const kept: T[] = [];
    for (const item of items) {
      if (kept.length === SECTION_SIZE || seen.has(item.postId)) continue;
      seen.add(item.postId);
      kept.push(item);
    }
    return kept;
  };
  return { personal: take(personal), answers: take(answers), questions: take(questions) };
}

export const isEmpty = (s: DigestSelection): boolean => !s.personal.length && !s.answers.length && !s.questions.length;

export const listedPosts = (s: DigestSelection): number[] => [...s.personal, ...s.answers, ...s.questions].map((i) => i.postId);
