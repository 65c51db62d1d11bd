import { and, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { rows, type Executor } from '../../db/client.js';
import { postColumns } from '../../db/columns.js';
import { posts, queueItems, topics, users, type QueueItemStatus } from '../../db/schema.js';
import { conflict, forbidden, notFound, unauthorized } from '../errors/errors.js';
import { inboxChannel, topicChannel } from '../live/outbox.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { NEW_ACCOUNT_HOURS } from '../limits/posting-limits.js';
import { findCommunity } from '../communities/communities.service.js';
import { loadVisiblePost } from '../posts/posts.load.js';
import { presentPost } from '../posts/posts.present.js';
import { decodeIdCursor } from '../topics/topics.cursor.js';
import { presentUser, userColumns } from '../users/users.present.js';
import { canReadPostBody, type Standing } from '../visibility/visibility.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';
import { throwIfBanned } from './bans.js';
import { requireModerator } from './moderation.guard.js';
import { logAction } from './moderation.log.js';
import { queueReasonCode, reasonText, reasonWords } from './system-reasons.js';
import { SOURCE_LOCALE } from '../i18n/locales.js';
import { lockPost } from './moderation.posts.js';
import { onModerated } from '../notifications/notifications.triggers.js';

type QueueItemRow = typeof queueItems.$inferSelect;

/** What the member who raised an item sees of it: never who else flagged, never the verdict's author. */
const presentOwnFlag = (f: QueueItemRow, locale: string = SOURCE_LOCALE) => {
  const reasonCode = queueReasonCode(f);
  return {
    id: f.id,
    kind: f.kind,
    postId: f.postId,
    topicId: f.topicId,
    reason: reasonText(f.reason, reasonCode, locale) ?? '',
    // Only items the system raised, or raised without a message, carry a code beside their words.
    ...(f.reason === null && reasonCode ? { reasonCode } : {}),
    status: f.status,
    createdAt: f.createdAt.toISOString(),
  };
};

/**
 * A member reports a post. Flags are one per member per post, ever; when enough distinct,
 * established members have flagged it (the community's threshold), the post is hidden at once
 * as pending review and the log records that the system did it.
 */
export async function createFlag(ctx: ServiceContext, viewer: Viewer, postId: number, reason: string) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const { post, loaded } = await loadVisiblePost(ctx.db, viewer, postId);
  if (post.deleted) throw conflict('post_deleted', 'This post was deleted.');
  if (!canReadPostBody(loaded.standing, post)) throw conflict('post_hidden', 'This post is already hidden.');
  if (post.authorId === user.id) throw forbidden('own_post', 'You cannot flag your own post.');
  throwIfBanned(loaded.ban);
  const threshold = loaded.settings.flagThreshold;
  return write(ctx, async (scope) => {
    const { tx, emit } = scope;
    const current = await lockPost(tx, postId);
    const [created] = await tx
      .insert(queueItems)
      .values({
        communityId: loaded.topic.communityId,
        kind: 'flag',
        topicId: post.topicId,
        postId,
        reporterId: user.id,
        reason: reason.trim(),
      })
      .onConflictDoNothing()
      .returning();
    if (!created) {
      const [existing] = await tx
        .select()
        .from(queueItems)
        .where(and(eq(queueItems.postId, postId), eq(queueItems.reporterId, user.id), eq(queueItems.kind, 'flag')));
      return { created: false, flag: presentOwnFlag(existing!) };
    }
    await emit(inboxChannel(loaded.communitySlug), 'inbox.changed', { key: `flagged:${postId}` });
    if (threshold > 0 && !current.hidden) {
      // Brand-new accounts can report, but do not count towards hiding: sock puppets are cheap.
      const [{ n } = { n: 0 }] = await rows<{ n: number }>(
        tx,
        sql`
        SELECT count(DISTINCT f.reporter_id)::int AS n FROM queue_items f JOIN users u ON u.id = f.reporter_id
        WHERE f.post_id = ${postId} AND f.kind = 'flag' AND f.status = 'open'
          AND u.created_at <= now() - make_interval(hours => ${NEW_ACCOUNT_HOURS})`,
      );
      if (n >= threshold) {
        await tx
          .update(posts)
          .set({ hidden: true, hiddenReason: null, hiddenReasonCode: 'flagged', hiddenPending: true, hiddenAt: sql`now()` })
          .where(eq(posts.id, postId));
        await emit(topicChannel(post.topicId), 'post.hidden', { postId });
        await logAction(tx, {
          communityId: loaded.topic.communityId,
          moderatorId: null,
          action: 'hide_post',
          targetType: 'post',
          targetId: postId,
          reasonCode: 'flagged',
          detail: String(n),
        });
        await onModerated(scope, {
          action: 'hide_post',
          communityId: loaded.topic.communityId,
          topicId: post.topicId,
          postId,
          actorId: null,
          recipientId: post.authorId,
          reasonCode: 'flagged',
        });
      }
    }
    return { created: true, flag: presentOwnFlag(created) };
  });
}

/**
 * The author of a hidden post contests it, once per hiding; the request joins the queue and a
 * moderator restores the post (granting it) or confirms the hide (declining it).
 */
