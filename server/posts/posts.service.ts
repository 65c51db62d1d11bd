import { and, eq, sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { postRevisions, posts, reactions, topics, users, type ReactionKind } from '../../db/schema.js';
import { conflict, forbidden, unauthorized } from '../errors/errors.js';
import { communityChannel, topicChannel } from '../live/outbox.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { renderMarkdown } from '../markdown/markdown.render.js';
import { throwIfBanned } from '../moderation/bans.js';
import { loadPostFor, loadVisiblePost } from './posts.load.js';
import { PAGE_TAKEN, submitPost, type PostContent } from './posts.pipeline.js';
import { userColumns } from '../users/users.present.js';
import { canModerate, isOpenTo } from '../visibility/permissions.js';
import { canReadPostBody, type Standing } from '../visibility/visibility.js';
import type { Viewer } from '../visibility/viewer.js';
import { presentPost } from './posts.present.js';
import { onPostEdited } from '../notifications/notifications.triggers.js';
import { decodeIdCursor } from '../topics/topics.cursor.js';
import { screen } from '../safety/watched-words/screen.js';
import { applyEditVerdict } from '../safety/watched-words/rule-actions.js';
import { linkPostUploads, throwIfTooManyUploads, uploadHashesIn } from '../uploads/upload-refs.js';

export type ReplyInput = PostContent;

/** A reply, through the post pipeline. */
export async function createReply(ctx: ServiceContext, viewer: Viewer, topicId: number, input: ReplyInput) {
  const posted = await submitPost(ctx, viewer, { destination: { type: 'reply', topicId }, ...input });
  if (posted === PAGE_TAKEN) throw new Error('a reply cannot lose a page');
  // The author is the viewer: a new row is presented without reading it back.
  const post = posted.row ? presentPost(posted.row, viewer.user!, posted.standing) : await loadPostFor(ctx.db, posted.standing, posted.postId);
  return { created: posted.created, post };
}

export async function getPost(db: Executor, viewer: Viewer, postId: number) {
  const { loaded } = await loadVisiblePost(db, viewer, postId);
  return loadPostFor(db, loaded.standing, postId);
}

function throwIfNotEditable(standing: Standing, state: { deleted: boolean; locked: boolean }): void {
  if (state.deleted) throw conflict('post_deleted', 'A deleted post cannot be edited.', { action: 'edit' });
  if (!isOpenTo(standing, state)) throw forbidden('topic_locked', 'This topic is locked.', { action: 'edit' });
}

/**
 * The author rewrites a post; the previous text is kept as a revision. The community's watched
 * words apply as to a new post: a block refuses the edit, a replacement changes its text, and a
 * hold hides the post pending review (a flag queues it) in the edit's transaction.
 */
export async function editPost(ctx: ServiceContext, viewer: Viewer, postId: number, written: string) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const { post, loaded } = await loadVisiblePost(ctx.db, viewer, postId);
  if (post.authorId !== user.id) throw forbidden('not_post_author', 'Only the author can edit this post.', { action: 'edit' });
  throwIfNotEditable(loaded.standing, { deleted: post.deleted, locked: loaded.topic.locked });
  throwIfBanned(loaded.ban);
  const screened = await screen(ctx.db, loaded.topic.communityId, { body: written }, canModerate(loaded.standing));
  const body = screened.body;
  if (body !== post.body) {
    const rendered = renderMarkdown(body);
    const files = uploadHashesIn(body);
    throwIfTooManyUploads(files, ctx.uploads.maxPerPost);
    const before = await write(ctx, async (scope) => {
      const { tx, emit } = scope;
      // The post under its row lock, as it is now: a delete committed since the checks above is
      // seen (and the edit undone by the refusal), a lock committed before this statement too,
      // and the revision keeps the text this edit replaces, even if another edit came first.
      const [now] = await rows<{ before: string; deleted: boolean; locked: boolean }>(
        tx,
        sql`UPDATE posts SET body = ${body}, body_html = ${rendered.html}, edited_at = now()
          FROM (SELECT body FROM posts WHERE id = ${postId} FOR UPDATE) AS replaced, topics
          WHERE posts.id = ${postId} AND topics.id = posts.topic_id
          RETURNING replaced.body AS before, posts.deleted, topics.locked`,
      );
      throwIfNotEditable(loaded.standing, now!);
      await tx.insert(postRevisions).values({ postId, body: now!.before, editorId: user.id });
      // The files it shows are those of its new text: one the edit took out is no longer reachable through this post.
      await linkPostUploads(tx, postId, files);
      await emit(topicChannel(post.topicId), 'post.updated', { postId });
      await applyEditVerdict(scope, screened.verdict, { communityId: loaded.topic.communityId, topicId: post.topicId, postId });
      return now!.before;
    });
    // Search keeps each community's ranked matches, which an edit can change: they clear here at
    // once and in the other processes with the batched list event.
    ctx.bumps.bump(loaded.communitySlug, post.topicId, 'topic.updated');
    await onPostEdited(ctx, {
      topic: { id: post.topicId, communityId: loaded.topic.communityId, categoryId: loaded.topic.categoryId, authorId: loaded.topic.authorId },
      post: { id: postId, authorId: user.id, hidden: post.hidden || loaded.topic.hiddenPending || screened.verdict?.action === 'hold' },
      before,
      mentions: rendered.mentions,
    });
  }
  return loadPostFor(ctx.db, loaded.standing, postId);
}

