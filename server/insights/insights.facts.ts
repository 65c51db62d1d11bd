/**
 * The triggers that keep insights' facts (insight_topics, insight_posts, insight_members,
 * insight_idea_votes) in step with posts, topics, memberships and votes (migrations/0017_insights_intervals.sql). A bulk load that
 * writes a million rows turns them off and makes the facts once at the end instead
 * (`parley_insights_rebuild()`), as the load builds its indexes once.
 */
export const INSIGHT_FACT_TRIGGERS: readonly (readonly [table: string, trigger: string])[] = [
  ['posts', 'posts_insights_insert'],
  ['posts', 'posts_insights_change'],
  ['posts', 'posts_insights_delete'],
  ['topics', 'topics_insights_change'],
  ['memberships', 'memberships_insights'],
  ['topic_votes', 'topic_votes_insights'],
];

type Exec = (text: string) => Promise<unknown>;

export async function pauseInsightFacts(exec: Exec): Promise<void> {
  for (const [table, trigger] of INSIGHT_FACT_TRIGGERS) await exec(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
}

/** The triggers on again, and every fact made from the rows as they are. */
export async function resumeInsightFacts(exec: Exec): Promise<void> {
  for (const [table, trigger] of INSIGHT_FACT_TRIGGERS) await exec(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
  await exec('SELECT parley_insights_rebuild()');
}

const STAFF = `('staff', 'moderator', 'admin')`;

/**
 * The facts as they should be, made from the rows, against the facts kept: each query counts the
 * rows that disagree and must answer 0 (bench/large/generate.ts CONSISTENCY_CHECKS, and the
 * insights tests after hiding, deleting, restoring and changing roles).
 */
export const INSIGHT_FACT_CHECKS: Record<string, string> = {
  'insight_posts holds exactly the posts the public can read, with their facts': `
    SELECT count(*) AS n FROM (
      SELECT p.id, p.topic_id, t.community_id, p.author_id, p.created_at, p.number > 1 AND p.author_id <> t.author_id AS reply,
             p.id IS NOT DISTINCT FROM t.solution_post_id AS accepted
      FROM posts p JOIN topics t ON t.id = p.topic_id WHERE NOT p.hidden AND NOT p.deleted AND NOT t.hidden
    ) want FULL JOIN insight_posts f ON f.post_id = want.id
    WHERE (want.topic_id, want.community_id, want.author_id, want.created_at, want.reply, want.accepted)
          IS DISTINCT FROM (f.topic_id, f.community_id, f.author_id, f.created_at, f.reply, f.accepted)`,
  'insight_topics holds exactly the topics the public can read, with their first replies and answers': `
    SELECT count(*) AS n FROM (
      SELECT t.id, t.community_id, t.created_at, t.kind, t.author_id,
             (SELECT min(p.created_at) FROM posts p WHERE p.topic_id = t.id AND p.number > 1 AND p.author_id <> t.author_id AND NOT p.hidden AND NOT p.deleted) AS first_at,
             (SELECT min(p.created_at) FROM posts p WHERE p.topic_id = t.id AND p.number > 1 AND p.author_id <> t.author_id AND NOT p.hidden AND NOT p.deleted
                AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = t.community_id AND m.user_id = p.author_id AND m.role IN ${STAFF})) AS peer_at,
             (SELECT min(p.created_at) FROM posts p WHERE p.topic_id = t.id AND p.number > 1 AND p.author_id <> t.author_id AND NOT p.hidden AND NOT p.deleted
                AND EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = t.community_id AND m.user_id = p.author_id AND m.role IN ${STAFF})) AS staff_at,
             CASE WHEN s.id IS NOT NULL THEN coalesce(t.solved_at, s.created_at) END AS solved_at, s.author_id AS solution_author_id
      FROM topics t
      JOIN posts fp ON fp.topic_id = t.id AND fp.number = 1 AND NOT fp.hidden AND NOT fp.deleted
      LEFT JOIN posts s ON s.id = t.solution_post_id AND s.topic_id = t.id AND NOT s.hidden AND NOT s.deleted
      WHERE NOT t.hidden
    ) want FULL JOIN insight_topics f ON f.topic_id = want.id
    WHERE (want.id, want.community_id, want.created_at, want.kind, want.author_id, want.first_at, want.peer_at, want.staff_at, want.solved_at, want.solution_author_id)
          IS DISTINCT FROM (f.topic_id, f.community_id, f.created_at, f.kind, f.author_id, f.first_reply_at, f.first_peer_reply_at, f.first_staff_reply_at,
                            f.solved_at, f.solution_author_id)`,
  'insight_idea_votes counts the votes of each idea and day': `
    SELECT count(*) AS n FROM (SELECT topic_id, (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS votes FROM topic_votes GROUP BY 1, 2) want
    FULL JOIN insight_idea_votes v ON v.topic_id = want.topic_id AND v.day = want.day
    WHERE coalesce(want.votes, 0) <> coalesce(v.votes, 0)`,
  "insight_members knows every member's first visible post, or notes that it must look again": `
    SELECT count(*) AS n FROM (SELECT community_id, author_id, min(created_at) AS first_at FROM insight_posts GROUP BY 1, 2) want
    FULL JOIN insight_members m ON m.community_id = want.community_id AND m.user_id = want.author_id
    WHERE m.first_at IS DISTINCT FROM want.first_at
      AND NOT EXISTS (SELECT 1 FROM insight_members_dirty d
                      WHERE d.community_id = coalesce(want.community_id, m.community_id) AND d.user_id = coalesce(want.author_id, m.user_id))`,
};
