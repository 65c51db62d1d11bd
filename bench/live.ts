/**
 * The live part of `npm run bench` (DESIGN.md "Performance targets", the live lines), every
 * figure next to a bare `ws` figure of the same shape measured in the same run:
 *
 *  1. ceiling: a bare ws WebSocketServer (bench/live-bare.ts, its own process) broadcasting a
 *     ~500-byte event to 1,000 clients; "server stamp before the send loop → the last client received";
 *  2. Parley, one process on PostgreSQL: 1,000 readers on one topic, a poster replying over HTTP;
 *     "fetch() resolved with 201 → post.created received by all 1,000 readers", target p99 ≤ 1.5× the
 *     ceiling's. 100 posts (after 10 warm-up), each preceded by one bare broadcast: the two are sampled
 *     alternately, 50 ms apart, so a machine whose spare CPU changes moves both alike;
 *  3. the same across two processes (readers on A, posts to B): target ≤ 2.5×;
 *  4. sustained posting (16 connections, 5 s) with 1,000 readers over 10 topics (target ≥ 500 posts/s or
 *     ≥ 0.8× the bare fan-out's broadcasts/s, every reader gets every post of its topic), then 3 s all on
 *     one topic, then with no readers;
 *     each run with readers follows the bare server's fan-out of the same shape (16 broadcast
 *     requests in flight over 10 groups of 100 / 1 group of 1,000);
 *  5. 10,000 idle sockets, subscribed over 100 topics on a fresh Parley process: VmRSS before and
 *     after (target < 200 MB), next to the same 10,000 sockets on a fresh bare ws server.
 *
 * Processes: Parley servers are the compiled server as `npm start` runs it (dist/app/server/main.js
 * with its node options, built first when stale: bench/compiled-server.ts), a fresh heap each, with
 * bench/live-probe.ts preloaded (event-loop utilisation, heap figures,
 * opt-in CPU profile and heap snapshots, over IPC); clients live in forked bench/live-worker.ts
 * processes, which also send the POSTs, so ack and receipt times come from one process. All stamps are
 * process.hrtime (CLOCK_MONOTONIC, one clock for every process of the machine), which is what lets
 * the ceiling compare the bare server's send stamp with the clients' receipt times.
 * Servers, workers and the database are stopped / dropped at the end and on SIGINT (run.ts cleanups).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { createPgDatabase, errMsg, type PgDatabase } from './pg.js';
import { CpuWindow, PgActivity } from './measure.js';
import { COMPILED_ENTRY, ensureCompiledServer, probeModule, startNodeOptions } from './compiled-server.js';
import { BENCH_ORIGIN } from './seed.js';
import type { LiveRow, Verdict } from './report.js';
import type {
  BareRunSpec,
  BareSustainSpec,
  GroupStats,
  LatencyResult,
  OpenResult,
  OpenSpec,
  PostRunSpec,
  SustainResult,
  SustainSpec,
  WorkerCommand,
  WorkerReply,
} from './live-worker.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const envNum = (name: string, fallback: number) => {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

const READERS = 1000;
const BROADCASTS = envNum('BENCH_LIVE_BROADCASTS', 100);
const WARMUP_BROADCASTS = 10;
const SPACING_MS = 50;
const DELIVERY_TIMEOUT_MS = 2000;
const SUSTAIN_CONNECTIONS = 16;
const SUSTAIN_MS = envNum('BENCH_LIVE_SUSTAIN_MS', 5000);
const SUSTAIN_ONE_TOPIC_MS = 3000;
const IDLE_SOCKETS = envNum('BENCH_LIVE_IDLE', 10_000);
const IDLE_TOPICS = 100;
const IDLE_WORKERS = 2;
const TARGET_ONE = 1.5;
const TARGET_TWO = 2.5;
const TARGET_POSTS = 500;
/** …or this share of the bare server's broadcasts/s of the same shape, measured just before (issue 14): a busy machine moves both. */
const TARGET_POSTS_OF_CEILING = 0.8;
const TARGET_RSS_MB = 200;
/** A fresh server on PostgreSQL before any socket (issue 14). */
const TARGET_IDLE_RSS_MB = 120;
/** warn keeps the servers' warnings visible; see startParley for how the port is found then. */
const SERVER_LOG_LEVEL = process.env.BENCH_SERVER_LOG_LEVEL || 'warn';
/** BENCH_LIVE_ONLY=memory: only the idle-socket memory rows (seeding still needs one server), while working on memory. */
const MEMORY_ONLY = process.env.BENCH_LIVE_ONLY === 'memory';
if (process.env.BENCH_LIVE_ONLY && !MEMORY_ONLY) throw new Error(`BENCH_LIVE_ONLY: unknown part "${process.env.BENCH_LIVE_ONLY}" (expected memory)`);
/** BENCH_LIVE_HEAP=1: afterwards, heap snapshots of one more server before and with the idle sockets, diffed by object kind (analysis only, ~30 s more). */
const HEAP = /^(1|true|on|yes)$/i.test(process.env.BENCH_LIVE_HEAP ?? '');
/** BENCH_LIVE_PROFILE=1: a V8 CPU profile of the server during the sustained runs (adds some overhead; off by default). */
const PROFILE = /^(1|true|on|yes)$/i.test(process.env.BENCH_LIVE_PROFILE ?? '');

export interface LiveContext {
  log: (msg: string) => void;
  notes: string[];
  errors: string[];
  /** Registers a cleanup that run.ts also calls on SIGINT. */
  onCleanup: (fn: () => Promise<void>) => void;
}

// ---------------------------------------------------------------- measurement helpers

