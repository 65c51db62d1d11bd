import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, PASSWORD } from './helpers/factories.js';
import { LiveClient, UpgradeRefused, liveUrl, type ConnectOptions, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';
import { topicChannel } from '../server/live/outbox.js';
import { write } from '../server/write/unit-of-work.js';
import { topics } from '../db/schema.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({ live: { maxSubscriptions: 3 } }, (ready) => ({ t, url, s } = ready));

const connect = async (opts: ConnectOptions = {}, to = url) => {
  const c = await LiveClient.connect(to, opts);
  open.push(c);
  return c;
};
const isEvent = (channel: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel;
const errorOf = (code: string) => (m: LiveMessage) => m.type === 'error' && m.code === code;
const tokenFor = async (handle: string) => {
  const res = await t.guest().post('/api/auth/token', { login: handle, password: PASSWORD });
  expect(res.status).toBe(201);
  return res.body.token as string;
};
/** The socket still answers: a ping gets its pong. */
const expectAlive = async (c: LiveClient) => {
  c.send({ type: 'ping' });
  expect(await c.nextOf('pong')).toEqual({ type: 'pong' });
  expect(c.isOpen).toBe(true);
};

describe('origin and authentication', () => {
  it('refuses an upgrade from a foreign Origin with 403, cookie or not', async () => {
    for (const cookie of [null, s.member.cookie]) {
      const refused = await LiveClient.refused(url, { origin: 'http://evil.test', cookie });
      expect(refused).toBeInstanceOf(UpgradeRefused);
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 403, code: 'origin_not_allowed' });
    }
    // Near misses of the site origin are foreign too.
    for (const origin of ['https://parley.test', 'http://parley.test:8080', 'http://parley.test.evil.test', 'null']) {
      expect((await LiveClient.refused(url, { origin })).status).toBe(403);
    }
  });

  it('refuses a cookie-authenticated upgrade without an Origin (403 csrf_origin_mismatch)', async () => {
    const refused = await LiveClient.refused(url, { origin: null, cookie: s.member.cookie });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 403, code: 'csrf_origin_mismatch' });
  });

  it('accepts a client with neither Origin nor cookie, as a guest', async () => {
    const c = await connect({ origin: null });
    const { topic } = await createTopic(s.member, s.slug);
    expect(await c.subscribe(`topic:${topic.id}`)).toEqual({ type: 'subscribed', channel: `topic:${topic.id}`, seq: 1 });
    c.send({ type: 'typing', channel: `topic:${topic.id}` });
    expect(await c.nextOf('error')).toMatchObject({ code: 'not_signed_in' });
  });

  it('a same-origin cookie socket is already signed in', async () => {
    const c = await connect({ cookie: s.member.cookie });
    c.send({ type: 'auth', token: await tokenFor(s.other.handle) });
    expect(await c.nextOf('error')).toEqual({ type: 'error', code: 'already_authenticated', message: expect.any(String) });
  });

  it("bearer auth: authenticated, then subscriptions get that user's visibility (a moderator sees a hidden topic)", async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    await write(t.app.parley.ctx, async ({ tx, emit }) => {
      await tx.update(topics).set({ hidden: true, hiddenReason: 'spam' }).where(eq(topics.id, topic.id));
      await emit(topicChannel(topic.id), 'topic.updated', { topicId: topic.id });
    });
    const guest = await connect({ origin: null });
    expect(await guest.subscribe(channel)).toMatchObject({ type: 'error', code: 'channel_not_found', channel });

    const c = await connect({ origin: null });
    c.send({ type: 'auth', token: await tokenFor(s.moderator.handle) });
    expect(await c.nextOf('authenticated')).toEqual({ type: 'authenticated', user: { id: s.moderator.userId, handle: s.moderator.handle } });
    expect(await c.subscribe(channel, 0)).toEqual({ type: 'subscribed', channel, seq: 2 });
    expect((await c.take(2, isEvent(channel))).map((e) => e.event)).toEqual(['post.created', 'topic.updated']);

    // Signed in now: auth again is refused.
    c.send({ type: 'auth', token: await tokenFor(s.moderator.handle) });
    expect(await c.nextOf('error')).toEqual({ type: 'error', code: 'already_authenticated', message: expect.any(String) });
  });

  it('a bad token answers invalid_token and leaves a working guest socket; a good one then works', async () => {
    const c = await connect({ origin: null });
    for (const token of ['nope', 'x'.repeat(256)]) {
      c.send({ type: 'auth', token });
      expect(await c.nextOf('error')).toEqual({ type: 'error', code: 'invalid_token', message: expect.any(String) });
    }
    // A logged-out session's token is no good either.
    const stale = await tokenFor(s.other.handle);
    const bearer = t.guest();
    bearer.bearer = stale;
    expect((await bearer.post('/api/auth/logout')).status).toBe(204);
    c.send({ type: 'auth', token: stale });
    expect(await c.nextOf('error')).toMatchObject({ code: 'invalid_token' });
    await expectAlive(c);
    c.send({ type: 'auth', token: await tokenFor(s.other.handle) });
    expect(await c.nextOf('authenticated')).toMatchObject({ user: { handle: s.other.handle } });
  });

  it('auth after a subscription is refused: the audience was already chosen', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const c = await connect({ origin: null });
    await c.subscribe(`topic:${topic.id}`);
    c.send({ type: 'auth', token: await tokenFor(s.moderator.handle) });
    expect(await c.nextOf('error')).toMatchObject({ code: 'invalid_message' });
  });
});

