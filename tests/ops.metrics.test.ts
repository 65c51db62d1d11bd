/**
 * Prometheus metrics (README "Health and metrics"): off unless configured; on the app's port, or
 * on a listener of their own; each figure read from the real thing it describes (requests
 * answered, sockets open, jobs waiting, the bus's connection), and a scrape that still answers
 * when the database is gone.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.js';
import { SEND_MAIL_JOB } from '../server/mail/mailer.js';
import { defaultConfig } from '../server/config/config.js';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { createCommunity, createTopic, reply, signUp } from './helpers/factories.js';
import { LiveClient, liveUrl } from './helpers/live-client.js';
import { NATS_SERVER, NatsServer } from './helpers/cluster.js';
import { freePort } from './helpers/nginx.js';

const onPostgres = !!process.env.DATABASE_URL;

/** The samples of one metric in a scrape: its labels as written, and its value. */
function samples(text: string, name: string): Array<{ labels: string; value: number }> {
  const found = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) found.push({ labels: m[2] ?? '', value: Number(m[3]) });
  }
  return found;
}
const value = (text: string, name: string, labels = ''): number | undefined => samples(text, name).find((s) => s.labels === labels)?.value;

async function scrape(app: FastifyInstance): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

describe('metrics off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('are not served unless enabled', async () => {
    expect(t.config.metrics.enabled).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    expect(t.app.metrics).toBeNull();
  });
});

