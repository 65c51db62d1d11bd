import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { byBucket, count, isStaffSql, num, share, type Figures, type Measured } from './insights.figures.js';
import { bucketSql, inWindowSql, type Window } from './insights.window.js';

/** A topic counts as unanswered once it is this old at the end of the window without a qualifying reply. */
export const UNANSWERED_AFTER_HOURS = 48;

export type TopicFigures = Pick<
  Figures,
  | 'topics'
  | 'questions'
  | 'firstResponseMedianSeconds'
  | 'firstResponseP90Seconds'
  | 'firstPeerResponseMedianSeconds'
  | 'firstStaffResponseMedianSeconds'
  | 'unansweredRate'
  | 'solvedRate'
  | 'solutionMedianSeconds'
  | 'peerSolvedShare'
>;

interface Row {
  total: boolean;
  bucket: number | null;
  topics: number;
  questions: number;
  first_median: number | null;
  first_p90: number | null;
  peer_median: number | null;
  staff_median: number | null;
  aged: number;
  unanswered: number;
  solved: number;
  solution_median: number | null;
  peer_solved: number;
}

/**
 * What happened to the topics started in the window that the public can read (insight_topics):
 * how soon a qualifying reply came (any, by a peer, by staff), whether questions were solved and
 * how soon, and by whom. Replies and answers count whenever they came, as the topic stands now;
 * "unanswered" looks at the end of the window (or now, if that is earlier): topics at least
 * UNANSWERED_AFTER_HOURS old then, without a qualifying reply before it.
 */
export async function topicFigures(db: Executor, communityId: number, w: Window, now: Date): Promise<Measured<TopicFigures>> {
  const at = new Date(Math.min(w.to.getTime(), now.getTime())).toISOString();
  const found = await rows<Row>(
    db,
    sql`
    WITH f AS (
      SELECT ${bucketSql(w, sql`f.created_at`)} AS bucket, f.kind, f.created_at, f.first_reply_at, f.solved_at,
             date_part('epoch', f.first_reply_at - f.created_at) AS first_s,
             date_part('epoch', f.first_peer_reply_at - f.created_at) AS peer_s,
             date_part('epoch', f.first_staff_reply_at - f.created_at) AS staff_s,
             CASE WHEN f.kind = 'question' THEN date_part('epoch', f.solved_at - f.created_at) END AS solution_s,
             f.kind = 'question' AND f.solved_at IS NOT NULL AND NOT ${isStaffSql(communityId, sql`f.solution_author_id`)} AS peer_solved
      FROM insight_topics f
      WHERE f.community_id = ${communityId} AND ${inWindowSql(w, sql`f.created_at`)}
    )
    SELECT GROUPING(bucket) = 1 AS total, bucket,
           count(*)::int AS topics,
           (count(*) FILTER (WHERE kind = 'question'))::int AS questions,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY first_s) AS first_median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY first_s) AS first_p90,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY peer_s) AS peer_median,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY staff_s) AS staff_median,
           (count(*) FILTER (WHERE created_at <= ${at}::timestamptz - make_interval(hours => ${UNANSWERED_AFTER_HOURS})))::int AS aged,
           (count(*) FILTER (WHERE created_at <= ${at}::timestamptz - make_interval(hours => ${UNANSWERED_AFTER_HOURS})
                               AND (first_reply_at IS NULL OR first_reply_at >= ${at}::timestamptz)))::int AS unanswered,
           (count(*) FILTER (WHERE kind = 'question' AND solved_at IS NOT NULL))::int AS solved,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY solution_s) AS solution_median,
           (count(*) FILTER (WHERE peer_solved))::int AS peer_solved
    FROM f
    GROUP BY GROUPING SETS ((bucket), ())`,
  );
  return byBucket(found, (r) => {
    const questions = count(r?.questions);
    const solved = count(r?.solved);
    return {
      topics: count(r?.topics),
      questions,
      firstResponseMedianSeconds: num(r?.first_median),
      firstResponseP90Seconds: num(r?.first_p90),
      firstPeerResponseMedianSeconds: num(r?.peer_median),
      firstStaffResponseMedianSeconds: num(r?.staff_median),
      unansweredRate: share(count(r?.unanswered), count(r?.aged)),
      solvedRate: share(solved, questions),
      solutionMedianSeconds: num(r?.solution_median),
      peerSolvedShare: share(count(r?.peer_solved), solved),
    };
  });
}
