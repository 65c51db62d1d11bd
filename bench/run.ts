/**
 * `npm run bench`: every figure next to a ceiling measured in the same run.
 *
 *  1. ceiling: a bare Fastify 5 JSON route (GET / → {hello:'world'}), 100 connections;
 *  2. topic read (GET /api/topics/:id, 500-post topic, first page of 50), anonymous and signed in,
 *     on PGlite (memory://) and on a fresh PostgreSQL database; the anonymous read on PostgreSQL
 *     is judged against DESIGN.md's target (≥ 0.25 of the bare route, p99 < 50 ms), the signed-in
 *     read against issue 14's (≥ 0.1 of the bare route: the guests' page plus the reader's overlay);
 *  3. posting (POST /api/topics/:id/posts), 10 connections, one topic then spread over 10;
 *  4. renderMarkdown on pathological inputs against a 50 KB plain paragraph;
 *  5. live (bench/live.ts): a bare `ws` broadcast to 1,000 clients as the ceiling, then Parley's
 *     post ack → all 1,000 readers (one process, two processes), sustained posting with 1,000
 *     readers, and the RSS of one process holding 10,000 idle sockets; printed as a second table.
 *
 * BENCH_ONLY=http|live|markdown (comma-separated) runs a subset while iterating; BENCH_ONLY=cluster (opt-in,
 * about 2 minutes) compares the LISTEN/NOTIFY and NATS buses across three processes (bench/cluster.ts), after
 * their cost at commit alone (bench/bus-commit.ts; BENCH_ONLY=commit runs only that, about 30 s).
 * `npm run bench -- --large [--scale 1] [--fresh]` measures the pages of a generated million-post
 * community instead (bench/large.ts; the community itself: bench/large-seed.ts).
 * For the HTTP scenarios the server under test runs in this process; autocannon runs in a forked child process
 * (bench/load-worker.ts) so that, on a 2-core machine, server and client get a core each.
 * The bare route stays up for the whole run and is measured again right before every scenario:
 * each ratio divides by that paired figure, so a machine whose spare CPU drifts (shared CI,
 * other jobs) moves numerator and denominator together.
 * Results are printed as a table and written to bench/results/latest.json.
 * Exit code 1 only when a scenario errors (setup failure, or > 1% non-2xx / socket errors);
 * a missed target prints FAIL but still exits 0.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PageRenderer } from '../server/pages/page-renderer.js';
import { buildApp } from '../server/app.js';
import { defaultConfig } from '../server/config/config.js';
import { rows as dbRows } from '../db/client.js';
import { LoadGenerator, type LoadResult, type LoadSpec } from './loadgen.js';
import { BENCH_ORIGIN, seed, type Seeded } from './seed.js';
import { benchMarkdown } from './markdown.js';
import { PG_ADMIN_URL, createPgDatabase, errMsg, redact } from './pg.js';
import { formatHttp, formatLive, formatMarkdown, writeJson, type HttpRow, type LiveRow, type Report, type Verdict } from './report.js';
import { benchLive } from './live.js';
import { benchCluster, formatCluster } from './cluster.js';
import { benchBusCommit, formatBusCommit } from './bus-commit.js';
import { envNum, failureOf, listen, MAX_FAILURE_RATE } from './common.js';

const DURATION = envNum('BENCH_DURATION', 5);
const WARMUP = envNum('BENCH_WARMUP', 1);
const READ_CONNECTIONS = 100;
const POST_CONNECTIONS = 10;
const TARGET_RATIO = 0.25;
const TARGET_P99_MS = 50;
/** Issue 14: a signed-in reader costs at most ten times an anonymous one, ≥ 0.1 of the bare route. */
const SIGNED_IN_TARGET_RATIO = 0.1;
/** What the reads send, as browsers do: the answers come compressed, and bytes/resp shows by how much. */
const ACCEPT_ENCODING = 'br, gzip';

