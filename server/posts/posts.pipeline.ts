/**
 * The one way a post is written. A reply, the opening post of a new topic and a comment under an
 * embedded page (and, later, a post sent by e-mail) all run the phases below, in this order.
 *
 * A phase reads and fills the `Posting` it is given and then either lets the post go on, refuses
 * it by throwing an AppError with a stable code, or ends it with an answer (the post this very
 * attempt already stored, found by its clientId). Adding a step to posting means writing a phase
 * here and putting it in `POST_PHASES`; tests/posts.pipeline.test.ts holds the order and every
 * refusal in one table.
 */
import { and, eq } from 'drizzle-orm';
import { isUniqueViolation, type Executor } from '../../db/client.js';
import { posts, topics, type Role, type TopicKind } from '../../db/schema.js';
import { badRequest, conflict, forbidden, unauthorized } from '../errors/errors.js';
import { ensureMembership } from '../communities/communities.service.js';
import { checkContent, checkRates, recentPosting, type RecentPosting } from '../limits/posting-limits.js';
import { communityChannel, topicChannel } from '../live/outbox.js';
import type { BusNote } from '../live/bus.js';
import { renderMarkdown, type RenderResult } from '../markdown/markdown.render.js';
import { throwIfBanned } from '../moderation/bans.js';
import { heldReasonCode, holdReply, holdReplyIn, queueHeld, shouldHold, type HoldReason } from '../moderation/hold.js';
import { replyAudience, tellTopicStarted } from '../notifications/notifications.triggers.js';
import { afterNoticesOfNewPost, type DecidedBatch, type ToldWithPost } from '../notifications/notifications.write.js';
import { loadStanding, loadVisibleTopic, type ActiveBan, type LoadedTopic } from '../topics/topics.load.js';
import { canModerate, isExemptFromSlowMode, isOpenTo } from '../visibility/permissions.js';
import { canSeeTopic, type Standing } from '../visibility/visibility.js';
import type { Viewer, ViewerUser } from '../visibility/viewer.js';
import { stage, type ServiceContext } from '../write/unit-of-work.js';
import { logCommit } from '../ops/request-context.js';
import { hasVerifiedEmail } from '../accounts/verified-email.js';
import { appendReply } from './posts.append.js';
import { retryingConflicts } from '../write/retry-conflicts.js';
import { checkSlowModeLocked, throwIfTooSoon } from '../safety/calm/slow-mode.js';
import { holdsNewMemberLinks, NEW_MEMBER_LINKS_HOLD } from '../safety/calm/new-member-links.js';
import { ruleHold, screen, type RuleVerdict } from '../safety/watched-words/screen.js';
import { raiseRuleFlag } from '../safety/watched-words/rule-actions.js';
import type { PostRow } from './posts.present.js';
import { linkPostUploads, throwIfTooManyUploads, uploadHashesIn } from '../uploads/upload-refs.js';

export interface PostingCommunity {
  id: number;
  slug: string;
  holdFirstPosts: boolean;
  /** Only members with a verified address (or SSO accounts, or site admins) may post. */
  requireVerifiedEmail: boolean;
  /** New accounts' posts with links wait for a moderator (server/safety/calm/new-member-links.ts). */
  holdNewMemberLinks?: boolean | undefined;
}

/** Where a post goes: into a topic, or as the opening post of a new one. */
export type Destination =
  | { type: 'reply'; topicId: number }
  | {
      type: 'topic';
      community: PostingCommunity;
      /** Resolved only once the post may be stored, so a refused attempt leaves nothing behind. */
      category: () => Promise<number>;
      title: string;
      kind: TopicKind;
      /** An embed thread's canonical page URL: when another topic has it already, nothing is written. */
      embedUrl: string | null;
    };

/** What the author sends, wherever it goes. */
export interface PostContent {
  body: string;
  replyToId?: number | undefined;
  /** Makes sending again safe: the same author's same clientId answers the first post. */
  clientId?: string | undefined;
}

export interface PostRequest extends PostContent {
  destination: Destination;
}

/** A post this attempt stored, or one an earlier send of the same clientId stored (`created: false`). */
export interface Posted {
  created: boolean;
  topicId: number;
  postId: number;
  /** The stored reply as written, so it can be presented to its author without reading it back. */
  row?: PostRow;
  standing: Standing;
}

/** The page of an embed thread got its topic from someone else meanwhile: post there as a reply instead. */
export const PAGE_TAKEN = Symbol('page taken');