/** VmRSS (RssAnon: heap and other private memory; RssFile: mapped binaries and libraries) and the peak, VmHWM. */
function memoryOf(pid: number): { rssMb: number; anonMb: number; fileMb: number; hwmMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, anonMb: kb('RssAnon') / 1024, fileMb: kb('RssFile') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round = (n: number | null, digits = 2) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

// ---------------------------------------------------------------- child processes

/** A worker command without its id (distributed over the union). */
type CommandBody = WorkerCommand extends infer C ? (C extends WorkerCommand ? Omit<C, 'id'> : never) : never;

/** A forked bench/live-worker.ts: WebSocket clients and the poster. */
class ClientProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private constructor(readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const msg = raw as WorkerReply | { type: 'ready' };
      if (!('id' in msg)) return;
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      clearTimeout(waiter.timer);
      if (msg.ok) waiter.resolve(msg.result);
      else waiter.reject(new Error(msg.error));
    });
    child.on('exit', (code, signal) => {
      for (const [id, w] of this.pending) {
        clearTimeout(w.timer);
        w.reject(new Error(`live client process exited (code ${code}, signal ${signal})`));
        this.pending.delete(id);
      }
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(): Promise<ClientProcess> {
    const child = fork(fileURLToPath(new URL('./live-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await readyMessage(child, 'live client process');
    return new ClientProcess(child);
  }

  private request<T>(cmd: CommandBody, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`live client "${cmd.type}" did not answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.send({ ...cmd, id });
    });
  }

  open(spec: OpenSpec): Promise<OpenResult> {
    return this.request({ type: 'open', spec }, 120_000);
  }
  close(group: string): Promise<GroupStats> {
    return this.request({ type: 'close', group }, 30_000);
  }
  stats(group: string): Promise<GroupStats> {
    return this.request({ type: 'stats', group }, 10_000);
  }
  bare(spec: BareRunSpec): Promise<LatencyResult> {
    return this.request({ type: 'bare', spec }, spec.maxMs + 10_000);
  }
  posts(spec: PostRunSpec): Promise<{ parley: LatencyResult; bare: LatencyResult | null }> {
    return this.request({ type: 'posts', spec }, spec.maxMs + 10_000);
  }
  sustain(spec: SustainSpec): Promise<SustainResult> {
    return this.request({ type: 'sustain', spec }, spec.durationMs + spec.drainMs + 30_000);
  }
  bareSustain(spec: BareSustainSpec): Promise<SustainResult> {
    return this.request({ type: 'bareSustain', spec }, spec.durationMs + spec.drainMs + 30_000);
  }

  async stop(): Promise<void> {
    await stopChild(this.child, () => this.child.disconnect());
  }
}

function readyMessage(child: ChildProcess, what: string): Promise<{ port?: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 20 s`)), 20_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited early (code ${code})`));
    };
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', onExit);
    child.on('message', (m) => {
      const msg = m as { type?: string; port?: number };
      if (msg.type !== 'ready') return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(msg);
    });
  });
}

/** Asks politely (disconnect or SIGTERM), then SIGKILL after 5 s. */
async function stopChild(child: ChildProcess, ask: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    ask();
  } catch {
    child.kill('SIGKILL');
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** The bare ws server (bench/live-bare.ts). */
class BareServer {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}
  static async start(): Promise<BareServer> {
    const child = fork(fileURLToPath(new URL('./live-bare.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const { port } = await readyMessage(child, 'bare ws server');
    return new BareServer(child, port!);
  }
  get pid(): number | undefined {
    return this.child.pid;
  }
  stop(): Promise<void> {
    return stopChild(this.child, () => this.child.disconnect());
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * One Parley server: the compiled server as `npm start` runs it, configured through the environment like
 * production. main.ts prints "listening on http://…" through the logger at info level (plain
 * console.log only when LOG_LEVEL=silent), so at the default warn level the line never comes:
 * then the bench chooses a free port itself and waits for /api/health. At info, debug, trace or
 * silent it passes PORT=0 and reads the address from the line.
 */
class ParleyServer {
  private nextProbe = 1;
  private readonly probes = new Map<number, (m: ProbeAnswer) => void>();
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly base: string,
  ) {
    child.on('message', (raw) => {
      const m = raw as ProbeAnswer;
      if (m.type !== 'probe') return;
      this.probes.get(m.id)?.(m);
      this.probes.delete(m.id);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(name: string, databaseUrl: string, log: (msg: string) => void, opts: { exposeGc?: boolean } = {}): Promise<ParleyServer> {
    const printsLine = ['info', 'debug', 'trace', 'silent'].includes(SERVER_LOG_LEVEL);
    const port = printsLine ? 0 : await freePort();
    const child = spawn(process.execPath, [...startNodeOptions(), ...(opts.exposeGc ? ['--expose-gc'] : []), '--import', probeModule(), COMPILED_ENTRY], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        PARLEY_RATE_LIMITS: 'off',
        PARLEY_SEED_DEMO: 'off',
        LOG_LEVEL: SERVER_LOG_LEVEL,
        PARLEY_ORIGIN: BENCH_ORIGIN,
        // Seeding signs up many accounts in minutes: the sign-up challenge's spike (mode auto) would ask them to solve it.
        PARLEY_SIGNUP_SPIKE_THRESHOLD: '1000000',
        // As the image runs it (Dockerfile): threads share two malloc arenas.
        MALLOC_ARENA_MAX: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let announced: string | null = null;
    let lines = 0;
    const forward = (stream: NodeJS.ReadableStream) =>
      createInterface({ input: stream }).on('line', (line) => {
        const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(line);
        if (m) {
          announced = m[1]!;
          return;
        }
        // Warnings from the server under test are part of the result; a flood is cut short.
        if (++lines <= 20) log(`server ${name}: ${line.slice(0, 400)}`);
        else if (lines === 21) log(`server ${name}: (further output suppressed)`);
      });
    forward(child.stdout!);
    forward(child.stderr!);
    // Set by the exit listener: `as` keeps TypeScript from narrowing it to null for good.
    let exited = null as string | null;
    child.once('exit', (code, signal) => {
      exited = `exited (code ${code}, signal ${signal})`;
    });
    const deadline = performance.now() + 60_000;
    for (;;) {
      if (exited) throw new Error(`Parley server ${name} ${exited} before listening`);
      if (performance.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Parley server ${name} not listening within 60 s`);
      }
      const base = announced ?? (port ? `http://127.0.0.1:${port}` : null);
      if (base) {
        const ok = await fetch(`${base}/api/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return new ParleyServer(name, child, base);
      }
      await sleep(100);
    }
  }

  /** Asks bench/live-probe.ts inside the server; null when it does not answer within 5 s. */
  private probe(
    msg: { type: 'elu' | 'profile-start' | 'profile-stop' } | { type: 'memory'; gc?: boolean } | { type: 'heap-snapshot'; file: string },
  ): Promise<ProbeAnswer | null> {
    if (!this.child.connected) return Promise.resolve(null);
    const id = this.nextProbe++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.probes.delete(id);
        resolve(null);
      }, 60_000);
      this.probes.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.child.send({ ...msg, id });
    });
  }

  /** Event-loop utilisation since the previous call (0–1). */
  async elu(): Promise<number | null> {
    return (await this.probe({ type: 'elu' }))?.elu ?? null;
  }

  async memory(gc = false): Promise<NodeJS.MemoryUsage | null> {
    return (await this.probe({ type: 'memory', gc }))?.memory ?? null;
  }

  /** Writes a heap snapshot to `file`; answers the file name, or null. */
  async heapSnapshot(file: string): Promise<string | null> {
    return (await this.probe({ type: 'heap-snapshot', file }))?.file ?? null;
  }

  async profileStart(): Promise<void> {
    await this.probe({ type: 'profile-start' });
  }

  async profileStop(): Promise<ProfileSummary | null> {
    const answer = await this.probe({ type: 'profile-stop' });
    return answer?.profile ? summariseProfile(answer.profile) : null;
  }

  stop(): Promise<void> {
    return stopChild(this.child, () => this.child.kill('SIGTERM'));
  }
}

interface ProbeAnswer {
  type: 'probe';
  id: number;
  elu?: number;
  memory?: NodeJS.MemoryUsage;
  gc?: boolean;
  profile?: CpuProfile;
  file?: string;
  error?: string;
}

/** Self size and count per kind of heap object ("object:LiveConnection", "closure:onFrame", "string"…) in a .heapsnapshot. */
function heapCensus(file: string): Map<string, { size: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!] ?? '?';
    const named = type === 'object' || type === 'closure' || type === 'array' || type === 'hidden';
    const key = named ? `${type}:${snap.strings[snap.nodes[i + iName]!] || '(anonymous)'}` : type;
    const e = out.get(key) ?? { size: 0, count: 0 };
    e.size += snap.nodes[i + iSize]!;
    e.count++;
    out.set(key, e);
  }
  return out;
}

/** What grew between two censuses, biggest first, per socket. */
function heapGrowth(
  before: Map<string, { size: number; count: number }>,
  after: Map<string, { size: number; count: number }>,
  sockets: number,
  n = 15,
): string {
  const rows: [string, number, number][] = [];
  for (const [k, v] of after) {
    const b = before.get(k) ?? { size: 0, count: 0 };
    rows.push([k, v.size - b.size, v.count - b.count]);
  }
  rows.sort((x, y) => y[1] - x[1]);
  const total = rows.reduce((sum, r) => sum + r[1], 0);
  return (
    `${(total / sockets).toFixed(0)} bytes of live heap per socket; biggest: ` +
    rows
      .slice(0, n)
      .map(([k, size, count]) => `${k} ${(size / sockets).toFixed(0)} B (${(count / sockets).toFixed(1)}/socket)`)
      .join(', ')
  );
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples?: number[];
  timeDeltas?: number[];
}
export interface ProfileSummary {
  totalMs: number;
  /** Share of the window the profiler saw the loop idle. */
  idle: number;
  /** Self time by package / file / V8 pseudo-frame, as shares of the non-idle time, busiest first. */
  byModule: [string, number][];
  byFunction: [string, number][];
}

/** Where a frame's code lives: an npm package, a node: module, a file of this repo, or a V8 pseudo-frame. */
function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith('node:'))
    return url
      .replace(/^node:internal\//, 'node:')
      .split('/')
      .slice(0, 2)
      .join('/');
  const root = pathToFileURL(ROOT).href;
  return url.startsWith(root) ? url.slice(root.length) : url;
}

function summariseProfile(p: CpuProfile): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const dt = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    total += dt;
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + dt);
  }
  const mods = new Map<string, number>();
  const fns = new Map<string, number>();
  let idle = 0;
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    const mod = moduleOf(url, functionName);
    mods.set(mod, (mods.get(mod) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${mod}${url ? `:${lineNumber + 1}` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + ms);
  }
  const busy = Math.max(1e-9, total - idle);
  const top = (m: Map<string, number>, n: number): [string, number][] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k, Math.round((v / busy) * 1000) / 1000]);
  return { totalMs: Math.round(total), idle: total ? idle / total : 0, byModule: top(mods, 12), byFunction: top(fns, 15) };
}

/** A sustained run as the JSON report keeps it: percentiles instead of every sample. */
const sustainRaw = (r: SustainResult, extra: Record<string, unknown>) => ({
  ...r,
  latencies: undefined,
  ackMs: undefined,
  ackP50: round(percentile(r.ackMs, 50)),
  ackP99: round(percentile(r.ackMs, 99)),
  ...extra,
});

const describeProfile = (p: ProfileSummary) =>
  `loop idle ${Math.round(p.idle * 100)}% of ${(p.totalMs / 1000).toFixed(1)} s; busy time by module: ${p.byModule.map(([m, v]) => `${m} ${Math.round(v * 100)}%`).join(', ')}; ` +
  `top functions: ${p.byFunction
    .slice(0, 10)
    .map(([f, v]) => `${f} ${(v * 100).toFixed(1)}%`)
    .join(', ')}`;

const mb = (m: NodeJS.MemoryUsage | null) =>
  m
    ? `heap ${(m.heapUsed / 2 ** 20).toFixed(0)}/${(m.heapTotal / 2 ** 20).toFixed(0)} MB used/total, external ${(m.external / 2 ** 20).toFixed(0)} MB (buffers ${(m.arrayBuffers / 2 ** 20).toFixed(0)} MB)`
    : 'heap —';

const describeActivity = (a: Record<string, number>) =>
  Object.entries(a)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'all idle';

// ---------------------------------------------------------------- seeding over HTTP

interface LiveSeed {
  posters: string[];
  topicIds: number[];
  slug: string;
  ms: number;
}

async function api(base: string, method: 'GET' | 'POST', path: string, opts: { cookie?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { origin: BENCH_ORIGIN };
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }) });
  const text = await res.text();
  // The seeding below reads only a created topic's id.
  type Answer = { topic?: { id?: number } } | null;
  let json: Answer = null;
  try {
    json = JSON.parse(text) as Answer;
  } catch {
    /* not JSON */
  }
  const session = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('parley_session='));
  return { status: res.status, json, text, cookie: session };
}

async function seedLive(base: string, topics: number): Promise<LiveSeed> {
  const t0 = performance.now();
  const tag = randomBytes(3).toString('hex');
  const expect = (what: string, r: { status: number; text: string }, status: number) => {
    if (r.status !== status) throw new Error(`live seeding: ${what} answered ${r.status}, expected ${status}: ${r.text.slice(0, 300)}`);
  };
  const signup = async (name: string) => {
    const handle = `l${tag}_${name}`;
    const r = await api(base, 'POST', '/api/auth/signup', { body: { handle, email: `${handle}@bench.local`, password: 'correct horse battery staple' } });
    expect(`signup ${handle}`, r, 201);
    if (!r.cookie) throw new Error('live seeding: signup set no parley_session cookie');
    return r.cookie;
  };
  const [admin, ...posters] = await Promise.all(['admin', 'p0', 'p1', 'p2', 'p3'].map(signup));
  const slug = `live-${tag}`;
  expect(
    'create community',
    await api(base, 'POST', '/api/communities', {
      cookie: admin!,
      body: { slug, name: 'Live bench', description: 'created by npm run bench (live)' },
    }),
    201,
  );
  const topicIds = new Array<number>(topics);
  for (let i = 0; i < topics; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, topics - i) }, async (_, j) => {
        const r = await api(base, 'POST', `/api/communities/${slug}/topics`, {
          cookie: admin!,
          body: { category: 'general', title: `Live topic ${i + j}`, body: `Opening post of live topic ${i + j}.` },
        });
        expect(`create topic ${i + j}`, r, 201);
        topicIds[i + j] = r.json!.topic!.id!;
      }),
    );
  }
  return { posters, topicIds, slug, ms: performance.now() - t0 };
}

// ---------------------------------------------------------------- scenarios

const wsUrl = (base: string) => `${base.replace(/^http/, 'ws')}/api/live`;

function latencyRow(scenario: string, r: LatencyResult, cpu: LiveRow['cpu']): LiveRow {
  const p50 = round(percentile(r.latencies, 50));
  const p99 = round(percentile(r.latencies, 99));
  const problems = [...r.errors];
  if (r.incomplete) problems.push(`MISSING: ${r.incomplete}/${r.measured} events did not reach all ${r.readers} readers within ${DELIVERY_TIMEOUT_MS} ms`);
  if (r.readers < READERS) problems.push(`only ${r.readers} of ${READERS} readers connected`);
  return {
    scenario,
    sockets: r.readers,
    value: `${r.latencies.length} events`,
    p50,
    p99,
    ceiling: null,
    ratio: null,
    delivered: { got: r.delivered, expected: r.expected },
    cpu,
    serverLoop: null,
    target: null,
    verdict: problems.length ? 'ERROR' : 'info',
    detail: problems.length ? problems.join('; ') : null,
    raw: {
      p90: round(percentile(r.latencies, 90)),
      max: round(percentile(r.latencies, 100)),
      firstP50: round(percentile(r.firstLatencies, 50)),
      firstP99: round(percentile(r.firstLatencies, 99)),
      fromSendP50: round(percentile(r.fromSend, 50)),
      fromSendP99: round(percentile(r.fromSend, 99)),
      ackP50: round(percentile(r.ackMs, 50)),
      ackP99: round(percentile(r.ackMs, 99)),
      messageBytes: r.messageBytes,
      measured: r.measured,
      incomplete: r.incomplete,
    },
  };
}

function judge(row: LiveRow, ceilingP99: number | null, factor: number): void {
  row.target = `p99 <= ${factor}x ceiling`;
  row.ceiling = ceilingP99 === null ? null : { value: ceilingP99, unit: 'ms' };
  if (row.p99 !== null && ceilingP99) row.ratio = row.p99 / ceilingP99;
  if (row.verdict === 'ERROR') return;
  if (row.ratio === null) {
    row.verdict = 'ERROR';
    row.detail = 'no ceiling to compare with';
    return;
  }
  row.verdict = row.ratio <= factor ? 'PASS' : 'FAIL';
}

function skipRows(reason: string, verdict: Verdict = 'SKIP'): LiveRow[] {
  return [
    '1 process: post ack → all 1,000 readers',
    '2 processes: post ack → all 1,000 readers',
    'sustained posting, 1,000 readers',
    'idle server: RSS of a fresh process',
    '10,000 idle sockets: server RSS',
  ].map((scenario) => ({
    scenario,
    sockets: 0,
    value: null,
    p50: null,
    p99: null,
    ceiling: null,
    ratio: null,
    delivered: null,
    cpu: null,
    serverLoop: null,
    target: null,
    verdict,
    detail: reason,
  }));
}

export async function benchLive(ctx: LiveContext): Promise<LiveRow[]> {
  const { log, notes, errors } = ctx;
  const rows: LiveRow[] = [];
  const push = (row: LiveRow) => {
    rows.push(row);
    const c = row.cpu;
    if (c && c.machine !== null && c.server !== null && c.client !== null) {
      const others = c.machine - c.server - c.client - (c.pg ?? 0);
      if (others > 0.5) notes.push(`live ${row.scenario}: other processes used ${others.toFixed(1)} of ${cpus().length} cores meanwhile: figures are noisy`);
    }
    if (row.verdict === 'ERROR') errors.push(`live ${row.scenario}: ${row.detail}`);
    const ratio = row.ratio === null || !row.ceiling ? '' : `, ${row.ratio.toFixed(2)}x ceiling ${round(row.ceiling.value)} ${row.ceiling.unit}`;
    const delivered = row.delivered ? `, delivered ${row.delivered.got}/${row.delivered.expected}` : '';
    const p = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${Math.round(n * 100)}%`);
    const cpu = row.cpu ? `, cpu srv ${p(row.cpu.server)} cli ${p(row.cpu.client)} pg ${p(row.cpu.pg)} machine ${p(row.cpu.machine)}` : '';
    const loop = row.serverLoop ? `, server event loop busy ${row.serverLoop.map(p).join(' / ')}` : '';
    log(
      `live ${row.scenario}: ${row.value ?? ''} p50 ${row.p50 ?? '—'} ms, p99 ${row.p99 ?? '—'} ms${ratio}${delivered}${cpu}${loop} → ${row.verdict}${row.detail ? ` (${row.detail})` : ''}`,
    );
  };

  const stoppers: (() => Promise<void>)[] = [];
  const track = <T extends { stop(): Promise<void> }>(thing: T): T => {
    const stop = () => thing.stop().catch(() => {});
    stoppers.push(stop);
    ctx.onCleanup(stop);
    return thing;
  };

  const client = track(await ClientProcess.start());
  log('live: client process forked (ws clients + poster)');

  // 1. The ceiling: 1,000 clients on a bare ws server. With PostgreSQL it is sampled interleaved with rows 2 and 3.
  const bare = track(await BareServer.start());
  const controlUrl = `ws://127.0.0.1:${bare.port}/control`;
  if (!MEMORY_ONLY) {
    const bareOpen = await client.open({ group: 'bare', url: `ws://127.0.0.1:${bare.port}/`, count: READERS, batch: 250, timeoutMs: 10_000 });
    log(`live: ${bareOpen.ready} clients on the bare ws server in ${Math.round(bareOpen.ms)} ms`);
  }
  const ceilingLabel = `bare ws: broadcast → all ${READERS.toLocaleString('en-US')} received (ceiling)`;
  const asCeiling = (row: LiveRow): LiveRow => {
    if (row.verdict !== 'ERROR') row.verdict = 'ceiling';
    return row;
  };

  const database: PgDatabase | { skip: string } = await createPgDatabase().catch((err: unknown) => ({
    skip: `could not create a bench database: ${errMsg(err)}`,
  }));
  if ('skip' in database) {
    const cpu = new CpuWindow({ server: [bare.pid], client: [client.pid] });
    const r = await client.bare({
      group: 'bare',
      controlUrl,
      warmup: WARMUP_BROADCASTS,
      count: BROADCASTS,
      spacingMs: SPACING_MS,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      maxMs: 30_000,
    });
    push(asCeiling(latencyRow(ceilingLabel, r, cpu.end())));
    log(`live: PostgreSQL scenarios SKIPPED: ${database.skip}`);
    rows.push(...skipRows(database.skip));
    await Promise.all(stoppers.map((s) => s()));
    return rows;
  }
  ctx.onCleanup(database.drop);
  log(`live: created database ${database.name}`);
  const ceilings: number[] = [];

  try {
    const buildSeconds = ensureCompiledServer(log);
    if (buildSeconds) log(`live: built the server in ${buildSeconds.toFixed(1)} s`);
    notes.push(`live: servers run ${COMPILED_ENTRY} as npm start does (node ${startNodeOptions().join(' ') || 'with no options'})`);
    // 2 and 3. One process, then two.
    const a = track(await ParleyServer.start('A', database.url, log));
    log(`live: Parley server A (pid ${a.pid}) at ${a.base}`);
    const [b, seeded] = await Promise.all([ParleyServer.start('B', database.url, log).then(track), seedLive(a.base, IDLE_TOPICS)]);
    log(`live: Parley server B (pid ${b.pid}) at ${b.base}; seeded 5 users and ${seeded.topicIds.length} topics in ${(seeded.ms / 1000).toFixed(1)} s`);

    const topic0 = seeded.topicIds[0]!;
    if (MEMORY_ONLY) {
      await Promise.all([b.stop(), a.stop(), bare.stop()]);
    } else {
      const readersOpen = await client.open({
        group: 'readers',
        url: wsUrl(a.base),
        count: READERS,
        origin: BENCH_ORIGIN,
        channels: [`topic:${topic0}`],
        batch: 100,
        timeoutMs: 15_000,
      });
      log(
        `live: ${readersOpen.ready} readers subscribed to topic:${topic0} on A in ${Math.round(readersOpen.ms)} ms${readersOpen.failed ? ` (${readersOpen.failed} failed: ${readersOpen.firstError})` : ''}`,
      );
      if (readersOpen.ready < READERS) throw new Error(`only ${readersOpen.ready}/${READERS} readers could subscribe: ${readersOpen.firstError}`);
      await sleep(1500); // the presence message that follows the joins goes out after 1 s

      /** Every post is preceded by one bare broadcast (bench/live-worker.ts postsRun), so each row has its own ceiling sampled alongside. */
      const bareSamples: LatencyResult[] = [];
      const ceilingAt = rows.length;
      const postRun = async (label: string, server: ParleyServer, servers: ParleyServer[], factor: number) => {
        await Promise.all(servers.map((s) => s.elu()));
        const cpu = new CpuWindow({ server: servers.map((s) => s.pid), client: [client.pid] });
        const { parley, bare: b } = await client.posts({
          group: 'readers',
          base: server.base,
          topicId: topic0,
          cookie: seeded.posters[0]!,
          origin: BENCH_ORIGIN,
          tag: `${label}-${randomBytes(2).toString('hex')}`,
          warmup: WARMUP_BROADCASTS,
          count: BROADCASTS,
          spacingMs: SPACING_MS,
          timeoutMs: DELIVERY_TIMEOUT_MS,
          maxMs: 60_000,
          interleave: { group: 'bare', controlUrl },
        });
        const row = latencyRow(label, parley, cpu.end());
        row.serverLoop = await Promise.all(servers.map((s) => s.elu()));
        const bareP99 = b && !b.incomplete ? round(percentile(b.latencies, 99)) : null;
        if (b) {
          bareSamples.push(b);
          if (bareP99 !== null) ceilings.push(bareP99);
          (row.raw as Record<string, unknown>).bare = latencyRow('bare', b, null).raw;
          log(`live: bare broadcasts interleaved with "${label}": p50 ${round(percentile(b.latencies, 50))} ms, p99 ${bareP99} ms`);
        }
        judge(row, bareP99, factor);
        push(row);
      };
      await postRun(`1 process: post ack → all ${READERS.toLocaleString('en-US')} readers`, a, [a], TARGET_ONE);
      await postRun(`2 processes: post to B ack → all ${READERS.toLocaleString('en-US')} readers on A`, b, [a, b], TARGET_TWO);
      // The headline ceiling: every bare broadcast of rows 2 and 3 together.
      const pooled = bareSamples.reduce<LatencyResult | null>(
        (acc, r) =>
          acc === null
            ? { ...r }
            : {
                ...acc,
                latencies: [...acc.latencies, ...r.latencies],
                firstLatencies: [...acc.firstLatencies, ...r.firstLatencies],
                fromSend: [...acc.fromSend, ...r.fromSend],
                measured: acc.measured + r.measured,
                incomplete: acc.incomplete + r.incomplete,
                delivered: acc.delivered + r.delivered,
                expected: acc.expected + r.expected,
                errors: [...acc.errors, ...r.errors],
              },
        null,
      );
      if (pooled) {
        const row = asCeiling(latencyRow(`${ceilingLabel}, interleaved with the next two rows`, pooled, null));
        rows.splice(ceilingAt, 0, row);
        if (row.verdict === 'ERROR') errors.push(`live ${row.scenario}: ${row.detail}`);
        log(`live ${row.scenario}: p50 ${row.p50} ms, p99 ${row.p99} ms over ${pooled.latencies.length} broadcasts`);
      }
      const readerStats = await client.close('readers');
      if (readerStats.gaps || readerStats.duplicates || readerStats.closed) {
        notes.push(
          `live readers of the latency runs: ${readerStats.gaps} gaps, ${readerStats.duplicates} duplicates, ${readerStats.closed} closed early (${JSON.stringify(readerStats.closeCodes)})`,
        );
      }
      await b.stop();
      await client.close('bare');

      // 4. Sustained posting with 1,000 readers subscribed, each next to the bare server's fan-out with the same shape.
      /** 16 broadcast requests in flight on the bare server, round-robin over `groups` groups of clients: its broadcasts/s. */
      const bareSustained = async (groups: number, durationMs: number): Promise<number | null> => {
        const open = await client.open({
          group: 'bare-sustain',
          url: `ws://127.0.0.1:${bare.port}/`,
          count: READERS,
          bareGroups: groups,
          batch: 250,
          timeoutMs: 10_000,
        });
        await sleep(300);
        const cpu = new CpuWindow({ server: [bare.pid], client: [client.pid] });
        const r = await client.bareSustain({
          group: 'bare-sustain',
          controlUrl: `ws://127.0.0.1:${bare.port}/control`,
          groups,
          connections: SUSTAIN_CONNECTIONS,
          durationMs,
          drainMs: 5000,
        });
        const cpuUse = cpu.end();
        const stats = await client.close('bare-sustain');
        const problems: string[] = [];
        if (open.ready < READERS) problems.push(`only ${open.ready}/${READERS} clients connected: ${open.firstError}`);
        if (r.delivered < r.expected) problems.push(`MISSING: ${r.expected - r.delivered} of ${r.expected} deliveries`);
        if (r.gaps || r.duplicates) problems.push(`${r.gaps} seq gaps, ${r.duplicates} duplicates`);
        if (stats.closed) problems.push(`${stats.closed} clients dropped (${JSON.stringify(stats.closeCodes)})`);
        push({
          scenario: `bare ws: ${SUSTAIN_CONNECTIONS} broadcasts in flight ${durationMs / 1000} s, ${groups === 1 ? `1 group of ${READERS.toLocaleString('en-US')}` : `${groups} groups of ${READERS / groups}`} (ceiling)`,
          sockets: open.ready,
          value: `${r.postsPerSec.toFixed(0)} bcasts/s`,
          // Not shown: the control answer queues behind the broadcast's own frames in the client process, so "ack → all received" is ~0 or below.
          p50: null,
          p99: null,
          ceiling: null,
          ratio: null,
          delivered: { got: r.delivered, expected: r.expected },
          cpu: cpuUse,
          serverLoop: null,
          target: null,
          verdict: problems.length ? 'ERROR' : 'ceiling',
          detail: problems.length ? problems.join('; ') : null,
          raw: sustainRaw(r, { ackToAllP50: round(percentile(r.latencies, 50)), ackToAllP99: round(percentile(r.latencies, 99)) }),
        });
        return problems.length ? null : r.postsPerSec;
      };

      const sustained = async (label: string, topicIds: number[], durationMs: number, withTarget: boolean, ceiling: number | null, readers = READERS) => {
        const open = readers
          ? await client.open({
              group: 'sustain',
              url: wsUrl(a.base),
              count: readers,
              origin: BENCH_ORIGIN,
              channels: topicIds.map((t) => `topic:${t}`),
              batch: 100,
              timeoutMs: 15_000,
            })
          : { ready: 0, failed: 0, ms: 0, firstError: null };
        if (open.ready < readers) throw new Error(`${label}: only ${open.ready}/${readers} readers could subscribe: ${open.firstError}`);
        await sleep(readers ? 1500 : 300);
        await a.elu();
        if (PROFILE) await a.profileStart();
        const activity = await PgActivity.start(database.url, database.name);
        const cpu = new CpuWindow({ server: [a.pid], client: [client.pid] });
        const r = await client.sustain({
          group: 'sustain',
          base: a.base,
          topicIds,
          cookies: seeded.posters,
          origin: BENCH_ORIGIN,
          tag: `sustain-${randomBytes(2).toString('hex')}`,
          connections: SUSTAIN_CONNECTIONS,
          durationMs,
          drainMs: 5000,
        });
        const cpuUse = cpu.end();
        const loop = await a.elu();
        const pgStates = activity ? await activity.stop() : null;
        const profile = PROFILE ? await a.profileStop() : null;
        if (profile) {
          log(`live profile of server A, ${label}: ${describeProfile(profile)}`);
          notes.push(`live profile of server A, ${label}: ${describeProfile(profile)}`);
        }
        const stats = await client.close('sustain');
        const problems: string[] = [];
        const attempts = r.acked + r.failed;
        if (attempts === 0 || r.failed / attempts > 0.01)
          problems.push(`${r.failed}/${attempts} POSTs failed (${JSON.stringify(r.statusCodes)}): ${r.firstError}`);
        if (r.delivered < r.expected)
          problems.push(
            `MISSING: ${r.expected - r.delivered} of ${r.expected} deliveries (${r.acked - r.postsComplete} posts incomplete after a ${Math.round(r.drainMs)} ms drain)`,
          );
        if (r.gaps || r.duplicates) problems.push(`${r.gaps} seq gaps, ${r.duplicates} duplicates`);
        if (stats.closed) problems.push(`${stats.closed} readers dropped (${JSON.stringify(stats.closeCodes)})`);
        const row: LiveRow = {
          scenario: label,
          sockets: open.ready,
          value: `${r.postsPerSec.toFixed(0)} posts/s`,
          p50: round(percentile(r.latencies, 50)),
          p99: round(percentile(r.latencies, 99)),
          ceiling: ceiling === null ? null : { value: ceiling, unit: 'posts/s' },
          ratio: ceiling ? r.postsPerSec / ceiling : null,
          delivered: { got: r.delivered, expected: r.expected },
          cpu: cpuUse,
          serverLoop: [loop],
          target: withTarget ? `>= ${TARGET_POSTS} posts/s or >= ${TARGET_POSTS_OF_CEILING}x ceiling, all delivered` : null,
          verdict: problems.length
            ? 'ERROR'
            : withTarget
              ? r.postsPerSec >= TARGET_POSTS || (ceiling !== null && r.postsPerSec >= TARGET_POSTS_OF_CEILING * ceiling)
                ? 'PASS'
                : 'FAIL'
              : 'info',
          detail: problems.length ? problems.join('; ') : null,
          raw: sustainRaw(r, { latencyMax: round(percentile(r.latencies, 100)), pgBackends: pgStates, profile }),
        };
        push(row);
        notes.push(
          `live ${label}: POST round trip p50 ${round(percentile(r.ackMs, 50))} ms, p99 ${round(percentile(r.ackMs, 99))} ms; ` +
            `database backends on average: ${pgStates ? describeActivity(pgStates) : 'not sampled'}`,
        );
        return r.postsPerSec;
      };
      const ten = seeded.topicIds.slice(0, 10);
      const bareTen = await bareSustained(10, SUSTAIN_MS);
      const withReaders = await sustained(
        `sustained posting, ${SUSTAIN_CONNECTIONS} conns ${SUSTAIN_MS / 1000} s: 1,000 readers over 10 topics (100 each)`,
        ten,
        SUSTAIN_MS,
        true,
        bareTen,
      );
      const bareOne = await bareSustained(1, SUSTAIN_ONE_TOPIC_MS);
      await sustained(
        `sustained posting, ${SUSTAIN_CONNECTIONS} conns ${SUSTAIN_ONE_TOPIC_MS / 1000} s: 1,000 readers on 1 topic`,
        [seeded.topicIds[10]!],
        SUSTAIN_ONE_TOPIC_MS,
        false,
        bareOne,
      );
      await bare.stop();
      // The same posting with nobody reading: what the fan-out costs the rows above.
      const withoutReaders = await sustained(
        `posting with no readers, ${SUSTAIN_CONNECTIONS} conns ${SUSTAIN_ONE_TOPIC_MS / 1000} s, 10 topics (for comparison)`,
        ten,
        SUSTAIN_ONE_TOPIC_MS,
        false,
        null,
        0,
      );
      // The issue's goal in its own words: 1,000 live readers do not slow posting.
      notes.push(
        `live: posting with 1,000 readers over 10 topics ran at ${(withReaders / withoutReaders).toFixed(2)}x the rate of the same posting with nobody reading ` +
          `(${withReaders.toFixed(0)} vs ${withoutReaders.toFixed(0)} posts/s): the fan-out's share of the write path`,
      );
      await a.stop();
    }

    // 5. Memory: 10,000 idle sockets on a fresh bare ws server (the ceiling), then on a fresh Parley process.
    const workers: ClientProcess[] = [client];
    for (let i = 1; i < IDLE_WORKERS; i++) workers.push(track(await ClientProcess.start()));
    const per = Math.ceil(IDLE_SOCKETS / workers.length);
    /** Connects IDLE_SOCKETS from the workers (500 handshakes in flight), reads VmRSS before and 3 s after. */
    const idleRun = async (url: string, pid: number, origin: string | undefined, channels: string[] | undefined) => {
      const before = memoryOf(pid);
      const t0 = performance.now();
      const cpu = new CpuWindow({ server: [pid], client: [client.pid] });
      const opened = await Promise.all(
        workers.map((w) =>
          w.open({
            group: 'idle',
            url,
            count: per,
            ...(origin ? { origin } : {}),
            ...(channels ? { channels } : {}),
            batch: Math.ceil(500 / workers.length),
            timeoutMs: 30_000,
          }),
        ),
      );
      const connectMs = performance.now() - t0;
      const cpuUse = cpu.end();
      await sleep(3000);
      const after = memoryOf(pid);
      const stats = await Promise.all(workers.map((w) => w.stats('idle')));
      const ready = opened.reduce((sum, o) => sum + o.ready, 0);
      const stillOpen = stats.reduce((sum, st) => sum + st.open, 0);
      const problems: string[] = [];
      if (ready < IDLE_SOCKETS) problems.push(`only ${ready}/${IDLE_SOCKETS} sockets ready: ${opened.map((o) => o.firstError).filter(Boolean)[0]}`);
      if (stillOpen < ready) problems.push(`${ready - stillOpen} sockets closed while idle`);
      if (!before || !after) problems.push('could not read /proc/<pid>/status');
      const perSocketKb = before && after && ready ? ((after.rssMb - before.rssMb) * 1024) / ready : null;
      return { before, after, connectMs, cpuUse, ready, stillOpen, problems, perSocketKb, close: () => Promise.all(workers.map((w) => w.close('idle'))) };
    };
    const rssValue = (m: Awaited<ReturnType<typeof idleRun>>) => (m.before && m.after ? `${m.before.rssMb.toFixed(0)} → ${m.after.rssMb.toFixed(0)} MB` : null);

    const bareIdle = track(await BareServer.start());
    await sleep(500);
    const bm = await idleRun(`ws://127.0.0.1:${bareIdle.port}/`, bareIdle.pid!, undefined, undefined);
    await bm.close();
    await bareIdle.stop();
    push({
      scenario: `bare ws: ${IDLE_SOCKETS.toLocaleString('en-US')} idle sockets, server RSS (ceiling)`,
      sockets: bm.stillOpen,
      value: rssValue(bm),
      p50: null,
      p99: null,
      ceiling: null,
      ratio: null,
      delivered: null,
      cpu: bm.cpuUse,
      serverLoop: null,
      target: null,
      verdict: bm.problems.length ? 'ERROR' : 'ceiling',
      detail: bm.problems.length ? bm.problems.join('; ') : null,
      raw: { before: bm.before, after: bm.after, connectMs: Math.round(bm.connectMs), perSocketKb: bm.perSocketKb === null ? null : round(bm.perSocketKb, 1) },
    });

    // --expose-gc lets the probe report the live heap after a full collection, once RSS has been read.
    const c = track(await ParleyServer.start('C', database.url, log, { exposeGc: true }));
    await fetch(`${c.base}/api/topics/${topic0}`).then((r) => r.arrayBuffer());
    await sleep(1000);
    const heapBefore = await c.memory();
    await c.elu();
    const channels = seeded.topicIds.slice(0, IDLE_TOPICS).map((t) => `topic:${t}`);
    const pm = await idleRun(wsUrl(c.base), c.pid!, BENCH_ORIGIN, channels);
    const idleRss = pm.before?.rssMb ?? null;
    const bareRss = bm.before?.rssMb ?? null;
    push({
      scenario: 'idle server: RSS of a fresh process (no socket yet)',
      sockets: 0,
      value: idleRss === null ? null : `${idleRss.toFixed(0)} MB`,
      p50: null,
      p99: null,
      delivered: null,
      cpu: null,
      serverLoop: null,
      // A bare ws server's own idle RSS: what Node and the ws library take before any application code.
      ceiling: bareRss === null ? null : { value: bareRss, unit: 'MB' },
      ratio: idleRss !== null && bareRss ? idleRss / bareRss : null,
      target: `< ${TARGET_IDLE_RSS_MB} MB`,
      verdict: idleRss === null ? 'ERROR' : idleRss < TARGET_IDLE_RSS_MB ? 'PASS' : 'FAIL',
      detail: idleRss === null ? 'could not read /proc/<pid>/status' : null,
      raw: { before: pm.before, heapBefore },
    });
    const connectLoop = await c.elu();
    const heapAfter = await c.memory();
    const heapAfterGc = await c.memory(true);
    const afterGc = memoryOf(c.pid!);
    log(`live: ${pm.ready} idle sockets subscribed on C in ${(pm.connectMs / 1000).toFixed(1)} s`);
    const rss = pm.after?.rssMb ?? null;
    push({
      scenario: `${IDLE_SOCKETS.toLocaleString('en-US')} idle sockets over ${IDLE_TOPICS} topics: server RSS`,
      sockets: pm.stillOpen,
      value: rssValue(pm),
      p50: null,
      p99: null,
      delivered: null,
      cpu: pm.cpuUse,
      serverLoop: [connectLoop],
      ceiling: bm.perSocketKb === null ? null : { value: bm.perSocketKb, unit: 'KB/socket' },
      ratio: bm.perSocketKb && pm.perSocketKb !== null ? pm.perSocketKb / bm.perSocketKb : null,
      target: `< ${TARGET_RSS_MB} MB`,
      verdict: pm.problems.length ? 'ERROR' : (rss ?? Infinity) < TARGET_RSS_MB ? 'PASS' : 'FAIL',
      detail: pm.problems.length ? pm.problems.join('; ') : null,
      raw: {
        before: pm.before,
        after: pm.after,
        afterGc,
        heapBefore,
        heapAfter,
        heapAfterGc,
        connectMs: Math.round(pm.connectMs),
        perSocketKb: pm.perSocketKb === null ? null : round(pm.perSocketKb, 1),
      },
    });
    const kb = (n: number | null) => (n === null ? '—' : `${n.toFixed(1)} KB`);
    notes.push(
      `live memory: RSS per socket ${kb(pm.perSocketKb)} for Parley vs ${kb(bm.perSocketKb)} for the bare ws server; ` +
        `Parley connected and subscribed ${pm.ready} sockets in ${(pm.connectMs / 1000).toFixed(1)} s (the bare server: ${(bm.connectMs / 1000).toFixed(1)} s); ` +
        `peak RSS (VmHWM) ${pm.after ? pm.after.hwmMb.toFixed(0) : '—'} MB; ` +
        (pm.before
          ? `RSS before = ${pm.before.anonMb.toFixed(0)} MB anonymous + ${pm.before.fileMb.toFixed(0)} MB mapped files (bare ws server: ${bm.before ? `${bm.before.anonMb.toFixed(0)} + ${bm.before.fileMb.toFixed(0)}` : '—'} MB); `
          : '') +
        `${mb(heapBefore)} before, ${mb(heapAfter)} with the sockets, ${mb(heapAfterGc)} after a forced full GC (RSS then ${afterGc ? afterGc.rssMb.toFixed(0) : '—'} MB)`,
    );
    await pm.close();
    await c.stop();

    if (HEAP) {
      // Analysis only: a separate server, so the snapshots' own memory does not touch the RSS figures above.
      const d = track(await ParleyServer.start('D', database.url, log, { exposeGc: true }));
      await fetch(`${d.base}/api/topics/${topic0}`).then((r) => r.arrayBuffer());
      const file0 = await d.heapSnapshot(join(tmpdir(), `parley-bench-${d.pid}-before.heapsnapshot`));
      const hm = await idleRun(wsUrl(d.base), d.pid!, BENCH_ORIGIN, channels);
      await d.memory(true);
      const file1 = await d.heapSnapshot(join(tmpdir(), `parley-bench-${d.pid}-after.heapsnapshot`));
      await hm.close();
      await d.stop();
      if (file0 && file1) {
        const growth = heapGrowth(heapCensus(file0), heapCensus(file1), hm.ready);
        log(`live heap growth with ${hm.ready} idle sockets: ${growth}`);
        notes.push(`live heap growth with ${hm.ready} idle sockets (BENCH_LIVE_HEAP, server D): ${growth}`);
      }
      for (const f of [file0, file1]) if (f) rmSync(f, { force: true });
    }
  } catch (err) {
    const message = errMsg(err);
    log(`live: ERROR ${message}`);
    errors.push(`live: ${message}`);
    rows.push({
      scenario: 'live scenarios (aborted)',
      sockets: 0,
      value: null,
      p50: null,
      p99: null,
      ceiling: null,
      ratio: null,
      delivered: null,
      cpu: null,
      serverLoop: null,
      target: null,
      verdict: 'ERROR',
      detail: message,
    });
  } finally {
    await Promise.all(stoppers.map((s) => s()));
    await database.drop().then(
      () => log(`live: dropped database ${database.name}`),
      (err: unknown) => {
        errors.push(`live: could not drop ${database.name}: ${errMsg(err)}`);
      },
    );
  }
  if (ceilings.length > 1) {
    notes.push(`live broadcast ceiling p99 interleaved with each latency row: ${ceilings.map((c) => `${c} ms`).join(', ')}`);
  }
  return rows;
}