const ALL_PARTS = ['http', 'live', 'markdown'] as const;
/** Parts only BENCH_ONLY runs: the cluster bench takes about 90 s more and a nats-server (bench/cluster.ts). */
const OPT_IN_PARTS = ['cluster', 'commit'] as const;
/** BENCH_ONLY=http|live|markdown|cluster (comma-separated for several) runs a subset. */
const PARTS = new Set<string>(
  process.env.BENCH_ONLY
    ? process.env.BENCH_ONLY.split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : ALL_PARTS,
);
for (const p of PARTS) {
  if (![...ALL_PARTS, ...OPT_IN_PARTS].includes(p as never)) {
    process.stderr.write(`BENCH_ONLY: unknown part "${p}" (expected ${[...ALL_PARTS, ...OPT_IN_PARTS].join(', ')}, comma-separated)\n`);
    process.exit(2);
  }
}

const started = new Date();
const t0 = performance.now();
const http: HttpRow[] = [];
const errors: string[] = [];
const notes: string[] = [];
/** Uncached page renders (issue 12), per backend. */
const renders: { backend: string; guestMedianMs: number; signedInMedianMs: number; renderMedianMs: number; verdict: string }[] = [];
const seeding: Record<string, { ms: number }> = {};
const cleanups: (() => Promise<void>)[] = [];

