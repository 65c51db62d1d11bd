/**
 * The web app's live client (web/src/lib/live.ts) against the real server, in Node with `ws`;
 * then its reconnect and ordering rules against a scripted socket, with fake timers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { eq } from 'drizzle-orm';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, PASSWORD, reply, scene, signUp } from './helpers/factories.js';
import { LiveClient, type LiveClientOptions, type LiveEvent, type LiveState } from '../web/src/lib/live.js';
import { pruneEvents } from '../server/maintenance/maintenance.js';
import { topicChannel } from '../server/live/outbox.js';
import { write } from '../server/write/unit-of-work.js';
import { posts } from '../db/schema.js';

let t: TestApp;
let wsUrl: string;
let s: Awaited<ReturnType<typeof scene>>;

beforeAll(async () => {
  t = await startTestApp();
  const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  wsUrl = `${base.replace(/^http/, 'ws')}/api/live`;
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

/** Everything a test's clients open goes through here: `down` simulates a lost network. */
const net = { down: false };
const clients: LiveClient[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  net.down = false;
  await vi.waitFor(() => expect(t.app.live.connections.size).toBe(0));
});

/** A `ws` socket that sends the site's Origin (as a browser on the site would) and logs what it sends. */
function socketClass(log: unknown[]) {
  return class OriginWS extends WebSocket {
    constructor(url: string) {
      // While "down", connect somewhere nothing listens: the attempt fails like a lost network.
      super(net.down ? 'ws://127.0.0.1:1/api/live' : url, { headers: { origin: ORIGIN } });
    }
    override send(data: any, ...rest: any[]): void {
      log.push(JSON.parse(String(data)));
      (super.send as (...args: any[]) => void)(data, ...rest);
    }
  };
}

function client(options: Partial<LiveClientOptions> = {}) {
  const sent: any[] = [];
  const states: LiveState[] = [];
  const live = new LiveClient({
    url: wsUrl,
    WebSocketImpl: socketClass(sent),
    idleMs: 50,
    backoff: { minMs: 20, maxMs: 200 },
    ...options,
  });
  live.onState((state) => states.push(state));
  clients.push(live);
  return { live, sent, states };
}

function listen(live: LiveClient, topicId: number) {
  const got = { events: [] as LiveEvent[], resets: [] as number[], subscribed: [] as number[], errors: [] as unknown[] };
  const stop = live.subscribe(`topic:${topicId}`, {
    event: (e) => got.events.push(e),
    reset: (seq) => got.resets.push(seq),
    subscribed: (seq) => got.subscribed.push(seq),
    error: (err) => got.errors.push(err),
  });
  return { ...got, stop };
}

const seqs = (events: LiveEvent[]) => events.map((e) => e.seq);
const consecutive = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const postIds = (events: LiveEvent[]) => events.map((e) => (e.data as { id: number } | null)?.id);

/** Replies from several accounts, so no single author reaches the per-minute posting limit. */
async function replies(topicId: number, n: number) {
  const made = [];
  let author = await signUp(t);
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % 8 === 0) author = await signUp(t);
    made.push(await reply(author, topicId));
  }
  return made;
}

/** The server drops every live socket (there is one per test). */
function dropAll(code = 4008) {
  for (const c of t.app.live.connections) c.close(code, 'x');
}

