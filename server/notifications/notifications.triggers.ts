/**
 * What each write tells whom. Services call these at the point where the fact becomes true;
 * `notify` then filters every candidate (actor, mutes, bans, visibility) and stores the rest.
 *
 * A notice exists exactly when its cause does. A reply's audience is decided just before it is
 * stored (`replyAudience`) and stored by the reply's own statement (posts.append): one commit,
 * one `NOTIFY` lock, where storing them after the reply took two. A new topic's are told in its
 * transaction, as are moderation notices, answers and approvals (`notify({ within })`). Only an
 * edit's new mentions are told after the edit commits (`afterCommit`): a failure there is logged
 * and the edit stands.
 */
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import type { ServiceContext, WriteScope } from '../write/unit-of-work.js';
import { renderMarkdown } from '../markdown/markdown.render.js';
import type { ReasonCode } from '../../db/schema.js';
import { levelOfPerson, loadPeople, mayBeTold, notify, usersByHandle, type DecidedBatch, type NotificationDraft, type Person } from './notifications.write.js';
import { watchReason, type NotificationReason } from './notifications.reasons.js';

/** More handles than this in one post are not a conversation but a broadcast. */
export const MAX_MENTIONS = 10;

type ModerationAction = 'hide_post' | 'unhide_post' | 'hide_topic' | 'unhide_topic';

interface TopicFacts {
  id: number;
  communityId: number;
  categoryId: number;
  authorId: number;
}

export interface NewReply {
  topic: TopicFacts;
  post: { id: number; authorId: number };
  /** Author of the post replied to, if any. */
  replyToAuthorId: number | null;
  /** Handles as the renderer found them (distinct, lower-cased, in order). */
  mentions: string[];
}

export interface NewTopic {
  topic: TopicFacts;
  /** The opening post. */
  postId: number;
  mentions: string[];
}

type Batch = { draft: NotificationDraft; candidates: number[] }[];

async function mentioned(db: Executor, handles: string[], actorId: number): Promise<number[]> {
  const ids = await usersByHandle(db, handles.slice(0, MAX_MENTIONS));
  return ids.filter((id) => id !== actorId);
}

/**
 * New content is decided by one read: the people named, everyone watching the topic or its
 * category, and the mentioned handles come back from one query with their roles, bans and
 * levels, and the rules of `mayBeTold` run on that. The mentioned are told once, as mentions;
 * of the rest, those `picks` gives a reason are told as `kind`, for that reason.
 */
async function newContentDrafts(
  db: Executor,
  topic: TopicFacts,
  post: { id: number | null; authorId: number },
  kind: 'reply' | 'new_topic',
  named: number[],
  mentions: string[],
  picks: (p: Person) => NotificationReason | null,
): Promise<Batch> {
  const handles = mentions.slice(0, MAX_MENTIONS).map((h) => h.toLowerCase());
  const base = { communityId: topic.communityId, topicId: topic.id, postId: post.id, actorId: post.authorId };
  const mention: NotificationDraft = { ...base, kind: 'mention' };
  const people = await loadPeople(db, { ...base, kind }, named, { watchersOf: { topicId: topic.id, categoryId: topic.categoryId }, handles });
  // A mention their choice refuses (users.mentions_from) notifies nothing; what they watch still does.
  const isMentioned = (p: Person) => handles.includes(p.handle) && !p.mention_refused;
  const why = new Map<number, NotificationReason>();
  for (const p of people) {
    const reason = isMentioned(p) ? null : picks(p);
    if (reason) why.set(Number(p.id), reason);
  }
  const told: NotificationDraft = { ...base, kind, reason: why };
  return [
    { draft: mention, candidates: mayBeTold(mention, people.filter(isMentioned)) },
    {
      draft: told,
      candidates: mayBeTold(
        told,
        people.filter((p) => why.has(Number(p.id))),
      ),
    },
  ].filter((d) => d.candidates.length);
}

/**
 * Who a reply tells: the mentioned, and, as replies, the author of the post replied to (unless
 * muted; the more personal reason when they watch too) and everyone watching the topic (its
 * author by default).
 */
