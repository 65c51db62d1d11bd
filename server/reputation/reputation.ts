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
