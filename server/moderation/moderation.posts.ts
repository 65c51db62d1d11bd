import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { moderationStateColumns } from '../../db/columns.js';
import { posts } from '../../db/schema.js';
import { conflict, unauthorized } from '../errors/errors.js';
import { topicChannel } from '../live/outbox.js';
import { write, type ServiceContext, type WriteScope } from '../write/unit-of-work.js';
import { loadPostFor, loadVisiblePost, postNotFound } from '../posts/posts.load.js';
import type { Viewer } from '../visibility/viewer.js';
import { requireModerator } from './moderation.guard.js';
import { logAction } from './moderation.log.js';
import type { GivenReason } from './moderation.reasons.js';
import { settleQueue } from './queue.settle.js';
import { isHeldPost, onModerated } from '../notifications/notifications.triggers.js';

/** The post's moderation state under its row lock, so two moderators acting at once are ordered. */
export async function lockPost(tx: Executor, postId: number) {
  const [row] = await tx.select(moderationStateColumns(posts)).from(posts).where(eq(posts.id, postId)).for('update');
  if (!row) throw postNotFound();
  return row;
}

async function moderatePost(ctx: ServiceContext, viewer: Viewer, postId: number) {
  if (!viewer.user) throw unauthorized();
  const found = await loadVisiblePost(ctx.db, viewer, postId);
  requireModerator(found.loaded.standing);
  return { moderatorId: viewer.user.id, ...found };
}

/** Pinned posts are flagged in every read and shown first by clients. Pinning twice changes nothing. */
export async function setPostPinned(ctx: ServiceContext, viewer: Viewer, postId: number, pinned: boolean) {
  const { moderatorId, post, loaded } = await moderatePost(ctx, viewer, postId);
  if (pinned && (post.hidden || post.deleted)) throw conflict('post_unavailable', 'A hidden or deleted post cannot be pinned.');
  await write(ctx, async ({ tx, emit }) => {
    const current = await lockPost(tx, postId);
    if (current.pinned === pinned) return;
    await tx.update(posts).set({ pinned }).where(eq(posts.id, postId));
    await emit(topicChannel(post.topicId), pinned ? 'post.pinned' : 'post.unpinned', { postId });
    await logAction(tx, {
      communityId: loaded.topic.communityId,
      moderatorId,
      action: pinned ? 'pin_post' : 'unpin_post',
      targetType: 'post',
      targetId: postId,
    });
  });
  return loadPostFor(ctx.db, loaded.standing, postId);
}

/**
 * Hides a post behind a tombstone that shows the reason. On a post the system hid (flags, a
 * held first post) this is the moderator confirming it, with their own reason; either way the
 * open queue items about the post are settled.
 */
export async function hidePost(ctx: ServiceContext, viewer: Viewer, postId: number, given: GivenReason) {
  const { moderatorId, post, loaded } = await moderatePost(ctx, viewer, postId);
  const { reason, reasonCode } = given;
  await write(ctx, async (scope) => {
    const { tx, emit } = scope;
    const current = await lockPost(tx, postId);
    const settled = await settleQueue(tx, { type: 'post', id: postId }, 'hidden', moderatorId);
    const unchanged = current.hidden && !current.hiddenPending && current.hiddenReason === reason && current.hiddenReasonCode === reasonCode;
    if (unchanged && settled === 0) return;
    await tx
      .update(posts)
      .set({
        hidden: true,
        hiddenReason: reason,
        hiddenReasonCode: reasonCode,
        hiddenPending: false,
        // A confirmation keeps the original time: the author's one review request is per hiding.
        ...(current.hidden ? {} : { hiddenAt: sql`now()` }),
      })
      .where(eq(posts.id, postId));
    await emit(topicChannel(post.topicId), 'post.hidden', { postId });
    await logAction(tx, {
      communityId: loaded.topic.communityId,
      moderatorId,
      action: 'hide_post',
      targetType: 'post',
      targetId: postId,
      reason,
      reasonCode,
    });
    if (!unchanged) {
      await onModerated(scope, {
        action: 'hide_post',
        communityId: loaded.topic.communityId,
        topicId: post.topicId,
        postId,
        actorId: moderatorId,
        recipientId: post.authorId,
        reason,
        reasonCode,
      });
    }
  });
  // Lists count visible replies, and kept search answers are the community's: both hear of it.
  ctx.bumps.bump(loaded.communitySlug, post.topicId, 'topic.updated');
  return loadPostFor(ctx.db, loaded.standing, postId);
}

/** Restores a hidden post (or approves a held one). Restoring a visible post changes nothing. */
export async function unhidePost(ctx: ServiceContext, viewer: Viewer, postId: number) {
  const { moderatorId, post, loaded } = await moderatePost(ctx, viewer, postId);
  const target = { postId, topicId: post.topicId, authorId: post.authorId, communityId: loaded.topic.communityId };
  await write(ctx, (scope) => restorePostIn(scope, target, moderatorId));
  // A restored post is in lists' counts and in search again (kept answers are the community's).
  ctx.bumps.bump(loaded.communitySlug, post.topicId, 'topic.updated');
  return loadPostFor(ctx.db, loaded.standing, postId);
}

/** The post a moderation action is about. */
export interface PostTarget {
  postId: number;
  topicId: number;
  authorId: number;
  communityId: number;
}

/**
 * Restores a hidden post (approves a held one) inside the caller's write (unhidePost's, or an
 * undo's): its queue items settle, its readers see it again, the log says who, its author hears.
 * The id of the log entry, or null when the post was visible.
 */
export async function restorePostIn(scope: WriteScope, target: PostTarget, moderatorId: number): Promise<number | null> {
  const { tx, emit } = scope;
  const { postId } = target;
  const current = await lockPost(tx, postId);
  if (!current.hidden) return null;
  await settleQueue(tx, { type: 'post', id: postId }, 'visible', moderatorId);
  await tx.update(posts).set({ hidden: false, hiddenReason: null, hiddenReasonCode: null, hiddenPending: false }).where(eq(posts.id, postId));
  await emit(topicChannel(target.topicId), 'post.unhidden', { postId });
  const logId = await logAction(tx, { communityId: target.communityId, moderatorId, action: 'unhide_post', targetType: 'post', targetId: postId });
  await onModerated(scope, {
    action: 'unhide_post',
    communityId: target.communityId,
    topicId: target.topicId,
    postId,
    actorId: moderatorId,
    recipientId: target.authorId,
    reason: null,
    approves: isHeldPost(current),
  });
  return logId;
}
