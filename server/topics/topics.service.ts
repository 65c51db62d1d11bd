import { and, asc, desc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { postColumns, topicColumns } from '../../db/columns.js';
import { categories, posts, reactions, topics, users, type IdeaStatus, type ReactionKind, type TopicKind } from '../../db/schema.js';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { badRequest, conflict, forbidden, unauthorized } from '../errors/errors.js';
import { communityChannel, topicChannel } from '../live/outbox.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { throwIfBanned } from '../moderation/bans.js';
import { findCategory } from '../communities/categories.js';
import { findCommunity } from '../communities/communities.service.js';
import { presentPost } from '../posts/posts.present.js';
import { loadPostFor } from '../posts/posts.load.js';
import { PAGE_TAKEN, submitPost, type PostContent } from '../posts/posts.pipeline.js';
import { userColumns } from '../users/users.present.js';
import { canHaveAnswer, canModerate, isAuthorOrModerator, isOpenTo, topicCapabilities } from '../visibility/permissions.js';
import { canReadPostBody, type Standing } from '../visibility/visibility.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';
import { screen } from '../safety/watched-words/screen.js';
import { flagRetitledTopic, holdRetitledTopic } from '../safety/watched-words/rule-actions.js';
import { decodeTopicListCursor, encodeTopicListCursor, TOPIC_SORT_KEYS, type TopicKeyType, type TopicSort } from './topics.cursor.js';
import { loadVisibleTopic, presentLoaded } from './topics.load.js';
import { presentTopic } from './topics.present.js';
import { onSolutionChosen } from '../notifications/notifications.triggers.js';
import { previousVisit, recordVisit } from '../reads/visits.js';
import { listViewerColumns, listViewerState, topicViewerState } from '../reads/viewer-state.js';

export type { TopicSort } from './topics.cursor.js';

export interface ListTopicsInput {
  category?: string | undefined;
  sort?: TopicSort | undefined;
  kind?: TopicKind | undefined;
  status?: IdeaStatus | undefined;
  cursor?: string | undefined;
  /** Page N of the list (server-rendered pages link pages by number); ignored with a cursor. */
  page?: number | undefined;
  limit?: number | undefined;
}

/**
 * What each sort orders by after `pinned` and before `id`: plain columns, in the order an index
 * holds them, so a page (and the next, from its cursor) is a range scan of that index, however
 * large the community (migration 0011): latest → topics_latest_idx (topics_category_latest_idx
 * within a category), top → topics_top_idx (votes, then replies), unanswered → the partial
 * topics_unanswered_idx, votes → topics_votes_idx (topics_idea_votes_idx on the ideas board).
 */
const SORT_COLUMNS = {
  latest: [topics.lastPostAt],
  unanswered: [topics.createdAt],
  top: [topics.votes, topics.postCount],
  votes: [topics.votes],
} as const satisfies Record<TopicSort, readonly AnyPgColumn[]>;

/** A sort key as the cursor carries it: timestamps to the microsecond (a JavaScript Date keeps milliseconds only). */
const cursorKey = (column: AnyPgColumn, type: TopicKeyType) =>
  type === 'timestamp' ? sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : sql`${column}`;

/**
 * Pinned topics first, then by the chosen order; keyset pagination over (pinned, keys, id).
 * Signed-in readers also get their own state per topic and their previous visit; a first page
 * (no cursor) counts as a visit. An unknown category is a 404, not an empty list.
 */
export async function listTopics(db: Executor, viewer: Viewer, slug: string, input: ListTopicsInput) {
  const community = await findCommunity(db, slug);
  const category = input.category ? await findCategory(db, community.id, input.category) : null;
  const standing: Standing = { viewer, role: await roleIn(db, viewer, community.id) };
  const sort = input.sort ?? 'latest';
  const limit = input.limit ?? 30;
  const uid = viewer.user?.id ?? null;
  const laterPage = !!input.cursor || (input.page ?? 1) > 1;
  const previousVisitAt = uid === null ? null : laterPage ? await previousVisit(db, uid, community.id) : await recordVisit(db, uid, community.id);
  const visit = uid === null ? {} : { previousVisitAt: previousVisitAt?.toISOString() ?? null };
  const where: SQL[] = [eq(topics.communityId, community.id)];
  if (!canModerate(standing)) where.push(eq(topics.hidden, false));
  if (category) where.push(eq(topics.categoryId, category.id));
  // Written as topics_unanswered_idx's predicate, so the planner can prove the partial index applies.
  if (sort === 'unanswered') where.push(sql`${topics.postCount} <= 1 AND ${topics.solutionPostId} IS NULL`);
  if (input.kind) where.push(eq(topics.kind, input.kind));
  if (input.status) where.push(eq(topics.ideaStatus, input.status));

  const columns: readonly AnyPgColumn[] = SORT_COLUMNS[sort];
  const types = TOPIC_SORT_KEYS[sort];
  if (input.cursor) {
    const after = decodeTopicListCursor(input.cursor, sort);
    const bound = sql.join(
      after.keys.map((k, i) => (types[i] === 'timestamp' ? sql`${k}::timestamptz` : sql`${k}::int`)),
      sql`, `,
    );
    const keys = sql.join([...columns], sql`, `);
    // Past the pinned topics (nearly every cursor), `pinned = false` and a row comparison on the
    // rest: the same index range, but the planner estimates it from the key's statistics. As one
    // row starting with pinned, it would estimate from `pinned < false` alone (no rows) and sort.
    where.push(
      after.pinned
        ? sql`(${topics.pinned}, ${keys}, ${topics.id}) < (true, ${bound}, ${after.id}::int)`
        : sql`${topics.pinned} = false AND (${keys}, ${topics.id}) < (${bound}, ${after.id}::int)`,
    );
  }
  const order = [desc(topics.pinned), ...columns.map((c) => desc(c)), desc(topics.id)];
  // Numbered pages are for readers without scripts and crawlers (the app continues by cursor).
  // The rows skipped are skipped in the index alone, before any join or per-topic subquery runs.
  const offset = !input.cursor && input.page ? (input.page - 1) * limit : 0;
  if (offset > 0) {
    const onPage = db
      .select({ id: topics.id })
      .from(topics)
      .where(and(...where))
      .orderBy(...order)
      .limit(limit + 1)
      .offset(offset);
    where.push(inArray(topics.id, onPage));
  }
  const rowsFound = await db
    .select({
      topic: topicColumns,
      categorySlug: categories.slug,
      author: userColumns(users),
      keys: sql<(string | number)[]>`json_build_array(${sql.join(
        columns.map((c, i) => cursorKey(c, types[i]!)),
        sql`, `,
      )})`,
      ...listViewerColumns(uid),
    })
    .from(topics)
    .innerJoin(categories, eq(topics.categoryId, categories.id))
    .innerJoin(users, eq(topics.authorId, users.id))
    .where(and(...where))
    .orderBy(...order)
    .limit(limit + 1);
  const page = rowsFound.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => {
      const topic = presentTopic(r.topic, { communitySlug: community.slug, categorySlug: r.categorySlug, author: r.author });
      return uid === null ? topic : { ...topic, viewer: listViewerState(r.topic, r, uid, previousVisitAt) };
    }),
    nextCursor: rowsFound.length > limit && last ? encodeTopicListCursor({ pinned: last.topic.pinned, keys: last.keys, id: last.topic.id }) : null,
    ...visit,
  };
}

