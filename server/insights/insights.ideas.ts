import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { count, type Figures, type Measured } from './insights.figures.js';
import { bucketSql, inWindowSql, type Window } from './insights.window.js';

export type IdeaFigures = Pick<Figures, 'ideaVotes' | 'ideaStatusChanges'>;

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The window as the UTC days it covers whole (counted from insight_idea_votes) and the parts of
 * days at either end (counted vote by vote): [from, firstDay) and [lastDay, to).
 */
function daysOf(w: Window): { whole: { from: string; to: string } | null; parts: [Date, Date][] } {
  const firstDay = Math.ceil(w.from.getTime() / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(w.to.getTime() / DAY_MS) * DAY_MS;
  if (firstDay >= lastDay) return { whole: null, parts: [[w.from, w.to]] };
  const parts: [Date, Date][] = [];
  if (w.from.getTime() < firstDay) parts.push([w.from, new Date(firstDay)]);
  if (lastDay < w.to.getTime()) parts.push([new Date(lastDay), w.to]);
  return { whole: { from: isoDay(firstDay), to: isoDay(lastDay) }, parts };
}

/** The interval of a UTC day (`day` a date column): exact, as intervals start at UTC midnight. */
const dayBucketSql = (w: Window, day: SQL): SQL =>
  w.interval === 'day' ? sql`(${day} - ${isoDay(w.base.getTime())}::date)` : sql`((${day} - ${isoDay(w.base.getTime())}::date) / 7)`;

/**
 * Votes cast in the window (and not withdrawn) for ideas the public can read, and the status
 * changes those ideas had in it (idea_status_changes: every status given, and every clearing).
 * Both add up, so the window's figures are the sums of its intervals'.
 */
export async function ideaFigures(db: Executor, communityId: number, w: Window): Promise<Measured<IdeaFigures>> {
  const { whole, parts } = daysOf(w);
  const votes: SQL[] = [];
  if (whole) {
    votes.push(sql`
      SELECT ${dayBucketSql(w, sql`v.day`)} AS bucket, v.votes::int AS votes, 0 AS changes
      FROM ideas JOIN insight_idea_votes v ON v.topic_id = ideas.id AND v.day >= ${whole.from}::date AND v.day < ${whole.to}::date`);
  }
  for (const [from, to] of parts) {
    votes.push(sql`
      SELECT ${bucketSql(w, sql`v.created_at`)} AS bucket, 1 AS votes, 0 AS changes
      FROM ideas JOIN topic_votes v ON v.topic_id = ideas.id
        AND v.created_at >= ${from.toISOString()}::timestamptz AND v.created_at < ${to.toISOString()}::timestamptz`);
  }
  const found = await rows<{ bucket: number; votes: number; changes: number }>(
    db,
    sql`
    WITH ideas AS MATERIALIZED (
      SELECT f.topic_id AS id FROM insight_topics f WHERE f.community_id = ${communityId} AND f.kind = 'idea'
    ), happened AS (
      ${sql.join(votes, sql` UNION ALL `)}
      UNION ALL
      SELECT ${bucketSql(w, sql`s.created_at`)} AS bucket, 0 AS votes, 1 AS changes
      FROM idea_status_changes s JOIN ideas ON ideas.id = s.topic_id
      WHERE s.community_id = ${communityId} AND ${inWindowSql(w, sql`s.created_at`)}
    )
    SELECT bucket, sum(votes)::int AS votes, sum(changes)::int AS changes
    FROM happened
    GROUP BY bucket`,
  );
  const buckets = new Map<number, IdeaFigures>();
  const total: IdeaFigures = { ideaVotes: 0, ideaStatusChanges: 0 };
  for (const r of found) {
    const b = { ideaVotes: count(r.votes), ideaStatusChanges: count(r.changes) };
    buckets.set(Number(r.bucket), b);
    total.ideaVotes += b.ideaVotes;
    total.ideaStatusChanges += b.ideaStatusChanges;
  }
  return { total, buckets };
}
