import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, setRole, signUp, PASSWORD } from './helpers/factories.js';
import type { TestClient } from './helpers/client.js';
import { LiveClient, range, seqsOf, type ConnectOptions, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';
import { topicChannel, communityChannel } from '../server/live/outbox.js';
import { write } from '../server/write/unit-of-work.js';
import { posts, topics } from '../db/schema.js';
import { randomBytes } from 'node:crypto';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ t, url, s } = ready));

const connect = async (opts: ConnectOptions = {}) => {
  const c = await LiveClient.connect(url, opts);
  open.push(c);
  return c;
};
const as = (client: TestClient | null) => connect(client ? { cookie: client.cookie } : {});
/** A word that cannot appear anywhere by chance. */
const secret = () => `zq${randomBytes(6).toString('hex')}secret`;
const isEvent = (channel: string, event?: string) => (m: LiveMessage) =>
  m.type === 'event' && m.channel === channel && (event === undefined || m.event === event);

/** Hides a post the way moderation will: the write and its event in one transaction. */
const hidePost = (topicId: number, postId: number, reason = 'spam') =>
  write(t.app.parley.ctx, async ({ tx, emit }) => {
    await tx.update(posts).set({ hidden: true, hiddenReason: reason }).where(eq(posts.id, postId));
    await emit(topicChannel(topicId), 'post.hidden', { postId });
  });
const unhidePost = (topicId: number, postId: number) =>
  write(t.app.parley.ctx, async ({ tx, emit }) => {
    await tx.update(posts).set({ hidden: false, hiddenReason: null }).where(eq(posts.id, postId));
    await emit(topicChannel(topicId), 'post.unhidden', { postId });
  });
const hideTopic = (topicId: number, slug: string) =>
  write(t.app.parley.ctx, async ({ tx, emit }) => {
    await tx.update(topics).set({ hidden: true, hiddenReason: 'spam' }).where(eq(topics.id, topicId));
    await emit(topicChannel(topicId), 'topic.updated', { topicId });
    await emit(communityChannel(slug), 'topic.bumped', { topicId });
  });

/** A channel's seq once it stops moving (topic bumps are appended a few ms after the write). */
const settledSeq = async (channel: string) => {
  let seq = await t.app.live.hub.currentSeq(channel);
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 60));
    const now = await t.app.live.hub.currentSeq(channel);
    if (now === seq) return seq;
    seq = now;
  }
  throw new Error(`${channel} kept moving`);
};
const expectMasked = (post: any, id: number) =>
  expect(post).toMatchObject({ id, hidden: true, hiddenReason: 'spam', body: null, bodyHtml: null, deleted: false });
const expectNoLeak = (c: LiveClient, ...words: string[]) => {
  expect(c.frames.length).toBeGreaterThan(0);
  for (const frame of c.frames) for (const word of words) expect(frame).not.toContain(word);
};