export interface CreateTopicInput extends Omit<PostContent, 'replyToId'> {
  category: string | number;
  title: string;
  kind?: TopicKind | undefined;
}

/** A new topic with its opening post, through the post pipeline. */
export async function createTopic(ctx: ServiceContext, viewer: Viewer, slug: string, input: CreateTopicInput) {
  const { db } = ctx;
  if (!viewer.user) throw unauthorized();
  const community = await findCommunity(db, slug);
  const category = await findCategory(db, community.id, input.category);
  const { title, kind, body, clientId } = input;
  const destination = { type: 'topic', community, category: async () => category.id, title: title.trim(), kind: kind ?? 'discussion', embedUrl: null } as const;
  const posted = await submitPost(ctx, viewer, { destination, body, clientId });
  // Only an embed thread's URL can be taken, and a forum topic has none.
  if (posted === PAGE_TAKEN) throw new Error('a forum topic collided on its embed URL');
  return { created: posted.created, ...(await readCreated(db, viewer, posted.topicId, posted.postId)) };
}

/** A just-written topic and post, as the viewer who wrote them sees them. */
export async function readCreated(db: Executor, viewer: Viewer, topicId: number, postId: number) {
  const loaded = await loadVisibleTopic(db, viewer, topicId);
  const post = await loadPostFor(db, loaded.standing, postId);
  return { topic: presentLoaded(loaded), post };
}

export interface ReadTopicInput {
  after?: number | undefined;
  limit?: number | undefined;
}

/**
 * One page of a topic, in number order; the viewer's own reactions are marked when signed in, and
 * what the viewer may do here comes along (a guest's is all false: guests share one cached page).
 */
export async function readTopicPage(db: Executor, viewer: Viewer, id: number, input: ReadTopicInput) {
  return (await renderTopicPage(db, viewer, id, input)).page;
}