/** What the phases learn and decide about one attempt. */
interface Posting {
  readonly ctx: ServiceContext;
  readonly viewer: Viewer;
  readonly user: ViewerUser;
  /** As sent, until the community's watched words replace some of its text. */
  request: PostRequest;
  // locate
  community: PostingCommunity;
  topic: LoadedTopic | null;
  standing: Standing;
  ban: ActiveBan | null;
  // authorise
  replyToAuthorId: number | null;
  // render
  rendered: RenderResult;
  // limits and rules share one read of the author's recent posting
  recent: Promise<RecentPosting> | null;
  // watched words: a rule's hold or flag, carried out when the post is stored
  ruleVerdict: RuleVerdict | null;
  // uploads: the stored files its text shows (post_uploads), written with the post
  uploads: string[];
  // hold
  held: boolean;
  /** Why it is held (default: a held first post). */
  holdReason: HoldReason;
  // store
  stored: { topicId: number; postId: number; categoryId: number; row?: PostRow } | null;
  notes: BusNote[];
  /** A reply's notices, decided before it is stored and stored with it, and those they told. */
  notices: DecidedBatch;
  told: ToldWithPost[];
}

type PhaseResult = Posted | typeof PAGE_TAKEN | void;
type Phase = (p: Posting) => Promise<PhaseResult> | PhaseResult;

const role = (p: Posting): Role | null => p.standing.role;

/** The topic (with the viewer's role and ban, in one read) or the community the post goes into. */
async function locate(p: Posting): Promise<void> {
  const d = p.request.destination;
  if (d.type === 'reply') {
    const loaded = await loadVisibleTopic(p.ctx.db, p.viewer, d.topicId);
    p.topic = loaded;
    p.standing = loaded.standing;
    p.ban = loaded.ban;
    p.community = {
      id: loaded.topic.communityId,
      slug: loaded.communitySlug,
      holdFirstPosts: loaded.settings.holdFirstPosts,
      requireVerifiedEmail: loaded.settings.requireVerifiedEmail,
      holdNewMemberLinks: loaded.settings.holdNewMemberLinks,
    };
  } else {
    const { standing, ban } = await loadStanding(p.ctx.db, p.viewer, d.community.id);
    p.standing = standing;
    p.ban = ban;
    p.community = d.community;
  }
}

/** A post already stored under this clientId is this attempt, sent again: answer with it. */
function sameAttempt(p: Posting, earlier: { id: number; topicId: number; number: number }): Posted {
  const d = p.request.destination;
  const same = d.type === 'reply' ? earlier.topicId === d.topicId : earlier.number === 1 && d.embedUrl === null;
  if (!same) throw conflict('client_id_conflict', 'This clientId was already used for another post.');
  return { created: false, topicId: earlier.topicId, postId: earlier.id, standing: p.standing };
}

async function findByClientId(p: Posting) {
  const [row] = await p.ctx.db
    .select({ id: posts.id, topicId: posts.topicId, number: posts.number })
    .from(posts)
    .where(and(eq(posts.authorId, p.user.id), eq(posts.clientId, p.request.clientId!)));
  return row;
}

async function deduplicate(p: Posting): Promise<Posted | void> {
  if (!p.request.clientId) return;
  const earlier = await findByClientId(p);
  if (earlier) return sameAttempt(p, earlier);
}

/**
 * Locked topics take replies from moderators only; banned members write nothing; a community may
 * want a proven address; a reply's target is in its topic.
 */
async function authorise(p: Posting): Promise<void> {
  throwIfClosed(p);
  if (p.community.requireVerifiedEmail && !p.user.isSiteAdmin && !(await hasVerifiedEmail(p.ctx.db, p.user))) {
    throw forbidden('email_unverified', 'Verify your e-mail address to post in this community.');
  }
  const replyToId = p.request.replyToId;
  if (replyToId === undefined) return;
  const d = p.request.destination;
  const [target] =
    d.type === 'reply' ? await p.ctx.db.select({ topicId: posts.topicId, authorId: posts.authorId }).from(posts).where(eq(posts.id, replyToId)) : [];
  if (!target || d.type !== 'reply' || target.topicId !== d.topicId) {
    throw badRequest('reply_target_not_found', 'replyToId must be a post in this topic.');
  }
  p.replyToAuthorId = target.authorId;
}