describe('a hidden post', () => {
  it('live post.hidden: masked for guests and members (staff too), full for its author and moderators; no frame leaks the text', async () => {
    const word = secret();
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    const bad = await reply(s.other, topic.id, { body: `buy ${word} now` });

    const guest = await as(null);
    const member = await as(s.member);
    const staff = await as(s.staff);
    const author = await as(s.other);
    const moderator = await as(s.moderator);
    const admin = await as(s.admin);
    const all = [guest, member, staff, author, moderator, admin];
    for (const c of all) expect(await c.subscribe(channel)).toEqual({ type: 'subscribed', channel, seq: 2 });

    await hidePost(topic.id, bad.id);
    const got = await Promise.all(all.map((c) => c.next(isEvent(channel))));
    for (const e of got) expect(e).toMatchObject({ type: 'event', channel, seq: 3, event: 'post.hidden' });
    for (const e of got.slice(0, 3)) expectMasked(e.data, bad.id);
    for (const e of got.slice(3)) {
      expect(e.data).toMatchObject({ id: bad.id, hidden: true, hiddenReason: 'spam', body: `buy ${word} now` });
      expect(e.data.bodyHtml).toContain(word);
    }
    for (const c of [guest, member, staff]) expectNoLeak(c, word);
    // Same as HTTP for the same viewers.
    const page = (await t.guest().get(`/api/topics/${topic.id}`)).body;
    expect(got[0]!.data).toEqual(page.posts[1]);
    const authorPage = (await s.other.get(`/api/topics/${topic.id}`)).body;
    expect(authorPage.posts[1].body).toBe(got[3]!.data.body);

    // Later events about the post stay masked for them (reactions are refused on hidden posts; an unhide shows it again).
    await unhidePost(topic.id, bad.id);
    const back = await guest.next(isEvent(channel));
    expect(back).toMatchObject({ seq: 4, event: 'post.unhidden', data: { id: bad.id, hidden: false, hiddenReason: null, body: `buy ${word} now` } });
  });

  it('replayed after hiding: post.created and post.updated are rendered as of now (masked for guests and members)', async () => {
    const word = secret();
    const edited = secret();
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    const bad = await reply(s.other, topic.id, { body: `first ${word}` });
    expect((await s.other.patch(`/api/posts/${bad.id}`, { body: `then ${edited}` })).status).toBe(200);
    await hidePost(topic.id, bad.id);
    await reply(s.staff, topic.id);
    // 1 opening, 2 created, 3 updated, 4 hidden, 5 another reply

    const guest = await as(null);
    const member = await as(s.member);
    const author = await as(s.other);
    const moderator = await as(s.moderator);
    for (const c of [guest, member, author, moderator]) {
      expect(await c.subscribe(channel, 0)).toEqual({ type: 'subscribed', channel, seq: 5 });
      await c.next((m) => isEvent(channel)(m) && m.seq === 5);
      expect(seqsOf(c.collect(), channel)).toEqual(range(1, 5));
    }
    for (const c of [guest, member]) {
      const events = c.collect().filter(isEvent(channel));
      expect(events.map((e) => e.event)).toEqual(['post.created', 'post.created', 'post.updated', 'post.hidden', 'post.created']);
      for (const e of events.slice(1, 4)) expectMasked(e.data, bad.id);
      expectNoLeak(c, word, edited);
    }
    for (const c of [author, moderator]) {
      const events = c.collect().filter(isEvent(channel));
      for (const e of events.slice(1, 4)) expect(e.data).toMatchObject({ id: bad.id, hidden: true, body: `then ${edited}` });
    }
  });

  it('a bearer-authenticated author and moderator get the text; the same socket as a guest does not', async () => {
    const word = secret();
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    const bad = await reply(s.other, topic.id, { body: `hello ${word}` });
    await hidePost(topic.id, bad.id);

    for (const who of [s.other, s.moderator]) {
      const token = (await t.guest().post('/api/auth/token', { login: who.handle, password: PASSWORD })).body.token as string;
      const c = await connect({ origin: null });
      c.send({ type: 'auth', token });
      expect(await c.nextOf('authenticated')).toEqual({ type: 'authenticated', user: { id: who.userId, handle: who.handle } });
      await c.subscribe(channel, 1);
      const created = await c.next(isEvent(channel, 'post.created'));
      expect(created.data).toMatchObject({ id: bad.id, hidden: true, body: `hello ${word}` });
    }
    const anonymous = await connect({ origin: null });
    await anonymous.subscribe(channel, 1);
    expectMasked((await anonymous.next(isEvent(channel, 'post.created'))).data, bad.id);
    expectNoLeak(anonymous, word);
  });
});