/**
 * What a page rendered for guests must know to tell whether a signed-in reader would see it
 * otherwise, and to add what is theirs alone (topic-page.cache.ts): the topic's facts that decide
 * capabilities and state, and the authors of the hidden posts on it (who read their own text).
 */
export interface TopicPageFacts {
  topic: { id: number; communityId: number; categoryId: number; authorId: number; kind: TopicKind; locked: boolean };
  hiddenAuthorIds: number[];
}

/** `readTopicPage`, with the facts of what it rendered. */
export async function renderTopicPage(db: Executor, viewer: Viewer, id: number, input: ReadTopicInput) {
  const loaded = await loadVisibleTopic(db, viewer, id);
  const limit = input.limit ?? 50;
  const after = input.after ?? 0;
  // The reader's own position, vote and notification level, fetched alongside the posts
  // (guests never get it).
  const [found, viewerState] = await Promise.all([
    db
      .select({ post: postColumns, author: userColumns(users) })
      .from(posts)
      .innerJoin(users, eq(posts.authorId, users.id))
      .where(and(eq(posts.topicId, id), gt(posts.number, after)))
      .orderBy(asc(posts.number))
      .limit(limit + 1),
    viewer.user ? topicViewerState(db, viewer.user.id, loaded.topic) : null,
  ]);
  const page = found.slice(0, limit);
  let mine = new Map<number, ReactionKind[]>();
  if (viewer.user && page.length) {
    const rs = await db
      .select({ postId: reactions.postId, kind: reactions.kind })
      .from(reactions)
      .where(
        and(
          eq(reactions.userId, viewer.user.id),
          inArray(
            reactions.postId,
            page.map((r) => r.post.id),
          ),
        ),
      )
      // One order for every path that lists them (the cached page's overlay too).
      .orderBy(asc(reactions.kind));
    mine = rs.reduce((m, r) => m.set(r.postId, [...(m.get(r.postId) ?? []), r.kind]), new Map<number, ReactionKind[]>());
  }
  // The accepted answer travels with every page, so a reader sees it first wherever it sits.
  const solutionId = loaded.topic.solutionPostId;
  const onPage = solutionId ? page.find((r) => r.post.id === solutionId) : undefined;
  const solution = !solutionId
    ? null
    : onPage
      ? presentPost(onPage.post, onPage.author, loaded.standing)
      : await loadPostFor(db, loaded.standing, solutionId).catch(() => null);
  // Pinned posts come with the first page, so readers meet them first however long the thread.
  const pinned =
    after > 0
      ? undefined
      : await db
          .select({ post: postColumns, author: userColumns(users) })
          .from(posts)
          .innerJoin(users, eq(posts.authorId, users.id))
          .where(and(eq(posts.topicId, id), eq(posts.pinned, true)))
          .orderBy(asc(posts.number))
          .limit(20);
  // Hidden but not deleted: its author (and moderators) still read its text.
  const hiddenWithText = (p: { hidden: boolean; deleted: boolean }) => p.hidden && !p.deleted;
  const hiddenAuthorIds = new Set([
    ...[...page, ...(pinned ?? [])].filter((r) => hiddenWithText(r.post)).map((r) => r.post.authorId),
    ...(solution && hiddenWithText(solution) ? [solution.author.id] : []),
  ]);
  const { topic } = loaded;
  const facts: TopicPageFacts = {
    topic: { id: topic.id, communityId: topic.communityId, categoryId: topic.categoryId, authorId: topic.authorId, kind: topic.kind, locked: topic.locked },
    hiddenAuthorIds: [...hiddenAuthorIds],
  };
  return {
    facts,
    page: {
      topic: presentLoaded(loaded),
      ...(viewerState ? { viewerState } : {}),
      viewerCan: topicCapabilities({ ...loaded.standing, banned: loaded.ban !== null }, loaded.topic),
      solution,
      // A pinned post that was since hidden or deleted is not held up as a tombstone; it stays in the thread.
      ...(pinned
        ? { pinnedPosts: pinned.filter((r) => canReadPostBody(loaded.standing, r.post)).map((r) => presentPost(r.post, r.author, loaded.standing)) }
        : {}),
      posts: page.map((r) => presentPost(r.post, r.author, loaded.standing, viewer.user ? (mine.get(r.post.id) ?? []) : undefined)),
      nextCursor: found.length > limit ? String(page.at(-1)!.post.number) : null,
    },
  };
}

export interface UpdateTopicInput {
  title?: string | undefined;
  category?: string | undefined;
}