/** The checks a moderator can change at any moment: the store makes them again where they hold (see appendReply). */
function throwIfClosed(p: Posting): void {
  if (p.topic && !isOpenTo(p.standing, p.topic.topic)) throw forbidden('topic_locked', 'This topic is locked: no new replies.', { action: 'reply' });
  throwIfBanned(p.ban);
}

/**
 * The community's watched words (server/safety/watched-words/): a block refuses the post here
 * (`422 blocked_by_rule`), replacements change its text before it is rendered, and a hold or a
 * flag is carried out by `hold` and `store`. Its moderators and admins are not blocked, held or flagged.
 */
async function watchedWords(p: Posting): Promise<void> {
  const d = p.request.destination;
  const title = d.type === 'topic' ? d.title : null;
  const screened = await screen(p.ctx.db, p.community.id, { body: p.request.body, title }, canModerate(p.standing));
  p.ruleVerdict = screened.verdict;
  if (screened.body === p.request.body && screened.title === title) return;
  p.request = {
    ...p.request,
    body: screened.body,
    destination: d.type === 'topic' ? { ...d, title: screened.title ?? d.title } : d,
  };
}

function render(p: Posting): void {
  p.rendered = renderMarkdown(p.request.body);
}

const recent = (p: Posting) => (p.recent ??= recentPosting(p.ctx.db, p.user.id, p.request.body));

/** How much an author may post per minute, hour and day (new accounts less). */
async function limits(p: Posting): Promise<void> {
  if (!p.ctx.postingLimits.enabled) return;
  checkRates(await recent(p), p.user, role(p), p.request.destination.type === 'topic');
}

/** What a post may contain. */
async function rules(p: Posting): Promise<void> {
  if (!p.ctx.postingLimits.enabled) return;
  checkContent(await recent(p), p.user, role(p), p.rendered.links);
}

/** The files a post shows (server/uploads/upload-refs.ts): at most `maxPerPost`, whoever writes and whatever the limits. */
function uploads(p: Posting): void {
  p.uploads = uploadHashesIn(p.request.body);
  throwIfTooManyUploads(p.uploads, p.ctx.uploads.maxPerPost);
}

/** A member's first post in a community that holds first posts waits for a moderator; so do new accounts' links where the community says so. */
async function hold(p: Posting): Promise<void> {
  if (p.ruleVerdict?.action === 'hold') {
    p.held = true;
    p.holdReason = ruleHold(p.ruleVerdict.ruleId);
    return;
  }
  p.held = await shouldHold(p.ctx.db, p.user, role(p), p.community);
  if (!p.held && holdsNewMemberLinks(p.community, p.user, role(p), p.rendered.links)) {
    p.held = true;
    p.holdReason = NEW_MEMBER_LINKS_HOLD;
  }
}

/**
 * Slow mode: a member replying again too soon in the topic is told how long to wait, before
 * anything else is done. The store checks again under the topic's lock (server/safety/calm/slow-mode.ts).
 */
async function slowMode(p: Posting): Promise<void> {
  const topic = p.topic?.topic;
  if (!topic || topic.slowModeSeconds <= 0 || isExemptFromSlowMode(p.user, role(p))) return;
  await throwIfTooSoon(p.ctx.db, topic.id, p.user.id, topic.slowModeSeconds);
}