describe('LiveClient against the server', () => {
  it('delivers a topic’s events in order, with consecutive seq', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const { live, states } = client();
    const sub = listen(live, topic.id);
    await vi.waitFor(() => expect(sub.subscribed).toHaveLength(1));
    expect(live.state).toBe('open');
    expect(states).toEqual(['connecting', 'open']);
    const start = sub.subscribed[0]!;

    const made = await replies(topic.id, 5);
    await vi.waitFor(() => expect(sub.events).toHaveLength(5));
    expect(seqs(sub.events)).toEqual(consecutive(start + 1, 5));
    expect(sub.events.map((e) => e.event)).toEqual(Array(5).fill('post.created'));
    expect(postIds(sub.events)).toEqual(made.map((p) => p.id));
    const first = sub.events[0]!;
    if (first.event !== 'post.created' || !first.data) throw new Error('expected a post');
    expect(first.data.body).toBe(made[0]!.body);
    expect(first.data.topicId).toBe(topic.id);
  });

  it('reconnects by itself after the server drops the socket, and resumes with `since`: missed replies arrive once, in order', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const { live, sent, states } = client();
    const sub = listen(live, topic.id);
    await vi.waitFor(() => expect(sub.subscribed).toHaveLength(1));
    const before = await replies(topic.id, 2);
    await vi.waitFor(() => expect(sub.events).toHaveLength(2));
    const lastSeen = sub.events[1]!.seq;

    // The server drops us and the network is gone for a while: retries fail meanwhile.
    net.down = true;
    dropAll(4008);
    await vi.waitFor(() => expect(live.state).not.toBe('open'));
    const during = await replies(topic.id, 3);
    await vi.waitFor(() => expect(states.filter((x) => x === 'connecting').length).toBeGreaterThanOrEqual(3));
    expect(sub.events).toHaveLength(2);

    net.down = false;
    await vi.waitFor(() => expect(sub.events).toHaveLength(5), { timeout: 5000 });
    expect(live.state).toBe('open');
    expect(sent.filter((m) => m.type === 'subscribe')).toEqual([
      { type: 'subscribe', channel: `topic:${topic.id}` },
      { type: 'subscribe', channel: `topic:${topic.id}`, since: lastSeen },
    ]);

    // Live again after the replay, still without a gap or a repeat.
    const after = await replies(topic.id, 2);
    await vi.waitFor(() => expect(sub.events).toHaveLength(7));
    expect(seqs(sub.events)).toEqual(consecutive(sub.events[0]!.seq, 7));
    expect(postIds(sub.events)).toEqual([...before, ...during, ...after].map((p) => p.id));
    expect(sub.resets).toEqual([]);
  });

  it('reconnects soon after "going away" (server restart), a heartbeat timeout and the end of its session (signed out elsewhere)', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    // With jitter pinned high a normal first retry waits ~5 s; "now-ish" stays under 1 s.
    const { live } = client({ backoff: { minMs: 5000, maxMs: 15_000 }, random: () => 0.99 });
    const sub = listen(live, topic.id);
    await vi.waitFor(() => expect(sub.subscribed).toHaveLength(1));
    for (const [i, code] of [1001, 4009, 4001].entries()) {
      dropAll(code);
      await vi.waitFor(() => expect(live.state).not.toBe('open'));
      // Within the 1 s "now-ish" window, though the normal first retry could wait 5 s.
      await vi.waitFor(() => expect(sub.subscribed).toHaveLength(i + 2), { timeout: 3500 });
    }
    await reply(s.other, topic.id);
    await vi.waitFor(() => expect(sub.events).toHaveLength(1));
  });

  it('calls the reset handler when it was away longer than the outbox keeps, and carries on from there', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const { live, sent } = client();
    const sub = listen(live, topic.id);
    await vi.waitFor(() => expect(sub.subscribed).toHaveLength(1));
    const since = sub.subscribed[0]!;

    net.down = true;
    dropAll(4009);
    await vi.waitFor(() => expect(live.state).not.toBe('open'));
    await replies(topic.id, 30);
    await pruneEvents(t.app.parley.ctx.db, 7, 5);
    const current = await t.app.live.hub.currentSeq(`topic:${topic.id}`);
    expect(current).toBe(since + 30);

    net.down = false;
    await vi.waitFor(() => expect(sub.resets).toEqual([current]), { timeout: 5000 });
    expect(sent.filter((m) => m.type === 'subscribe').at(-1)).toEqual({ type: 'subscribe', channel: `topic:${topic.id}`, since });
    expect(sub.events).toEqual([]);

    const next = await reply(s.other, topic.id);
    await vi.waitFor(() => expect(sub.events).toHaveLength(1));
    expect(sub.events[0]!.seq).toBe(current + 1);
    expect(postIds(sub.events)).toEqual([next.id]);
  });

  it('authenticates with a bearer token first: the author sees their hidden post’s text, a guest does not', async () => {
    const author = await signUp(t);
    const { topic } = await createTopic(s.member, s.slug);
    const mine = await reply(author, topic.id);
    const issued = await t.guest().post('/api/auth/token', { login: author.handle, password: PASSWORD });
    expect(issued.status).toBe(201);

    const asAuthor = client({ token: issued.body.token });
    const asGuest = client();
    const authorSub = listen(asAuthor.live, topic.id);
    const guestSub = listen(asGuest.live, topic.id);
    await vi.waitFor(() => expect([authorSub.subscribed.length, guestSub.subscribed.length]).toEqual([1, 1]));
    expect(asAuthor.sent.slice(0, 2)).toEqual([
      { type: 'auth', token: issued.body.token },
      { type: 'subscribe', channel: `topic:${topic.id}` },
    ]);

    await write(t.app.parley.ctx, async ({ tx, emit }) => {
      await tx.update(posts).set({ hidden: true, hiddenReason: 'x' }).where(eq(posts.id, mine.id));
      await emit(topicChannel(topic.id), 'post.hidden', { postId: mine.id });
    });
    await vi.waitFor(() => expect([authorSub.events.length, guestSub.events.length]).toEqual([1, 1]));
    const [seenByAuthor] = authorSub.events;
    const [seenByGuest] = guestSub.events;
    if (seenByAuthor?.event !== 'post.hidden' || seenByGuest?.event !== 'post.hidden') throw new Error('expected post.hidden');
    expect(seenByAuthor.data).toMatchObject({ id: mine.id, hidden: true, body: mine.body });
    expect(seenByGuest.data).toMatchObject({ id: mine.id, hidden: true, body: null, bodyHtml: null });
    expect(authorSub.errors).toEqual([]);
  });

  it('reports a bad token as an error and carries on as a guest', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const { live } = client({ token: 'not-a-token' });
    const sub = listen(live, topic.id);
    await vi.waitFor(() => expect(sub.subscribed).toHaveLength(1));
    expect(sub.errors).toMatchObject([{ code: 'invalid_token' }]);
  });

  it('shares one socket between subscribers, and closes it shortly after the last one leaves', async () => {
    const a = await createTopic(s.member, s.slug);
    const b = await createTopic(s.member, s.slug);
    const { live, sent } = client({ idleMs: 200 });
    const one = listen(live, a.topic.id);
    const two = listen(live, a.topic.id);
    const three = listen(live, b.topic.id);
    await vi.waitFor(() => expect(three.subscribed).toHaveLength(1));
    expect(t.app.live.connections.size).toBe(1);
    // Two subscribers of one channel: one server subscription, both hear each event.
    expect(sent.filter((m) => m.type === 'subscribe')).toHaveLength(2);
    await reply(s.other, a.topic.id);
    await vi.waitFor(() => expect([one.events.length, two.events.length]).toEqual([1, 1]));

    one.stop();
    two.stop();
    await vi.waitFor(() => expect(sent.at(-1)).toEqual({ type: 'unsubscribe', channel: `topic:${a.topic.id}` }));
    expect(live.state).toBe('open');

    // Leaving and coming back within the grace period keeps the socket.
    three.stop();
    const again = listen(live, b.topic.id);
    await vi.waitFor(() => expect(again.subscribed).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 300));
    expect(live.state).toBe('open');
    expect(t.app.live.connections.size).toBe(1);

    again.stop();
    await vi.waitFor(() => expect(live.state).toBe('offline'));
    await vi.waitFor(() => expect(t.app.live.connections.size).toBe(0));
  });
});

