import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';

export interface Reputation {
  /** Distinct other people who marked the user's posts helpful or whose question the user answered. */
  peopleHelped: number;
  /** Helpful marks from others on the user's posts. */
  helpfulReceived: number;
  /** The user's posts accepted as the answer to someone else's topic. */
  solutions: number;
  topicsStarted: number;
}

/**
 * A user's record of helping, everywhere. Only what every reader can see counts: nothing from
 * hidden or deleted posts or hidden topics. Nobody earns anything from themselves: their own
 * helpful marks (the API refuses them, but rows written any other way must not count either)
 * and answers they accepted on their own topics are left out.
 */
export async function computeReputation(db: Executor, userId: number): Promise<Reputation & { posts: number }> {
  return (await computeAt(db, userId)).figures;
}

/** The definition, and the member's rollup version it was computed at (read in the same snapshot). */
async function computeAt(db: Executor, userId: number): Promise<{ figures: Reputation & { posts: number }; version: number }> {
  const [row] = await rows<Record<'posts' | 'helpful' | 'solutions' | 'topics_started' | 'people_helped' | 'version', number>>(
    db,
    // The topic and the reactions of each of the member's posts are looked up by key, post by
    // post (OFFSET 0 keeps each lookup a subquery of its own): joined as tables, the planner
    // reads all topics and all reactions to hash them once a member has a few thousand posts.
    sql`
    WITH mine AS MATERIALIZED (
      SELECT p.id, p.number, t.author_id AS topic_author, (t.solution_post_id = p.id) AS accepted
      FROM posts p
      CROSS JOIN LATERAL (SELECT t.author_id, t.solution_post_id FROM topics t WHERE t.id = p.topic_id AND NOT t.hidden OFFSET 0) t
      WHERE p.author_id = ${userId} AND NOT p.deleted AND NOT p.hidden
    ), helped_by AS MATERIALIZED (
      SELECT r.user_id FROM mine
      CROSS JOIN LATERAL (SELECT r.user_id FROM reactions r WHERE r.post_id = mine.id AND r.kind = 'helpful' AND r.user_id <> ${userId} OFFSET 0) r
    ), answered AS (
      SELECT topic_author FROM mine WHERE accepted AND topic_author <> ${userId}
    )
    SELECT (SELECT count(*) FROM mine)::int AS posts,
           (SELECT count(*) FROM helped_by)::int AS helpful,
           (SELECT count(*) FROM answered)::int AS solutions,
           (SELECT count(*) FROM mine WHERE number = 1)::int AS topics_started,
           (SELECT count(*) FROM (SELECT user_id FROM helped_by UNION SELECT topic_author FROM answered) people)::int AS people_helped,
           coalesce((SELECT version FROM member_reputation WHERE user_id = ${userId}), 0) AS version`,
  );
  return {
    figures: {
      posts: Number(row?.posts ?? 0),
      helpfulReceived: Number(row?.helpful ?? 0),
      solutions: Number(row?.solutions ?? 0),
      topicsStarted: Number(row?.topics_started ?? 0),
      peopleHelped: Number(row?.people_helped ?? 0),
    },
    version: Number(row?.version ?? 0),
  };
}

/** The rollup's figures, to select beside other columns (getProfile reads them with the user). */
export const keptColumns = sql`member_reputation.posts, member_reputation.helpful_received, member_reputation.solutions,
  member_reputation.topics_started, member_reputation.people_helped`;

/** keptColumns' row as figures; undefined when the rollup was not current (or not joined). */
export function keptFigures(
  row: Partial<Record<'posts' | 'helpful_received' | 'solutions' | 'topics_started' | 'people_helped', number | null>>,
): (Reputation & { posts: number }) | undefined {
  if (row.posts === null || row.posts === undefined) return undefined;
  return {
    posts: Number(row.posts),
    helpfulReceived: Number(row.helpful_received),
    solutions: Number(row.solutions),
    topicsStarted: Number(row.topics_started),
    peopleHelped: Number(row.people_helped),
  };
}

/**
 * computeReputation's figures, read from the member's rollup while it is current (one key
 * lookup; a heavy poster's figures cost ~100 ms of SQL to compute). Otherwise computed and
 * stored for the next reader, unless a change committed meanwhile: the store is conditional
 * on the version the computation saw, and a writer still in flight holds the row locked (the
 * triggers of migrations/0013_member_reputation.sql), so stale figures are never kept as current.
 * `kept`: the current rollup's figures when the caller read them already (keptFigures).
 */
export async function reputationOf(db: Executor, userId: number, kept?: Reputation & { posts: number }): Promise<Reputation & { posts: number }> {
  if (kept) return kept;
  const [row] = await rows<Record<'posts' | 'helpful_received' | 'solutions' | 'topics_started' | 'people_helped', number>>(
    db,
    sql`SELECT ${keptColumns} FROM member_reputation WHERE user_id = ${userId} AND computed_version = version`,
  );
  if (row) return keptFigures(row)!;
  const { figures: f, version } = await computeAt(db, userId);
  await db.execute(sql`
    INSERT INTO member_reputation AS m (user_id, version, computed_version, posts, helpful_received, solutions, topics_started, people_helped)
    VALUES (${userId}, ${version}, ${version}, ${f.posts}, ${f.helpfulReceived}, ${f.solutions}, ${f.topicsStarted}, ${f.peopleHelped})
    ON CONFLICT (user_id) DO UPDATE SET computed_version = EXCLUDED.computed_version, posts = EXCLUDED.posts,
      helpful_received = EXCLUDED.helpful_received, solutions = EXCLUDED.solutions,
      topics_started = EXCLUDED.topics_started, people_helped = EXCLUDED.people_helped
    WHERE m.version = EXCLUDED.computed_version`);
  return f;
}