/**
 * Retitle or move a topic: its author or a moderator. A new title goes through the community's
 * watched words: a block refuses it, a replacement changes it, a hold hides the topic pending
 * review and a flag queues its opening post.
 */
export async function updateTopic(ctx: ServiceContext, viewer: Viewer, id: number, input: UpdateTopicInput) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const loaded = await loadVisibleTopic(ctx.db, viewer, id);
  if (!isAuthorOrModerator(loaded.standing, loaded.topic)) throw forbidden('not_topic_author', 'Only the author or a moderator can change this topic.');
  if (!isOpenTo(loaded.standing, loaded.topic)) throw forbidden('topic_locked', 'This topic is locked.', { action: 'edit' });
  throwIfBanned(loaded.ban);
  const categoryId = input.category ? (await findCategory(ctx.db, loaded.topic.communityId, input.category)).id : undefined;
  const screened = input.title ? await screen(ctx.db, loaded.topic.communityId, { body: '', title: input.title.trim() }, canModerate(loaded.standing)) : null;
  await write(ctx, async (scope) => {
    const { tx, emit } = scope;
    await tx
      .update(topics)
      .set({
        ...(screened?.title ? { title: screened.title } : {}),
        ...(categoryId ? { categoryId } : {}),
      })
      .where(eq(topics.id, id));
    await emit(topicChannel(id), 'topic.updated', { topicId: id });
    // The community's topic list shows titles and categories too.
    await emit(communityChannel(loaded.communitySlug), 'topic.updated', { topicId: id });
    const verdict = screened?.verdict;
    const target = { communityId: loaded.topic.communityId, topicId: id };
    if (verdict?.action === 'hold') await holdRetitledTopic(scope, { ...target, communitySlug: loaded.communitySlug, ruleId: verdict.ruleId });
    else if (verdict?.action === 'flag') await flagRetitledTopic(tx, { ...target, ruleId: verdict.ruleId });
  });
  return { topic: presentLoaded(await loadVisibleTopic(ctx.db, viewer, id)) };
}

/**
 * The post to accept, checked under its row lock: a delete or hide of it waits for the choice to
 * commit (and then sees it), or the choice waits for them and refuses the post.
 */
async function lockAnswer(tx: Executor, topicId: number, postId: number): Promise<void> {
  const [post] = await tx
    .select({ topicId: posts.topicId, number: posts.number, deleted: posts.deleted, hidden: posts.hidden })
    .from(posts)
    .where(eq(posts.id, postId))
    .for('share');
  if (!post || post.topicId !== topicId) throw badRequest('post_not_in_topic', 'That post is not a reply in this topic.');
  if (post.number === 1) throw badRequest('invalid_solution', 'The opening post cannot answer itself.');
  if (post.deleted || post.hidden) throw conflict('post_unavailable', 'A deleted or hidden post cannot be the answer.', { action: 'answer' });
}

/**
 * Marks (or with postId null, clears) the accepted answer: the topic's author or a moderator.
 * Only a question takes an answer; clearing works on any kind, so an answer stored on another
 * kind before that rule can still be undone.
 */
export async function setSolution(ctx: ServiceContext, viewer: Viewer, id: number, postId: number | null) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const loaded = await loadVisibleTopic(ctx.db, viewer, id);
  if (!isAuthorOrModerator(loaded.standing, loaded.topic)) {
    throw forbidden('not_topic_author', 'Only the topic’s author or a moderator can choose the answer.', { action: 'answer' });
  }
  throwIfBanned(loaded.ban);
  if (postId !== null && !canHaveAnswer(loaded.topic.kind)) throw conflict('not_a_question', 'Only a question can have an accepted answer.');
  await write(ctx, async (scope) => {
    const { tx, emit } = scope;
    if (postId !== null) await lockAnswer(tx, id, postId);
    // solvedAt: when this answer was chosen (choosing the same one again keeps the first time).
    await tx
      .update(topics)
      .set({
        solutionPostId: postId,
        solvedAt: postId === null ? null : sql`CASE WHEN ${topics.solutionPostId} = ${postId} THEN coalesce(${topics.solvedAt}, now()) ELSE now() END`,
      })
      .where(eq(topics.id, id));
    await emit(topicChannel(id), 'topic.updated', { topicId: id });
    // Topic lists mark solved questions.
    await emit(communityChannel(loaded.communitySlug), 'topic.updated', { topicId: id });
    if (postId !== null && postId !== loaded.topic.solutionPostId) {
      await onSolutionChosen(scope, { communityId: loaded.topic.communityId, topicId: id, postId, actorId: user.id });
    }
  });
  return { topic: presentLoaded(await loadVisibleTopic(ctx.db, viewer, id)) };
}