describe('a hidden topic', () => {
  it('is channel_not_found for guests and members; moderators and its author may subscribe and replay it', async () => {
    const word = secret();
    const { topic } = await createTopic(s.member, s.slug, { title: `About ${word}`, body: `Body ${word}` });
    const channel = `topic:${topic.id}`;
    await hideTopic(topic.id, s.slug);

    for (const who of [null, s.other, s.staff]) {
      const c = await as(who);
      expect(await c.subscribe(channel, 0)).toEqual({ type: 'error', code: 'channel_not_found', message: expect.any(String), channel });
      expect(await c.quiet(() => true, 100)).toEqual([]);
      expectNoLeak(c, word);
      // Still a working socket.
      expect((await c.subscribe(`community:${s.slug}`)).type).toBe('subscribed');
    }
    for (const who of [s.moderator, s.member]) {
      const c = await as(who);
      expect(await c.subscribe(channel, 0)).toEqual({ type: 'subscribed', channel, seq: 2 });
      const [created, updated] = await c.take(2, isEvent(channel));
      expect(created).toMatchObject({ seq: 1, event: 'post.created', data: { body: `Body ${word}` } });
      expect(updated).toMatchObject({ seq: 2, event: 'topic.updated', data: { id: topic.id, hidden: true, title: `About ${word}` } });
    }
  });

  it('readers who subscribed before it was hidden learn nothing of it afterwards (topic and community channels)', async () => {
    const word = secret();
    const community = await createCommunity(s.admin);
    await setRole(s.admin, community.slug, s.moderator.handle, 'moderator');
    const { topic, post: opening } = await createTopic(s.member, community.slug);
    const channel = `topic:${topic.id}`;
    const cchannel = `community:${community.slug}`;

    // The topic's author first: the audience the first rendering is made for must not decide what others get.
    const author = await as(s.member);
    const guest = await as(null);
    const member = await as(s.other);
    for (const c of [author, guest, member]) {
      expect((await c.subscribe(channel)).seq).toBe(1);
      expect((await c.subscribe(cchannel)).seq).toBe(1);
    }

    expect((await s.member.patch(`/api/topics/${topic.id}`, { title: 'Harmless title' })).status).toBe(200);
    await hideTopic(topic.id, community.slug);
    // Inside the hidden topic: a moderator answers, the author edits the opening post and retitles.
    await reply(s.moderator, topic.id, { body: `mod note ${word}` });
    expect((await s.member.patch(`/api/posts/${opening.id}`, { body: `edited ${word}` })).status).toBe(200);
    expect((await s.member.patch(`/api/topics/${topic.id}`, { title: `Title ${word}` })).status).toBe(200);

    // topic: 2 updated (retitle), 3 updated (hidden), 4 post.created (mod), 5 post.updated (edit), 6 updated (retitle)
    // community: 2 bumped (retitle), 3 bumped (hidden), then the bumps of the reply and the retitle
    // (appended after commit, a few ms later, repeats of one topic folded together: 1 or 2 more).
    const lastBump = await settledSeq(cchannel);
    expect(lastBump).toBeGreaterThanOrEqual(4);
    for (const c of [author, guest, member]) {
      await c.next((m) => isEvent(channel)(m) && m.seq === 6, 5000);
      await c.next((m) => isEvent(cchannel)(m) && m.seq === lastBump, 5000);
    }
    const authorEvents = author.collect().filter(isEvent(channel));
    expect(authorEvents.map((e) => e.seq)).toEqual(range(2, 6));
    expect(authorEvents[2]!.data).toMatchObject({ body: `mod note ${word}` });
    expect(authorEvents[3]!.data).toMatchObject({ body: `edited ${word}` });
    expect(authorEvents[4]!.data).toMatchObject({ title: `Title ${word}`, hidden: true });
    // The community's topic list: after the hiding, bumps carry nothing for them.
    for (const c of [guest, member]) {
      const bumps = c.collect().filter(isEvent(cchannel));
      expect(bumps.map((e) => e.seq)).toEqual(range(2, lastBump));
      // (The first bump is rendered when loaded, which may already be after the hiding.)
      if (bumps[0]!.data !== null) expect(bumps[0]!.data).toMatchObject({ id: topic.id, title: 'Harmless title' });
      for (const e of bumps.slice(1)) expect(e.data, `${e.event} #${e.seq}`).toBeNull();
      for (const e of bumps) expect(JSON.stringify(e)).not.toContain(word);
    }
    // The topic's own channel: the same.
    for (const c of [guest, member]) {
      const events = c.collect().filter(isEvent(channel));
      expect(events.map((e) => e.seq)).toEqual(range(2, 6));
      for (const e of events.slice(1)) expect(e.data, `${e.event} #${e.seq}`).toBeNull();
      expectNoLeak(c, word);
    }
  });
});

