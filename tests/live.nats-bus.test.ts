/**
 * The NATS bus (PARLEY_BUS_URL): two app instances on one PostgreSQL database and a nats-server of
 * the test's own, so the broker can be stopped and started again. Writes notify nothing; the
 * relay publishes from the outbox; readers on the other instance get every event once, in order,
 * across a broker restart and a relay that changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.js';
import type { BusNote } from '../server/live/bus.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { NatsServer } from './helpers/cluster.js';
import { freePort, sleep } from './helpers/nginx.js';
import { createTopic, reply, scene, signUp } from './helpers/factories.js';
import { LiveClient, liveUrl } from './helpers/live-client.js';

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe.runIf(process.env.DATABASE_URL)('the NATS bus (PostgreSQL)', () => {
  let nats: NatsServer;
  let a: TestApp;
  let b: FastifyInstance;
  let bUrl: string;
  let s: Awaited<ReturnType<typeof scene>>;

  beforeAll(async () => {
    nats = new NatsServer(await freePort());
    await nats.start();
    a = await startTestApp({ busUrl: nats.url });
    // A second process of the same forum, as far as the bus is concerned: its own connections and relay candidate.
    b = await buildApp(a.config);
    bUrl = await liveUrl(b);
    s = await scene(a);
    await until(() => a.app.parley.bus.status().relay || b.parley.bus.status().relay, 5000, 'a relay');
  }, 60_000);

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await nats?.stop();
  });

  it('commits a write without a NOTIFY, and the other process still hears it from the relay', async () => {
    const listener = new pg.Client({ connectionString: a.config.databaseUrl });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (msg) => notified.push(msg.payload ?? ''));
    await listener.query('LISTEN parley_events');
    try {
      const { topic } = await createTopic(s.member, s.slug);
      const reader = await LiveClient.connect(bUrl);
      await reader.subscribe(`topic:${topic.id}`);
      const post = await reply(s.member, topic.id, { body: 'heard through NATS' });
      const event = await reader.next((m) => m.event === 'post.created' && m.data?.id === post.id, 5000);
      expect(event.data.body).toBe('heard through NATS');
      await reader.close();
      await sleep(200);
      expect(notified).toEqual([]);
    } finally {
      await listener.end();
    }
  });

  it('brings a process only the account channels of readers it holds', async () => {
    const heard: BusNote[] = [];
    const stop = b.parley.bus.subscribe((note) => heard.push(note));
    try {
      const elsewhere = await signUp(a);
      const here = await signUp(a);
      const { topic } = await createTopic(s.member, s.slug);
      // Both watch the topic, so both are notified of every reply on their account channels.
      for (const who of [elsewhere, here]) expect((await who.put(`/api/topics/${topic.id}/notification-level`, { level: 'watching' })).status).toBe(200);
      const socket = await LiveClient.connect(bUrl, { cookie: here.cookie });
      await socket.subscribe(`user:${here.userId}`);
      await reply(s.member, topic.id);
      await socket.next((m) => m.event === 'notification.created', 5000);
      await sleep(300);
      const channels = new Set(heard.map((n) => n.channel));
      expect(channels).toContain(`user:${here.userId}`);
      expect(channels).not.toContain(`user:${elsewhere.userId}`);
      // Topic notes come to every process: its guests' page cache must hear them.
      expect(channels).toContain(`topic:${topic.id}`);
      await socket.close();
    } finally {
      stop();
    }
  });

  it('delivers every event once and in order across a broker restart', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const reader = await LiveClient.connect(bUrl);
    const subscribed = await reader.subscribe(`topic:${topic.id}`);
    const start = Number(subscribed.seq);
    const acknowledged: number[] = [];
    // The last twenty are written while the broker is down: nothing written after them announces them.
    for (let i = 0; i < 30; i++) {
      if (i === 10) await nats.stop();
      acknowledged.push((await reply(s.member, topic.id, { body: `restart ${i}` })).id);
      await sleep(20);
    }
    await nats.start();
    const expected = acknowledged.length;
    const posts = () => reader.messages.filter((m) => m.type === 'event' && m.event === 'post.created' && m.channel === `topic:${topic.id}`);
    await until(() => posts().length >= expected, 15_000, 'every post');
    await sleep(300);
    const events = reader.messages.filter((m) => m.type === 'event' && m.channel === `topic:${topic.id}`);
    expect(events.map((m) => m.seq)).toEqual(events.map((_, i) => start + i + 1));
    expect(posts().map((m) => m.data.id)).toEqual(acknowledged);
    expect(a.app.parley.bus.status().connected && b.parley.bus.status().connected).toBe(true);
    await reader.close();
  }, 60_000);

  it('hands the relay to the other process within seconds when its holder goes', async () => {
    // A third instance takes over from whichever of the two relays now: the relay's holder is closed.
    const c = await buildApp(a.config);
    try {
      const holder = a.app.parley.bus.status().relay ? 'a' : 'b';
      const survivor = holder === 'a' ? b : a.app;
      if (holder === 'b') {
        await b.close();
        b = await buildApp(a.config);
        bUrl = await liveUrl(b);
      } else {
        // Closing the first app would drop its database: the relay's connection is cut instead, as a crash would.
        const admin = new pg.Client({ connectionString: a.config.databaseUrl });
        await admin.connect();
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7042015 AND granted`);
        await admin.end();
      }
      const started = Date.now();
      await until(() => [a.app, b, c].some((app) => app.parley.bus.status().relay), 5000, 'a new relay');
      expect(Date.now() - started).toBeLessThan(5000);
      const { topic } = await createTopic(s.member, s.slug);
      const reader = await LiveClient.connect(await liveUrl(c));
      await reader.subscribe(`topic:${topic.id}`);
      const post = await reply(s.member, topic.id);
      await reader.next((m) => m.event === 'post.created' && m.data?.id === post.id, 5000);
      await reader.close();
      expect(survivor).toBeDefined();
    } finally {
      await c.close();
    }
  }, 30_000);
});
