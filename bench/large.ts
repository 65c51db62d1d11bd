/**
 * `npm run bench -- --large [--scale 1] [--fresh]`: every page the web app opens at first view,
 * measured on the generated million-post community (bench/large-seed.ts; the database is kept
 * between runs and reused by name). Each page: 50 connections for BENCH_DURATION seconds after a
 * BENCH_WARMUP warm-up, against the target p99 < 50 ms, next to the bare Fastify route measured
 * with the same connections right before it (the ceiling). Anonymous unless the row says signed in.
 * The table is printed and written to bench/results/large.json.
 * `--explain` measures nothing: it requests each page once and prints every statement it ran with
 * EXPLAIN ANALYZE (where a slow page's time goes).
 * `--only <pattern>` (repeatable) keeps the pages whose name contains one of the patterns
 * (case-insensitive), for both modes: `--only profile --only search`.
 * The insights (`--only insights`) are a report an organisation's staff open now and then, not a
 * page every visitor loads: they are measured with INSIGHTS_CONNECTIONS connections against
 * p99 < 500 ms, signed in as the site admin.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { buildApp } from '../server/app.js';
import { defaultConfig } from '../server/config/config.js';
import { executorSql, rows as dbRows } from '../db/client.js';
import { LoadGenerator, type LoadSpec } from './loadgen.js';
import { BENCH_ORIGIN } from './seed.js';
import { errMsg } from './pg.js';
import { formatHttp, type HttpRow } from './report.js';
import { ensureLargeDatabase, LARGE_PASSWORD } from './large/database.js';
import { largeArgs } from './large-seed.js';
import { envNum, failureOf, listen } from './common.js';

const DURATION = envNum('BENCH_DURATION', 5);
const WARMUP = envNum('BENCH_WARMUP', 1);
const CONNECTIONS = 50;
const TARGET_P99_MS = 50;
const INSIGHTS_CONNECTIONS = 1;
const INSIGHTS_TARGET_P99_MS = 500;

const t0 = performance.now();
const log = (msg: string) => process.stdout.write(`[large ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

/** What the pages are measured on: found in the generated data, not assumed. */
interface Fixtures {
  community: string;
  category: string;
  bigTopicId: number;
  bigTopicLastAfter: number;
  heavyPoster: string;
  notified: string;
  searchCommon: string;
  searchRare: string;
  /** Who reads the insights: the site admin (user 1). */
  staff: string;
}

async function findFixtures(app: FastifyInstance): Promise<Fixtures> {
  const db = app.parley.ctx.db;
  const one = async <T>(q: ReturnType<typeof sql>) => (await dbRows<T>(db, q))[0]!;
  const community = 'acme';
  // The community's quietest category: a filter the community index alone would serve badly.
  const category = await one<{ slug: string }>(
    sql`SELECT c.slug FROM categories c JOIN communities m ON m.id = c.community_id LEFT JOIN topics t ON t.category_id = c.id
        WHERE m.slug = ${community} GROUP BY c.id ORDER BY count(t.id) ASC, c.id LIMIT 1`,
  );
  const big = await one<{ id: number; n: number }>(
    sql`SELECT t.id, t.post_count AS n FROM topics t JOIN communities m ON m.id = t.community_id WHERE m.slug = ${community} AND NOT t.hidden ORDER BY t.post_count DESC LIMIT 1`,
  );
  const poster = await one<{ handle: string }>(
    sql`SELECT u.handle FROM posts p JOIN users u ON u.id = p.author_id GROUP BY u.id ORDER BY count(*) DESC LIMIT 1`,
  );
  const notified = await one<{ handle: string }>(
    sql`SELECT u.handle FROM notifications n JOIN users u ON u.id = n.user_id GROUP BY u.id ORDER BY count(*) DESC LIMIT 1`,
  );
  return {
    community,
    category: category.slug,
    bigTopicId: Number(big.id),
    // The last page of 50: after the number that leaves at most 50.
    bigTopicLastAfter: Math.max(0, Number(big.n) - 50),
    heavyPoster: poster.handle,
    notified: notified.handle,
    // "account" is among the most common words of the generated text (bench/large/text.ts); "firmware" is mid-frequency.
    searchCommon: 'account',
    searchRare: 'firmware cable',
    staff: 'admin',
  };
}