async function appendTo(p: Posting, topic: LoadedTopic) {
  const r = role(p);
  const reply = {
    topicId: topic.topic.id,
    communityId: p.community.id,
    authorId: p.user.id,
    authorRole: r ?? 'member',
    joins: r === null,
    replyToId: p.request.replyToId ?? null,
    body: p.request.body,
    bodyHtml: p.rendered.html,
    clientId: p.request.clientId ?? null,
    passesLock: isOpenTo(p.standing, { locked: true }),
    seesHidden: canSeeTopic(p.standing, { hidden: true, authorId: topic.topic.authorId }),
    passesSlowMode: isExemptFromSlowMode(p.user, r),
  } as const;
  if (!p.held) {
    p.notices = await replyAudience(p.ctx.db, {
      topic: { id: topic.topic.id, communityId: p.community.id, categoryId: topic.topic.categoryId, authorId: topic.topic.authorId },
      authorId: p.user.id,
      replyToAuthorId: p.replyToAuthorId,
      mentions: p.rendered.mentions,
    });
  }
  // Slow mode: the author's pace is checked under the topic row's lock, in the reply's transaction.
  if (topic.topic.slowModeSeconds > 0 && !reply.passesSlowMode) {
    return retryingConflicts(() =>
      p.ctx.db.transaction(async (tx) => {
        const paced = { ...reply, slowModeChecked: await checkSlowModeLocked(tx, topic.topic.id, p.user.id) };
        const appended = p.held ? await holdReplyIn(tx, paced, p.community.id, p.holdReason) : await flagged(p, tx, await appendReply(tx, paced, p.notices));
        return showingFiles(p, tx, appended);
      }),
    );
  }
  // A reply is one statement (the hottest write); a held one adds its queue item in the same transaction.
  if (p.held) {
    if (!p.uploads.length) return holdReply(p.ctx.db, reply, p.community.id, p.holdReason);
    return p.ctx.db.transaction(async (tx) => showingFiles(p, tx, await holdReplyIn(tx, reply, p.community.id, p.holdReason)));
  }
  // A rule's flag is raised, and the files it shows are linked, in the reply's transaction.
  if (p.ruleVerdict?.action === 'flag' || p.uploads.length)
    return retryingConflicts(() => p.ctx.db.transaction(async (tx) => showingFiles(p, tx, await flagged(p, tx, await appendReply(tx, reply, p.notices)))));
  // One statement, its own transaction: run again as stage() runs a transaction again.
  return retryingConflicts(() => appendReply(p.ctx.db, reply, p.notices));
}

/** A stored reply that a watched-word rule flags: its queue item and log entry, in its transaction. */
async function flagged<A extends { post: PostRow } | null>(p: Posting, tx: Executor, appended: A): Promise<A> {
  if (appended && p.ruleVerdict?.action === 'flag') {
    await raiseRuleFlag(tx, { communityId: p.community.id, topicId: appended.post.topicId, postId: appended.post.id, ruleId: p.ruleVerdict.ruleId });
  }
  return appended;
}

/** A stored reply's files (post_uploads), in its transaction: who may fetch them follows the post from its first commit. */
async function showingFiles<A extends { post: PostRow } | null>(p: Posting, tx: Executor, appended: A): Promise<A> {
  if (appended && p.uploads.length) await linkPostUploads(tx, appended.post.id, p.uploads, { isNew: true });
  return appended;
}

/** How often a reply refused at its insert is tried again when the topic, read again, lets it through (it was locked and unlocked meanwhile). */
const STORE_ATTEMPTS = 3;

async function storeReply(p: Posting): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const appended = await appendTo(p, p.topic!);
    if (appended) {
      const { post, note } = appended;
      if (role(p) === null) p.viewer.roles.set(p.community.id, 'member');
      p.stored = { topicId: post.topicId, postId: post.id, categoryId: p.topic!.topic.categoryId, row: post };
      p.told = appended.told;
      p.notes = [note, ...p.told.map((t) => ({ channel: t.channel, seq: t.seq }))];
      return;
    }
    // A lock, hiding or ban committed since `locate`: read the topic again and refuse as the checks now do.
    if (attempt === STORE_ATTEMPTS) throw new Error(`topic ${p.topic!.topic.id} refused a reply ${attempt} times that its checks let through`);
    await locate(p);
    throwIfClosed(p);
  }
}

async function storeTopic(p: Posting, d: Extract<Destination, { type: 'topic' }>): Promise<typeof PAGE_TAKEN | void> {
  const categoryId = await d.category();
  const { result, notes } = await stage(
    p.ctx.db,
    async (scope) => {
      const { tx, emit } = scope;
      // A ban committed since `locate` is seen here, before anything is written.
      throwIfBanned((await loadStanding(tx, p.viewer, p.community.id)).ban);
      const authorRole = await ensureMembership(tx, p.viewer, p.community.id);
      // A concurrent insert of the same page URL is waited for, then yielded to (forum topics have no URL).
      const [topic] = await tx
        .insert(topics)
        .values({
          communityId: p.community.id,
          categoryId,
          authorId: p.user.id,
          title: d.title,
          kind: d.kind,
          lastNumber: 1,
          postCount: 1,
          embedUrl: d.embedUrl,
          ...(p.held ? { hidden: true, hiddenReasonCode: heldReasonCode('topic', p.holdReason), hiddenPending: true } : {}),
        })
        .onConflictDoNothing({ target: [topics.communityId, topics.embedUrl] })
        .returning({ id: topics.id });
      if (!topic) return null;
      const [post] = await tx
        .insert(posts)
        .values({
          topicId: topic.id,
          number: 1,
          authorId: p.user.id,
          authorRole,
          body: p.request.body,
          bodyHtml: p.rendered.html,
          clientId: p.request.clientId ?? null,
        })
        .returning({ id: posts.id });
      await linkPostUploads(tx, post!.id, p.uploads, { isNew: true });
      await emit(topicChannel(topic.id), 'post.created', { postId: post!.id });
      await emit(communityChannel(p.community.slug), 'topic.created', { topicId: topic.id });
      if (p.held) await queueHeld(tx, { communityId: p.community.id, topicId: topic.id, postId: post!.id, targetType: 'topic' }, p.holdReason);
      else {
        const facts = { id: topic.id, communityId: p.community.id, categoryId, authorId: p.user.id };
        await tellTopicStarted(scope, { topic: facts, postId: post!.id, mentions: p.rendered.mentions });
      }
      if (p.ruleVerdict?.action === 'flag') {
        await raiseRuleFlag(tx, { communityId: p.community.id, topicId: topic.id, postId: post!.id, ruleId: p.ruleVerdict.ruleId });
      }
      return { topicId: topic.id, postId: post!.id };
    },
    p.ctx.jobs,
  );
  if (!result) return PAGE_TAKEN;
  p.stored = { ...result, categoryId };
  p.notes = notes;
}