const log = (msg: string) => process.stdout.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}\n`);

/** One load run, with the CPU this (server) process used meanwhile, in cores. */
async function measured(loadgen: LoadGenerator, spec: LoadSpec): Promise<{ result: LoadResult; serverCpu: number }> {
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  const result = await loadgen.run(spec);
  const cpu = process.cpuUsage(cpu0);
  return { result, serverCpu: (cpu.user + cpu.system) / 1000 / (performance.now() - t1) };
}

interface ScenarioOpts {
  backend: HttpRow['backend'];
  scenario: string;
  spec: Omit<LoadSpec, 'durationSec' | 'title'>;
  unit: HttpRow['unit'];
  target?: { label: string; check: (row: HttpRow) => boolean };
  /** Called between the warm-up and the measured run. */
  before?: () => Promise<void>;
  /** Called after the measured run: extra consistency checks; a returned string is reported as an error. */
  after?: (r: LoadResult) => Promise<string | null>;
}

/**
 * The bare Fastify 5 route, listening in this process (the same process style as the app)
 * for the whole run. Besides the headline ceiling it is measured again right before every
 * scenario, so each ratio compares two back-to-back runs: on a shared 2-core machine the
 * available CPU can change by half within a minute, which a single ceiling would hide.
 */
class Ceiling {
  readonly runs: number[] = [];
  private constructor(
    private readonly app: FastifyInstance,
    readonly base: string,
  ) {}

  static async start(): Promise<Ceiling> {
    const app = Fastify({ logger: false });
    app.get('/', async () => ({ hello: 'world' }));
    return new Ceiling(app, await listen(app));
  }

  spec(): Omit<LoadSpec, 'durationSec' | 'title'> {
    return { baseUrl: this.base, connections: READ_CONNECTIONS, get: { path: '/' } };
  }

  /** req/s of a DURATION-long run, or null when the run failed. */
  async measure(loadgen: LoadGenerator, title: string): Promise<number | null> {
    const r = await loadgen.run({ ...this.spec(), title, durationSec: DURATION });
    if (failureOf(r)) return null;
    this.runs.push(r.reqPerSec);
    return r.reqPerSec;
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

async function scenario(loadgen: LoadGenerator, ceiling: Ceiling | null, o: ScenarioOpts): Promise<HttpRow> {
  const title = `${o.backend}: ${o.scenario}`;
  const row: HttpRow = {
    backend: o.backend,
    scenario: o.scenario,
    connections: o.spec.connections,
    unit: o.unit,
    rate: null,
    p50: null,
    p99: null,
    bare: null,
    ratio: null,
    serverCpu: null,
    clientCpu: null,
    target: o.target?.label ?? null,
    verdict: 'info',
    detail: null,
  };
  try {
    if (WARMUP > 0) await loadgen.run({ ...o.spec, title: `${title} (warm-up)`, durationSec: WARMUP });
    if (ceiling) row.bare = await ceiling.measure(loadgen, `bare route paired with ${title}`);
    if (o.before) await o.before();
    const { result: r, serverCpu } = await measured(loadgen, { ...o.spec, title, durationSec: DURATION });
    row.raw = r;
    row.serverCpu = serverCpu;
    row.clientCpu = r.clientCpu;
    row.rate = o.unit === 'posts/s' ? r.okPerSec : r.reqPerSec;
    row.p50 = r.p50;
    row.p99 = r.p99;
    row.ratio = row.bare ? row.rate / row.bare : null;
    const failure = failureOf(r);
    const extra = o.after ? await o.after(r) : null;
    const problem = [failure, extra].filter(Boolean).join('; ');
    if (problem) {
      row.verdict = 'ERROR';
      row.detail = problem;
    } else if (o.target) {
      row.verdict = o.target.check(row) ? 'PASS' : 'FAIL';
    }
  } catch (err) {
    row.verdict = 'ERROR';
    row.detail = errMsg(err);
  }
  if (row.verdict === 'ERROR') errors.push(`${title}: ${row.detail}`);
  log(
    `${title}: ${row.rate === null ? '—' : `${row.rate.toFixed(0)} ${o.unit}`}, p50 ${row.p50 ?? '—'} ms, p99 ${row.p99 ?? '—'} ms` +
      `${row.ratio === null ? '' : `, ${row.ratio.toFixed(3)} of bare (${row.bare!.toFixed(0)} req/s just before)`} → ${row.verdict}${row.detail ? ` (${row.detail})` : ''}`,
  );
  http.push(row);
  return row;
}

function errorRow(backend: HttpRow['backend'], scenario: string, verdict: Verdict, detail: string): void {
  http.push({
    backend,
    scenario,
    connections: 0,
    unit: 'req/s',
    rate: null,
    p50: null,
    p99: null,
    bare: null,
    ratio: null,
    serverCpu: null,
    clientCpu: null,
    target: null,
    verdict,
    detail,
  });
}

/** 1. The headline ceiling: the bare route after a warm-up, loaded from the child like every scenario. */
async function measureCeiling(loadgen: LoadGenerator, ceiling: Ceiling): Promise<boolean> {
  const title = "bare: GET / {hello:'world'}";
  const row: HttpRow = {
    backend: 'bare',
    scenario: "GET / {hello:'world'}",
    connections: READ_CONNECTIONS,
    unit: 'req/s',
    rate: null,
    p50: null,
    p99: null,
    bare: null,
    ratio: null,
    serverCpu: null,
    clientCpu: null,
    target: null,
    verdict: 'ceiling',
    detail: null,
  };
  try {
    if (WARMUP > 0) await loadgen.run({ ...ceiling.spec(), title: `${title} (warm-up)`, durationSec: WARMUP });
    const { result: r, serverCpu } = await measured(loadgen, { ...ceiling.spec(), title, durationSec: DURATION });
    row.raw = r;
    row.serverCpu = serverCpu;
    row.clientCpu = r.clientCpu;
    const failure = failureOf(r);
    if (failure) throw new Error(failure);
    ceiling.runs.push(r.reqPerSec);
    Object.assign(row, { rate: r.reqPerSec, p50: r.p50, p99: r.p99, bare: r.reqPerSec, ratio: 1 });
  } catch (err) {
    row.verdict = 'ERROR';
    row.detail = errMsg(err);
    errors.push(`${title}: ${row.detail}`);
  }
  log(
    `${title}: ${row.rate === null ? '—' : `${row.rate.toFixed(0)} req/s`}, p50 ${row.p50 ?? '—'} ms, p99 ${row.p99 ?? '—'} ms → ${row.verdict}${row.detail ? ` (${row.detail})` : ''}`,
  );
  http.push(row);
  return row.verdict !== 'ERROR';
}

async function countPosts(app: FastifyInstance): Promise<number> {
  const [r] = await dbRows<{ n: number }>(app.parley.ctx.db, sql`SELECT count(*)::int AS n FROM posts`);
  return r!.n;
}

/** Fails fast with the server's own error message, before minutes of load hide it behind a status count. */
async function preflight(backend: string, base: string, s: Seeded): Promise<{ pageBytes: number }> {
  const url = `${base}/api/topics/${s.readTopicId}`;
  const first = await fetch(url);
  const text = await first.text();
  if (first.status !== 200) throw new Error(`anonymous read answered ${first.status}: ${text.slice(0, 200)}`);
  const page = JSON.parse(text) as { posts: unknown[] };
  if (page.posts.length !== 50) throw new Error(`anonymous read returned ${page.posts.length} posts, expected 50`);
  const again = await fetch(url);
  await again.arrayBuffer();
  const cache = again.headers.get('x-parley-cache');
  notes.push(`${backend}: anonymous topic page: ${Buffer.byteLength(text)} bytes of JSON; second request x-parley-cache: ${cache ?? '(header absent)'}`);
  const signed = await fetch(url, { headers: { cookie: s.cookies[0]! } });
  const signedText = await signed.text();
  if (signed.status !== 200) throw new Error(`signed-in read answered ${signed.status}: ${signedText.slice(0, 200)}`);
  // The guests' page with the reader's own part spliced in, never the guests' page as it is.
  if (signed.headers.get('x-parley-cache') !== 'overlay')
    throw new Error(`signed-in read was not served from the overlay (x-parley-cache: ${signed.headers.get('x-parley-cache')})`);
  if (!('viewerState' in (JSON.parse(signedText) as object))) throw new Error('signed-in read came without the reader’s state');
  const post = await fetch(`${base}/api/topics/${s.postTopicIds[0]}/posts`, {
    method: 'POST',
    headers: { cookie: s.cookies[0]!, origin: BENCH_ORIGIN, 'content-type': 'application/json' },
    body: JSON.stringify({ body: `preflight post ${randomBytes(4).toString('hex')}` }),
  });
  const postText = await post.text();
  if (post.status !== 201) throw new Error(`posting answered ${post.status}: ${postText.slice(0, 200)}`);
  return { pageBytes: Buffer.byteLength(text) };
}

/** DESIGN.md's target for the anonymous reads (JSON and rendered page), judged on PostgreSQL. */
const READ_TARGET = {
  label: `>=${TARGET_RATIO} x bare, p99<${TARGET_P99_MS} ms`,
  check: (r: HttpRow) => (r.ratio ?? 0) >= TARGET_RATIO && (r.p99 ?? Infinity) < TARGET_P99_MS,
};

const SIGNED_IN_TARGET = {
  label: `>=${SIGNED_IN_TARGET_RATIO} x bare`,
  check: (r: HttpRow) => (r.ratio ?? 0) >= SIGNED_IN_TARGET_RATIO,
};

/** The canonical page of a topic (following the redirect from its bare id), or null without a built web app. */
async function renderedTopicPath(app: FastifyInstance, topicId: number): Promise<string | null> {
  const topic = await app.inject({ method: 'GET', url: `/api/topics/${topicId}?limit=1` });
  const community = topic.json<{ topic: { community: string } }>().topic.community;
  const res = await app.inject({ method: 'GET', url: `/c/${community}/t/${topicId}` });
  if (res.statusCode !== 301 || typeof res.headers.location !== 'string') return null;
  const page = await app.inject({ method: 'GET', url: res.headers.location });
  if (page.statusCode !== 200 || !page.body.includes('id="parley-data"')) throw new Error(`rendered topic page answered ${page.statusCode}`);
  return res.headers.location;
}

/**
 * An uncached 50-post page, in process: a guest's page past the cache (what a crawler's first
 * visit costs: the API reads, the render, the head), a signed-in reader's (never cached), and the
 * Svelte render alone from the same replies. The issue's target (an uncached 50-post render under
 * 10 ms median) is judged on the render; the whole page's figures are printed beside it.
 */
async function measureRender(app: FastifyInstance, backend: string, path: string, cookie: string): Promise<void> {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const timed = async (url: string, headers: Record<string, string>): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const start = performance.now();
      // Another query string is another cache key: every guest read here misses.
      const res = await app.inject({ method: 'GET', url: url.replace('{i}', String(i)), headers });
      times.push(performance.now() - start);
      if (res.statusCode !== 200 || res.headers['x-parley-cache'] === 'hit')
        throw new Error(`rendered page: ${res.statusCode} ${String(res.headers['x-parley-cache'])}`);
    }
    return times;
  };
  const guest = await timed(`${path}?bench={i}`, {});
  const signedIn = await timed(path, { cookie });
  const { renderPage } = (await import(pathToFileURL(resolve('dist/server/entry-server.js')).href)) as PageRenderer;
  const html = (await app.inject({ method: 'GET', url: path })).body;
  const data = JSON.parse(/<script id="parley-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1]!) as {
    locale: string;
    replies: Record<string, unknown>;
  };
  const alone: number[] = [];
  for (let i = 0; i < 40; i++) {
    const start = performance.now();
    await renderPage({ pathname: path, search: '', locale: data.locale, now: Date.now(), replies: data.replies });
    alone.push(performance.now() - start);
  }
  const row = {
    backend,
    guestMedianMs: median(guest),
    signedInMedianMs: median(signedIn),
    renderMedianMs: median(alone),
    verdict: median(alone) < 10 ? 'PASS' : 'FAIL',
  };
  renders.push(row);
  log(`${backend}: uncached 50-post page: ${formatRender(row)}`);
}

function formatRender(r: (typeof renders)[number]): string {
  return `the render ${r.renderMedianMs.toFixed(1)} ms median (target < 10 ms) → ${r.verdict}; the whole page ${r.guestMedianMs.toFixed(1)} ms for a guest past the cache, ${r.signedInMedianMs.toFixed(1)} ms signed in (API reads, head, template)`;
}

/** 2 and 3 on one backend: seed, then anonymous read, signed-in read, posting on 1 topic, posting over 10. */
async function benchBackend(loadgen: LoadGenerator, backend: 'pglite' | 'postgres', ceiling: Ceiling | null, databaseUrl?: string): Promise<void> {
  const config = defaultConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir: 'memory://',
    ...(databaseUrl ? { databaseUrl } : {}),
    origin: BENCH_ORIGIN,
    rateLimits: false,
    seedDemo: false,
    logLevel: 'silent',
  });
  log(`${backend}: building the app and applying migrations`);
  const app = await buildApp(config);
  try {
    const tag = randomBytes(3).toString('hex');
    const seeded = await seed(app, { tag });
    seeding[backend] = { ms: Math.round(seeded.seedMs) };
    log(`${backend}: seeded 11 users, 1 topic of 500 posts and 10 posting topics in ${(seeded.seedMs / 1000).toFixed(1)} s`);
    if (seeded.seedMs > 30_000) notes.push(`${backend}: seeding took ${(seeded.seedMs / 1000).toFixed(1)} s, over the 30 s budget`);
    // A long-running database has planner statistics from autovacuum; a fresh one does not yet.
    await app.parley.ctx.db.execute(sql`ANALYZE`);
    const base = await listen(app);
    await preflight(backend, base, seeded);

    const readPath = `/api/topics/${seeded.readTopicId}`;
    const isPg = backend === 'postgres';
    await scenario(loadgen, ceiling, {
      backend,
      scenario: 'topic read, anonymous (500 posts, page of 50)',
      unit: 'req/s',
      // As browsers ask: compressed (issue 14); bytes/resp is what crossed the wire.
      spec: { baseUrl: base, connections: READ_CONNECTIONS, get: { path: readPath, headers: { 'accept-encoding': ACCEPT_ENCODING } } },
      ...(isPg ? { target: READ_TARGET } : {}),
    });
    // The same topic as the page a crawler or a link preview reads (issue 12): cached for guests.
    const htmlPath = await renderedTopicPath(app, seeded.readTopicId);
    if (htmlPath) {
      await scenario(loadgen, ceiling, {
        backend,
        scenario: 'rendered topic page, anonymous (cached HTML, compressed)',
        unit: 'req/s',
        // As browsers and crawlers ask for it: compressed.
        spec: { baseUrl: base, connections: READ_CONNECTIONS, get: { path: htmlPath, headers: { 'accept-encoding': ACCEPT_ENCODING } } },
        ...(isPg ? { target: READ_TARGET } : {}),
      });
      await measureRender(app, backend, htmlPath, seeded.cookies[1]!);
    } else {
      notes.push(`${backend}: the web app is not built (npm run build:web): rendered pages not measured`);
    }
    await scenario(loadgen, ceiling, {
      backend,
      scenario: 'topic read, signed in (cached page + overlay)',
      unit: 'req/s',
      spec: {
        baseUrl: base,
        connections: READ_CONNECTIONS,
        get: { path: readPath, headers: { cookie: seeded.cookies[1]!, 'accept-encoding': ACCEPT_ENCODING } },
      },
      // Judged on PostgreSQL, as the anonymous read is: PGlite runs every query on the server's own thread.
      ...(isPg ? { target: SIGNED_IN_TARGET } : {}),
    });

    // Each posting run checks that what was acknowledged is what was stored: the client may
    // stop with up to `connections` requests in flight, which the server still commits.
    const postCheck = async (before: number, r: LoadResult): Promise<string | null> => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const stored = (await countPosts(app)) - before;
      if (stored < r.ok || stored > r.ok + POST_CONNECTIONS * 2) return `MISMATCH: ${r.ok} acknowledged, ${stored} stored`;
      return null;
    };
    for (const spread of [1, 10]) {
      let before = 0;
      const paths = seeded.postTopicIds.slice(0, spread).map((id) => `/api/topics/${id}/posts`);
      await scenario(loadgen, ceiling, {
        backend,
        scenario: spread === 1 ? 'post reply, 1 topic' : `post reply, spread over ${spread} topics`,
        unit: 'posts/s',
        spec: { baseUrl: base, connections: POST_CONNECTIONS, post: { paths, cookies: seeded.cookies, origin: BENCH_ORIGIN, tag: `${backend}${spread}` } },
        before: async () => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          before = await countPosts(app);
        },
        after: async (r) => postCheck(before, r),
      });
    }
  } finally {
    log(`${backend}: closing the app`);
    await app.close();
  }
}

/** 1–3: the HTTP scenarios against the bare Fastify route. */
async function benchHttp(): Promise<void> {
  const loadgen = await LoadGenerator.start();
  cleanups.push(() => loadgen.close());
  log('load generator: autocannon in a forked child process (tsx)');

  const bare = await Ceiling.start();
  cleanups.push(() => bare.close());
  const ceiling = (await measureCeiling(loadgen, bare)) ? bare : null;
  if (ceiling === null) notes.push('the bare route could not be measured: ratios are missing');

  // PGlite, in memory.
  try {
    await benchBackend(loadgen, 'pglite', ceiling);
  } catch (err) {
    errors.push(`pglite: ${errMsg(err)}`);
    errorRow('pglite', 'setup', 'ERROR', errMsg(err));
    log(`pglite: ERROR ${errMsg(err)}`);
  }

  // PostgreSQL, in a database of its own that is dropped at the end.
  const database = await createPgDatabase().catch((err: unknown) => ({ skip: `could not create a bench database: ${errMsg(err)}` }));
  if ('skip' in database) {
    log(`postgres: SKIPPED: ${database.skip}`);
    notes.push(`PostgreSQL scenarios skipped: ${database.skip}`);
    errorRow('postgres', 'all PostgreSQL scenarios', 'SKIP', database.skip);
  } else {
    cleanups.push(database.drop);
    log(`postgres: created database ${database.name}`);
    try {
      await benchBackend(loadgen, 'postgres', ceiling, database.url);
    } catch (err) {
      errors.push(`postgres: ${errMsg(err)}`);
      errorRow('postgres', 'setup', 'ERROR', errMsg(err));
      log(`postgres: ERROR ${errMsg(err)}`);
    } finally {
      await database.drop().then(
        () => log(`postgres: dropped database ${database.name}`),
        (err: unknown) => {
          errors.push(`postgres: could not drop ${database.name}: ${errMsg(err)}`);
        },
      );
    }
  }
  await loadgen.close();
  await bare.close();
  if (bare.runs.length > 1) {
    const lo = Math.min(...bare.runs);
    const hi = Math.max(...bare.runs);
    notes.push(
      `bare route over the run: ${bare.runs.length} measurements, ${lo.toFixed(0)}–${hi.toFixed(0)} req/s` +
        (hi / lo > 1.3 ? " — the machine's spare CPU moved a lot, so compare each row with its own paired bare figure" : ''),
    );
  }
}

async function main(): Promise<void> {
  const loadStart = loadavg();
  log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}); ${DURATION} s per scenario after a ${WARMUP} s warm-up`);
  if (loadStart[0]! > 0.5 * cpus().length) {
    const warning = `the machine was already busy when the bench started (load average ${loadStart.map((l) => l.toFixed(2)).join(', ')} on ${cpus().length} cores): figures are noisy`;
    log(`WARNING: ${warning}`);
    notes.push(warning);
  }
  if (PARTS.has('http')) await benchHttp();

  // 5. Live: WebSocket fan-out, sustained posting with readers, memory of idle sockets (bench/live.ts).
  let live: LiveRow[] = [];
  if (PARTS.has('live')) {
    try {
      live = await benchLive({ log, notes, errors, onCleanup: (fn) => cleanups.push(fn) });
    } catch (err) {
      errors.push(`live: ${errMsg(err)}`);
      log(`live: ERROR ${errMsg(err)}`);
    }
  }

  // Opt-in: the buses' cost at commit alone (bench/bus-commit.ts), also part of `cluster`.
  let commit: string | null = null;
  if (PARTS.has('commit') || PARTS.has('cluster')) {
    const c = await benchBusCommit(log);
    commit = formatBusCommit(c);
    if (!c.runs.length) errors.push(...c.notes);
  }

  // Opt-in: the buses side by side across three processes (bench/cluster.ts).
  let cluster: string | null = null;
  if (PARTS.has('cluster')) {
    try {
      const c = await benchCluster({ log, notes, errors, onCleanup: (fn) => cleanups.push(fn) });
      cluster = formatCluster(c);
      notes.push(...c.notes);
    } catch (err) {
      errors.push(`cluster: ${errMsg(err)}`);
      log(`cluster: ERROR ${errMsg(err)}`);
    }
  }

  // 4. Markdown, with nothing else running.
  let md: Report['markdown'] = { ceiling: null, cases: [] };
  if (PARTS.has('markdown')) {
    log('markdown: rendering pathological inputs (min of 3 runs each)');
    try {
      md = benchMarkdown(3);
      for (const c of md.cases) if (c.error) errors.push(`markdown ${c.name}: ${c.error}`);
    } catch (err) {
      errors.push(`markdown: ${errMsg(err)}`);
    }
  }

  const totalSeconds = (performance.now() - t0) / 1000;
  if (PARTS.has('http')) {
    notes.push(
      `load generator: autocannon 9 in a forked child process (child_process.fork + tsx), server in the main process: one core each on a 2-core machine (PostgreSQL shares them)`,
      `reads and the bare route: ${READ_CONNECTIONS} connections, pipelining 1, ${DURATION} s after a ${WARMUP} s warm-up; rate = autocannon's mean req/s`,
      "srv/cli cpu: CPU used by the server process / the autocannon process during the measured run (100% = one core); PostgreSQL's own processes are not counted",
      `x bare = rate / the bare route measured (${DURATION} s, ${READ_CONNECTIONS} connections) immediately before that scenario ("bare" column); the first row is the headline ceiling`,
      `posting: ${POST_CONNECTIONS} connections, unique body per request, rate = 2xx responses / duration; config rateLimits:false, origin ${BENCH_ORIGIN}`,
      "DESIGN.md's posting target (>= 500 posts/s on PostgreSQL with 1,000 live readers) is judged in the live table; the posting rows here have no readers and no target",
      `scenario ERROR when more than ${MAX_FAILURE_RATE * 100}% of requests are non-2xx or socket errors`,
    );
  }
  if (PARTS.has('live')) {
    notes.push(
      'live: servers under test are the compiled server as `npm start` runs it (dist/app/server/main.js, built first when stale) in child processes (DATABASE_URL, PARLEY_RATE_LIMITS=off, PARLEY_SEED_DEMO=off, LOG_LEVEL=warn, PARLEY_ORIGIN=' +
        BENCH_ORIGIN +
        ') with bench/live-probe.ts preloaded; the ceilings are a bare ws WebSocketServer in a forked child; all clients and the poster are in one forked client process (two for the 10,000 sockets)',
      "live clock: every stamp is process.hrtime (CLOCK_MONOTONIC, one clock for all processes of the machine); ceiling = bare server's stamp right before its send loop → the last of 1,000 clients received; Parley = the poster's fetch() resolving with 201 → the last of 1,000 readers received post.created (poster and readers in the same process)",
      'live latency rows: 10 warm-up then 100 measured posts, each preceded by one bare broadcast (interleaved, 50 ms apart, each waited for until all clients have it, at most 2 s); p50/p99 nearest rank; "ceiling" = p99 of the bare broadcasts interleaved with that row, "x ceiling" = p99 / that; the first row pools both rows\' bare broadcasts',
      'live sustained rows: 16 concurrent POST loops (fetch, keep-alive), unique bodies, 4 users, round-robin over the topics; posts/s = 201s / (first send → last answer); delivered = (reader, post) receipts of post.created in the reader\'s topic after a drain of at most 5 s; p50/p99 = ack → all readers of the topic; "ceiling" = the bare server\'s broadcasts/s with 16 requests in flight over client groups of the same sizes, run just before; "x ceiling" = posts/s / that',
      'live memory rows: VmRSS of the server process from /proc/<pid>/status, fresh process before connecting and 3 s after the last socket is ready; 500 handshakes in flight from 2 client processes; Parley sockets anonymous (Origin ' +
        BENCH_ORIGIN +
        '), each subscribed to one of 100 topics; "x ceiling" = RSS growth per socket / the bare ws server\'s',
      'live cpu: srv/cli/pg/all = CPU of the server process(es) / the client process / all postgres processes / the whole machine over the measured part (from /proc; 100% = one core); "srv loop" = the server\'s event-loop utilisation (performance.eventLoopUtilization via the probe) over the same part',
      'live analysis switches: BENCH_LIVE_PROFILE=1 adds a V8 CPU profile of the server during the sustained rows (notes), BENCH_LIVE_HEAP=1 a heap-snapshot diff of 10,000 idle sockets on an extra server',
    );
  }

  const report: Report = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    totalSeconds: Math.round(totalSeconds),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      platform: `${process.platform} ${process.arch}`,
      loadavgStart: loadStart,
      loadavgEnd: loadavg(),
    },
    method: {
      loadGenerator: 'autocannon@9 in a forked child process',
      durationSec: DURATION,
      warmupSec: WARMUP,
      readConnections: READ_CONNECTIONS,
      postConnections: POST_CONNECTIONS,
      pipelining: 1,
      targetRatio: TARGET_RATIO,
      targetP99Ms: TARGET_P99_MS,
      pgAdminUrl: redact(PG_ADMIN_URL),
    },
    seeding,
    http,
    markdown: md,
    live,
    notes,
    errors,
    renders,
  };

  const out: string[] = [];
  out.push('', `Parley bench — ${report.startedAt}, node ${process.version}, ${cpus().length} cores, ${totalSeconds.toFixed(0)} s`, '');
  if (PARTS.has('http')) out.push(formatHttp(http), '');
  if (PARTS.has('live')) out.push(formatLive(live), '');
  if (PARTS.has('markdown')) out.push(formatMarkdown(md.ceiling, md.cases), '');
  if (commit) out.push(commit, '');
  if (cluster) out.push(cluster, '');
  out.push(`parts: ${[...PARTS].join(', ')}${process.env.BENCH_ONLY ? ' (BENCH_ONLY)' : ''}`);
  if (PARTS.has('http'))
    out.push(
      `seeding: ${
        Object.entries(seeding)
          .map(([b, s]) => `${b} ${(s.ms / 1000).toFixed(1)} s`)
          .join(', ') || '—'
      }`,
    );
  for (const r of renders) out.push(`uncached 50-post page (${r.backend}): ${formatRender(r)}`);
  for (const n of notes) out.push(`note: ${n}`);
  for (const e of errors) out.push(`ERROR: ${e}`);
  const file = writeJson(report);
  out.push(`written to ${file}`, '');
  process.stdout.write(out.join('\n'));
  process.exitCode = errors.length ? 1 : 0;
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log('interrupted: cleaning up');
  // Nothing to wait for in a signal handler: allSettled never rejects, and the process exits when it settles.
  void Promise.allSettled(cleanups.map((c) => c())).finally(() => process.exit(130));
});

// `npm run bench -- --large`: the pages of the generated million-post community instead (bench/large.ts).
const large = process.argv.includes('--large');
(large ? import('./large.js').then(async (m) => (process.exitCode = await m.benchLarge(process.argv.slice(2)))) : main()).catch(async (err: unknown) => {
  process.stderr.write(`bench crashed: ${err instanceof Error ? err.stack : String(err)}\n`);
  await Promise.allSettled(cleanups.map((c) => c()));
  process.exitCode = 1;
});
