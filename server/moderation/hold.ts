import { sql } from 'drizzle-orm';
import { rows, type Db, type Executor } from '../../db/client.js';
import { queueItems, type QueueItemKind, type ReasonCode, type Role } from '../../db/schema.js';
import { appendReply, type AppendReply } from '../posts/posts.append.js';
import { logAction } from './moderation.log.js';
import { isNeverHeld } from '../visibility/permissions.js';
import type { ViewerUser } from '../visibility/viewer.js';

/**
 * With "hold first posts" on, a member's first post in the community waits for a moderator.
 * Once any of their posts there has been approved (is visible), they post freely. Who is never
 * held at all is permissions.ts's isNeverHeld.
 */
export async function shouldHold(db: Executor, user: ViewerUser, role: Role | null, community: { id: number; holdFirstPosts: boolean }): Promise<boolean> {
  if (!community.holdFirstPosts || isNeverHeld(user, role)) return false;
  const [approved] = await rows<{ one: number }>(
    db,
    sql`
    SELECT 1 AS one FROM posts p JOIN topics t ON t.id = p.topic_id
    WHERE p.author_id = ${user.id} AND t.community_id = ${community.id} AND NOT p.hidden AND NOT t.hidden LIMIT 1`,
  );
  return !approved;
}

/** Why the system holds something back, and how it waits in the queue. Default: a held first post. */
export interface HoldReason {
  kind?: QueueItemKind;
  /** For a post; a held topic takes `topicReasonCode`. */
  reasonCode?: ReasonCode;
  topicReasonCode?: ReasonCode;
  /** The watched-word rule that caught it (server/safety/watched-words/), kept on the queue item and the log entry. */
  ruleId?: number | null;
}

/** The reason code a held post (or topic) is stored and logged with. */
export const heldReasonCode = (targetType: 'post' | 'topic', reason: HoldReason = {}): ReasonCode =>
  targetType === 'post' ? (reason.reasonCode ?? 'held_first_post') : (reason.topicReasonCode ?? reason.reasonCode ?? 'held_first_topic');

/** Stores a held reply with its queue item and log entry, atomically: nothing waits unseen. Null as appendReply refuses. */
export async function holdReply(db: Db, reply: AppendReply, communityId: number, reason: HoldReason = {}) {
  return db.transaction((tx) => holdReplyIn(tx, reply, communityId, reason));
}

/** holdReply inside a transaction the caller runs (slow mode checks the author's pace in it first). */
export async function holdReplyIn(tx: Executor, reply: AppendReply, communityId: number, reason: HoldReason = {}) {
  const appended = await appendReply(tx, { ...reply, held: true, heldReason: heldReasonCode('post', reason) });
  if (!appended) return null;
  await queueHeld(tx, { communityId, topicId: reply.topicId, postId: appended.post.id, targetType: 'post' }, reason);
  return appended;
}

/** The queue item and the log entry for something the system held back. */
export async function queueHeld(
  tx: Executor,
  held: { communityId: number; topicId: number; postId: number; targetType: 'post' | 'topic' },
  reason: HoldReason = {},
) {
  await tx.insert(queueItems).values({
    communityId: held.communityId,
    kind: reason.kind ?? 'first_post',
    targetType: held.targetType,
    topicId: held.topicId,
    postId: held.postId,
    reporterId: null,
    ruleId: reason.ruleId ?? null,
  });
  await logAction(tx, {
    communityId: held.communityId,
    moderatorId: null,
    action: held.targetType === 'post' ? 'hold_post' : 'hold_topic',
    targetType: held.targetType,
    targetId: held.targetType === 'post' ? held.postId : held.topicId,
    reasonCode: heldReasonCode(held.targetType, reason),
    ruleId: reason.ruleId ?? null,
  });
}
