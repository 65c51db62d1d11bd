import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { byBucket, count, num, type Measured } from './insights.figures.js';
import { bucketSql, inWindowSql, type Window } from './insights.window.js';

export interface FlagCounts {
  flags: number;
  flagSettleMedianSeconds: number | null;
}

/**
 * Members' flags raised in the window (whatever became of the post: flagged posts are often hidden
 * since), and how long those settled so far took a moderator (resolved or dismissed). Flags per
 * 1,000 posts is these over the window's visible posts (insights.service.ts).
 */
export async function flagFigures(db: Executor, communityId: number, w: Window): Promise<Measured<FlagCounts>> {
  const found = await rows<{ total: boolean; bucket: number | null; flags: number; settle: number | null }>(
    db,
    sql`
    SELECT GROUPING(bucket) = 1 AS total, bucket, count(*)::int AS flags,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY settle_s) AS settle
    FROM (
      SELECT ${bucketSql(w, sql`q.created_at`)} AS bucket,
             CASE WHEN q.status <> 'open' THEN date_part('epoch', q.resolved_at - q.created_at) END AS settle_s
      FROM queue_items q
      WHERE q.community_id = ${communityId} AND q.kind = 'flag' AND ${inWindowSql(w, sql`q.created_at`)}
    ) q
    GROUP BY GROUPING SETS ((bucket), ())`,
  );
  return byBucket(found, (r) => ({ flags: count(r?.flags), flagSettleMedianSeconds: num(r?.settle) }));
}