describe("metrics on the app's port", () => {
  let t: TestApp;
  beforeAll(async () => {
    // The bus of its database (LISTEN/NOTIFY or in-process) even when the suite runs on NATS: NATS has its own case below.
    t = await startTestApp({ busUrl: undefined, metrics: { enabled: true } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('time a request under its route pattern, never its raw URL', async () => {
    const admin = await signUp(t);
    const community = await createCommunity(admin);
    const before = await scrape(t.app);
    const route = '/api/communities/:slug';
    const count = (text: string) =>
      samples(text, 'parley_http_request_duration_seconds_count')
        .filter((s) => s.labels.includes(`route="${route}"`) && s.labels.includes('method="GET"') && s.labels.includes('status_class="2xx"'))
        .reduce((sum, s) => sum + s.value, 0);
    expect((await t.guest().get(`/api/communities/${community.slug}`)).status).toBe(200);
    const after = await scrape(t.app);
    expect(count(after)).toBe(count(before) + 1);
    expect(after).not.toContain(community.slug);
    // A URL no route matches is counted under one label, not one per URL.
    await t.guest().get('/api/no/such/route/x1');
    expect(samples(await scrape(t.app), 'parley_http_request_duration_seconds_count').some((s) => s.labels.includes('route="(unmatched)"'))).toBe(true);
  });

  it('report the bus, the queues and the process', async () => {
    const text = await scrape(t.app);
    expect(value(text, 'parley_bus_connected')).toBe(1);
    expect(value(text, 'parley_bus_relay')).toBe(0);
    expect(value(text, 'parley_bus_subscriptions')).toBe(0);
    expect(value(text, 'parley_bus_lag_events')).toBe(0);
    expect(value(text, 'parley_mail_queue_depth')).toEqual(expect.any(Number));
    expect(value(text, 'parley_job_queue_depth', `{queue="${SEND_MAIL_JOB}"}`)).toEqual(value(text, 'parley_mail_queue_depth'));
    // prom-client's defaults, once per process.
    expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(samples(text, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
  });

  it('count mail waiting to be sent', async () => {
    const depth = async () => value(await scrape(t.app), 'parley_mail_queue_depth')!;
    const before = await depth();
    // Due in an hour: it waits in the queue, as mail does while SMTP is down and retries are pending.
    await t.app.parley.ctx.jobs.send(SEND_MAIL_JOB, { mailId: -1 }, { startAfterSeconds: 3600 });
    await t.app.parley.ctx.jobs.send(SEND_MAIL_JOB, { mailId: -2 }, { startAfterSeconds: 3600 });
    expect(await depth()).toBe(before + 2);
  });

  it('count live sockets and their subscriptions while they are open', async () => {
    const admin = await signUp(t);
    const community = await createCommunity(admin);
    const { topic } = await createTopic(admin, community.slug);
    const url = await liveUrl(t.app);
    const figures = async () => {
      const text = await scrape(t.app);
      return {
        sockets: value(text, 'parley_live_sockets'),
        channels: value(text, 'parley_live_channels'),
        subscriptions: value(text, 'parley_live_subscriptions'),
      };
    };
    expect(await figures()).toEqual({ sockets: 0, channels: 0, subscriptions: 0 });
    const a = await LiveClient.connect(url);
    const b = await LiveClient.connect(url);
    try {
      expect((await a.subscribe(`topic:${topic.id}`)).type).toBe('subscribed');
      expect((await b.subscribe(`topic:${topic.id}`)).type).toBe('subscribed');
      expect((await b.subscribe(`community:${community.slug}`)).type).toBe('subscribed');
      expect(await figures()).toEqual({ sockets: 2, channels: 2, subscriptions: 3 });
    } finally {
      a.terminate();
      b.terminate();
    }
    let after = await figures();
    for (let i = 0; i < 50 && after.sockets !== 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await figures();
    }
    expect(after).toEqual({ sockets: 0, channels: 0, subscriptions: 0 });
  });
});

describe('metrics on a port of their own', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ metrics: { enabled: true, port: 0 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answer there, bound to the configured host, and not on the app's port", async () => {
    const port = t.app.metrics!.port;
    expect(port).toEqual(expect.any(Number));
    expect(port).toBeGreaterThan(0);
    await t.guest().get('/api/health');
    const res = await fetch(`http://${t.config.host}:${port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(samples(text, 'parley_http_request_duration_seconds_count').some((s) => s.labels.includes('route="/api/health"'))).toBe(true);
    expect((await fetch(`http://${t.config.host}:${port}/other`)).status).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });

  it('close with the app', async () => {
    const other = await startTestApp({ metrics: { enabled: true, port: 0 } });
    const port = other.app.metrics!.port!;
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    await other.close();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

describe.runIf(onPostgres)('metrics when the database is gone', () => {
  it('still answer, the figures that need it NaN and the bus down', async () => {
    const database = await createTestDatabase();
    const config = defaultConfig({ databaseUrl: database.url, dataDir: 'memory://', rateLimits: false, seedDemo: false, logLevel: 'silent', origin: ORIGIN });
    const app = await buildApp({ ...config, webDir: './tests/fixtures/no-web', metrics: { enabled: true } });
    try {
      expect(value(await scrape(app), 'parley_mail_queue_depth')).toEqual(expect.any(Number));
      await database.drop();
      let text = await scrape(app);
      for (let i = 0; i < 50 && value(text, 'parley_bus_connected') !== 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        text = await scrape(app);
      }
      expect(value(text, 'parley_mail_queue_depth')).toBeNaN();
      expect(samples(text, 'parley_job_queue_depth')).toEqual([]);
      expect(value(text, 'parley_bus_connected')).toBe(0);
      expect(value(text, 'parley_bus_lag_events')).toBeNaN();
      expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });
});

describe.runIf(onPostgres && existsSync(NATS_SERVER))('metrics on the NATS bus', () => {
  let nats: NatsServer;
  let t: TestApp;
  beforeAll(async () => {
    nats = new NatsServer(await freePort());
    await nats.start();
    t = await startTestApp({ busUrl: nats.url, metrics: { enabled: true } });
  });
  afterAll(async () => {
    await t?.close();
    await nats?.stop();
  });

  it('name the relay, and the lag the relay has published up to', async () => {
    const admin = await signUp(t);
    const community = await createCommunity(admin);
    const { topic } = await createTopic(admin, community.slug);
    await reply(admin, topic.id);
    // The only process holds the relay's lock; once it has published everything the lag is 0.
    let text = await scrape(t.app);
    for (let i = 0; i < 100 && !(value(text, 'parley_bus_relay') === 1 && value(text, 'parley_bus_lag_events') === 0); i++) {
      await new Promise((r) => setTimeout(r, 50));
      text = await scrape(t.app);
    }
    expect(value(text, 'parley_bus_connected')).toBe(1);
    expect(value(text, 'parley_bus_relay')).toBe(1);
    expect(value(text, 'parley_bus_lag_events')).toBe(0);
    expect(value(text, 'parley_bus_relay_heard_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'parley_bus_relay_heard_seconds')).toBeLessThan(30);
  });
});
