import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { posts, queueItems, topics } from '../../../db/schema.js';
import { communityChannel, topicChannel } from '../../live/outbox.js';
import { queueHeld } from '../../moderation/hold.js';
import { logAction } from '../../moderation/moderation.log.js';
import type { WriteScope } from '../../write/unit-of-work.js';
import { ruleHold, type RuleVerdict } from './screen.js';

interface Target {
  communityId: number;
  topicId: number;
  postId: number;
  ruleId: number;
}

/**
 * A rule flagged a post: it stays visible and moderators find it in their queue, as a flag that no
 * member raised (the rule did); the public log says the system flagged it by that rule. Written in
 * the post's own transaction. A post the same rule already flagged, still open, is not flagged twice.
 */
export async function raiseRuleFlag(tx: Executor, t: Target): Promise<void> {
  const [open] = await tx
    .select({ id: queueItems.id })
    .from(queueItems)
    .where(
      and(
        eq(queueItems.postId, t.postId),
        eq(queueItems.ruleId, t.ruleId),
        eq(queueItems.kind, 'flag'),
        eq(queueItems.status, 'open'),
        isNull(queueItems.reporterId),
      ),
    );
  if (open) return;
  await tx
    .insert(queueItems)
    .values({ communityId: t.communityId, kind: 'flag', targetType: 'post', topicId: t.topicId, postId: t.postId, reporterId: null, ruleId: t.ruleId });
  await logAction(tx, {
    communityId: t.communityId,
    moderatorId: null,
    action: 'flag_post',
    targetType: 'post',
    targetId: t.postId,
    reasonCode: 'watched_word',
    ruleId: t.ruleId,
  });
}

/**
 * An edit that a rule holds: the post, visible until now, is hidden pending review with a queue
 * item and a log entry, exactly as if it had been held when first written (its readers see it
 * go, live). A post already hidden stays as it is: a moderator's verdict on it stands.
 */
export async function holdEditedPost(scope: WriteScope, t: Target): Promise<boolean> {
  const hidden = await scope.tx
    .update(posts)
    .set({ hidden: true, hiddenReason: null, hiddenReasonCode: 'watched_word', hiddenPending: true, hiddenAt: sql`now()` })
    .where(and(eq(posts.id, t.postId), eq(posts.hidden, false)))
    .returning({ id: posts.id });
  if (!hidden.length) return false;
  await queueHeld(scope.tx, { communityId: t.communityId, topicId: t.topicId, postId: t.postId, targetType: 'post' }, ruleHold(t.ruleId));
  await scope.emit(topicChannel(t.topicId), 'post.hidden', { postId: t.postId });
  return true;
}

/** A retitle that a rule holds: the topic is hidden pending review, as a held new topic is. */
export async function holdRetitledTopic(scope: WriteScope, t: Omit<Target, 'postId'> & { communitySlug: string }): Promise<boolean> {
  const hidden = await scope.tx
    .update(topics)
    .set({ hidden: true, hiddenReason: null, hiddenReasonCode: 'watched_word', hiddenPending: true })
    .where(and(eq(topics.id, t.topicId), eq(topics.hidden, false)))
    .returning({ id: topics.id });
  if (!hidden.length) return false;
  const [opening] = await scope.tx
    .select({ id: posts.id })
    .from(posts)
    .where(and(eq(posts.topicId, t.topicId), eq(posts.number, 1)));
  await queueHeld(scope.tx, { communityId: t.communityId, topicId: t.topicId, postId: opening!.id, targetType: 'topic' }, ruleHold(t.ruleId));
  await scope.emit(topicChannel(t.topicId), 'topic.updated', { topicId: t.topicId });
  await scope.emit(communityChannel(t.communitySlug), 'topic.updated', { topicId: t.topicId });
  return true;
}

/** A retitle that a rule flags: the flag is raised on the topic's opening post (the queue reviews posts). */
export async function flagRetitledTopic(tx: Executor, t: Omit<Target, 'postId'>): Promise<void> {
  const [opening] = await tx
    .select({ id: posts.id })
    .from(posts)
    .where(and(eq(posts.topicId, t.topicId), eq(posts.number, 1)));
  if (opening) await raiseRuleFlag(tx, { ...t, postId: opening.id });
}

/** After an edit is stored: what its verdict asks (nothing for none). */
export async function applyEditVerdict(scope: WriteScope, verdict: RuleVerdict | null, t: Omit<Target, 'ruleId'>): Promise<void> {
  if (!verdict) return;
  if (verdict.action === 'hold') await holdEditedPost(scope, { ...t, ruleId: verdict.ruleId });
  else await raiseRuleFlag(scope.tx, { ...t, ruleId: verdict.ruleId });
}
