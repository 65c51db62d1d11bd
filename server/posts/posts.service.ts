import { and, eq, sql } from 'drizzle-orm';
import { isUniqueViolation, type Executor } from '../../db/client.js';
import { postColumns } from '../../db/columns.js';
import { postRevisions, posts, reactions, topics, users, type ReactionKind } from '../../db/schema.js';
import { badRequest, conflict, forbidden, notFound, unauthorized } from '../errors/errors.js';
import { topicChannel } from '../live/outbox.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { checkPostingLimits } from '../limits/posting-limits.js';
import { renderMarkdown } from '../markdown/markdown.render.js';
import { throwIfBanned } from '../moderation/bans.js';
import { findByClientId, loadPostFor, type Limits } from '../topics/topics.service.js';
import { loadVisibleTopic, type LoadedTopic } from '../topics/topics.load.js';
import { userColumns } from '../users/users.present.js';
import { canModerate, isOpenTo } from '../visibility/permissions.js';
import { canReadPostBody } from '../visibility/visibility.js';
import type { Viewer } from '../visibility/viewer.js';
import { presentPost, type PostRow } from './posts.present.js';
import { appendReply, type AppendReply } from './posts.append.js';
import { holdReply, shouldHold } from '../moderation/hold.js';
import { onPostEdited, onReplyCreated } from '../notifications/notifications.triggers.js';

export const postNotFound = () => notFound('post_not_found', 'No such post.');

export interface ReplyInput { body: string; replyToId?: number | undefined; clientId?: string | undefined }

/** validate → limits → render → store with its events → publish (after commit). */
export async function createReply(ctx: ServiceContext, viewer: Viewer, topicId: number, input: ReplyInput, limits: Limits) {
  const { db } = ctx;
  const user = viewer.user;
  if (!user) throw unauthorized();
  const loaded = await loadVisibleTopic(db, viewer, topicId);

  if (input.clientId) {
    const again = await findByClientId(db, user.id, input.clientId);
    if (again) {
      if (again.topicId !== topicId) throw conflict('client_id_conflict', 'This clientId was already used in another topic.');
      return { created: false, post: await loadPostFor(db, loaded.standing, again.id) };
    }
  }
  const moderator = canModerate(loaded.standing);
  if (loaded.topic.locked && !moderator) throw forbidden('topic_locked', 'This topic is locked: no new replies.');
  throwIfBanned(loaded.ban);
  let replyToAuthorId: number | null = null;
  if (input.replyToId !== undefined) {
    const [target] = await db.select({ topicId: posts.topicId, authorId: posts.authorId }).from(posts).where(eq(posts.id, input.replyToId));
    if (!target || target.topicId !== topicId) throw badRequest('reply_target_not_found', 'replyToId must be a post in this topic.');
    replyToAuthorId = target.authorId;
  }
  const rendered = renderMarkdown(input.body);
  if (limits.enabled) await checkPostingLimits(db, user, loaded.standing.role, { body: input.body, links: rendered.links, isTopic: false });

  try {
    const role = loaded.standing.role;
    const communityId = loaded.topic.communityId;
    const reply: AppendReply = {
      topicId, communityId, authorId: user.id, authorRole: role ?? 'member', joins: role === null,
      replyToId: input.replyToId ?? null, body: input.body, bodyHtml: rendered.html, clientId: input.clientId ?? null,
    };
    const held = await shouldHold(db, user, role, { id: communityId, holdFirstPosts: loaded.settings.holdFirstPosts });
    const { post: created, note } = held ? await holdReply(db, reply, communityId) : await appendReply(db, reply);
    if (role === null) viewer.roles.set(loaded.topic.communityId, 'member');
    ctx.bus.publishLocal([note]);
    ctx.bumps.bump(loaded.communitySlug, topicId);
    // After the commit, awaited, never throwing; a held reply tells nobody until it is approved.
    if (!held) {
      await onReplyCreated(ctx, {
        topic: { id: topicId, communityId, categoryId: loaded.topic.categoryId, authorId: loaded.topic.authorId },
        post: { id: created.id, authorId: user.id }, replyToAuthorId, mentions: rendered.mentions,
      });
    }
    // The author is the viewer: the new row is presented without reading it back.
    return { created: true, post: presentPost(created, user, loaded.standing) };
  } catch (err) {
    if (input.clientId && isUniqueViolation(err)) {
      const again = await findByClientId(db, user.id, input.clientId);
      if (again) return { created: false, post: await loadPostFor(db, loaded.standing, again.id) };
    }
    throw err;
  }
}

interface LoadedPost { post: PostRow; loaded: LoadedTopic }

/** A post the viewer may at least see as a tombstone; hidden topics hide their posts too. */
export async function loadVisiblePost(db: Executor, viewer: Viewer, postId: number): Promise<LoadedPost> {
  const [post] = await db.select(postColumns).from(posts).where(eq(posts.id, postId));
  if (!post) throw postNotFound();
  try {
    return { post, loaded: await loadVisibleTopic(db, viewer, post.topicId) };
  } catch {
    throw postNotFound();
  }
}

export async function getPost(db: Executor, viewer: Viewer, postId: number) {
  const { loaded } = await loadVisiblePost(db, viewer, postId);
  return loadPostFor(db, loaded.standing, postId);
}

