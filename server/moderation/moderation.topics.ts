import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { moderationStateColumns } from '../../db/columns.js';
import { topics, type ReasonCode } from '../../db/schema.js';
import { unauthorized } from '../errors/errors.js';
import { communityChannel, topicChannel } from '../live/outbox.js';
import { write, type ServiceContext, type WriteScope } from '../write/unit-of-work.js';
import { loadVisibleTopic, presentLoaded, topicNotFound, type LoadedTopic } from '../topics/topics.load.js';
import type { Viewer } from '../visibility/viewer.js';
import { requireModerator } from './moderation.guard.js';
import { logAction, type ModerationAction } from './moderation.log.js';
import type { GivenReason } from './moderation.reasons.js';
import { settleQueue } from './queue.settle.js';
import { isHeldTopic, onModerated } from '../notifications/notifications.triggers.js';

type TopicState = Pick<LoadedTopic['topic'], 'pinned' | 'locked' | 'hidden' | 'hiddenPending' | 'hiddenReason' | 'hiddenReasonCode'>;

async function lockTopic(tx: Executor, id: number): Promise<TopicState> {
  const [row] = await tx
    .select({ ...moderationStateColumns(topics), locked: topics.locked })
    .from(topics)
    .where(eq(topics.id, id))
    .for('update');
  if (!row) throw topicNotFound();
  return row;
}

export interface TopicChange {
  action: ModerationAction;
  reason?: string | null;
  reasonCode?: ReasonCode | null;
  /** The new state, or null when the topic already is that way (then nothing happens). */
  patch(current: TopicState): Partial<TopicState> | null;
  settle?: 'hidden' | 'visible';
}

/**
 * Every topic action has one shape: lock the row, change it, tell both the topic's readers and
 * the community's topic list, and log it, all in one transaction. Repeating an action is a no-op.
 */
async function changeTopic(ctx: ServiceContext, viewer: Viewer, id: number, change: TopicChange) {
  if (!viewer.user) throw unauthorized();
  const moderatorId = viewer.user.id;
  const loaded = await loadVisibleTopic(ctx.db, viewer, id);
  requireModerator(loaded.standing);
  const target = { id, communityId: loaded.topic.communityId, communitySlug: loaded.communitySlug, authorId: loaded.topic.authorId };
  await write(ctx, (scope) => changeTopicIn(scope, target, moderatorId, change));
  return { topic: presentLoaded(await loadVisibleTopic(ctx.db, viewer, id)) };
}

/** The topic a moderation action is about. */
export interface TopicTarget {
  id: number;
  communityId: number;
  communitySlug: string;
  authorId: number;
}

/**
 * A topic action inside the caller's write (changeTopic's, or an undo's): the id of its log
 * entry, or null when the topic already was that way and nothing was settled.
 */
export async function changeTopicIn(scope: WriteScope, target: TopicTarget, moderatorId: number, change: TopicChange): Promise<number | null> {
  const { tx, emit } = scope;
  const { id } = target;
  const current = await lockTopic(tx, id);
  const settled = change.settle ? await settleQueue(tx, { type: 'topic', id }, change.settle, moderatorId) : 0;
  const patch = change.patch(current);
  if (!patch && settled === 0) return null;
  if (patch) await tx.update(topics).set(patch).where(eq(topics.id, id));
  await emit(topicChannel(id), 'topic.updated', { topicId: id });
  await emit(communityChannel(target.communitySlug), 'topic.updated', { topicId: id });
  const logId = await logAction(tx, {
    communityId: target.communityId,
    moderatorId,
    action: change.action,
    targetType: 'topic',
    targetId: id,
    reason: change.reason ?? null,
    reasonCode: change.reasonCode ?? null,
  });
  if (patch && (change.action === 'hide_topic' || change.action === 'unhide_topic')) {
    await onModerated(scope, {
      action: change.action,
      communityId: target.communityId,
      topicId: id,
      postId: null,
      actorId: moderatorId,
      recipientId: target.authorId,
      reason: change.reason ?? null,
      reasonCode: change.reasonCode ?? null,
      approves: change.action === 'unhide_topic' && isHeldTopic(current),
    });
  }
  return logId;
}

export const setTopicPinned = (ctx: ServiceContext, viewer: Viewer, id: number, pinned: boolean) =>
  changeTopic(ctx, viewer, id, {
    action: pinned ? 'pin_topic' : 'unpin_topic',
    patch: (t) => (t.pinned === pinned ? null : { pinned }),
  });

export const setTopicLocked = (ctx: ServiceContext, viewer: Viewer, id: number, locked: boolean) =>
  changeTopic(ctx, viewer, id, {
    action: locked ? 'lock_topic' : 'unlock_topic',
    patch: (t) => (t.locked === locked ? null : { locked }),
  });

/** A hidden topic is a 404 for everyone but moderators and its author. Hiding a held topic rejects it. */
export function hideTopic(ctx: ServiceContext, viewer: Viewer, id: number, given: GivenReason) {
  const { reason, reasonCode } = given;
  return changeTopic(ctx, viewer, id, {
    action: 'hide_topic',
    reason,
    reasonCode,
    settle: 'hidden',
    patch: (t) =>
      t.hidden && !t.hiddenPending && t.hiddenReason === reason && t.hiddenReasonCode === reasonCode
        ? null
        : { hidden: true, hiddenReason: reason, hiddenReasonCode: reasonCode, hiddenPending: false },
  });
}

/** Restoring a hidden topic; on a held first topic this is the approval. */
export const UNHIDE_TOPIC: TopicChange = {
  action: 'unhide_topic',
  settle: 'visible',
  patch: (t) => (t.hidden ? { hidden: false, hiddenReason: null, hiddenReasonCode: null, hiddenPending: false } : null),
};

export const unhideTopic = (ctx: ServiceContext, viewer: Viewer, id: number) => changeTopic(ctx, viewer, id, UNHIDE_TOPIC);
