/**
 * The production shape, without Docker: a PostgreSQL database of its own, a NATS server, three
 * compiled app processes and Debian's nginx running deploy/nginx.conf (only the replicas'
 * addresses and the port replaced). Everything goes through nginx: a browser session, live
 * readers on real WebSockets and a writer. Mid-stream one process dies with SIGKILL, the broker
 * stops and comes back, and another process is restarted as a deploy would; afterwards no
 * acknowledged post is lost or doubled, every reader has every event once and in order, the page
 * showed the last post live and the browser is still signed in. The nginx.conf wrapped around the
 * site file adds one response header naming the replica that answered (tests/helpers/nginx.ts), so
 * the test knows which process made the browser's session and where each reader landed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { launchBrowser, watchForProblems } from './browser.js';
import { adminUrl, dropDatabase, ensureDatabase, NATS_SERVER, startCluster, type AppProcess, type Cluster } from '../helpers/cluster.js';
import { nginxInstalled, sleep, UPSTREAM_HEADER } from '../helpers/nginx.js';

// Skipped where nginx or nats-server is missing, except in CI (.ci/run installs them): there it fails.
const present = nginxInstalled() && existsSync(NATS_SERVER);
const PASSWORD = 'correct horse battery';
/** At least this many posts, and posting goes on until this many more after the last disruption. */
const POSTS = 100;
const POSTS_AFTER = 10;
/** A stream that has not seen its disruptions through by then has gone wrong. */
const MAX_POSTS = 400;
const READERS = 6;
/** Every post of the stream starts with this, so the topic's own posts can be told apart. */
const STREAM = `stream-${randomBytes(3).toString('hex')}`;

interface Posted {
  id: number;
  number: number;
  body: string | null;
}

/** The last replica nginx tried for a response (`$upstream_addr` lists every one it tried). */
const replicaOf = (header: string | string[] | undefined | null): string | undefined =>
  (Array.isArray(header) ? header[0] : header)?.split(',').at(-1)?.trim() || undefined;

/** A signed-in client of the public API, through nginx, with the cookie the sign-up set. */
class Client {
  cookie = '';
  constructor(readonly origin: string) {}

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(this.origin + path, {
      method,
      headers: { 'content-type': 'application/json', origin: this.origin, ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // nginx's own error pages are HTML.
    }
    return { status: res.status, body: parsed };
  }

  /** Reads are idempotent: a 502 or a dropped connection while a replica goes away is asked again. */
  async read(path: string): Promise<any> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.request('GET', path);
        if (res.status === 200) return res.body;
        if (attempt >= 20 || ![502, 503, 504].includes(res.status)) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      } catch (err) {
        if (attempt >= 20) throw err;
      }
      await sleep(250);
    }
  }

  async topicPosts(topicId: number): Promise<Posted[]> {
    const posts: Posted[] = [];
    for (;;) {
      const after = posts.at(-1)?.number ?? 0;
      const page = (await this.read(`/api/topics/${topicId}?after=${after}&limit=100`)) as { posts: Posted[] };
      posts.push(...page.posts);
      if (page.posts.length < 100) return posts;
    }
  }
}

/**
 * A live reader through nginx: it keeps every event it gets and, whenever its socket closes,
 * reconnects (through nginx again, to whichever replica is next) and resumes with `since`.
 */
class Reader {
  readonly seqs: number[] = [];
  readonly postIds: number[] = [];
  /** The replica behind each of its connections, in order. */
  readonly replicas: string[] = [];
  readonly problems: string[] = [];
  /** The channel's seq when it first subscribed: it must see every event after it. */
  baseline: number | null = null;
  private lastSeq: number | null = null;
  private ws: WebSocket | null = null;
  private stopped = false;

  constructor(
    readonly origin: string,
    readonly channel: string,
  ) {}

  get replica(): string | undefined {
    return this.replicas.at(-1);
  }

  get reconnects(): number {
    return this.replicas.length - 1;
  }