/** The author rewrites a post; the previous text is kept as a revision. */
export async function editPost(ctx: ServiceContext, viewer: Viewer, postId: number, body: string) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const { post, loaded } = await loadVisiblePost(ctx.db, viewer, postId);
  if (post.authorId !== user.id) throw forbidden('not_post_author', 'Only the author can edit this post.');
  if (post.deleted) throw conflict('post_deleted', 'A deleted post cannot be edited.');
  if (!isOpenTo(loaded.standing, loaded.topic)) throw forbidden('topic_locked', 'This topic is locked.');
  throwIfBanned(loaded.ban);
  if (body !== post.body) {
    const rendered = renderMarkdown(body);
    await write(ctx, async ({ tx, emit }) => {
      await tx.insert(postRevisions).values({ postId, body: post.body, editorId: user.id });
      await tx.update(posts).set({ body, bodyHtml: rendered.html, editedAt: sql`now()` }).where(eq(posts.id, postId));
      await emit(topicChannel(post.topicId), 'post.updated', { postId });
    });
    await onPostEdited(ctx, {
      topic: { id: post.topicId, communityId: loaded.topic.communityId, categoryId: loaded.topic.categoryId, authorId: loaded.topic.authorId },
      post: { id: postId, authorId: user.id, hidden: post.hidden || loaded.topic.hiddenPending }, before: post.body, mentions: rendered.mentions,
    });
  }
  return loadPostFor(ctx.db, loaded.standing, postId);
}

/** Soft delete: the post keeps its place in the thread as a tombstone. Deleting twice is fine. */
export async function deletePost(ctx: ServiceContext, viewer: Viewer, postId: number): Promise<void> {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const { post, loaded } = await loadVisiblePost(ctx.db, viewer, postId);
  if (post.authorId !== user.id) throw forbidden('not_post_author', 'Only the author can delete this post.');
  throwIfBanned(loaded.ban);
  if (post.deleted) return;
  await write(ctx, async ({ tx, emit }) => {
    await tx.update(posts).set({ deleted: true }).where(eq(posts.id, postId));
    await emit(topicChannel(post.topicId), 'post.deleted', { postId });
    if (loaded.topic.solutionPostId === postId) {
      await tx.update(topics).set({ solutionPostId: null }).where(eq(topics.id, post.topicId));
      await emit(topicChannel(post.topicId), 'topic.updated', { topicId: post.topicId });
    }
  });
}

const counterOf = (kind: ReactionKind) => (kind === 'like' ? posts.likeCount : posts.helpfulCount);
const counterKey = (kind: ReactionKind) => (kind === 'like' ? 'likeCount' : 'helpfulCount');

async function reactable(ctx: ServiceContext, viewer: Viewer, postId: number) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const found = await loadVisiblePost(ctx.db, viewer, postId);
  if (found.post.deleted) throw conflict('post_deleted', 'This post was deleted.');
  if (!canReadPostBody(found.loaded.standing, found.post)) throw conflict('post_hidden', 'This post is hidden.');
  return { user, ...found };
}

/** Idempotent: reacting twice counts once. Your own posts cannot be liked or marked helpful by you. */
export async function addReaction(ctx: ServiceContext, viewer: Viewer, postId: number, kind: ReactionKind) {
  const { user, post, loaded } = await reactable(ctx, viewer, postId);
  if (post.authorId === user.id) throw forbidden('own_post', 'You cannot react to your own post.');
  throwIfBanned(loaded.ban);
  return write(ctx, async ({ tx, emit }) => {
    const inserted = await tx.insert(reactions).values({ postId, userId: user.id, kind }).onConflictDoNothing().returning({ postId: reactions.postId });
    if (inserted.length) {
      await tx.update(posts).set({ [counterKey(kind)]: sql`${counterOf(kind)} + 1` }).where(eq(posts.id, postId));
      await emit(topicChannel(post.topicId), 'reactions.changed', { postId });
    }
    return reactionCounts(tx, postId);
  });
}

export async function removeReaction(ctx: ServiceContext, viewer: Viewer, postId: number, kind: ReactionKind) {
  const { user, post, loaded } = await reactable(ctx, viewer, postId);
  throwIfBanned(loaded.ban);
  return write(ctx, async ({ tx, emit }) => {
    const removed = await tx.delete(reactions)
      .where(and(eq(reactions.postId, postId), eq(reactions.userId, user.id), eq(reactions.kind, kind))).returning({ postId: reactions.postId });
    if (removed.length) {
      await tx.update(posts).set({ [counterKey(kind)]: sql`greatest(${counterOf(kind)} - 1, 0)` }).where(eq(posts.id, postId));
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
export async function listRevisions(db: Executor, viewer: Viewer, postId: number) {
  const { post, loaded } = await loadVisiblePost(db, viewer, postId);
  if (!viewer.user) throw unauthorized();
  if (post.authorId !== viewer.user.id && !canModerate(loaded.standing)) {
    throw forbidden('not_allowed', 'Only the author and moderators can read earlier versions.');
  }
  const rows = await db.select({ id: postRevisions.id, body: postRevisions.body, createdAt: postRevisions.createdAt, editor: userColumns(users) })
    .from(postRevisions).innerJoin(users, eq(postRevisions.editorId, users.id))
    .where(eq(postRevisions.postId, postId)).orderBy(sql`${postRevisions.id} DESC`);
  return { items: rows.map((r) => ({ id: r.id, body: r.body, replacedAt: r.createdAt.toISOString(), editor: { id: r.editor.id, handle: r.editor.handle } })), nextCursor: null };
}

export { presentPost };