describe('deleted posts', () => {
  it('have no body for anyone, live or replayed', async () => {
    const word = secret();
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    const gone = await reply(s.other, topic.id, { body: `oops ${word}` });
    const viewers = [await as(null), await as(s.member), await as(s.other), await as(s.moderator)];
    for (const c of viewers) await c.subscribe(channel);
    expect((await s.other.delete(`/api/posts/${gone.id}`)).status).toBe(204);
    for (const c of viewers) {
      const e = await c.next(isEvent(channel));
      expect(e).toMatchObject({ seq: 3, event: 'post.deleted', data: { id: gone.id, deleted: true, body: null, bodyHtml: null } });
      expectNoLeak(c, word);
    }
    const replayers = [await as(null), await as(s.other), await as(s.moderator)];
    for (const c of replayers) {
      await c.subscribe(channel, 1);
      const [created, deleted] = await c.take(2, isEvent(channel));
      expect(created).toMatchObject({ seq: 2, event: 'post.created', data: { id: gone.id, deleted: true, body: null, bodyHtml: null } });
      expect(deleted).toMatchObject({ seq: 3, event: 'post.deleted', data: { id: gone.id, deleted: true, body: null } });
      expectNoLeak(c, word);
    }
  });
});

describe('channels that do not exist', () => {
  it('answer channel_not_found and leave the socket usable', async () => {
    const c = await as(null);
    for (const channel of ['topic:999999999', 'topic:2147483647', 'community:no-such-community']) {
      expect(await c.subscribe(channel)).toEqual({ type: 'error', code: 'channel_not_found', message: expect.any(String), channel });
    }
    const { topic } = await createTopic(s.member, s.slug);
    expect((await c.subscribe(`topic:${topic.id}`, 0)).type).toBe('subscribed');
    expect(await c.next(isEvent(`topic:${topic.id}`))).toMatchObject({ seq: 1, event: 'post.created' });
  });

  it('a topic id past the id range (the protocol allows 10 digits) is refused cleanly, not an internal_error', async () => {
    // HTTP answers 400 for ids over 2^31-1 (schemas/common.schema.ts Id); the live socket must not fail on them either.
    const c = await as(null);
    c.send({ type: 'subscribe', channel: 'topic:9999999999' });
    const answer = await c.nextOf('error');
    expect(['channel_not_found', 'invalid_message']).toContain(answer.code);
    expect(answer.code).not.toBe('internal_error');
    const { topic } = await createTopic(s.member, s.slug);
    expect((await c.subscribe(`topic:${topic.id}`)).type).toBe('subscribed');
  });

  it('a member of another community is a plain member here: no moderator view', async () => {
    const word = secret();
    const elsewhere = await signUp(t);
    const other = await createCommunity(elsewhere);
    expect(other.slug).not.toBe(s.slug);
    const { topic } = await createTopic(s.member, s.slug);
    const bad = await reply(s.other, topic.id, { body: `x ${word}` });
    await hidePost(topic.id, bad.id);
    const c = await as(elsewhere);
    await c.subscribe(`topic:${topic.id}`, 1);
    const [created] = await c.take(2, isEvent(`topic:${topic.id}`));
    expectMasked(created!.data, bad.id);
    expectNoLeak(c, word);
  });
});
