import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/client.js';

/** One process at a time stores first posts: two could store answers from different moments in either order. */
const MEMBERS_LOCK = 7_042_016;

/**
 * Members noted in insight_members_dirty (their first visible post in a community may have changed)
 * get it looked up and stored, a batch at a time, and the notes that were read go. A note written
 * meanwhile by a transaction this one could not see yet stays, and readers keep looking that member
 * up until the next run. Answers how many notes were cleared.
 */
export async function refreshInsightMembers(db: Db, limits: { batch?: number; maxBatches?: number } = {}): Promise<number> {
  const batch = limits.batch ?? 1000;
  let budget = limits.maxBatches ?? 50;
  let done = 0;
  while (budget-- > 0) {
    const n = await db.transaction(async (tx) => {
      const [lock] = await rows<{ ok: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${MEMBERS_LOCK}) AS ok`);
      if (!lock?.ok) return 0;
      const [row] = await rows<{ n: number }>(
        tx,
        sql`
        WITH seen AS (
          SELECT id, community_id, user_id FROM insight_members_dirty ORDER BY id LIMIT ${batch}
        ), who AS (
          SELECT DISTINCT community_id, user_id FROM seen
        ), answer AS (
          SELECT w.community_id, w.user_id,
                 (SELECT min(e.created_at) FROM insight_posts e WHERE e.community_id = w.community_id AND e.author_id = w.user_id) AS first_at
          FROM who w
        ), stored AS (
          INSERT INTO insight_members (community_id, user_id, first_at)
          SELECT community_id, user_id, first_at FROM answer WHERE first_at IS NOT NULL
          ON CONFLICT (community_id, user_id) DO UPDATE SET first_at = EXCLUDED.first_at
          RETURNING 1
        ), gone AS (
          DELETE FROM insight_members m USING answer a
          WHERE m.community_id = a.community_id AND m.user_id = a.user_id AND a.first_at IS NULL
          RETURNING 1
        ), cleared AS (
          DELETE FROM insight_members_dirty d USING seen WHERE d.id = seen.id RETURNING 1
        )
        SELECT (SELECT count(*) FROM cleared)::int AS n, (SELECT count(*) FROM stored) + (SELECT count(*) FROM gone) AS touched`,
      );
      return Number(row?.n ?? 0);
    });
    done += n;
    if (n < batch) break;
  }
  return done;
}