function replyDrafts(db: Executor, r: Omit<NewReply, 'post'> & { post: { id: number | null; authorId: number } }): Promise<Batch> {
  const target = r.replyToAuthorId;
  return newContentDrafts(db, r.topic, r.post, 'reply', target === null ? [r.topic.authorId] : [r.topic.authorId, target], r.mentions, (p) =>
    Number(p.id) === target && levelOfPerson(p) !== 'muted' ? 'own_post' : levelOfPerson(p) === 'watching' ? watchReason(p) : null,
  );
}

/**
 * Who a reply about to be stored tells: posts.append stores them with the reply, in its one
 * statement. Decided before the post has an id (its own visibility is the topic's: it is new).
 */
export async function replyAudience(db: Executor, r: Omit<NewReply, 'post'> & { authorId: number }): Promise<DecidedBatch> {
  const batch = await replyDrafts(db, { ...r, post: { id: null, authorId: r.authorId } });
  return batch.map(({ draft, candidates }) => ({ draft, recipients: candidates }));
}

/** A new topic tells those watching its category (or, once approved, the topic), and those its opening post mentions. */
function topicDrafts(db: Executor, t: NewTopic): Promise<Batch> {
  return newContentDrafts(db, t.topic, { id: t.postId, authorId: t.topic.authorId }, 'new_topic', [], t.mentions, (p) =>
    levelOfPerson(p) === 'watching' ? watchReason(p) : null,
  );
}

/** Runs after the content committed; never throws (see the module comment for why). */
async function afterCommit(ctx: ServiceContext, what: string, drafts: () => Promise<Batch>): Promise<void> {
  try {
    const batch = await drafts();
    if (batch.length) await notify({ after: ctx }, batch, { decided: false });
  } catch (err) {
    (ctx.log ?? consoleLog).warn({ err }, `notifications for ${what} failed; the content itself is stored`);
  }
}

const consoleLog = { warn: (obj: object, msg?: string) => console.warn(msg, obj) };

/** A topic was started and is visible (not held): told in the transaction that stores it. */
export async function tellTopicStarted(scope: WriteScope, t: NewTopic): Promise<void> {
  const batch = await topicDrafts(scope.tx, t);
  if (batch.length) await notify({ within: scope }, batch, { decided: true });
}

export interface EditedPost {
  topic: TopicFacts;
  /** hidden: the post is hidden or waits for approval (or its topic does): nobody is told. */
  post: { id: number; authorId: number; hidden: boolean };
  before: string;
  /** Handles in the new text, as the renderer found them. */
  mentions: string[];
}

/** An edit tells only the people it newly mentions; a hidden (or held) post tells nobody. */
export async function onPostEdited(ctx: ServiceContext, e: EditedPost): Promise<void> {
  if (e.post.hidden || !e.mentions.length) return;
  const earlier = new Set(renderMarkdown(e.before).mentions);
  const added = e.mentions.slice(0, MAX_MENTIONS).filter((h) => !earlier.has(h));
  if (!added.length) return;
  await afterCommit(ctx, `edit of post ${e.post.id}`, async () => {
    const ids = await mentioned(ctx.db, added, e.post.authorId);
    const draft: NotificationDraft = {
      kind: 'mention',
      communityId: e.topic.communityId,
      topicId: e.topic.id,
      postId: e.post.id,
      actorId: e.post.authorId,
    };
    return ids.length ? [{ draft, candidates: ids }] : [];
  });
}

/** A post held for approval is still in that state (a rejected one is not held any more). */
export const isHeldPost = (post: { hidden: boolean; hiddenPending: boolean; hiddenReasonCode: ReasonCode | null }) =>
  post.hidden &&
  post.hiddenPending &&
  (post.hiddenReasonCode === 'held_first_post' || post.hiddenReasonCode === 'watched_word' || post.hiddenReasonCode === 'held_links');
export const isHeldTopic = (topic: { hidden: boolean; hiddenPending: boolean; hiddenReasonCode: ReasonCode | null }) =>
  topic.hidden &&
  topic.hiddenPending &&
  (topic.hiddenReasonCode === 'held_first_topic' || topic.hiddenReasonCode === 'watched_word' || topic.hiddenReasonCode === 'held_links');