describe('bad input', () => {
  it('answers garbage with invalid_message, one error per frame, and keeps the socket working', async () => {
    const c = await connect();
    const garbage: Array<string | Buffer> = [
      'not json',
      '{"type":',
      '[1,2,3]',
      'null',
      '42',
      '"subscribe"',
      '{}',
      '{"type":"nope"}',
      '{"type":"auth"}',
      Buffer.from(JSON.stringify({ type: 'ping' })),
      JSON.stringify({ type: 'subscribe', channel: 'topic:abc' }),
      JSON.stringify({ type: 'subscribe', channel: 'topic:1; drop' }),
      JSON.stringify({ type: 'subscribe', channel: 'topic:0' }),
      JSON.stringify({ type: 'subscribe', channel: 'topic:01' }),
      JSON.stringify({ type: 'subscribe', channel: 'community:UPPER' }),
      // user:<id> is a real channel now (one's own only: see notifications.live.test.ts); malformed ids are not.
      JSON.stringify({ type: 'subscribe', channel: 'user:0' }),
      JSON.stringify({ type: 'subscribe', channel: 'user:me' }),
      JSON.stringify({ type: 'subscribe', channel: 1 }),
      JSON.stringify({ type: 'subscribe' }),
      JSON.stringify({ type: 'subscribe', channel: 'topic:1', since: -1 }),
      JSON.stringify({ type: 'subscribe', channel: 'topic:1', since: 1.5 }),
      JSON.stringify({ type: 'subscribe', channel: 'topic:1', since: '3' }),
      JSON.stringify({ type: 'unsubscribe', channel: 'topic:x' }),
      JSON.stringify({ type: 'typing' }),
      JSON.stringify({ type: 'auth', token: '' }),
    ];
    for (const frame of garbage) {
      if (Buffer.isBuffer(frame)) c.sendRaw(frame, true);
      else c.sendRaw(frame);
    }
    const errors = await c.take(garbage.length, (m) => m.type === 'error');
    for (const e of errors) expect(e).toEqual({ type: 'error', code: 'invalid_message', message: expect.any(String) });
    expect(await c.quiet(() => true, 100)).toEqual([]);
    await expectAlive(c);
    const { topic } = await createTopic(s.member, s.slug);
    expect((await c.subscribe(`topic:${topic.id}`)).type).toBe('subscribed');
    // Unsubscribing from something never subscribed is its own error.
    c.send({ type: 'unsubscribe', channel: 'topic:123456' });
    expect(await c.nextOf('error')).toEqual({ type: 'error', code: 'not_subscribed', message: expect.any(String), channel: 'topic:123456' });
  });

  it('a huge since is a reset, not a failure', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    const c = await connect();
    expect(await c.subscribe(channel, Number.MAX_SAFE_INTEGER)).toEqual({ type: 'subscribed', channel, seq: 1 });
    expect(await c.nextOf('reset')).toEqual({ type: 'reset', channel, seq: 1 });
  });

  it('closes the socket on a frame over 4096 bytes (1009)', async () => {
    const c = await connect();
    await expectAlive(c);
    c.sendRaw(JSON.stringify({ type: 'subscribe', channel: 'topic:1', pad: 'x'.repeat(5000) }));
    expect((await c.waitForClose()).code).toBe(1009);
    // Others are unaffected.
    await expectAlive(await connect());
  });
});