async function signIn(base: string, handle: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { origin: BENCH_ORIGIN, 'content-type': 'application/json' },
    body: JSON.stringify({ login: handle, password: LARGE_PASSWORD }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('parley_session='));
  if (res.status !== 200 || !cookie) throw new Error(`signing in as ${handle} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return cookie.split(';')[0]!;
}

/** The cursor of page `n` of the latest list, walked to page by page as a reader scrolling would. */
async function cursorOfPage(base: string, community: string, n: number): Promise<string> {
  let cursor: string | null = null;
  for (let page = 1; page < n; page++) {
    const res = await fetch(`${base}/api/communities/${community}/topics${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
    const body = (await res.json()) as { nextCursor: string | null };
    if (res.status !== 200 || !body.nextCursor) throw new Error(`walking to page ${n}: page ${page} answered ${res.status} without a next cursor`);
    cursor = body.nextCursor;
  }
  return cursor!;
}

interface Page {
  name: string;
  path: string;
  signedIn?: boolean;
  /** Signed in as Fixtures.staff (the insights). */
  staff?: boolean;
  connections?: number;
  targetP99Ms?: number;
}

/** A window of the last `days` days up to now, as the insights page asks for it. */
function insightsPath(community: string, days: number, interval: 'day' | 'week'): string {
  const to = new Date();
  const from = new Date(to.getTime() - days * 86_400_000);
  return `/api/communities/${community}/insights?from=${from.toISOString()}&to=${to.toISOString()}&interval=${interval}`;
}

/** The first-view pages of the web app (web/src/lib/api-url.ts firstViewUrls), and search and notifications. */
function pagesOf(f: Fixtures, deep: string): Page[] {
  const c = f.community;
  return [
    { name: 'community list', path: '/api/communities' },
    { name: 'community', path: `/api/communities/${c}` },
    { name: 'topics: latest', path: `/api/communities/${c}/topics` },
    { name: 'topics: latest, signed in', path: `/api/communities/${c}/topics`, signedIn: true },
    { name: 'topics: top', path: `/api/communities/${c}/topics?sort=top` },
    { name: 'topics: unanswered', path: `/api/communities/${c}/topics?sort=unanswered` },
    { name: 'topics: votes (ideas board)', path: `/api/communities/${c}/topics?sort=votes&kind=idea` },
    { name: `topics: latest in ${f.category}`, path: `/api/communities/${c}/topics?category=${f.category}` },
    { name: 'topics: latest, page 200 by cursor', path: `/api/communities/${c}/topics?cursor=${encodeURIComponent(deep)}` },
    { name: 'topics: page 200 by cursor, signed in', path: `/api/communities/${c}/topics?cursor=${encodeURIComponent(deep)}`, signedIn: true },
    { name: 'topics: latest, page 200 by number', path: `/api/communities/${c}/topics?page=200` },
    { name: 'top helpers', path: `/api/communities/${c}/helpers?period=month` },
    { name: 'big topic: first page', path: `/api/topics/${f.bigTopicId}?limit=50` },
    { name: 'big topic: first page, signed in', path: `/api/topics/${f.bigTopicId}?limit=50`, signedIn: true },
    { name: 'big topic: last page, signed in', path: `/api/topics/${f.bigTopicId}?after=${f.bigTopicLastAfter}&limit=50`, signedIn: true },
    { name: `profile of ${f.heavyPoster}`, path: `/api/users/${f.heavyPoster}` },
    { name: `search "${f.searchCommon}"`, path: `/api/communities/${c}/search?q=${encodeURIComponent(f.searchCommon)}` },
    { name: `search "${f.searchRare}"`, path: `/api/communities/${c}/search?q=${encodeURIComponent(f.searchRare)}` },
    { name: 'moderation log', path: `/api/communities/${c}/moderation-log` },
    { name: 'notifications, signed in', path: '/api/notifications', signedIn: true },
    ...(
      [
        [90, 'day'],
        [90, 'week'],
        [365, 'day'],
        [365, 'week'],
      ] as const
    ).map(([days, interval]) => ({
      name: `insights: ${days} days by ${interval}`,
      path: insightsPath(c, days, interval),
      staff: true,
      connections: INSIGHTS_CONNECTIONS,
      targetP99Ms: INSIGHTS_TARGET_P99_MS,
    })),
  ];
}

/**
 * `--explain`: each page once, every statement it ran EXPLAIN ANALYZEd (reads only); prints the
 * page's statements by time, the slowest plans in full. Where the time of a slow page goes.
 */
async function explainPages(app: FastifyInstance, pages: Page[], cookies: { member: string; staff: string }): Promise<void> {
  const { db } = app.parley.ctx;
  for (const page of pages) {
    captured = [];
    const start = performance.now();
    const res = await app.inject({ method: 'GET', url: page.path, headers: headersOf(page, cookies) });
    const ms = performance.now() - start;
    const statements = captured;
    captured = null;
    const timed: { ms: number; plan: string; sql: string }[] = [];
    for (const s of statements.filter((x) => /^\s*(with|select)\b/i.test(x.sql))) {
      // Rolled back: a statement that writes (a WITH … UPDATE) leaves nothing behind.
      let plan = '';
      await db
        .transaction(async (tx) => {
          const r = await executorSql(tx).executeSql(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, s.params);
          plan = (r.rows as Record<string, string>[]).map((row) => row['QUERY PLAN']).join('\n');
          tx.rollback();
        })
        .catch(() => {});
      timed.push({ ms: Number(/Execution Time: ([\d.]+)/.exec(plan)?.[1] ?? 0), plan, sql: s.sql });
    }
    timed.sort((a, b) => b.ms - a.ms);
    process.stdout.write(
      `\n=== ${page.name} (${res.statusCode}, ${ms.toFixed(1)} ms in all, ${statements.length} statements; slowest: ${timed.map((x) => x.ms.toFixed(1)).join(', ')} ms)\n`,
    );
    for (const x of timed.filter((y) => y.ms >= 2).slice(0, 2)) process.stdout.write(`--- ${x.sql.slice(0, 300)}\n${x.plan}\n`);
  }
}

const headersOf = (page: Page, cookies: { member: string; staff: string }): Record<string, string> =>
  page.staff ? { cookie: cookies.staff } : page.signedIn ? { cookie: cookies.member } : {};

/** The `--only` patterns, lower-cased (`--only x` or `--only=x`, repeatable). */
function onlyPatterns(argv: string[]): string[] {
  const found: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === '--only' && argv[i + 1]) found.push(argv[i + 1]!);
    else if (arg.startsWith('--only=')) found.push(arg.slice('--only='.length));
  });
  return found.map((p) => p.toLowerCase());
}