/** A held reply, approved: what posting it would have told. */
async function approvedPostDrafts(db: Executor, postId: number): Promise<Batch> {
  const [p] = await rows<{
    id: number;
    author_id: number;
    body: string;
    topic_id: number;
    community_id: number;
    category_id: number;
    topic_author_id: number;
    reply_to_author_id: number | null;
  }>(
    db,
    sql`
    SELECT p.id, p.author_id, p.body, t.id AS topic_id, t.community_id, t.category_id, t.author_id AS topic_author_id, rt.author_id AS reply_to_author_id
    FROM posts p JOIN topics t ON t.id = p.topic_id LEFT JOIN posts rt ON rt.id = p.reply_to_id
    WHERE p.id = ${postId}`,
  );
  if (!p) return [];
  return replyDrafts(db, {
    topic: { id: Number(p.topic_id), communityId: Number(p.community_id), categoryId: Number(p.category_id), authorId: Number(p.topic_author_id) },
    post: { id: Number(p.id), authorId: Number(p.author_id) },
    replyToAuthorId: p.reply_to_author_id === null ? null : Number(p.reply_to_author_id),
    mentions: renderMarkdown(p.body).mentions,
  });
}

/** A held topic, approved: what starting it would have told. */
async function approvedTopicDrafts(db: Executor, topicId: number): Promise<Batch> {
  const [t] = await rows<{ id: number; community_id: number; category_id: number; author_id: number; post_id: number; body: string }>(
    db,
    sql`
    SELECT t.id, t.community_id, t.category_id, t.author_id, p.id AS post_id, p.body
    FROM topics t JOIN posts p ON p.topic_id = t.id AND p.number = 1
    WHERE t.id = ${topicId}`,
  );
  if (!t) return [];
  return topicDrafts(db, {
    topic: { id: Number(t.id), communityId: Number(t.community_id), categoryId: Number(t.category_id), authorId: Number(t.author_id) },
    postId: Number(t.post_id),
    mentions: renderMarkdown(t.body).mentions,
  });
}

export interface ModerationNotice {
  action: ModerationAction;
  communityId: number;
  topicId: number;
  postId: number | null;
  /** The moderator; null when the system acted (flags over the threshold). */
  actorId: number | null;
  /** The author of the post or topic acted on. */
  recipientId: number;
  /** The moderator's own words; or the reason's code (the system's, or a canned one a moderator picked). */
  reason?: string | null;
  reasonCode?: ReasonCode | null;
  /**
   * The unhide approves a held post or topic (see isHeldPost / isHeldTopic, checked before the
   * change): the reply, mention or new-topic notifications withheld until now go out with it.
   */
  approves?: boolean;
}

/**
 * The author learns what a moderator (or the system) did to their post or topic, and why; in
 * the action's transaction, after its own events.
 */
export async function onModerated(scope: WriteScope, n: ModerationNotice): Promise<void> {
  const notice = {
    draft: {
      kind: 'moderation' as const,
      communityId: n.communityId,
      topicId: n.topicId,
      postId: n.postId,
      actorId: n.actorId,
      data: { action: n.action, reason: n.reason ?? null, ...(n.reasonCode ? { reasonCode: n.reasonCode } : {}) },
    },
    candidates: [n.recipientId],
  };
  const approved = !n.approves
    ? []
    : n.action === 'unhide_post' && n.postId !== null
      ? await approvedPostDrafts(scope.tx, n.postId)
      : n.action === 'unhide_topic'
        ? await approvedTopicDrafts(scope.tx, n.topicId)
        : [];
  await notify({ within: scope }, [notice, ...approved]);
}

/** The author of an accepted answer is told (not when they accepted it themselves). */
export async function onSolutionChosen(scope: WriteScope, s: { communityId: number; topicId: number; postId: number; actorId: number }): Promise<void> {
  const [post] = await rows<{ author_id: number }>(scope.tx, sql`SELECT author_id FROM posts WHERE id = ${s.postId}`);
  if (!post) return;
  await notify({ within: scope }, [{ draft: { kind: 'solution', ...s }, candidates: [Number(post.author_id)] }]);
}
