/**
 * Who may do what in moderation, as one table: every moderation route × every kind of viewer ×
 * the target's own community or another one where the viewer holds the same role. The table is
 * the specification; the cells are generated from it, so a rule changed in one place is tested
 * everywhere.
 *
 * One app and one world for the whole file. Refused calls share one target per route (a refusal
 * must not change anything, and every refused cell checks exactly that: the target reads the same
 * and the public moderation log did not grow). Successful calls get a fresh target, because they
 * change it, and check what a user would notice afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { Reply, TestClient } from './helpers/client.js';
import { createCommunity, createTopic, reply, setRole, signUp, unique } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';

const ROLES = ['guest', 'member', 'author', 'staff', 'moderator', 'admin'] as const;
type Role = (typeof ROLES)[number];
/** own: the viewer's role is in the target's community. other: the same role, in a second community. */
type Column = 'own' | 'other';
type Signed = TestClient & { handle: string; userId: number };
type Viewer = TestClient & { handle?: string };

interface Outcome {
  status: number;
  code?: string;
}
const ok = (status = 200): Outcome => ({ status });
const refused = (status: number, code: string): Outcome => ({ status, code });

interface World {
  slug: string;
  otherSlug: string;
  viewers: Record<Column, Record<Role, Viewer>>;
  /** The target community's moderator: sets targets up and reads state back (moderators see everything). */
  moderator: Signed;
  /** Writes every target in the target community: the "author" viewer. */
  author: Signed;
  /** An ordinary member of the target community who raises the flags moderators then settle. */
  member: Signed;
  /** A topic in the target community that target posts are replies in. */
  hostTopicId: number;
  /** A member banned in the target community before any cell runs. */
  banned: Signed;
}

let t: TestApp;
let w: World;

beforeAll(async () => {
  t = await startTestApp();
  const admin = await signUp(t);
  const otherAdmin = await signUp(t);
  const [own, other] = await Promise.all([createCommunity(admin), createCommunity(otherAdmin)]);
  const [moderator, staff, member, author, otherModerator, otherStaff, otherMember, otherAuthor, banned] = await Promise.all(
    Array.from({ length: 9 }, () => signUp(t)),
  );
  await Promise.all([
    setRole(admin, own.slug, moderator!.handle, 'moderator'),
    setRole(admin, own.slug, staff!.handle, 'staff'),
    setRole(otherAdmin, other.slug, otherModerator!.handle, 'moderator'),
    setRole(otherAdmin, other.slug, otherStaff!.handle, 'staff'),
  ]);
  // Members become members by posting; the "author" of the other community writes there, not here.
  const host = await createTopic(author!, own.slug);
  await reply(member!, host.topic.id);
  await reply(banned!, host.topic.id);
  const otherHost = await createTopic(otherAuthor!, other.slug);
  await reply(otherMember!, otherHost.topic.id);
  const ban = await moderator!.post(`/api/communities/${own.slug}/bans`, { handle: banned!.handle, reason: 'Spam or advertising' });
  expect(ban.status, ban.text).toBe(201);

  w = {
    slug: own.slug,
    otherSlug: other.slug,
    viewers: {
      own: { guest: t.guest(), member: member!, author: author!, staff: staff!, moderator: moderator!, admin },
      other: { guest: t.guest(), member: otherMember!, author: otherAuthor!, staff: otherStaff!, moderator: otherModerator!, admin: otherAdmin },
    },
    moderator: moderator!,
    author: author!,
    member: member!,
    hostTopicId: host.topic.id,
    banned: banned!,
  };
});
afterAll(async () => {
  await t?.close();
});

// ---------------------------------------------------------------------------------------------
// Reading state back. Moderators see hidden things, so their reads show the whole state.