/** Statements the app runs while `--explain` looks at a page. */
let captured: { sql: string; params: unknown[] }[] | null = null;

export async function benchLarge(argv: string[]): Promise<number> {
  const { scale, fresh } = largeArgs(argv);
  const explain = argv.includes('--explain');
  const only = onlyPatterns(argv);
  log(`node ${process.version}, ${cpus().length} cores; scale ${scale}; ${DURATION} s per page after a ${WARMUP} s warm-up, ${CONNECTIONS} connections`);
  const database = await ensureLargeDatabase({ scale, fresh, log });
  if (database.generated) log(`generated in ${database.generated.totalSeconds.toFixed(0)} s`);

  const config = defaultConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir: 'memory://',
    databaseUrl: database.url,
    origin: BENCH_ORIGIN,
    rateLimits: false,
    seedDemo: false,
    logLevel: 'silent',
  });
  log('building the app (applies pending migrations)');
  const app = await buildApp(config, { onStatement: (text, params) => captured?.push({ sql: text, params }) });
  const bare = Fastify({ logger: false });
  bare.get('/', async () => ({ hello: 'world' }));
  const loadgen = await LoadGenerator.start();
  const rows: HttpRow[] = [];
  const errors: string[] = [];
  try {
    await app.parley.ctx.db.execute(sql`ANALYZE`);
    const base = await listen(app);
    const bareBase = await listen(bare);
    const f = await findFixtures(app);
    log(`fixtures: ${JSON.stringify(f)}`);
    const cookies = { member: await signIn(base, f.notified), staff: await signIn(base, f.staff) };
    const deep = await cursorOfPage(base, f.community, 200);
    const pages = pagesOf(f, deep).filter((p) => only.length === 0 || only.some((o) => p.name.toLowerCase().includes(o)));
    if (pages.length === 0) throw new Error(`--only ${only.join(', ')}: no page matches`);
    if (explain) {
      await explainPages(app, pages, cookies);
      return 0;
    }
    for (const page of pages) {
      // As browsers ask: compressed, so the bytes column is what crosses the wire.
      const headers = { ...headersOf(page, cookies), 'accept-encoding': 'br, gzip' };
      const title = `large: ${page.name}`;
      const connections = page.connections ?? CONNECTIONS;
      const target = page.targetP99Ms ?? TARGET_P99_MS;
      const row: HttpRow = {
        backend: 'postgres',
        scenario: page.name,
        connections,
        unit: 'req/s',
        rate: null,
        p50: null,
        p99: null,
        bare: null,
        ratio: null,
        serverCpu: null,
        clientCpu: null,
        target: `p99<${target} ms`,
        verdict: 'info',
        detail: null,
      };
      try {
        const first = await fetch(`${base}${page.path}`, { headers });
        const text = await first.text();
        if (first.status !== 200) throw new Error(`answered ${first.status}: ${text.slice(0, 200)}`);
        const spec: Omit<LoadSpec, 'durationSec' | 'title'> = { baseUrl: base, connections, get: { path: page.path, headers } };
        if (WARMUP > 0) await loadgen.run({ ...spec, title: `${title} (warm-up)`, durationSec: WARMUP });
        const ceiling = await loadgen.run({
          baseUrl: bareBase,
          connections,
          get: { path: '/' },
          title: `bare before ${title}`,
          durationSec: DURATION,
        });
        row.bare = failureOf(ceiling) ? null : ceiling.reqPerSec;
        const cpu0 = process.cpuUsage();
        const start = performance.now();
        const r = await loadgen.run({ ...spec, title, durationSec: DURATION });
        const cpu = process.cpuUsage(cpu0);
        row.serverCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - start);
        row.clientCpu = r.clientCpu;
        row.raw = r;
        row.rate = r.reqPerSec;
        row.p50 = r.p50;
        row.p99 = r.p99;
        row.ratio = row.bare ? r.reqPerSec / row.bare : null;
        row.detail = `${Buffer.byteLength(text)} B`;
        const failure = failureOf(r);
        if (failure) {
          row.verdict = 'ERROR';
          row.detail = failure;
        } else row.verdict = r.p99 < target ? 'PASS' : 'FAIL';
      } catch (err) {
        row.verdict = 'ERROR';
        row.detail = errMsg(err);
      }
      if (row.verdict === 'ERROR') errors.push(`${page.name}: ${row.detail}`);
      log(
        `${page.name}: ${row.rate?.toFixed(0) ?? '—'} req/s, p50 ${row.p50 ?? '—'} ms, p99 ${row.p99 ?? '—'} ms (bare ${row.bare?.toFixed(0) ?? '—'} req/s) → ${row.verdict}`,
      );
      rows.push(row);
    }
  } finally {
    await loadgen.close();
    await bare.close();
    await app.close();
  }
  const [users, topics, posts] = database.generated
    ? [database.generated.sizes.users, database.generated.sizes.topics, database.generated.sizes.posts]
    : [null, null, null];
  const out = [
    '',
    `Parley large-community bench — ${database.name}${users === null ? ' (reused)' : ` (${users} users, ${topics} topics, ${posts} posts generated in ${database.generated!.totalSeconds.toFixed(0)} s)`}`,
    '',
    formatHttp(rows),
    '',
    `note: ${CONNECTIONS} connections (insights: ${INSIGHTS_CONNECTIONS}, target p99 < ${INSIGHTS_TARGET_P99_MS} ms), ${DURATION} s after a ${WARMUP} s warm-up; "bare req/s" = the bare Fastify route with the row's connections measured right before it; the detail is the page's size in bytes`,
    `note: load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} on ${cpus().length} cores at the end`,
    ...errors.map((e) => `ERROR: ${e}`),
  ];
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}large.json`,
    `${JSON.stringify({ database: database.name, scale, durationSec: DURATION, connections: CONNECTIONS, rows, errors }, null, 2)}\n`,
  );
  out.push(`written to ${dir}large.json`, '');
  process.stdout.write(out.join('\n'));
  return errors.length ? 1 : 0;
}