describe('rate and subscription limits', () => {
  it('200 messages at once: rate_limited, and the socket survives once it behaves', async () => {
    const c = await connect();
    for (let i = 0; i < 200; i++) c.send({ type: 'ping' });
    expect(await c.next(errorOf('rate_limited'))).toEqual({ type: 'error', code: 'rate_limited', message: expect.any(String) });
    await c.quiet(() => true, 150);
    const got = c.collect();
    const pongs = got.filter((m) => m.type === 'pong').length;
    // 20 a second with a burst of about twice that: some answered, most refused (told once a second, not 150 times).
    expect(pongs).toBeGreaterThanOrEqual(40);
    expect(pongs).toBeLessThan(100);
    expect(got.filter(errorOf('rate_limited')).length).toBeLessThanOrEqual(2);
    expect(c.isOpen).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    await expectAlive(c);
    const { topic } = await createTopic(s.member, s.slug);
    expect((await c.subscribe(`topic:${topic.id}`)).type).toBe('subscribed');
  });

  it('at most maxSubscriptions channels per socket: the next is too_many_subscriptions', async () => {
    const made = await Promise.all([1, 2, 3, 4].map(() => createTopic(s.member, s.slug)));
    const channels = made.map(({ topic }) => `topic:${topic.id}`);
    const c = await connect();
    for (const channel of channels.slice(0, 3)) expect((await c.subscribe(channel)).type).toBe('subscribed');
    expect(await c.subscribe(channels[3]!)).toEqual({ type: 'error', code: 'too_many_subscriptions', message: expect.any(String), channel: channels[3] });
    expect(await c.subscribe(`community:${s.slug}`)).toMatchObject({ type: 'error', code: 'too_many_subscriptions' });
    // Subscribing again to one it has is not a new channel.
    expect(await c.subscribe(channels[0]!)).toMatchObject({ type: 'subscribed', channel: channels[0] });
    // Events of the refused channel do not arrive.
    await reply(s.other, made[3]!.topic.id);
    expect(await c.quiet(isEvent(channels[3]!), 150)).toEqual([]);
    // Room again after an unsubscribe.
    c.send({ type: 'unsubscribe', channel: channels[1] });
    expect(await c.nextOf('unsubscribed')).toEqual({ type: 'unsubscribed', channel: channels[1] });
    expect(await c.subscribe(channels[3]!)).toMatchObject({ type: 'subscribed', channel: channels[3], seq: 2 });
    expect(t.app.live.hub.subscriberCount(channels[1]!)).toBe(0);
  });
});

describe('with a fast heartbeat and a tiny message rate', () => {
  let aux: TestApp;
  let auxUrl: string;
  beforeAll(async () => {
    // 200 ms rather than 100: the test's own client shares the event loop and must not miss a pong under load.
    aux = await startTestApp({ live: { heartbeatMs: 200, messagesPerSecond: 2 } });
    auxUrl = await liveUrl(aux.app);
  });
  afterAll(async () => {
    await aux?.close();
  });

  it('terminates a client that does not answer pings, within about a second; one that does stays', async () => {
    const dead = await connect({ autoPong: false }, auxUrl);
    const alive = await connect({}, auxUrl);
    const started = Date.now();
    const closed = await dead.waitForClose(1500);
    // Two heartbeats: one ping unanswered, then cut off.
    expect(Date.now() - started).toBeLessThan(1000);
    expect(closed.code).toBe(1006);
    expect(alive.isOpen).toBe(true);
    await expectAlive(alive);
    await expect.poll(() => aux.app.live.connections.size, { timeout: 1000 }).toBe(1);
  });

  it('closes a client that keeps flooding with 1008', async () => {
    const c = await connect({}, auxUrl);
    // Far more than any burst allowance (2 a second here).
    for (let i = 0; i < 300; i++) c.send({ type: 'ping' });
    expect((await c.waitForClose()).code).toBe(1008);
    expect(c.collect().some(errorOf('rate_limited'))).toBe(true);
    expect(c.collect().filter((m) => m.type === 'pong').length).toBeLessThan(150);
  });
});