export async function requestReview(ctx: ServiceContext, viewer: Viewer, postId: number, message: string | undefined) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const { post, loaded } = await loadVisiblePost(ctx.db, viewer, postId);
  if (post.authorId !== user.id) throw forbidden('not_post_author', 'Only the author can ask for a review of this post.');
  throwIfBanned(loaded.ban);
  return write(ctx, async ({ tx, emit }) => {
    const current = await lockPost(tx, postId);
    if (!current.hidden) throw conflict('post_not_hidden', 'This post is not hidden.');
    const [earlier] = await rows<{ id: number }>(
      tx,
      sql`
      SELECT f.id FROM queue_items f JOIN posts p ON p.id = f.post_id
      WHERE f.post_id = ${postId} AND f.kind = 'review_request' AND f.created_at >= coalesce(p.hidden_at, '-infinity'::timestamptz) LIMIT 1`,
    );
    if (earlier) throw conflict('review_already_requested', 'You already asked for a review of this post.');
    const [created] = await tx
      .insert(queueItems)
      .values({
        communityId: loaded.topic.communityId,
        kind: 'review_request',
        topicId: post.topicId,
        postId,
        reporterId: user.id,
        reason: message?.trim() || null,
      })
      .returning();
    await emit(inboxChannel(loaded.communitySlug), 'inbox.changed', { key: `held:${created!.id}` });
    return presentOwnFlag(created!);
  });
}

export interface FlagQuery {
  status?: QueueItemStatus | 'all' | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

const reporters = alias(users, 'reporter');
const resolvers = alias(users, 'resolver');
const authors = alias(users, 'author');

/** The review queue of one community, newest first: moderators only. Items carry the post as a moderator sees it. */
export async function listFlags(db: Executor, viewer: Viewer, slug: string, query: FlagQuery, locale: string = SOURCE_LOCALE) {
  const community = await findCommunity(db, slug);
  const standing: Standing = { viewer, role: await roleIn(db, viewer, community.id) };
  requireModerator(standing);
  const status = query.status ?? 'open';
  const before = decodeIdCursor(query.cursor);
  const limit = query.limit ?? 50;
  const found = await db
    .select({
      flag: queueItems,
      post: postColumns,
      author: userColumns(authors),
      topic: { id: topics.id, title: topics.title, hidden: topics.hidden, locked: topics.locked },
      reporter: userColumns(reporters),
      resolver: userColumns(resolvers),
      openFlags: sql<number>`(SELECT count(*)::int FROM queue_items o WHERE o.post_id = ${queueItems.postId} AND o.kind = 'flag' AND o.status = 'open')`,
      // Held posts share the first_post kind; what held them is on the post (or topic) itself.
      heldCode: sql<string | null>`CASE WHEN ${queueItems.targetType} = 'topic' THEN ${topics.hiddenReasonCode} ELSE ${posts.hiddenReasonCode} END`,
    })
    .from(queueItems)
    .innerJoin(posts, eq(posts.id, queueItems.postId))
    .innerJoin(authors, eq(authors.id, posts.authorId))
    .innerJoin(topics, eq(topics.id, queueItems.topicId))
    .leftJoin(reporters, eq(reporters.id, queueItems.reporterId))
    .leftJoin(resolvers, eq(resolvers.id, queueItems.resolvedById))
    .where(
      and(
        eq(queueItems.communityId, community.id),
        status === 'all' ? undefined : eq(queueItems.status, status),
        before === null ? undefined : sql`${queueItems.id} < ${before}`,
      ),
    )
    .orderBy(sql`${queueItems.id} DESC`)
    .limit(limit + 1);
  const items = found.slice(0, limit).map((r) => ({
    ...presentOwnFlag(r.flag, locale),
    ...(r.flag.kind === 'first_post' && r.heldCode === 'held_links' ? { reason: reasonWords('held_links', locale), reasonCode: 'held_links' as const } : {}),
    targetType: r.flag.targetType,
    reporter: r.reporter ? presentUser(r.reporter) : null,
    post: presentPost(r.post, r.author, standing),
    topic: r.topic,
    openFlags: Number(r.openFlags),
    resolvedBy: r.resolver ? presentUser(r.resolver) : null,
    resolvedAt: r.flag.resolvedAt?.toISOString() ?? null,
  }));
  return { items, nextCursor: found.length > limit ? String(found[limit - 1]!.flag.id) : null };
}

/**
 * Settles one queue item without touching the content: resolved ("dealt with") or dismissed
 * ("no action needed"). Settling it again the same way is a no-op; the other way is a conflict.
 */
export async function settleFlag(ctx: ServiceContext, viewer: Viewer, flagId: number, status: Exclude<QueueItemStatus, 'open'>) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const [flag] = await ctx.db.select().from(queueItems).where(eq(queueItems.id, flagId));
  if (!flag) throw notFound('flag_not_found', 'No such flag.');
  const { loaded } = await loadVisiblePost(ctx.db, viewer, flag.postId);
  requireModerator(loaded.standing);
  return write(ctx, async ({ tx, emit }) => {
    const [current] = await tx.select().from(queueItems).where(eq(queueItems.id, flagId)).for('update');
    if (current!.status === status) return presentOwnFlag(current!);
    if (current!.status !== 'open') throw conflict('flag_settled', `This item was already ${current!.status}.`, { status: current!.status });
    const [updated] = await tx
      .update(queueItems)
      .set({ status, resolvedById: user.id, resolvedAt: sql`now()` })
      .where(eq(queueItems.id, flagId))
      .returning();
    await logAction(tx, {
      communityId: flag.communityId,
      moderatorId: user.id,
      action: status === 'resolved' ? 'resolve_flag' : 'dismiss_flag',
      targetType: 'post',
      targetId: flag.postId,
      detail: flag.kind,
    });
    await emit(inboxChannel(loaded.communitySlug), 'inbox.changed', { key: flag.kind === 'flag' ? `flagged:${flag.postId}` : `held:${flag.id}` });
    return presentOwnFlag(updated!);
  });
}