async function ok200(res: Reply) {
  expect(res.status, res.text).toBe(200);
  return res.body;
}
const readTopic = async (id: number) => {
  const { topic } = await ok200(await w.moderator.get(`/api/topics/${id}?limit=1`));
  return { pinned: topic.pinned, locked: topic.locked, hidden: topic.hidden, hiddenReason: topic.hiddenReason };
};
const readPost = async (id: number) => {
  const { post } = await ok200(await w.moderator.get(`/api/posts/${id}`));
  return { pinned: post.pinned, hidden: post.hidden, hiddenReason: post.hiddenReason, deleted: post.deleted };
};
/** Every page of a moderator list (the queue, the bans). */
async function readAll(url: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const page: any = await ok200(await w.moderator.get(`${url}${sep}limit=100${cursor ? `&cursor=${cursor}` : ''}`));
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
const queue = (status: 'open' | 'resolved' | 'dismissed' | 'all' = 'all') => readAll(`/api/communities/${w.slug}/flags?status=${status}`);
const queueFor = async (postId: number) => (await queue()).filter((f) => f.postId === postId).map((f) => ({ id: f.id, kind: f.kind, status: f.status }));
const bannedHandles = async () => (await readAll(`/api/communities/${w.slug}/bans`)).map((b) => b.user.handle as string);

/** The newest entry of both communities' public logs, as a guest sees them: a refusal must leave both alone. */
async function logHeads() {
  const heads = [];
  for (const slug of [w.slug, w.otherSlug]) {
    const { items } = await ok200(await t.guest().get(`/api/communities/${slug}/moderation-log?limit=1`));
    heads.push(items[0]?.id ?? 0);
  }
  return heads;
}
/** A success adds exactly one entry to the target community's log, naming the action and who did it. */
async function expectLogged(before: number[], action: string, who: Viewer, reason?: string) {
  const { items } = await ok200(await t.guest().get(`/api/communities/${w.slug}/moderation-log?limit=5`));
  const added = items.filter((e: any) => e.id > before[0]!);
  expect(added).toHaveLength(1);
  expect(added[0]).toMatchObject({ action, automatic: false, moderator: { handle: who.handle } });
  if (reason !== undefined) expect(added[0].reason).toBe(reason);
  expect((await logHeads())[1]).toBe(before[1]);
}

// ---------------------------------------------------------------------------------------------
// Making targets. Each is written by the author, in the target community.

const newTopic = async () => (await createTopic(w.author, w.slug)).topic.id;
const newPost = async () => (await reply(w.author, w.hostTopicId)).id;
async function as(who: TestClient, method: 'post' | 'delete', url: string, body?: unknown) {
  const res = method === 'post' ? await who.post(url, body) : await who.delete(url);
  expect(res.status, `${method} ${url}: ${res.text}`).toBeLessThan(300);
  return res;
}
const topicIn = async (state: 'pin' | 'lock' | 'hide') => {
  const id = await newTopic();
  await as(w.moderator, 'post', `/api/topics/${id}/${state}`, state === 'hide' ? { reason: 'Off topic' } : undefined);
  return id;
};
const postIn = async (state: 'pin' | 'hide') => {
  const id = await newPost();
  await as(w.moderator, 'post', `/api/posts/${id}/${state}`, state === 'hide' ? { reason: 'Off topic' } : undefined);
  return id;
};
/** An open member flag on a fresh post. */
const newFlag = async () => {
  const postId = await newPost();
  const res = await as(w.member, 'post', `/api/posts/${postId}/flags`, { reason: 'Looks like spam' });
  return { postId, flagId: res.body.flag.id as number };
};
/** A member of the target community who has done nothing wrong yet. */
const newTroll = async () => {
  const troll = await signUp(t);
  await reply(troll, w.hostTopicId);
  return troll;
};

// ---------------------------------------------------------------------------------------------
// The table.

const isModeratorHere = (role: Role, column: Column) => column === 'own' && (role === 'moderator' || role === 'admin');

/** The rule for every moderator action: sign in first; then only this community's moderators and admins. Staff are not moderators. */
function moderatorsOnly(role: Role, column: Column): Outcome {
  if (role === 'guest') return refused(401, 'not_signed_in');
  return isModeratorHere(role, column) ? ok() : refused(403, 'not_moderator');
}

interface Route<T> {
  name: string;
  expected(role: Role, column: Column): Outcome;
  /** fresh: the call is expected to succeed and change the target, so it gets its own. */
  target(fresh: boolean): Promise<T>;
  call(who: Viewer, target: T): Promise<Reply>;
  /** What a refusal must leave unchanged, read back with GETs. */
  state(target: T): Promise<unknown>;
  /** What a user notices after a success. */
  effect(res: Reply, target: T, who: Viewer, logBefore: number[]): Promise<void>;
}

/** Shared targets are made on first use and reused by every refused cell of that route. */
function route<T>(r: Route<T>): Route<T> {
  let shared: Promise<T> | undefined;
  return { ...r, target: (fresh) => (fresh ? r.target(true) : (shared ??= r.target(false))) };
}
const nothing = async () => null;

const ROUTES: Route<any>[] = [
  route<number>({
    name: 'POST /api/topics/:id/pin',
    expected: moderatorsOnly,
    target: newTopic,
    call: (who, id) => who.post(`/api/topics/${id}/pin`),
    state: readTopic,
    async effect(res, id, who, log) {
      expect(res.body.topic).toMatchObject({ id, pinned: true });
      // Anyone reading the topic now sees it pinned.
      expect((await ok200(await t.guest().get(`/api/topics/${id}`))).topic.pinned).toBe(true);
      await expectLogged(log, 'pin_topic', who);
    },
  }),
  route<number>({
    name: 'DELETE /api/topics/:id/pin',
    expected: moderatorsOnly,
    target: () => topicIn('pin'),
    call: (who, id) => who.delete(`/api/topics/${id}/pin`),
    state: readTopic,
    async effect(res, id, who, log) {
      expect(res.body.topic).toMatchObject({ id, pinned: false });
      expect((await ok200(await t.guest().get(`/api/topics/${id}`))).topic.pinned).toBe(false);
      await expectLogged(log, 'unpin_topic', who);
    },
  }),
  route<number>({
    name: 'POST /api/topics/:id/lock',
    expected: moderatorsOnly,
    target: newTopic,
    call: (who, id) => who.post(`/api/topics/${id}/lock`),
    state: readTopic,
    async effect(res, id, who, log) {
      expect(res.body.topic).toMatchObject({ id, locked: true });
      // A locked topic takes no more replies from members.
      expectError(await w.member.post(`/api/topics/${id}/posts`, { body: 'too late' }), 403, 'topic_locked');
      await expectLogged(log, 'lock_topic', who);
    },
  }),
  route<number>({
    name: 'DELETE /api/topics/:id/lock',
    expected: moderatorsOnly,
    target: () => topicIn('lock'),
    call: (who, id) => who.delete(`/api/topics/${id}/lock`),
    state: readTopic,
    async effect(res, id, who, log) {
      expect(res.body.topic).toMatchObject({ id, locked: false });
      expect((await w.member.post(`/api/topics/${id}/posts`, { body: 'open again' })).status).toBe(201);
      await expectLogged(log, 'unlock_topic', who);
    },
  }),
  route<number>({
    name: 'POST /api/topics/:id/hide',
    expected: moderatorsOnly,
    target: newTopic,
    call: (who, id) => who.post(`/api/topics/${id}/hide`, { reason: 'Spam or advertising' }),
    state: readTopic,
    async effect(res, id, who, log) {
      expect(res.body.topic).toMatchObject({ id, hidden: true, hiddenReason: 'Spam or advertising' });
      // Gone for readers, still there for its author.
      expectError(await t.guest().get(`/api/topics/${id}`), 404, 'topic_not_found');
      expectError(await w.member.get(`/api/topics/${id}`), 404, 'topic_not_found');
      expect((await ok200(await w.author.get(`/api/topics/${id}`))).topic.hidden).toBe(true);
      await expectLogged(log, 'hide_topic', who, 'Spam or advertising');
    },
  }),
  route<number>({
    name: 'DELETE /api/topics/:id/hide',
    // The target is hidden, so it does not exist for anyone but its author and this community's
    // moderators: everyone else signed in gets the same 404 as for a missing topic, not a 403.
    expected: (role, column) => {
      if (role === 'guest') return refused(401, 'not_signed_in');
      if (isModeratorHere(role, column)) return ok();
      return role === 'author' && column === 'own' ? refused(403, 'not_moderator') : refused(404, 'topic_not_found');
    },
    target: () => topicIn('hide'),
    call: (who, id) => who.delete(`/api/topics/${id}/hide`),
    state: readTopic,
    async effect(res, id, who, log) {
      expect(res.body.topic).toMatchObject({ id, hidden: false, hiddenReason: null });
      expect((await ok200(await t.guest().get(`/api/topics/${id}`))).topic.hidden).toBe(false);
      await expectLogged(log, 'unhide_topic', who);
    },
  }),
  route<number>({
    name: 'POST /api/posts/:id/pin',
    expected: moderatorsOnly,
    target: newPost,
    call: (who, id) => who.post(`/api/posts/${id}/pin`),
    state: readPost,
    async effect(res, id, who, log) {
      expect(res.body.post).toMatchObject({ id, pinned: true });
      expect((await ok200(await t.guest().get(`/api/posts/${id}`))).post.pinned).toBe(true);
      await expectLogged(log, 'pin_post', who);
    },
  }),
  route<number>({
    name: 'DELETE /api/posts/:id/pin',
    expected: moderatorsOnly,
    target: () => postIn('pin'),
    call: (who, id) => who.delete(`/api/posts/${id}/pin`),
    state: readPost,
    async effect(res, id, who, log) {
      expect(res.body.post).toMatchObject({ id, pinned: false });
      expect((await ok200(await t.guest().get(`/api/posts/${id}`))).post.pinned).toBe(false);
      await expectLogged(log, 'unpin_post', who);
    },
  }),
  route<number>({
    name: 'POST /api/posts/:id/hide',
    expected: moderatorsOnly,
    target: newPost,
    call: (who, id) => who.post(`/api/posts/${id}/hide`, { reason: 'Abusive or disrespectful' }),
    state: readPost,
    async effect(res, id, who, log) {
      expect(res.body.post).toMatchObject({ id, hidden: true, hiddenReason: 'Abusive or disrespectful' });
      // Readers get a tombstone with the reason and without the text.
      expect((await ok200(await t.guest().get(`/api/posts/${id}`))).post).toMatchObject({ hidden: true, body: null, hiddenReason: 'Abusive or disrespectful' });
      await expectLogged(log, 'hide_post', who, 'Abusive or disrespectful');
    },
  }),
  route<number>({
    name: 'DELETE /api/posts/:id/hide',
    expected: moderatorsOnly,
    target: () => postIn('hide'),
    call: (who, id) => who.delete(`/api/posts/${id}/hide`),
    state: readPost,
    async effect(res, id, who, log) {
      expect(res.body.post).toMatchObject({ id, hidden: false, hiddenReason: null });
      expect((await ok200(await t.guest().get(`/api/posts/${id}`))).post.body).toEqual(expect.any(String));
      await expectLogged(log, 'unhide_post', who);
    },
  }),
  route<number>({
    name: 'POST /api/posts/:id/flags',
    // Anyone signed in who can read the post may report it, wherever they belong; never their own post.
    expected: (role, column) => {
      if (role === 'guest') return refused(401, 'not_signed_in');
      return role === 'author' && column === 'own' ? refused(403, 'own_post') : ok(201);
    },
    target: newPost,
    call: (who, id) => who.post(`/api/posts/${id}/flags`, { reason: 'Looks like spam' }),
    state: async (id) => ({ post: await readPost(id), queue: await queueFor(id) }),
    async effect(res, id, who, log) {
      expect(res.body.flag).toMatchObject({ postId: id, kind: 'flag', status: 'open', reason: 'Looks like spam' });
      // Flagging again is not a second flag: 200 with the first one.
      const again = await who.post(`/api/posts/${id}/flags`, { reason: 'Still spam' });
      expect(again.status, again.text).toBe(200);
      expect(again.body.flag.id).toBe(res.body.flag.id);
      expect(await queueFor(id)).toEqual([{ id: res.body.flag.id, kind: 'flag', status: 'open' }]);
      // One flag is below the threshold: the post stays up and nothing is logged.
      expect((await readPost(id)).hidden).toBe(false);
      expect(await logHeads()).toEqual(log);
    },
  }),
  route<number>({
    name: 'POST /api/posts/:id/review-request',
    expected: (role, column) => {
      if (role === 'guest') return refused(401, 'not_signed_in');
      return role === 'author' && column === 'own' ? ok(201) : refused(403, 'not_post_author');
    },
    target: () => postIn('hide'),
    call: (who, id) => who.post(`/api/posts/${id}/review-request`, { message: 'Please look again' }),
    state: async (id) => ({ post: await readPost(id), queue: await queueFor(id) }),
    async effect(res, id, _who, log) {
      expect(res.body.flag).toMatchObject({ postId: id, kind: 'review_request', status: 'open', reason: 'Please look again' });
      expect((await queue('open')).filter((f) => f.postId === id).map((f) => f.kind)).toEqual(['review_request']);
      // Asking does not restore anything by itself.
      expect((await readPost(id)).hidden).toBe(true);
      expect(await logHeads()).toEqual(log);
    },
  }),
  route<{ flagId: number; postId: number }>({
    name: 'GET /api/communities/:slug/flags',
    expected: moderatorsOnly,
    target: newFlag,
    call: (who) => who.get(`/api/communities/${w.slug}/flags?status=open`),
    state: nothing,
    async effect(res, target, _who, log) {
      expect(res.body.nextCursor === null || typeof res.body.nextCursor === 'string').toBe(true);
      expect(res.body.items).toContainEqual(
        expect.objectContaining({
          id: target.flagId,
          kind: 'flag',
          status: 'open',
          postId: target.postId,
          reporter: expect.objectContaining({ handle: w.member.handle }),
        }),
      );
      expect(await logHeads()).toEqual(log);
    },
  }),
  route<{ flagId: number; postId: number }>({
    name: 'POST /api/flags/:id/resolve',
    expected: moderatorsOnly,
    target: newFlag,
    call: (who, f) => who.post(`/api/flags/${f.flagId}/resolve`),
    state: async (f) => ({ post: await readPost(f.postId), queue: await queueFor(f.postId) }),
    async effect(res, f, who, log) {
      expect(res.body.flag).toMatchObject({ id: f.flagId, status: 'resolved' });
      const item = (await queue('resolved')).find((x) => x.id === f.flagId);
      expect(item).toMatchObject({ status: 'resolved', resolvedBy: { handle: who.handle } });
      expect((await queue('open')).some((x) => x.id === f.flagId)).toBe(false);
      // Settling an item leaves the post itself alone.
      expect((await readPost(f.postId)).hidden).toBe(false);
      await expectLogged(log, 'resolve_flag', who);
    },
  }),
  route<{ flagId: number; postId: number }>({
    name: 'POST /api/flags/:id/dismiss',
    expected: moderatorsOnly,
    target: newFlag,
    call: (who, f) => who.post(`/api/flags/${f.flagId}/dismiss`),
    state: async (f) => ({ post: await readPost(f.postId), queue: await queueFor(f.postId) }),
    async effect(res, f, who, log) {
      expect(res.body.flag).toMatchObject({ id: f.flagId, status: 'dismissed' });
      const item = (await queue('dismissed')).find((x) => x.id === f.flagId);
      expect(item).toMatchObject({ status: 'dismissed', resolvedBy: { handle: who.handle } });
      expect((await queue('open')).some((x) => x.id === f.flagId)).toBe(false);
      expect((await readPost(f.postId)).hidden).toBe(false);
      await expectLogged(log, 'dismiss_flag', who);
    },
  }),
  route<Signed>({
    name: 'POST /api/communities/:slug/bans',
    expected: (role, column) => (moderatorsOnly(role, column).status === 200 ? ok(201) : moderatorsOnly(role, column)),
    target: newTroll,
    call: (who, troll) => who.post(`/api/communities/${w.slug}/bans`, { handle: troll.handle, reason: 'Spam or advertising' }),
    state: async (troll) => (await bannedHandles()).includes(troll.handle),
    async effect(res, troll, who, log) {
      expect(res.body.ban).toMatchObject({
        community: w.slug,
        user: { handle: troll.handle },
        reason: 'Spam or advertising',
        until: null,
        moderator: { handle: who.handle },
        liftedAt: null,
      });
      expect(await bannedHandles()).toContain(troll.handle);
      // The banned member can still read but no longer post here.
      expectError(await troll.post(`/api/topics/${w.hostTopicId}/posts`, { body: 'let me back' }), 403, 'banned');
      await expectLogged(log, 'ban_user', who, 'Spam or advertising');
    },
  }),
  route<null>({
    name: 'GET /api/communities/:slug/bans',
    expected: moderatorsOnly,
    target: nothing,
    call: (who) => who.get(`/api/communities/${w.slug}/bans`),
    state: nothing,
    async effect(res, _t, _who, log) {
      expect(res.body.items).toContainEqual(expect.objectContaining({ user: expect.objectContaining({ handle: w.banned.handle }), community: w.slug }));
      expect(await logHeads()).toEqual(log);
    },
  }),
  route<Signed>({
    name: 'DELETE /api/communities/:slug/bans/:handle',
    expected: moderatorsOnly,
    target: async (fresh) => {
      if (!fresh) return w.banned;
      const troll = await newTroll();
      await as(w.moderator, 'post', `/api/communities/${w.slug}/bans`, { handle: troll.handle, reason: 'Cooling off' });
      return troll;
    },
    call: (who, troll) => who.delete(`/api/communities/${w.slug}/bans/${troll.handle}`),
    state: async (troll) => (await bannedHandles()).includes(troll.handle),
    async effect(res, troll, who, log) {
      expect(res.body.ban).toMatchObject({ user: { handle: troll.handle }, liftedAt: expect.any(String) });
      expect(await bannedHandles()).not.toContain(troll.handle);
      expect((await troll.post(`/api/topics/${w.hostTopicId}/posts`, { body: 'I will behave' })).status).toBe(201);
      await expectLogged(log, 'unban_user', who);
    },
  }),
  route<null>({
    name: 'GET /api/communities/:slug/moderation-log',
    // The log is public: everyone may see what moderators did, and why.
    expected: () => ok(),
    target: nothing,
    call: (who) => who.get(`/api/communities/${w.slug}/moderation-log`),
    state: nothing,
    async effect(res, _t, _who, log) {
      // Everyone reads the same log, newest first, down to the latest action.
      expect(res.body.items[0]).toMatchObject({ id: log[0], action: expect.any(String), createdAt: expect.any(String) });
      expect(res.body.items.length).toBeGreaterThan(0);
    },
  }),
  route<null>({
    name: 'GET /api/moderation/reasons',
    expected: () => ok(),
    target: nothing,
    call: (who) => who.get('/api/moderation/reasons'),
    state: nothing,
    async effect(res) {
      expect(res.body.items).toContainEqual({ code: 'spam', label: 'Spam or advertising' });
    },
  }),
];

const where = (column: Column) => (column === 'own' ? "of the target's community" : 'of another community');
const describeViewer = (role: Role, column: Column) => {
  if (role === 'guest') return 'a guest';
  if (role === 'author') return column === 'own' ? 'the author' : 'an author in another community';
  return `${{ member: 'a member', staff: 'a staff member', moderator: 'a moderator', admin: 'an admin' }[role]} ${where(column)}`;
};
const describeOutcome = (o: Outcome) => (o.code ? `is refused with ${o.status} ${o.code}` : `succeeds with ${o.status}`);

// A guest has no role anywhere, so "another community" is the same cell: one guest cell per route.
const CELLS = ROLES.flatMap((role) => (role === 'guest' ? ['own' as const] : ['own' as const, 'other' as const]).map((column) => ({ role, column })));

async function runCell(route: Route<any>, role: Role, column: Column) {
  const outcome = route.expected(role, column);
  const who = w.viewers[column][role];
  const succeeds = outcome.code === undefined;
  const target = await route.target(succeeds);
  const logBefore = await logHeads();
  if (!succeeds) {
    const before = await route.state(target);
    expectError(await route.call(who, target), outcome.status, outcome.code!);
    // Nothing changed: the target reads the same and no moderation happened in either community.
    expect(await route.state(target)).toEqual(before);
    expect(await logHeads()).toEqual(logBefore);
    return;
  }
  const res = await route.call(who, target);
  expect(res.status, res.text).toBe(outcome.status);
  await route.effect(res, target, who, logBefore);
}

describe.each(ROUTES.map((r) => ({ route: r, name: r.name })))('$name', ({ route: r }) => {
  it.each(CELLS.map((c) => ({ ...c, label: `${describeViewer(c.role, c.column)} ${describeOutcome(r.expected(c.role, c.column))}` })))(
    '$label',
    async ({ role, column }) => {
      await runCell(r, role, column);
    },
  );
});

// The web shows moderation tools by the server's `viewerCan`, never by a rule of its own: it must
// say exactly what the table says, on the community and on a topic page.
describe('viewerCan.moderate', () => {
  it.each(CELLS.map((c) => ({ ...c, label: `${describeViewer(c.role, c.column)}: ${moderatorsOnly(c.role, c.column).code ? 'false' : 'true'}` })))(
    '$label',
    async ({ role, column }) => {
      const who = w.viewers[column][role];
      const may = moderatorsOnly(role, column).code === undefined;
      expect((await ok200(await who.get(`/api/communities/${w.slug}`))).community.viewerCan.moderate).toBe(may);
      expect((await ok200(await who.get(`/api/topics/${w.hostTopicId}?limit=1`))).viewerCan.moderate).toBe(may);
    },
  );

  it('a banned member: false, and nothing to write either', async () => {
    const { community } = await ok200(await w.banned.get(`/api/communities/${w.slug}`));
    expect(community.viewerCan).toEqual({ moderate: false, administer: false, setIdeaStatus: false, startTopic: false, useInbox: false, viewInsights: false });
    const page = await ok200(await w.banned.get(`/api/topics/${w.hostTopicId}?limit=1`));
    expect(Object.values(page.viewerCan).every((v) => v === false)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// A hidden topic is indistinguishable from a missing one, for every route, to everyone who may
// not see it; a post in it is a missing post. Only its author and this community's moderators see it.

describe('a hidden topic and the posts in it', () => {
  let topicId: number;
  let postId: number;
  beforeAll(async () => {
    topicId = await newTopic();
    postId = (await reply(w.author, topicId)).id;
    await as(w.moderator, 'post', `/api/topics/${topicId}/hide`, { reason: 'Off topic' });
  });

  type Call = (who: Viewer) => Promise<Reply>;
  const topicCalls: Record<string, Call> = {
    'GET /api/topics/:id': (who) => who.get(`/api/topics/${topicId}`),
    'POST /api/topics/:id/pin': (who) => who.post(`/api/topics/${topicId}/pin`),
    'POST /api/topics/:id/lock': (who) => who.post(`/api/topics/${topicId}/lock`),
    'POST /api/topics/:id/hide': (who) => who.post(`/api/topics/${topicId}/hide`, { reason: 'Spam or advertising' }),
    'DELETE /api/topics/:id/hide': (who) => who.delete(`/api/topics/${topicId}/hide`),
    'POST /api/topics/:id/posts': (who) => who.post(`/api/topics/${topicId}/posts`, { body: 'hello?' }),
  };
  const postCalls: Record<string, Call> = {
    'GET /api/posts/:id': (who) => who.get(`/api/posts/${postId}`),
    'POST /api/posts/:id/flags': (who) => who.post(`/api/posts/${postId}/flags`, { reason: 'Looks like spam' }),
    'POST /api/posts/:id/pin': (who) => who.post(`/api/posts/${postId}/pin`),
    'POST /api/posts/:id/hide': (who) => who.post(`/api/posts/${postId}/hide`, { reason: 'Spam or advertising' }),
    'POST /api/posts/:id/review-request': (who) => who.post(`/api/posts/${postId}/review-request`, {}),
  };

  const cases: Array<{ call: string; role: Role; column: Column; status: number; code: string }> = [
    { call: 'GET /api/topics/:id', role: 'guest', column: 'own', status: 404, code: 'topic_not_found' },
    { call: 'GET /api/topics/:id', role: 'member', column: 'own', status: 404, code: 'topic_not_found' },
    { call: 'GET /api/topics/:id', role: 'staff', column: 'own', status: 404, code: 'topic_not_found' },
    { call: 'GET /api/topics/:id', role: 'moderator', column: 'other', status: 404, code: 'topic_not_found' },
    { call: 'POST /api/topics/:id/pin', role: 'member', column: 'own', status: 404, code: 'topic_not_found' },
    { call: 'POST /api/topics/:id/pin', role: 'staff', column: 'own', status: 404, code: 'topic_not_found' },
    { call: 'POST /api/topics/:id/lock', role: 'admin', column: 'other', status: 404, code: 'topic_not_found' },
    { call: 'POST /api/topics/:id/hide', role: 'moderator', column: 'other', status: 404, code: 'topic_not_found' },
    { call: 'DELETE /api/topics/:id/hide', role: 'staff', column: 'own', status: 404, code: 'topic_not_found' },
    { call: 'POST /api/topics/:id/posts', role: 'member', column: 'own', status: 404, code: 'topic_not_found' },
    // The author knows the topic exists, so they get the honest answer instead.
    { call: 'POST /api/topics/:id/pin', role: 'author', column: 'own', status: 403, code: 'not_moderator' },
    // Signing in comes first: a guest's write is a 401 whether or not the topic exists, which tells them nothing either.
    { call: 'POST /api/topics/:id/pin', role: 'guest', column: 'own', status: 401, code: 'not_signed_in' },
    { call: 'GET /api/posts/:id', role: 'guest', column: 'own', status: 404, code: 'post_not_found' },
    { call: 'GET /api/posts/:id', role: 'member', column: 'own', status: 404, code: 'post_not_found' },
    { call: 'POST /api/posts/:id/flags', role: 'member', column: 'own', status: 404, code: 'post_not_found' },
    { call: 'POST /api/posts/:id/flags', role: 'member', column: 'other', status: 404, code: 'post_not_found' },
    { call: 'POST /api/posts/:id/pin', role: 'staff', column: 'own', status: 404, code: 'post_not_found' },
    { call: 'POST /api/posts/:id/hide', role: 'admin', column: 'other', status: 404, code: 'post_not_found' },
    { call: 'POST /api/posts/:id/review-request', role: 'member', column: 'own', status: 404, code: 'post_not_found' },
    { call: 'POST /api/posts/:id/flags', role: 'author', column: 'own', status: 403, code: 'own_post' },
  ];

  it.each(cases.map((c) => ({ ...c, label: `${c.call}: ${describeViewer(c.role, c.column)} is refused with ${c.status} ${c.code}` })))(
    '$label',
    async ({ call, role, column, status, code }) => {
      const before = { topic: await readTopic(topicId), post: await readPost(postId), queue: await queueFor(postId), log: await logHeads() };
      expectError(await (topicCalls[call] ?? postCalls[call]!)(w.viewers[column][role]), status, code);
      expect({ topic: await readTopic(topicId), post: await readPost(postId), queue: await queueFor(postId), log: await logHeads() }).toEqual(before);
      expect((await readTopic(topicId)).hidden).toBe(true);
    },
  );

  it('is still there for its author and for the moderators of its community', async () => {
    for (const who of [w.author, w.viewers.own.moderator, w.viewers.own.admin]) {
      expect((await ok200(await who.get(`/api/topics/${topicId}`))).topic).toMatchObject({ id: topicId, hidden: true, hiddenReason: 'Off topic' });
      expect((await ok200(await who.get(`/api/posts/${postId}`))).post.id).toBe(postId);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Ban and review-request rules beyond who may call them. Each refusal changes nothing.

describe('rules about whom and when', () => {
  const refusedCases: Array<{ label: string; run: () => Promise<Reply>; status: number; code: string; check: () => Promise<unknown> }> = [
    {
      label: "a moderator banning this community's admin is refused with 403 cannot_ban_moderator",
      run: () => w.moderator.post(`/api/communities/${w.slug}/bans`, { handle: w.viewers.own.admin.handle, reason: 'Abusive' }),
      status: 403,
      code: 'cannot_ban_moderator',
      check: bannedHandles,
    },
    {
      label: 'an admin banning a moderator of this community is refused with 403 cannot_ban_moderator',
      run: () => w.viewers.own.admin.post(`/api/communities/${w.slug}/bans`, { handle: w.moderator.handle, reason: 'Abusive' }),
      status: 403,
      code: 'cannot_ban_moderator',
      check: bannedHandles,
    },
    {
      label: 'a moderator banning themselves is refused with 403 cannot_ban_moderator',
      run: () => w.moderator.post(`/api/communities/${w.slug}/bans`, { handle: w.moderator.handle, reason: 'Abusive' }),
      status: 403,
      code: 'cannot_ban_moderator',
      check: bannedHandles,
    },
    {
      label: 'a ban ending in the past is refused with 400 invalid_until',
      run: () =>
        w.moderator.post(`/api/communities/${w.slug}/bans`, {
          handle: w.member.handle,
          reason: 'Abusive',
          until: new Date(Date.now() - 60_000).toISOString(),
        }),
      status: 400,
      code: 'invalid_until',
      check: bannedHandles,
    },
    {
      label: 'banning a handle nobody has is refused with 404 user_not_found',
      run: () => w.moderator.post(`/api/communities/${w.slug}/bans`, { handle: unique('nobody'), reason: 'Abusive' }),
      status: 404,
      code: 'user_not_found',
      check: bannedHandles,
    },
    {
      label: 'lifting a ban from a member who is not banned is refused with 404 ban_not_found',
      run: () => w.moderator.delete(`/api/communities/${w.slug}/bans/${w.member.handle}`),
      status: 404,
      code: 'ban_not_found',
      check: bannedHandles,
    },
  ];

  it.each(refusedCases)('$label', async ({ run, status, code, check }) => {
    const before = { state: await check(), log: await logHeads() };
    expectError(await run(), status, code);
    expect({ state: await check(), log: await logHeads() }).toEqual(before);
  });

  it('refuses a review request for a post that is not hidden with 409 post_not_hidden', async () => {
    const postId = await newPost();
    const before = { post: await readPost(postId), queue: await queueFor(postId), log: await logHeads() };
    expectError(await w.author.post(`/api/posts/${postId}/review-request`, { message: 'why?' }), 409, 'post_not_hidden');
    expect({ post: await readPost(postId), queue: await queueFor(postId), log: await logHeads() }).toEqual(before);
  });

  it('lets a moderator ban a member who moderates another community: moderating is per community', async () => {
    const otherModerator = w.viewers.other.moderator as Signed;
    const log = await logHeads();
    const res = await w.moderator.post(`/api/communities/${w.slug}/bans`, { handle: otherModerator.handle, reason: 'Spam or advertising' });
    expect(res.status, res.text).toBe(201);
    expect(await bannedHandles()).toContain(otherModerator.handle);
    await expectLogged(log, 'ban_user', w.moderator, 'Spam or advertising');
    // Their own community is untouched: they still moderate there.
    expect((await otherModerator.get(`/api/communities/${w.otherSlug}/bans`)).status).toBe(200);
  });
});
