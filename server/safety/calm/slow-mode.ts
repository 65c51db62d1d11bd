/**
 * Slow mode: in a heated topic a member may reply once per N seconds (moderators, admins and site
 * admins are exempt: permissions.ts isExemptFromSlowMode). The pace is measured from the member's
 * last reply in the topic (the opening post is no reply), whatever became of it (hidden, held or
 * deleted replies count, so deleting and posting again does not skip the wait).
 *
 * The check must hold when one member sends several replies at once. A check inside appendReply's
 * one statement would read the member's posts in the statement's snapshot, which cannot see a
 * reply committed while it waited for the topic row. So a topic with slow mode takes a slower
 * path: a transaction that locks the topic row first (every reply to the topic updates that row,
 * so replies wait for each other there) and only then, in a new statement and so a new snapshot,
 * reads the member's last post. Topics without slow mode (nearly all) keep the one statement; it
 * refuses to store when slow mode was switched on meanwhile, and the pipeline tries again.
 */
import { eq, sql } from 'drizzle-orm';
import { rows, type Executor } from '../../../db/client.js';
import { topics } from '../../../db/schema.js';
import { tooMany } from '../../errors/errors.js';

/** The longest pace a moderator may set: one reply a day. */
export const SLOW_MODE_MAX_SECONDS = 86_400;

export const slowModeRefusal = (retryAfter: number, seconds: number) =>
  tooMany('slow_mode', 'Slow mode is on in this topic: wait before replying again.', retryAfter, { seconds });

/** Seconds this author still has to wait before replying in the topic (0: they may reply now). */
export async function slowModeWait(db: Executor, topicId: number, authorId: number, seconds: number): Promise<number> {
  if (seconds <= 0) return 0;
  const [row] = await rows<{ wait: number | string | null }>(
    db,
    sql`SELECT ceil(extract(epoch FROM max(created_at) + make_interval(secs => ${seconds}) - now()))::int AS wait
      FROM posts WHERE topic_id = ${topicId} AND author_id = ${authorId} AND number > 1`,
  );
  return Math.max(0, Number(row?.wait ?? 0));
}

/** Refuses with 429 `slow_mode` (and how long to wait) when the author replied too recently. */
export async function throwIfTooSoon(db: Executor, topicId: number, authorId: number, seconds: number): Promise<void> {
  const wait = await slowModeWait(db, topicId, authorId, seconds);
  if (wait > 0) throw slowModeRefusal(wait, seconds);
}

/**
 * Inside the reply's transaction, before it is stored: locks the topic row, then checks the
 * author's pace against the topic's slow mode as it is now. Answers the seconds checked, for
 * appendReply's own guard.
 */
export async function checkSlowModeLocked(tx: Executor, topicId: number, authorId: number): Promise<number> {
  const [row] = await tx.select({ seconds: topics.slowModeSeconds }).from(topics).where(eq(topics.id, topicId)).for('update');
  const seconds = row?.seconds ?? 0;
  await throwIfTooSoon(tx, topicId, authorId, seconds);
  return seconds;
}
