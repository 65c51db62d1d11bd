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
export async function reputationOf(db: Executor, userId: number): Promise<Reputation & { posts: number }> {
  const [row] = await rows<Record<'posts' | 'helpful' | 'solutions' | 'topics_started' | 'people_helped', number>>(
    db,
    sql`
    WITH mine AS (
      SELECT p.id, p.number, t.author_id AS topic_author, (t.solution_post_id = p.id) AS accepted
      FROM posts p JOIN topics t ON t.id = p.topic_id
      WHERE p.author_id = ${userId} AND NOT p.deleted AND NOT p.hidden AND NOT t.hidden
    ), helped_by AS (
      SELECT r.user_id FROM reactions r JOIN mine ON mine.id = r.post_id
      WHERE r.kind = 'helpful' AND r.user_id <> ${userId}
    ), answered AS (
      SELECT topic_author FROM mine WHERE accepted AND topic_author <> ${userId}
    )
    SELECT (SELECT count(*) FROM mine)::int AS posts,
           (SELECT count(*) FROM helped_by)::int AS helpful,
           (SELECT count(*) FROM answered)::int AS solutions,
           (SELECT count(*) FROM mine WHERE number = 1)::int AS topics_started,
           (SELECT count(*) FROM (SELECT user_id FROM helped_by UNION SELECT topic_author FROM answered) people)::int AS people_helped`,
  );
  return {
    posts: Number(row?.posts ?? 0),
    helpfulReceived: Number(row?.helpful ?? 0),
    solutions: Number(row?.solutions ?? 0),
    topicsStarted: Number(row?.topics_started ?? 0),
    peopleHelped: Number(row?.people_helped ?? 0),
  };
}