/** Soft delete: the post keeps its place in the thread as a tombstone. Deleting twice is fine. */
export async function deletePost(ctx: ServiceContext, viewer: Viewer, postId: number): Promise<void> {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const { post, loaded } = await loadVisiblePost(ctx.db, viewer, postId);
  if (post.authorId !== user.id) throw forbidden('not_post_author', 'Only the author can delete this post.', { action: 'delete' });
  throwIfBanned(loaded.ban);
  if (post.deleted) return;
  await write(ctx, async ({ tx, emit }) => {
    await tx.update(posts).set({ deleted: true }).where(eq(posts.id, postId));
    await emit(topicChannel(post.topicId), 'post.deleted', { postId });
    // Asked after the post's row is ours (setSolution reads it under a lock), so an answer chosen
    // meanwhile is seen: what the topic read before cannot tell.
    const unsolved = await tx
      .update(topics)
      .set({ solutionPostId: null, solvedAt: null })
      .where(and(eq(topics.id, post.topicId), eq(topics.solutionPostId, postId)))
      .returning({ id: topics.id });
    if (unsolved.length) {
      await emit(topicChannel(post.topicId), 'topic.updated', { topicId: post.topicId });
      // Topic lists mark solved questions.
      await emit(communityChannel(loaded.communitySlug), 'topic.updated', { topicId: post.topicId });
    }
  });
}

const counterOf = (kind: ReactionKind) => (kind === 'like' ? posts.likeCount : posts.helpfulCount);
const counterKey = (kind: ReactionKind) => (kind === 'like' ? 'likeCount' : 'helpfulCount');

function throwIfNotReactable(standing: Standing, post: { hidden: boolean; deleted: boolean; authorId: number }): void {
  if (post.deleted) throw conflict('post_deleted', 'This post was deleted.', { action: 'react' });
  if (!canReadPostBody(standing, post)) throw conflict('post_hidden', 'This post is hidden.', { action: 'react' });
}

async function reactable(ctx: ServiceContext, viewer: Viewer, postId: number) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const found = await loadVisiblePost(ctx.db, viewer, postId);
  throwIfNotReactable(found.loaded.standing, found.post);
  return { user, ...found };
}

/** Idempotent: reacting twice counts once. Your own posts cannot be liked or marked helpful by you. */
export async function addReaction(ctx: ServiceContext, viewer: Viewer, postId: number, kind: ReactionKind) {
  const { user, post, loaded } = await reactable(ctx, viewer, postId);
  if (post.authorId === user.id) throw forbidden('own_post', 'You cannot react to your own post.', { action: 'react' });
  throwIfBanned(loaded.ban);
  return write(ctx, async ({ tx, emit }) => {
    const inserted = await tx.insert(reactions).values({ postId, userId: user.id, kind }).onConflictDoNothing().returning({ postId: reactions.postId });
    if (inserted.length) {
      // The counter's row lock orders this after a hide or delete of the post, whose state it answers.
      const [now] = await tx
        .update(posts)
        .set({ [counterKey(kind)]: sql`${counterOf(kind)} + 1` })
        .where(eq(posts.id, postId))
        .returning({ hidden: posts.hidden, deleted: posts.deleted, authorId: posts.authorId });
      throwIfNotReactable(loaded.standing, now!);
      await emit(topicChannel(post.topicId), 'reactions.changed', { postId });
    }
    return reactionCounts(tx, postId);
  });
}

export async function removeReaction(ctx: ServiceContext, viewer: Viewer, postId: number, kind: ReactionKind) {
  const { user, post, loaded } = await reactable(ctx, viewer, postId);
  throwIfBanned(loaded.ban);
  return write(ctx, async ({ tx, emit }) => {
    const removed = await tx
      .delete(reactions)
      .where(and(eq(reactions.postId, postId), eq(reactions.userId, user.id), eq(reactions.kind, kind)))
      .returning({ postId: reactions.postId });
    if (removed.length) {
      await tx
        .update(posts)
        .set({ [counterKey(kind)]: sql`greatest(${counterOf(kind)} - 1, 0)` })
        .where(eq(posts.id, postId));
      await emit(topicChannel(post.topicId), 'reactions.changed', { postId });
    }
    return reactionCounts(tx, postId);
  });
}

async function reactionCounts(db: Executor, postId: number) {
  const [row] = await db.select({ like: posts.likeCount, helpful: posts.helpfulCount }).from(posts).where(eq(posts.id, postId));
  return { like: row?.like ?? 0, helpful: row?.helpful ?? 0 };
}

/** Earlier versions of a post, newest first: for its author and moderators. */
/** Newest first, a page at a time: a post edited a thousand times answers in pages of `limit` (default 50). */
export async function listRevisions(db: Executor, viewer: Viewer, postId: number, page: { cursor?: string | undefined; limit?: number | undefined } = {}) {
  const { post, loaded } = await loadVisiblePost(db, viewer, postId);
  if (!viewer.user) throw unauthorized();
  if (post.authorId !== viewer.user.id && !canModerate(loaded.standing)) {
    throw forbidden('not_allowed', 'Only the author and moderators can read earlier versions.');
  }
  const before = decodeIdCursor(page.cursor);
  const limit = page.limit ?? 50;
  const rows = await db
    .select({ id: postRevisions.id, body: postRevisions.body, createdAt: postRevisions.createdAt, editor: userColumns(users) })
    .from(postRevisions)
    .innerJoin(users, eq(postRevisions.editorId, users.id))
    .where(and(eq(postRevisions.postId, postId), before === null ? undefined : sql`${postRevisions.id} < ${before}`))
    .orderBy(sql`${postRevisions.id} DESC`)
    .limit(limit + 1);
  const shown = rows.slice(0, limit);
  return {
    items: shown.map((r) => ({ id: r.id, body: r.body, replacedAt: r.createdAt.toISOString(), editor: { id: r.editor.id, handle: r.editor.handle } })),
    nextCursor: rows.length > limit ? String(shown.at(-1)!.id) : null,
  };
}

export { presentPost };
