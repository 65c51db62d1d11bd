import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { users } from '../db/schema.js';
import { AppError } from '../server/errors/errors.js';
import { PAGE_TAKEN, POST_PHASES, submitPost, type Destination, type PostRequest } from '../server/posts/posts.pipeline.js';
import { guestViewer, userViewer, type Viewer } from '../server/visibility/viewer.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { createCommunity, createTopic, scene, signUp, unique } from './helpers/factories.js';

/**
 * Every post (reply, new topic, embed comment) runs the same phases in the same order. This table
 * holds each refusal with the phase that makes it, and cases where two refusals apply at once: the
 * earlier phase's answer is the one the author gets.
 */
let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
type Who = TestClient & { handle: string; userId: number };
let banned: Who;
let newbie: Who;
let newcomer: Who;
let topicId: number;
let otherTopicId: number;
let lockedTopicId: number;
let foreignPostId: number;
let holding: { id: number; slug: string };
let verifying: { id: number; slug: string };
let verified: Who;
let community: { id: number; slug: string };
let slowTopicId: number;
let linksTopicId: number;
let watchedTopicId: number;

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
  banned = await signUp(t);
  newbie = await signUp(t, { newAccount: true });
  newcomer = await signUp(t);
  topicId = (await createTopic(s.member, s.slug)).topic.id;
  otherTopicId = (await createTopic(s.member, s.slug)).topic.id;
  foreignPostId = (await createTopic(s.member, s.slug)).post.id;
  lockedTopicId = (await createTopic(s.member, s.slug)).topic.id;
  expect((await s.moderator.post(`/api/topics/${lockedTopicId}/lock`)).status).toBe(200);
  // Banned after posting once, so that a resend of that post can be told apart from a new one.
  expect((await banned.post(`/api/topics/${topicId}/posts`, { body: 'Before the ban', clientId: 'banned-1' })).status).toBe(201);
  expect((await s.admin.post(`/api/communities/${s.slug}/bans`, { handle: banned.handle, reason: 'Spam' })).status).toBe(201);
  holding = await createCommunity(s.admin);
  expect((await s.admin.patch(`/api/communities/${holding.slug}`, { moderation: { holdFirstPosts: true } })).status).toBe(200);
  community = { id: (await t.guest().get(`/api/communities/${s.slug}`)).body.community.id, slug: s.slug };
  verifying = await createCommunity(s.admin);
  expect((await s.admin.patch(`/api/communities/${verifying.slug}`, { moderation: { requireVerifiedEmail: true } })).status).toBe(200);
  verified = await signUp(t);
  await t.app.parley.ctx.db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, verified.userId));
  // Slow mode, with s.other's reply already in.
  slowTopicId = (await createTopic(s.member, s.slug)).topic.id;
  expect((await s.moderator.put(`/api/topics/${slowTopicId}/slow-mode`, { seconds: 600 })).status).toBe(200);
  expect((await s.other.post(`/api/topics/${slowTopicId}/posts`, { body: 'First, slowly' })).status).toBe(201);
  expect((await s.moderator.post(`/api/topics/${slowTopicId}/posts`, { body: 'A moderator, first' })).status).toBe(201);
  const linking = await createCommunity(s.admin);
  expect((await s.admin.patch(`/api/communities/${linking.slug}`, { moderation: { holdNewMemberLinks: true } })).status).toBe(200);
  linksTopicId = (await createTopic(s.admin, linking.slug)).topic.id;
  // Watched words: one blocks, one holds.
  watchedTopicId = (await createTopic(s.member, s.slug)).topic.id;
  for (const rule of [
    { pattern: 'viagra', action: 'block' },
    { pattern: 'casino', action: 'hold' },
  ]) {
    expect((await s.moderator.post(`/api/communities/${s.slug}/watched-words`, rule)).status).toBe(201);
  }
});
afterAll(async () => {
  await t?.close();
});

/** The app's own service context, with posting limits and content rules on or off. */
const withLimits = (enabled: boolean) => ({ ...t.app.parley.ctx, postingLimits: { enabled } });

async function viewerOf(who: Who | null): Promise<Viewer> {
  if (!who) return guestViewer();
  const [u] = await t.app.parley.ctx.db.select().from(users).where(eq(users.id, who.userId));
  return userViewer({
    id: u!.id,
    handle: u!.handle,
    displayName: u!.displayName,
    avatarUrl: u!.avatarUrl,
    createdAt: u!.createdAt,
    isSiteAdmin: u!.isSiteAdmin,
  });
}