  /** One attempt: open, subscribe (with `since` after the first time), wait for `subscribed`. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.origin.replace(/^http/, 'ws') + '/api/live', { headers: { origin: this.origin } });
      let subscribed = false;
      const timer = setTimeout(() => ws.terminate(), 5000);
      ws.on('upgrade', (res) => this.replicas.push(replicaOf(res.headers[UPSTREAM_HEADER]) ?? 'unknown'));
      ws.on('open', () => {
        ws.send(JSON.stringify({ type: 'subscribe', channel: this.channel, ...(this.lastSeq === null ? {} : { since: this.lastSeq }) }));
      });
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8'));
        if (message.type === 'subscribed') {
          subscribed = true;
          clearTimeout(timer);
          if (this.lastSeq === null) this.baseline = this.lastSeq = message.seq as number;
          this.ws = ws;
          resolve();
        } else if (message.type === 'event') {
          this.seqs.push(message.seq);
          this.lastSeq = message.seq;
          if (message.event === 'post.created') this.postIds.push(message.data.id);
        } else if (message.type === 'reset' || message.type === 'error') {
          // Either one means the resume failed: the assertions on `problems` say so.
          this.problems.push(JSON.stringify(message));
        }
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        clearTimeout(timer);
        if (!subscribed) reject(new Error('closed before subscribed'));
        else if (!this.stopped) void this.resume();
      });
    });
  }

  /** Connects until it works: while a replica is going away nginx may answer 502 for a moment. */
  async resume(deadline = Date.now() + 30_000): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connect();
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          this.problems.push(`could not reconnect: ${(err as Error).message}`);
          return;
        }
        await sleep(200);
      }
    }
  }

  close(): void {
    this.stopped = true;
    this.ws?.close();
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

describe.runIf(present || process.env.CI === 'true')('the production shape: three processes behind nginx on PostgreSQL and NATS', () => {
  const databaseName = `parley_cluster_${randomBytes(5).toString('hex')}`;
  const admin = adminUrl(process.env.DATABASE_URL);
  let databaseCreated = false;
  let cluster: Cluster | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let writer: Client;
  let topicId: number;
  /** The replica that made the browser's session. */
  let browserReplica: string;
  const readers: Reader[] = [];
  const acknowledged: Posted[] = [];
  const unacknowledged: { body: string; status: number | string; landed: boolean }[] = [];
  const timeline: string[] = [];
  /** How many posts the stream had, in the end. */
  let streamLength = 0;
  const started = Date.now();
  const mark = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${what} (${acknowledged.length} acknowledged)`);

  beforeAll(async () => {
    if (!present) throw new Error(`nginx and ${NATS_SERVER} are needed here (CI installs them): apt-get install nginx-light nats-server`);
    const databaseUrl = await ensureDatabase(admin, databaseName);
    databaseCreated = true;
    cluster = await startCluster({ databaseUrl, upstreamHeader: true, env: { PARLEY_RATE_LIMITS: 'off' } });
    mark('cluster up');
    browser = await launchBrowser();
    const origin = cluster.origin;

    writer = new Client(origin);
    expect((await writer.request('POST', '/api/auth/signup', { handle: 'writer', email: 'writer@example.org', password: PASSWORD })).status).toBe(201);
    expect((await writer.request('POST', '/api/communities', { slug: 'cluster', name: 'Cluster' })).status).toBe(201);
    const topic = await writer.request('POST', '/api/communities/cluster/topics', { category: 'general', title: 'Through nginx', body: 'Who reads this?' });
    expect(topic.status).toBe(201);
    topicId = topic.body.topic.id;

    // The browser signs up in the page, through nginx; the answer names the replica that made its session.
    context = await browser.newContext();
    page = await context.newPage();
    problems = watchForProblems(page);
    await page.goto(`${origin}/signup`);
    await page.getByLabel('Handle').fill('browser');
    await page.getByLabel('Email').fill('browser@example.org');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    const signup = page.waitForResponse((res) => res.url().endsWith('/api/auth/signup') && res.request().method() === 'POST');
    await page.getByRole('button', { name: 'Create account' }).click();
    const signedUp = await signup;
    expect(signedUp.status()).toBe(201);
    browserReplica = replicaOf(signedUp.headers()[UPSTREAM_HEADER])!;
    expect(cluster.apps.map((app) => app.address)).toContain(browserReplica);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto(`${origin}/c/cluster/t/${topicId}`);
    await page.getByRole('heading', { level: 1, name: 'Through nginx' }).waitFor();

    // One after the other, so nginx's round robin spreads them over the replicas.
    for (let i = 0; i < READERS; i++) {
      const reader = new Reader(origin, `topic:${topicId}`);
      readers.push(reader);
      await reader.resume(Date.now() + 10_000);
    }
    mark('browser and readers in');
  }, 90_000);

  afterAll(async () => {
    for (const reader of readers) reader.close();
    await browser?.close();
    await cluster?.stop();
    if (databaseCreated) await dropDatabase(admin, databaseName);
    if (timeline.length) console.info(`cluster test timeline:\n  ${timeline.join('\n  ')}`);
  }, 60_000);

  it('keeps every acknowledged post exactly once, and every reader resumes with every event once and in order, across a killed process, a broker restart and a restarted process', async () => {
    const { apps, nats } = cluster!;
    const killed = apps.find((app) => app.address === browserReplica)!;
    const restarted = apps[(apps.indexOf(killed) + 1) % apps.length]!;
    expect(new Set(readers.map((r) => r.replica)), 'round robin put readers on every replica').toEqual(new Set(apps.map((app) => app.address)));
    const readersOn = (app: AppProcess) => readers.filter((r) => r.replica === app.address);
    let onKilled: Reader[] = [];
    let onRestarted: Reader[] = [];
    let stoppedGracefully = false;
    let ackedWhenBack = MAX_POSTS;
    let disruptionsOver = false;
    let stopOutput = '';

    const landed = async (body: string) => (await writer.topicPosts(topicId)).some((post) => post.body === body);

    const posting = (async () => {
      for (let i = 0; ; i++) {
        if (disruptionsOver && i >= Math.max(POSTS, ackedWhenBack + POSTS_AFTER)) break;
        if (i >= MAX_POSTS) throw new Error(`${MAX_POSTS} posts and the disruptions are not over`);
        streamLength = i + 1;
        const body = `${STREAM} ${i}`;
        for (;;) {
          let status: number | string;
          try {
            const res = await writer.request('POST', `/api/topics/${topicId}/posts`, { body });
            if (res.status === 201) {
              acknowledged.push(res.body.post as Posted);
              break;
            }
            status = res.status;
          } catch (err) {
            status = (err as Error).message;
          }
          // Not acknowledged: a POST in flight to a replica that went away. nginx does not retry a
          // POST it already sent; this writer posts it again only if it truly did not land.
          await sleep(300);
          const wasLanded = await landed(body);
          unacknowledged.push({ body, status, landed: wasLanded });
          if (wasLanded) break;
        }
        // Paced so that each disruption lands mid-stream, with posts before, during and after it.
        await sleep(100);
      }
    })();

    const chaos = (async () => {
      await until(() => acknowledged.length >= 15, 30_000, '15 posts');
      onKilled = readersOn(killed);
      mark(`SIGKILL ${killed.name} (${killed.address}, made the browser's session, ${onKilled.length} readers)`);
      await killed.kill();
      await until(() => acknowledged.length >= 25, 30_000, '25 posts');
      mark('NATS stopped');
      await nats.stop();
      const downSince = Date.now();
      await until(() => acknowledged.length >= 32 && Date.now() - downSince > 1500, 30_000, '32 posts with the broker down');
      await nats.start();
      mark('NATS started again');
      // Time for every process to reconnect to the broker first: this restart is a deploy's, not a crash.
      const upSince = Date.now();
      await until(() => Date.now() - upSince > 3000, 30_000, 'the broker back for 3 s');
      onRestarted = readersOn(restarted);
      mark(`SIGTERM ${restarted.name} (${restarted.address}, ${onRestarted.length} readers)`);
      stoppedGracefully = !(await restarted.stop()).forced;
      stopOutput = restarted.output.slice(-10).join('\n');
      mark(`${restarted.name} ${stoppedGracefully ? 'exited' : 'killed: SIGTERM did not end it in 10 s'}`);
      await restarted.start();
      ackedWhenBack = acknowledged.length;
      mark(`${restarted.name} listening again`);
    })().finally(() => (disruptionsOver = true));

    await Promise.all([posting, chaos]);
    mark('all posted');

    // The topic: every acknowledged post exactly once; whatever else of the stream landed, once too.
    const posts = (await writer.topicPosts(topicId)).filter((post) => post.body?.startsWith(`${STREAM} `));
    const bodies = posts.map((post) => post.body);
    expect(new Set(bodies).size, 'no body twice').toBe(bodies.length);
    expect(bodies).toEqual(Array.from({ length: streamLength }, (_, i) => `${STREAM} ${i}`));
    const ids = posts.map((post) => post.id);
    for (const post of acknowledged) expect(ids.filter((id) => id === post.id)).toHaveLength(1);
    expect(acknowledged.length + unacknowledged.filter((u) => u.landed).length).toBe(streamLength);

    // Every reader: every post of the stream once, in the topic's order, and every seq after its
    // first subscription exactly once, without a gap (other events on the channel included).
    // Waited for, then compared: one that never catches up fails below, with what it missed.
    await until(() => readers.every((reader) => reader.postIds.length >= ids.length), 20_000, 'readers to catch up').catch(() => {});
    await sleep(500);
    const finalSeq = readers[0]!.seqs.at(-1);
    for (const [i, reader] of readers.entries()) {
      const label = `reader ${i} (${reader.replicas.join(' → ')})`;
      expect(reader.problems, label).toEqual([]);
      expect(reader.postIds, label).toEqual(ids);
      expect(reader.seqs, label).toEqual(Array.from({ length: reader.seqs.length }, (_, k) => reader.baseline! + 1 + k));
      expect(reader.seqs.at(-1), label).toBe(finalSeq);
    }
    // The readers on the killed and the restarted process lost their sockets and came back through nginx.
    expect(onKilled.length, `readers on ${killed.name}`).toBeGreaterThan(0);
    expect(onRestarted.length, `readers on ${restarted.name}`).toBeGreaterThan(0);
    for (const reader of [...onKilled, ...onRestarted]) expect(reader.reconnects, reader.replicas.join(' → ')).toBeGreaterThan(0);
    for (const reader of readers) expect(reader.replicas.slice(1), 'no reconnection to the dead process').not.toContain(killed.address);
    // Last: a restart that needed SIGKILL loses nothing either, but a deploy should not wait 10 s for it.
    expect(stoppedGracefully, `${restarted.name} ended by SIGTERM; it printed:\n${stopOutput}`).toBe(true);
    mark(
      `checked: ${unacknowledged.length} unacknowledged attempts ${JSON.stringify(unacknowledged.map((u) => [u.status, u.landed ? 'landed' : 'posted again']))}`,
    );
  }, 90_000);

  it('showed the last post live in the browser, whose sign-in survived the process that made it', async () => {
    const last = `${STREAM} ${streamLength - 1}`;
    await page.getByText(last, { exact: true }).waitFor({ timeout: 20_000 });
    expect(await page.locator('article', { hasText: `${STREAM} ` }).count()).toBe(streamLength);
    expect(problems.filter((p) => p.startsWith('pageerror'))).toEqual([]);

    // The replica that made the session is dead: another one finds it in the database.
    expect(cluster!.apps.find((app) => app.address === browserReplica)!.running).toBe(false);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Through nginx' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const me = await page.request.get(`${cluster!.origin}/api/me`);
    expect(me.status()).toBe(200);
    expect(((await me.json()) as { user: { handle: string } }).user.handle).toBe('browser');
    const reply = await page.request.post(`${cluster!.origin}/api/topics/${topicId}/posts`, {
      data: { body: 'Still signed in after the crash' },
      headers: { origin: cluster!.origin },
    });
    expect(reply.status()).toBe(201);
    expect(replicaOf(reply.headers()[UPSTREAM_HEADER])).not.toBe(browserReplica);
  }, 60_000);
});