/** Stores the post with its events (and queue item when held), atomically. */
async function store(p: Posting): Promise<PhaseResult> {
  const d = p.request.destination;
  try {
    return d.type === 'reply' ? await storeReply(p) : await storeTopic(p, d);
  } catch (err) {
    // Two sends of the same clientId raced: the loser answers with the winner's post.
    const earlier = p.request.clientId && isUniqueViolation(err) ? await findByClientId(p) : undefined;
    if (earlier) return sameAttempt(p, earlier);
    throw err;
  }
}

/** Tells this process's live readers at once (other processes hear the database's NOTIFY), and bumps the topic in lists. */
function announce(p: Posting): void {
  p.ctx.bus.publishLocal(p.notes);
  logCommit(p.notes);
  if (p.request.destination.type === 'reply') p.ctx.bumps.bump(p.community.slug, p.stored!.topicId);
}

/**
 * After the commit, awaited, never throwing. A post's notifications were stored with it (a held
 * post tells nobody until a moderator approves it; a new topic's mail jobs went with its
 * transaction): what remains is a reply's notification mail.
 */
async function notify(p: Posting): Promise<void> {
  if (p.held || p.request.destination.type !== 'reply' || !p.told.length) return;
  const { topicId, postId } = p.stored!;
  await afterNoticesOfNewPost(p.ctx, p.notices, p.told, topicId).catch((err: unknown) =>
    (p.ctx.log ?? console).warn({ err }, `notification mail for reply ${postId} could not be queued; the reply and its notifications are stored`),
  );
}

/** The phases, in order. */
export const POST_PHASES: ReadonlyArray<readonly [name: string, phase: Phase]> = [
  ['locate', locate],
  ['deduplicate', deduplicate],
  ['authorise', authorise],
  ['slowMode', slowMode],
  ['watchedWords', watchedWords],
  ['render', render],
  ['limits', limits],
  ['rules', rules],
  ['uploads', uploads],
  ['hold', hold],
  ['store', store],
  ['announce', announce],
  ['notify', notify],
];

/**
 * Runs a post through every phase. Answers the post (new, or stored earlier by the same
 * clientId), or PAGE_TAKEN when an embed page's first post lost the race for its topic.
 */
export async function submitPost(ctx: ServiceContext, viewer: Viewer, request: PostRequest): Promise<Posted | typeof PAGE_TAKEN> {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const p: Posting = {
    ctx,
    viewer,
    user,
    request,
    community: { id: 0, slug: '', holdFirstPosts: false, requireVerifiedEmail: false },
    topic: null,
    standing: { viewer, role: null },
    ban: null,
    replyToAuthorId: null,
    rendered: { html: '', mentions: [], links: 0 },
    recent: null,
    ruleVerdict: null,
    uploads: [],
    held: false,
    holdReason: {},
    stored: null,
    notes: [],
    notices: [],
    told: [],
  };
  for (const [, phase] of POST_PHASES) {
    const answer = await phase(p);
    if (answer) return answer;
  }
  const { topicId, postId, row } = p.stored!;
  return { created: true, topicId, postId, standing: p.standing, ...(row ? { row } : {}) };
}