const intoTopic =
  (id: () => number): (() => Destination) =>
  () => ({ type: 'reply', topicId: id() });
const newTopic =
  (where: () => { id: number; slug: string }): (() => Destination) =>
  () => ({
    type: 'topic',
    community: { ...where(), holdFirstPosts: where() === holding, requireVerifiedEmail: where() === verifying },
    category: async () => categoryOf(where().slug),
    title: `Topic ${unique()}`,
    kind: 'discussion',
    embedUrl: null,
  });

async function categoryOf(slug: string): Promise<number> {
  const res = await t.guest().get(`/api/communities/${slug}`);
  return res.body.community.categories[0].id;
}

const links = 'See https://a.example/1 and https://b.example/2 and https://c.example/3';

interface Row {
  name: string;
  phase: (typeof POST_PHASES)[number][0];
  who: () => Who | null;
  to: () => Destination;
  body?: string;
  replyToId?: () => number;
  clientId?: string;
  /** Posting limits and content rules on (they are off in the other rows, as in tests generally). */
  limits?: boolean;
  /** Posts the same body first (for the duplicate rule). */
  before?: (body: string) => Promise<void>;
  expected: { status: number; code: string } | { created: boolean; held?: boolean };
}

const rows: Row[] = [
  // locate
  { name: 'a guest', phase: 'locate', who: () => null, to: intoTopic(() => topicId), expected: { status: 401, code: 'not_signed_in' } },
  {
    name: 'a reply to a topic that does not exist',
    phase: 'locate',
    who: () => s.member,
    to: intoTopic(() => 2_000_000),
    expected: { status: 404, code: 'topic_not_found' },
  },
  // deduplicate
  {
    name: 'a resend of a reply (same clientId, same topic)',
    phase: 'deduplicate',
    who: () => banned,
    to: intoTopic(() => topicId),
    clientId: 'banned-1',
    expected: { created: false },
  },
  {
    name: 'a clientId already used in another topic',
    phase: 'deduplicate',
    who: () => banned,
    to: intoTopic(() => otherTopicId),
    clientId: 'banned-1',
    expected: { status: 409, code: 'client_id_conflict' },
  },
  {
    name: 'a new topic with a clientId a reply used',
    phase: 'deduplicate',
    who: () => banned,
    to: newTopic(() => community),
    clientId: 'banned-1',
    expected: { status: 409, code: 'client_id_conflict' },
  },
  // authorise
  {
    name: 'a reply in a locked topic',
    phase: 'authorise',
    who: () => s.member,
    to: intoTopic(() => lockedTopicId),
    expected: { status: 403, code: 'topic_locked' },
  },
  {
    name: 'a reply in a locked topic, by a moderator',
    phase: 'authorise',
    who: () => s.moderator,
    to: intoTopic(() => lockedTopicId),
    expected: { created: true },
  },
  { name: 'a reply by a banned member', phase: 'authorise', who: () => banned, to: intoTopic(() => topicId), expected: { status: 403, code: 'banned' } },
  { name: 'a new topic by a banned member', phase: 'authorise', who: () => banned, to: newTopic(() => community), expected: { status: 403, code: 'banned' } },
  {
    name: 'a new topic by a member without a verified address, where one is needed',
    phase: 'authorise',
    who: () => s.member,
    to: newTopic(() => verifying),
    expected: { status: 403, code: 'email_unverified' },
  },
  {
    name: 'a new topic there by a member with a verified address',
    phase: 'authorise',
    who: () => verified,
    to: newTopic(() => verifying),
    expected: { created: true },
  },
  {
    name: 'a reply to a post of another topic',
    phase: 'authorise',
    who: () => s.member,
    to: intoTopic(() => topicId),
    replyToId: () => foreignPostId,
    expected: { status: 400, code: 'reply_target_not_found' },
  },
  {
    name: 'a new topic that replies to a post',
    phase: 'authorise',
    who: () => s.member,
    to: newTopic(() => community),
    replyToId: () => foreignPostId,
    expected: { status: 400, code: 'reply_target_not_found' },
  },
  // slowMode
  {
    name: 'a second reply within slow mode',
    phase: 'slowMode',
    who: () => s.other,
    to: intoTopic(() => slowTopicId),
    expected: { status: 429, code: 'slow_mode' },
  },
  { name: "a moderator's second reply there", phase: 'slowMode', who: () => s.moderator, to: intoTopic(() => slowTopicId), expected: { created: true } },
  // watchedWords
  {
    name: 'a reply with a word a rule blocks, spaced out',
    phase: 'watchedWords',
    who: () => s.other,
    to: intoTopic(() => watchedTopicId),
    body: 'v i a g r a',
    expected: { status: 422, code: 'blocked_by_rule' },
  },
  {
    name: 'a reply with a word a rule holds',
    phase: 'watchedWords',
    who: () => s.other,
    to: intoTopic(() => watchedTopicId),
    body: 'my cаsino',
    expected: { created: true, held: true },
  },
  {
    name: "a moderator's reply with a word a rule blocks",
    phase: 'watchedWords',
    who: () => s.moderator,
    to: intoTopic(() => watchedTopicId),
    body: 'we do not allow viagra spam',
    expected: { created: true, held: false },
  },
  // limits
  {
    name: "a new account's fourth topic of the day",
    phase: 'limits',
    who: () => newbie,
    to: newTopic(() => community),
    limits: true,
    before: async () => {
      for (let i = 0; i < 3; i++) await createTopic(newbie, s.slug);
    },
    expected: { status: 429, code: 'topic_limit' },
  },
  {
    name: "a new account's fourth post in a minute",
    phase: 'limits',
    who: () => newbie,
    to: intoTopic(() => topicId),
    limits: true,
    expected: { status: 429, code: 'post_limit' },
  },
  // rules
  {
    name: 'the same text again within minutes',
    phase: 'rules',
    who: () => s.other,
    to: intoTopic(() => topicId),
    limits: true,
    before: async (body) => {
      await s.other.post(`/api/topics/${topicId}/posts`, { body });
    },
    expected: { status: 409, code: 'duplicate_post' },
  },
  {
    name: 'three links from a new account',
    phase: 'rules',
    who: () => newcomerNew,
    to: intoTopic(() => topicId),
    body: links,
    limits: true,
    expected: { status: 403, code: 'too_many_links' },
  },
  {
    name: 'the same text again, with posting limits off',
    phase: 'rules',
    who: () => s.other,
    to: intoTopic(() => topicId),
    before: async (body) => {
      await s.other.post(`/api/topics/${topicId}/posts`, { body });
    },
    expected: { created: true },
  },
  // uploads: a content rule that holds with limits off too
  {
    name: 'a reply showing more files than a post may (config.uploads.maxPerPost)',
    phase: 'uploads',
    who: () => s.member,
    to: intoTopic(() => topicId),
    body: Array.from({ length: 21 }, (_, i) => `![${i}](/uploads/${i.toString(16).padStart(64, '0')}.png)`).join('\n'),
    expected: { status: 422, code: 'too_many_uploads' },
  },
  {
    name: 'a new topic showing more files than a post may',
    phase: 'uploads',
    who: () => s.member,
    to: newTopic(() => community),
    body: Array.from({ length: 21 }, (_, i) => `/uploads/${i.toString(16).padStart(64, 'a')}-thumb.webp`).join(' '),
    expected: { status: 422, code: 'too_many_uploads' },
  },
  // hold
  {
    name: "a newcomer's first topic where first posts are held",
    phase: 'hold',
    who: () => newcomer,
    to: newTopic(() => holding),
    expected: { created: true, held: true },
  },
  { name: "its admin's first topic there", phase: 'hold', who: () => s.admin, to: newTopic(() => holding), expected: { created: true, held: false } },
  {
    name: "a new account's link where new members' links wait for review",
    phase: 'hold',
    who: () => newcomerNew,
    to: intoTopic(() => linksTopicId),
    body: 'See https://a.example/1',
    expected: { created: true, held: true },
  },
  // store
  { name: 'an ordinary reply', phase: 'store', who: () => s.member, to: intoTopic(() => topicId), expected: { created: true, held: false } },
  { name: 'an ordinary topic', phase: 'store', who: () => s.member, to: newTopic(() => community), expected: { created: true, held: false } },
];

