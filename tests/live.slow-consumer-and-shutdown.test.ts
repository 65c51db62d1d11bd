import { describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, signUp } from './helpers/factories.js';
import { LiveClient, liveUrl, range, seqsOf, type ConnectOptions, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';

const MAX_BUFFERED = 64 * 1024;

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({ live: { maxBufferedBytes: MAX_BUFFERED } }, (ready) => ({ t, url, s } = ready));

const connect = async (opts: ConnectOptions = {}, to = url) => {
  const c = await LiveClient.connect(to, opts);
  open.push(c);
  return c;
};
const isEvent = (channel: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel;

describe('a slow consumer', () => {
  it("is closed with 4008 instead of growing the server's buffers, and resumes with since", async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    const slow = await connect();
    expect((await slow.subscribe(channel)).seq).toBe(1);
    const healthy = await connect();
    await healthy.subscribe(channel);
    // Stop reading: the kernel buffers fill, then the server's.
    (slow.ws as any)._socket.pause();

    const rssBefore = process.memoryUsage().rss;
    let maxBuffered = 0;
    const sample = () => {
      for (const conn of t.app.live.connections) maxBuffered = Math.max(maxBuffered, (conn as any).ws.bufferedAmount as number);
    };
    const filler = 'lorem ipsum dolor sit amet '.repeat(760); // ~20 KB
    const authors = [s.other, s.staff, s.moderator, s.admin];
    const sampler = setInterval(sample, 5);
    try {
      for (let i = 0; i < 200; i += 10) {
        await Promise.all(range(i, i + 9).map((n) => reply(authors[n % 4]!, topic.id, { body: `${n} ${filler}` })));
        sample();
      }
    } finally {
      clearInterval(sampler);
    }
    const final = 201;
    // The healthy reader got everything meanwhile.
    await healthy.next((m) => isEvent(channel)(m) && m.seq === final, 15_000);
    expect(seqsOf(healthy.collect(), channel)).toEqual(range(2, final));
    // Never more than the bound plus one message (and the close frame) waits in the server for the slow one.
    expect(maxBuffered).toBeLessThanOrEqual(MAX_BUFFERED + 24 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);

    // The server already let go of it: only the healthy reader is still subscribed.
    expect(t.app.live.hub.subscriberCount(channel)).toBe(1);
    (slow.ws as any)._socket.resume();
    expect((await slow.waitForClose(10_000)).code).toBe(4008);
    const got = seqsOf(slow.collect(), channel);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(final - 1);
    expect(got).toEqual(range(2, got.at(-1)!));
    // Only the healthy reader is left on the server.
    await expect.poll(() => t.app.live.connections.size, { timeout: 2000 }).toBe(1);

    // Reconnect with since until caught up: exactly the rest, no gap, no duplicate.
    let last = got.at(-1)!;
    const resumed: number[] = [];
    let reconnects = 0;
    let caughtUp: LiveClient | null = null;
    while (!caughtUp && reconnects < 40) {
      reconnects++;
      const again = await connect();
      expect(await again.subscribe(channel, last)).toMatchObject({ type: 'subscribed', seq: final });
      const outcome = await Promise.race([
        again.next((m) => isEvent(channel)(m) && m.seq === final, 10_000).then(() => 'done' as const),
        again.waitForClose(10_000).then(() => 'closed' as const),
      ]);
      const seqs = seqsOf(again.collect(), channel);
      resumed.push(...seqs);
      if (seqs.length) last = seqs.at(-1)!;
      if (outcome === 'done') caughtUp = again;
      else expect(again.closed?.code).toBe(4008);
    }
    expect(caughtUp).not.toBeNull();
    expect([...got, ...resumed]).toEqual(range(2, final));
    // And it is live afterwards.
    await reply(s.other, topic.id, { body: 'short' });
    expect(await caughtUp!.next((m) => isEvent(channel)(m) && m.seq > final)).toMatchObject({ seq: final + 1, event: 'post.created', data: { body: 'short' } });
  });
});

describe('a resuming reader', () => {
  it('is not dropped for the size of its own replay: one resume delivers a backlog far larger than the send bound', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    // ~48 KB a post, 200 posts: ~10 MB, more than the loopback socket buffers can hide.
    const filler = 'lorem ipsum dolor sit amet '.repeat(1800);
    const authors = [s.other, s.staff, s.moderator, s.admin];
    for (let i = 0; i < 200; i += 10) {
      await Promise.all(range(i, i + 9).map((n) => reply(authors[n % 4]!, topic.id, { body: `${n} ${filler}` })));
    }
    const reader = await connect();
    // A reader that is busy for a moment while its backlog is sent: the replay waits for it.
    reader.send({ type: 'subscribe', channel, since: 0 });
    (reader.ws as any)._socket.pause();
    await new Promise((r) => setTimeout(r, 700));
    (reader.ws as any)._socket.resume();
    await reader.next((m) => isEvent(channel)(m) && m.seq === 201, 20_000);
    expect(seqsOf(reader.collect(), channel)).toEqual(range(1, 201));
    expect(reader.isOpen).toBe(true);
    // Posting the 10 MB backlog through the API takes 11–15 s alone on 2 cores, and over 30 s while
    // the PGlite and PostgreSQL suites share them (.ci/run): the replay is what is tested, not its pace.
  }, 90_000);
});

describe('shutdown', () => {
  it('app.close() closes connected clients with 1001 (going away)', async () => {
    const other = await startTestApp();
    let closed = false;
    try {
      const otherUrl = await liveUrl(other.app);
      const author = await signUp(other);
      const community = await createCommunity(author);
      const { topic } = await createTopic(author, community.slug);
      const subscribed = await connect({ cookie: author.cookie }, otherUrl);
      expect((await subscribed.subscribe(`topic:${topic.id}`)).type).toBe('subscribed');
      const idle = await connect({}, otherUrl);
      const closing = other.close();
      const codes = await Promise.all([subscribed.waitForClose(5000), idle.waitForClose(5000)]);
      await closing;
      closed = true;
      expect(codes.map((c) => c.code)).toEqual([1001, 1001]);
    } finally {
      if (!closed) await other.close();
    }
  });
});