/** A scripted socket: the test opens it, feeds it messages and closes it. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: any[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code: number) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

describe('LiveClient rules (scripted socket)', () => {
  const fake = (options: Partial<LiveClientOptions> = {}) =>
    new LiveClient({ url: 'ws://x/api/live', WebSocketImpl: FakeSocket, random: () => 0.999, ...options });
  const latest = () => FakeSocket.all.at(-1)!;
  const ev = (seq: number, id = seq) => ({ type: 'event', channel: 'topic:1', seq, event: 'post.updated', data: { id } });

  afterEach(() => {
    FakeSocket.all = [];
    vi.useRealTimers();
  });

  it('drops repeats, and asks for a replay from its last seq when seq jumps', () => {
    const live = fake();
    const got: number[] = [];
    live.subscribe('topic:1', { event: (e) => got.push(e.seq) });
    const socket = latest();
    socket.open();
    expect(socket.sent).toEqual([{ type: 'subscribe', channel: 'topic:1' }]);
    socket.receive(ev(4)); // before the confirmation: an old subscription's, ignored
    socket.receive({ type: 'subscribed', channel: 'topic:1', seq: 3 });
    socket.receive(ev(4));
    socket.receive(ev(4));
    socket.receive(ev(3));
    socket.receive(ev(6));
    socket.receive(ev(7)); // still waiting for the replay: no second request
    expect(got).toEqual([4]);
    expect(socket.sent.slice(1)).toEqual([{ type: 'subscribe', channel: 'topic:1', since: 4 }]);
    socket.receive({ type: 'subscribed', channel: 'topic:1', seq: 7 });
    for (const seq of [5, 6, 7, 6]) socket.receive(ev(seq));
    expect(got).toEqual([4, 5, 6, 7]);
    live.close();
  });

  it('continues from a reset’s seq', () => {
    const live = fake();
    const got: number[] = [];
    const resets: number[] = [];
    live.subscribe('topic:1', { event: (e) => got.push(e.seq), reset: (seq) => resets.push(seq) });
    latest().open();
    latest().receive({ type: 'subscribed', channel: 'topic:1', seq: 2 });
    latest().receive({ type: 'reset', channel: 'topic:1', seq: 40 });
    latest().receive(ev(40));
    latest().receive(ev(41));
    expect(resets).toEqual([40]);
    expect(got).toEqual([41]);
    live.close();
  });

  it('backs off exponentially with jitter, resets after a stable connection, and waits longer after 1008', () => {
    vi.useFakeTimers();
    const live = fake({ backoff: { minMs: 100, maxMs: 1000, stableMs: 5000 } });
    live.subscribe('topic:1', {});
    expect(FakeSocket.all).toHaveLength(1);
    const retryAfter = (code: number) => {
      const count = FakeSocket.all.length;
      latest().drop(code);
      let waited = 0;
      while (FakeSocket.all.length === count && waited < 60_000) {
        vi.advanceTimersByTime(10);
        waited += 10;
      }
      return waited;
    };
    // Failing attempts: windows 100, 200, 400, 800, 1000 (cap), times ~0.999.
    expect([1006, 1006, 1006, 1006, 1006].map(retryAfter)).toEqual([100, 200, 400, 800, 1000]);
    // "Now-ish" codes stay within a second even deep into the backoff.
    latest().open();
    expect(retryAfter(4008)).toBe(1000);
    // Policy: at least the cap, up to twice it.
    expect(retryAfter(1008)).toBe(2000);
    // Open for stableMs: back to the minimum.
    latest().open();
    vi.advanceTimersByTime(5000);
    expect(retryAfter(1006)).toBe(100);
    live.close();
    expect(live.state).toBe('offline');
  });

  it('resubscribes every channel with `since` after a reconnect, after authenticating', () => {
    vi.useFakeTimers();
    const live = fake({ token: () => 'tok' });
    live.subscribe('topic:1', {});
    live.subscribe('community:demo', {});
    latest().open();
    latest().receive({ type: 'subscribed', channel: 'topic:1', seq: 9 });
    latest().receive(ev(10));
    latest().drop(1006);
    vi.advanceTimersByTime(300);
    latest().open();
    expect(latest().sent).toEqual([
      { type: 'auth', token: 'tok' },
      { type: 'subscribe', channel: 'topic:1', since: 10 },
      { type: 'subscribe', channel: 'community:demo' },
    ]);
    live.close();
  });

  it('needs a url outside a browser, and says so before subscribing anything', () => {
    const live = new LiveClient({ WebSocketImpl: FakeSocket });
    expect(() => live.subscribe('topic:1', {})).toThrow(/url/);
    expect(FakeSocket.all).toHaveLength(0);
    expect(live.state).toBe('offline');
  });

  it('throttles typing to once per 2 s per channel', () => {
    vi.useFakeTimers();
    const live = fake();
    live.subscribe('topic:1', {});
    expect(live.sendTyping('topic:1')).toBe(false); // not confirmed yet
    latest().open();
    latest().receive({ type: 'subscribed', channel: 'topic:1', seq: 0 });
    expect(live.sendTyping('topic:1')).toBe(true);
    expect(live.sendTyping('topic:1')).toBe(false);
    vi.advanceTimersByTime(2000);
    expect(live.sendTyping('topic:1')).toBe(true);
    expect(latest().sent.filter((m) => m.type === 'typing')).toHaveLength(2);
    live.close();
  });

  it('replaces a socket that does not answer a ping after the page comes back', () => {
    vi.useFakeTimers();
    const live = fake({ probeMs: 1000 });
    live.subscribe('topic:1', {});
    latest().open();
    live.reconnect(); // what 'online' and 'visible' do
    expect(latest().sent.at(-1)).toEqual({ type: 'ping' });
    latest().receive({ type: 'pong' });
    vi.advanceTimersByTime(1500);
    expect(FakeSocket.all).toHaveLength(1);
    live.reconnect();
    vi.advanceTimersByTime(1000);
    expect(live.state).toBe('offline');
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
    live.close();
  });
});