// A brand-new account for the links rule, made fresh so the per-minute budget (used up above) does not answer first.
let newcomerNew: Who;

describe('the post pipeline', () => {
  it('runs its phases in this order', () => {
    expect(POST_PHASES.map(([name]) => name)).toEqual([
      'locate',
      'deduplicate',
      'authorise',
      'slowMode',
      'watchedWords',
      'render',
      'limits',
      'rules',
      'uploads',
      'hold',
      'store',
      'announce',
      'notify',
    ]);
  });

  it.each(rows)('$phase: $name', async (row) => {
    newcomerNew ??= await signUp(t, { newAccount: true });
    expect(POST_PHASES.some(([name]) => name === row.phase)).toBe(true);
    const body = row.body ?? `Body ${unique()}`;
    await row.before?.(body);
    const request: PostRequest = { destination: row.to(), body, clientId: row.clientId, replyToId: row.replyToId?.() };
    const viewer = await viewerOf(row.who());
    let answer: Awaited<ReturnType<typeof submitPost>> | AppError;
    try {
      answer = await submitPost(withLimits(!!row.limits), viewer, request);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      answer = err;
    }
    if ('status' in row.expected) {
      expect(answer).toBeInstanceOf(AppError);
      expect({ status: (answer as AppError).statusCode, code: (answer as AppError).code }).toEqual(row.expected);
      return;
    }
    expect(answer).not.toBeInstanceOf(AppError);
    expect(answer).not.toBe(PAGE_TAKEN);
    const posted = answer as Exclude<typeof answer, AppError | typeof PAGE_TAKEN>;
    expect(posted.created).toBe(row.expected.created);
    if (row.expected.held !== undefined) {
      // A held reply is a hidden post; a held topic is a hidden topic (its opening post is not hidden itself).
      const seen = await row.who()!.get(`/api/topics/${posted.topicId}?limit=100`);
      const post = seen.body.posts.find((p: { id: number }) => p.id === posted.postId);
      expect(seen.body.topic.hidden || post.hidden).toBe(row.expected.held);
    }
  });

  describe('when two refusals apply, the earlier phase answers', () => {
    const attempt = async (who: Who, destination: Destination, over: Partial<PostRequest> = {}, limits = false) => {
      try {
        return await submitPost(withLimits(limits), await viewerOf(who), { destination, body: `Body ${unique()}`, ...over });
      } catch (err) {
        return (err as AppError).code;
      }
    };

    it('locked and banned: topic_locked (authorise checks the lock first)', async () => {
      expect(await attempt(banned, { type: 'reply', topicId: lockedTopicId })).toBe('topic_locked');
    });

    it('a resend by a member banned since: the stored post, not a refusal (deduplicate before authorise)', async () => {
      const again = await attempt(banned, { type: 'reply', topicId }, { clientId: 'banned-1' });
      expect(again).toMatchObject({ created: false });
    });

    it('banned and over a limit: banned (authorise before limits)', async () => {
      const viewer = await viewerOf(banned);
      await expect(
        submitPost(withLimits(true), viewer, {
          destination: {
            type: 'topic',
            community: { ...community, holdFirstPosts: false, requireVerifiedEmail: false },
            category: () => categoryOf(s.slug),
            title: 'Title',
            kind: 'discussion',
            embedUrl: null,
          },
          body: links,
        }),
      ).rejects.toMatchObject({ code: 'banned' });
    });

    it('over the per-minute budget and a duplicate: post_limit (limits before rules)', async () => {
      const fast = await signUp(t, { newAccount: true });
      const body = `Same ${unique()}`;
      expect((await fast.post(`/api/topics/${topicId}/posts`, { body })).status).toBe(201);
      for (let i = 0; i < 2; i++) expect((await fast.post(`/api/topics/${topicId}/posts`, { body: `Other ${unique()}` })).status).toBe(201);
      expect(await attempt(fast, { type: 'reply', topicId }, { body }, true)).toBe('post_limit');
    });

    it('too many links in a held first post: too_many_links, and nothing waits in the queue (rules before hold)', async () => {
      const first = await signUp(t, { newAccount: true });
      const destination: Destination = {
        type: 'topic',
        community: { ...holding, holdFirstPosts: true, requireVerifiedEmail: false },
        category: () => categoryOf(holding.slug),
        title: 'Links',
        kind: 'discussion',
        embedUrl: null,
      };
      expect(await attempt(first, destination, { body: links }, true)).toBe('too_many_links');
      const queue = await s.admin.get(`/api/communities/${holding.slug}/flags?status=open`);
      expect(queue.body.items.filter((i: { post: { author: { handle: string } } }) => i.post.author.handle === first.handle)).toEqual([]);
    });
  });
});
