/**
 * `BENCH_ONLY=cluster npm run bench` (issue 15): the two cross-process buses side by side, on
 * PostgreSQL, three app processes each, every figure next to a bare `ws` fan-out of the same shape
 * measured in the same run.
 *
 * For each bus (LISTEN/NOTIFY: no PARLEY_BUS_URL; NATS: PARLEY_BUS_URL pointing at a nats-server this
 * bench starts on free ports, or BENCH_NATS_URL), on a copy of one seeded database (a community,
 * 10 topics, 50 posting accounts with sessions; the same copy for both buses):
 *  1. three compiled servers (`npm start`'s entry and node options, bench/compiled-server.ts), and a
 *     check that they really use that bus (LISTEN backends in pg_stat_activity; connections at the
 *     broker's monitoring endpoint);
 *  2. posting without readers at 10, 25, 50 and 100 concurrent clients (BENCH_CLUSTER_WRITERS), each
 *     client on process i mod 3, cycling over the 10 topics: posts/s, and the POST round trip (the
 *     reply commits before its 201) p50/p99; stored posts must equal acknowledged ones. 50 is the
 *     headline; the sweep shows where the bus stops scaling;
 *  3. the bare ws server (bench/live-bare.ts): 1,000 clients in 10 groups, 50 broadcasts in flight:
 *     broadcasts/s and "stamp before its send loop → the group's last client received" p99;
 *  4. 1,000 readers (reader k on process k mod 3, topic k mod 10: 333/333/334 sockets, ~33 of every
 *     topic's 100 readers on each process) while 50 clients post: posts/s, "201 received → the
 *     topic's last reader received post.created" p99, and every (reader, post) delivery counted.
 * Load comes from one forked process (bench/cluster-worker.ts) holding writers and readers, so ack
 * and receipt are read on one clock; on a 2-core machine it shares the cores with the three servers,
 * PostgreSQL and the broker (the CPU columns say how much each took).
 * Results: a table in the bench's output and bench/results/cluster.json.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PG_ADMIN_URL, errMsg, redact } from './pg.js';
import { CpuWindow, PgActivity } from './measure.js';
import { COMPILED_ENTRY, ensureCompiledServer, probeModule, startNodeOptions } from './compiled-server.js';
import { BENCH_ORIGIN } from './seed.js';
import { envNum } from './common.js';
import type { BareResult, ClusterCommand, ClusterReply, GroupStats, OpenResult, OpenSpec, Spread, WriteResult, WriteSpec } from './cluster-worker.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROCESSES = 3;
const TOPICS = 10;
const ACCOUNTS = 50;
const READERS = 1000;
const HEADLINE_WRITERS = 50;
const DURATION_MS = envNum('BENCH_DURATION', 5) * 1000;
const WARMUP_MS = envNum('BENCH_WARMUP', 1) * 1000;
const DRAIN_MS = 5000;
const WRITER_STEPS = (process.env.BENCH_CLUSTER_WRITERS ?? '10,25,50,100')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
if (!WRITER_STEPS.includes(HEADLINE_WRITERS)) WRITER_STEPS.push(HEADLINE_WRITERS);
WRITER_STEPS.sort((a, b) => a - b);
type BusKind = 'postgres' | 'nats';
/** BENCH_CLUSTER_BUSES=postgres or =nats measures one bus while iterating. */
const BUSES = (process.env.BENCH_CLUSTER_BUSES ?? 'postgres,nats').split(',').map((s) => s.trim());
const isBus = (b: string): b is BusKind => b === 'postgres' || b === 'nats';
const NATS_SERVER = process.env.BENCH_NATS_SERVER || '/usr/sbin/nats-server';
/** A step "still scales" while one more step of writers adds at least this share of posts/s. */
const SCALING_GAIN = 0.1;
const BUS_LABEL: Record<BusKind, string> = { postgres: 'LISTEN/NOTIFY', nats: 'NATS' };

export interface ClusterContext {
  log: (msg: string) => void;
  notes: string[];
  errors: string[];
  onCleanup: (fn: () => Promise<void>) => void;
}

/** CPU in cores over a window (1 = one core busy the whole time). */
export interface Cpu {
  servers: number | null;
  pg: number | null;
  broker: number | null;
  load: number | null;
  machine: number | null;
  /** The machine minus all of the above: other jobs sharing the cores (noise). */
  others: number | null;
}

export interface WriterStep {
  writers: number;
  postsPerSec: number;
  acked: number;
  failed: number;
  stored: number | null;
  ack: Spread;
  ackedPerProcess: number[];
  cpu: Cpu;
  /** Event-loop utilisation of each server (0–1). */
  serverLoop: (number | null)[];
  /** Average backends of the bench database per state over the step (idle left out). */
  pgBackends: Record<string, number>;
  problems: string[];
}

export interface ReadersRun extends Omit<WriterStep, 'stored'> {
  delivery: Spread | null;
  delivered: number;
  expected: number;
  readers: number;
  readersPerProcess: number[];
  gaps: number;
  duplicates: number;
  dropped: number;
}

export interface BareRun {
  clients: number;
  groups: number;
  inFlight: number;
  broadcastsPerSec: number;
  delivery: Spread;
  delivered: number;
  expected: number;
  cpu: Cpu;
  problems: string[];
}

export interface BusResult {
  bus: BusKind;
  label: string;
  busUrl: string | null;
  /** How the bench made sure the processes use this bus. */
  verified: string | null;
  steps: WriterStep[];
  bare: BareRun | null;
  readers: ReadersRun | null;
  knee: string | null;
  errors: string[];
}

export interface ClusterReport {
  startedAt: string;
  finishedAt: string;
  totalSeconds: number;
  machine: { node: string; cpus: number; cpuModel: string; loadavgStart: number[]; loadavgEnd: number[] };
  method: Record<string, string | number>;
  seedMs: number | null;
  buses: BusResult[];
  notes: string[];
}

// ---------------------------------------------------------------- measuring CPU

/** CPU of the servers, the broker and the load process over a window (bench/measure.ts), and what none of them used. */
class ClusterCpu {
  private readonly window: CpuWindow<'servers' | 'broker' | 'load'>;
  constructor(servers: (number | undefined)[], broker: number | undefined, load: number | undefined) {
    this.window = new CpuWindow({ servers, broker: [broker], load: [load] });
  }
  end(): Cpu {
    const { servers, pg, broker, load, machine } = this.window.end();
    const measured = [servers, pg, load];
    return {
      servers,
      pg,
      broker,
      load,
      machine,
      others: machine === null || measured.includes(null) ? null : Math.max(0, machine - measured.reduce<number>((a, b) => a + b!, 0) - (broker ?? 0)),
    };
  }
}

// ---------------------------------------------------------------- processes

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/** Asks (SIGTERM or disconnect), then SIGKILL after 5 s. */
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

function readyMessage(child: ChildProcess, what: string): Promise<{ port?: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 20 s`)), 20_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited early (code ${code})`));
    };
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

type CommandBody = ClusterCommand extends infer C ? (C extends ClusterCommand ? Omit<C, 'id'> : never) : never;

/** The forked bench/cluster-worker.ts. */
class LoadProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private constructor(readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const msg = raw as ClusterReply | { type: 'ready' };
      if (!('id' in msg)) return;
      const w = this.pending.get(msg.id);
      if (!w) return;
      this.pending.delete(msg.id);
      clearTimeout(w.timer);
      if (msg.ok) w.resolve(msg.result);
      else w.reject(new Error(msg.error));
    });
    child.on('exit', (code, signal) => {
      for (const [id, w] of this.pending) {
        clearTimeout(w.timer);
        w.reject(new Error(`cluster load process exited (code ${code}, signal ${signal})`));
        this.pending.delete(id);
      }
    });
  }

  static async start(): Promise<LoadProcess> {
    const child = fork(fileURLToPath(new URL('./cluster-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await readyMessage(child, 'cluster load process');
    return new LoadProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private request<T>(cmd: CommandBody, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`cluster load "${cmd.type}" did not answer within ${Math.round(timeoutMs / 1000)} s`));
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
  write(spec: WriteSpec): Promise<WriteResult> {
    return this.request({ type: 'write', spec }, spec.durationMs + (spec.track?.drainMs ?? 0) + 60_000);
  }
  bare(spec: Extract<CommandBody, { type: 'bare' }>['spec']): Promise<BareResult> {
    return this.request({ type: 'bare', spec }, spec.durationMs + spec.drainMs + 60_000);
  }
  stop(): Promise<void> {
    return stopChild(this.child, () => this.child.disconnect());
  }
}

/** bench/live-bare.ts in a forked process. */
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

/** A nats-server of the bench's own, on free ports, with its monitoring endpoint (to see who connected). */
class NatsServer {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly monitor: string,
  ) {}
  static async start(log: (msg: string) => void): Promise<NatsServer> {
    const [port, httpPort] = [await freePort(), await freePort()];
    const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-m', String(httpPort)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const failed = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`nats-server exited (code ${code}): ${stderr.trim().split('\n').pop() ?? ''}`)));
    });
    failed.catch(() => {});
    const monitor = `http://127.0.0.1:${httpPort}`;
    const deadline = performance.now() + 10_000;
    for (;;) {
      const ok = await Promise.race([
        fetch(`${monitor}/varz`).then(
          (r) => r.ok,
          () => false,
        ),
        failed,
      ]);
      if (ok) break;
      if (performance.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error('nats-server not ready within 10 s');
      }
      await sleep(100);
    }
    log(`cluster: nats-server (pid ${child.pid}) at nats://127.0.0.1:${port}, monitoring ${monitor}`);
    return new NatsServer(child, `nats://127.0.0.1:${port}`, monitor);
  }
  get pid(): number | undefined {
    return this.child.pid;
  }
  async connections(): Promise<number> {
    const r = (await (await fetch(`${this.monitor}/connz`)).json()) as { num_connections: number };
    return r.num_connections;
  }
  stop(): Promise<void> {
    return stopChild(this.child, () => this.child.kill('SIGTERM'));
  }
}

/** One Parley process: the compiled server as `npm start` runs it, with bench/live-probe.ts for its event-loop figure. */
class ParleyProcess {
  private nextProbe = 1;
  private readonly probes = new Map<number, (elu: number | null) => void>();
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly base: string,
  ) {
    child.on('message', (raw) => {
      const m = raw as { type?: string; id?: number; elu?: number };
      if (m.type !== 'probe' || m.id === undefined) return;
      this.probes.get(m.id)?.(m.elu ?? null);
      this.probes.delete(m.id);
    });
  }

  static async start(name: string, entry: string, databaseUrl: string, busUrl: string | null, log: (msg: string) => void): Promise<ParleyProcess> {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      PARLEY_RATE_LIMITS: 'off',
      PARLEY_SEED_DEMO: 'off',
      LOG_LEVEL: 'warn',
      PARLEY_ORIGIN: BENCH_ORIGIN,
      // 51 sign-ups within a minute would otherwise switch the sign-up challenge on.
      PARLEY_SIGNUP_SPIKE_THRESHOLD: '1000000',
      MALLOC_ARENA_MAX: '2',
    };
    delete env.PARLEY_BUS_URL;
    if (busUrl) env.PARLEY_BUS_URL = busUrl;
    const child = spawn(process.execPath, [...startNodeOptions(), '--import', probeModule(), entry], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let lines = 0;
    const forward = (stream: NodeJS.ReadableStream) =>
      stream.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) {
          if (!line.trim() || line.includes('listening on')) continue;
          if (++lines <= 20) log(`server ${name}: ${line.slice(0, 400)}`);
          else if (lines === 21) log(`server ${name}: (further output suppressed)`);
        }
      });
    forward(child.stdout!);
    forward(child.stderr!);
    let exited = null as string | null;
    child.once('exit', (code, signal) => (exited = `exited (code ${code}, signal ${signal})`));
    const base = `http://127.0.0.1:${port}`;
    const deadline = performance.now() + 60_000;
    for (;;) {
      if (exited) throw new Error(`Parley process ${name} ${exited} before listening`);
      if (performance.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Parley process ${name} not listening within 60 s`);
      }
      if (
        await fetch(`${base}/api/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return new ParleyProcess(name, child, base);
      await sleep(100);
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Event-loop utilisation since the previous call, or null when the probe does not answer within 5 s. */
  elu(): Promise<number | null> {
    if (!this.child.connected) return Promise.resolve(null);
    const id = this.nextProbe++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.probes.delete(id);
        resolve(null);
      }, 5000);
      this.probes.set(id, (elu) => {
        clearTimeout(timer);
        resolve(elu);
      });
      this.child.send({ type: 'elu', id });
    });
  }

  stop(): Promise<void> {
    return stopChild(this.child, () => this.child.kill('SIGTERM'));
  }
}

/**
 * A private copy of dist/app for this run: the bench runs for minutes and `npm run build:server`
 * (another bench, a test, a colleague) deletes dist/app first, which would stop a server from
 * starting halfway. node_modules is linked and package.json copied so that imports resolve as in
 * dist/app; the servers keep the repository as their working directory. Returns the copy's directory.
 */
function snapshotCompiledServer(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cluster-'));
  cpSync(join(ROOT, 'dist/app'), join(dir, 'dist/app'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

// ---------------------------------------------------------------- databases and seeding

async function adminQuery<T extends pg.QueryResultRow>(sqlText: string, url = PG_ADMIN_URL): Promise<T[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  await c.connect();
  try {
    return (await c.query<T>(sqlText)).rows;
  } finally {
    await c.end().catch(() => {});
  }
}

const dbUrl = (name: string) => {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

/** CREATE DATABASE … TEMPLATE: retried while the template's last connections are still going away. */
async function copyDatabase(template: string, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      return;
    } catch (err) {
      if (attempt >= 20 || !/being accessed by other users/.test(errMsg(err))) throw err;
      await sleep(250);
    }
  }
}

interface Seed {
  cookies: string[];
  topicIds: number[];
  ms: number;
}

async function api(base: string, path: string, body: unknown, cookie?: string) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { origin: BENCH_ORIGIN, 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const session = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('parley_session='));
  return { status: res.status, text, session };
}

/** An admin, a community, 10 topics and 50 posting accounts signed in, through the API of one process. */
async function seedCluster(base: string): Promise<Seed> {
  const t0 = performance.now();
  const tag = randomBytes(3).toString('hex');
  const signup = async (name: string) => {
    const handle = `c${tag}_${name}`;
    const r = await api(base, '/api/auth/signup', { handle, email: `${handle}@bench.local`, password: 'correct horse battery staple' });
    if (r.status !== 201 || !r.session) throw new Error(`cluster seeding: signup ${handle} answered ${r.status}: ${r.text.slice(0, 300)}`);
    return r.session;
  };
  const admin = await signup('admin');
  const slug = `cluster-${tag}`;
  const c = await api(base, '/api/communities', { slug, name: 'Cluster bench', description: 'created by npm run bench (cluster)' }, admin);
  if (c.status !== 201) throw new Error(`cluster seeding: create community answered ${c.status}: ${c.text.slice(0, 300)}`);
  const topicIds = await Promise.all(
    Array.from({ length: TOPICS }, async (_, i) => {
      const r = await api(
        base,
        `/api/communities/${slug}/topics`,
        { category: 'general', title: `Cluster topic ${i}`, body: `Opening post of cluster topic ${i}.` },
        admin,
      );
      if (r.status !== 201) throw new Error(`cluster seeding: create topic ${i} answered ${r.status}: ${r.text.slice(0, 300)}`);
      return (JSON.parse(r.text) as { topic: { id: number } }).topic.id;
    }),
  );
  const cookies: string[] = [];
  // Ten at a time: each sign-up hashes a password (argon2id, 19 MiB).
  for (let i = 0; i < ACCOUNTS; i += 10)
    cookies.push(...(await Promise.all(Array.from({ length: Math.min(10, ACCOUNTS - i) }, (_, j) => signup(`p${i + j}`)))));
  return { cookies, topicIds, ms: performance.now() - t0 };
}

// ---------------------------------------------------------------- one bus

/** Confirms the processes use the bus under test: LISTEN connections, or connections at the broker. */
async function verifyBus(bus: BusKind, url: string, dbName: string, nats: NatsServer | null): Promise<string> {
  const listeners = async () =>
    Number(
      (
        await adminQuery<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '${dbName}' AND query ILIKE 'LISTEN parley%' AND backend_type = 'client backend'`,
          url,
        )
      )[0]!.n,
    );
  const deadline = performance.now() + 10_000;
  for (;;) {
    const l = await listeners();
    if (bus === 'postgres') {
      if (l >= PROCESSES) return `${l} LISTEN connections in pg_stat_activity`;
    } else if (nats) {
      const n = await nats.connections();
      if (n >= PROCESSES) return `${n} connections at the bench's nats-server; ${l} LISTEN connections in pg_stat_activity`;
    } else {
      return `not checked (BENCH_NATS_URL: the broker's monitoring endpoint is unknown); ${l} LISTEN connections in pg_stat_activity`;
    }
    if (performance.now() > deadline) {
      throw new Error(
        bus === 'postgres'
          ? `only ${l} of ${PROCESSES} processes LISTEN: not on the LISTEN/NOTIFY bus`
          : `only ${await nats!.connections()} of ${PROCESSES} processes connected to NATS (${l} LISTEN connections): this build does not use PARLEY_BUS_URL (has the NATS bus landed?)`,
      );
    }
    await sleep(200);
  }
}

async function countPosts(url: string): Promise<number> {
  return Number((await adminQuery<{ n: string }>('SELECT count(*) AS n FROM posts', url))[0]!.n);
}

/** The first step after which one more step of writers adds less than SCALING_GAIN posts/s, in words and figures. */
export function kneeOf(steps: WriterStep[]): string | null {
  const ok = steps.filter((s) => !s.problems.length);
  if (ok.length < 2) return null;
  const best = ok.reduce((a, b) => (b.postsPerSec > a.postsPerSec ? b : a));
  for (let i = 0; i + 1 < ok.length; i++) {
    const a = ok[i]!;
    const b = ok[i + 1]!;
    const gain = b.postsPerSec / a.postsPerSec - 1;
    if (gain < SCALING_GAIN) {
      const p99 = a.ack.p99 && b.ack.p99 ? b.ack.p99 / a.ack.p99 : null;
      return (
        `stops scaling at ${a.writers} writers (${a.postsPerSec.toFixed(0)} posts/s, p99 ${a.ack.p99} ms): ${b.writers} writers ` +
        `${gain >= 0 ? 'add' : 'lose'} ${Math.abs(gain * 100).toFixed(0)}% posts/s (${b.postsPerSec.toFixed(0)}) while p99 goes ×${p99 === null ? '—' : p99.toFixed(1)} ` +
        `to ${b.ack.p99} ms; best ${best.postsPerSec.toFixed(0)} posts/s at ${best.writers}`
      );
    }
  }
  const last = ok[ok.length - 1]!;
  return `still scaling at ${last.writers} writers (${last.postsPerSec.toFixed(0)} posts/s, p99 ${last.ack.p99} ms): each step added ≥ ${SCALING_GAIN * 100}%`;
}

interface BusEnv {
  ctx: ClusterContext;
  load: LoadProcess;
  bareServer: BareServer;
  nats: NatsServer | null;
  natsUrl: string | null;
  template: string;
  seed: Seed;
  /** The compiled server's entry in this run's own copy. */
  entry: string;
  prefix: string;
}

async function benchBus(bus: BusKind, env: BusEnv): Promise<BusResult> {
  const { ctx, load, seed } = env;
  const log = (m: string) => ctx.log(`cluster ${BUS_LABEL[bus]}: ${m}`);
  const busUrl = bus === 'nats' ? env.natsUrl : null;
  const result: BusResult = { bus, label: BUS_LABEL[bus], busUrl, verified: null, steps: [], bare: null, readers: null, knee: null, errors: [] };
  const dbName = `${env.prefix}_${bus}`;
  const url = dbUrl(dbName);
  const servers: ParleyProcess[] = [];
  const stopAll = () => Promise.all(servers.map((s) => s.stop().catch(() => {}))).then(() => {});
  ctx.onCleanup(stopAll);
  try {
    await copyDatabase(env.template, dbName);
    servers.push(
      ...(await Promise.all(Array.from({ length: PROCESSES }, (_, i) => ParleyProcess.start(`${bus}-${'ABC'[i]}`, env.entry, url, busUrl, ctx.log)))),
    );
    result.verified = await verifyBus(bus, url, dbName, env.nats);
    log(`${PROCESSES} processes (pids ${servers.map((s) => s.pid).join(', ')}) on ${dbName}; bus checked: ${result.verified}`);
    const bases = servers.map((s) => s.base);
    const writeSpec = (writers: number, durationMs: number, tag: string): WriteSpec => ({
      bases,
      topicIds: seed.topicIds,
      cookies: seed.cookies,
      origin: BENCH_ORIGIN,
      tag: `${bus}-${tag}`,
      writers,
      durationMs,
    });
    const window = async () => {
      await Promise.all(servers.map((s) => s.elu()));
      const activity = await PgActivity.start(url, dbName);
      const cpu = new ClusterCpu(
        servers.map((s) => s.pid),
        env.nats?.pid,
        load.pid,
      );
      return async () => ({
        cpu: cpu.end(),
        serverLoop: await Promise.all(servers.map((s) => s.elu())),
        pgBackends: activity ? await activity.stop(['idle', 'Client:ClientRead']) : {},
      });
    };
    const failures = (r: WriteResult) => {
      const attempts = r.acked + r.failed;
      return attempts === 0 || r.failed / attempts > 0.01 ? [`${r.failed}/${attempts} POSTs failed (${JSON.stringify(r.statusCodes)}): ${r.firstError}`] : [];
    };

    // Every process JIT-compiles the posting path before anything is measured.
    const warm = await load.write(writeSpec(HEADLINE_WRITERS, Math.max(1000, WARMUP_MS), 'warm'));
    if (failures(warm).length) throw new Error(`warm-up: ${failures(warm)[0]}`);

    for (const writers of WRITER_STEPS) {
      await sleep(300);
      const before = await countPosts(url);
      const end = await window();
      const r = await load.write(writeSpec(writers, DURATION_MS, `w${writers}`));
      const w = await end();
      const stored = (await countPosts(url)) - before;
      const problems = failures(r);
      // Every loop waits for its last answer, so what was stored is what was acknowledged (plus posts whose answer was lost).
      if (stored < r.acked || stored > r.acked + r.failed) problems.push(`MISMATCH: ${r.acked} acknowledged, ${stored} stored`);
      const step: WriterStep = {
        writers,
        postsPerSec: r.postsPerSec,
        acked: r.acked,
        failed: r.failed,
        stored,
        ack: r.ack,
        ackedPerProcess: r.ackedPerBase,
        ...w,
        problems,
      };
      result.steps.push(step);
      log(
        `${writers} writers: ${r.postsPerSec.toFixed(0)} posts/s, POST p50 ${r.ack.p50} ms p99 ${r.ack.p99} ms, per process ${r.ackedPerBase.join('/')}, ` +
          `${describeCpu(w.cpu)}, loops ${w.serverLoop.map(pct).join(' ')}, database backends ${describeBackends(w.pgBackends)}` +
          (problems.length ? ` → ERROR ${problems.join('; ')}` : ''),
      );
      for (const p of problems) result.errors.push(`${writers} writers: ${p}`);
    }
    result.knee = kneeOf(result.steps);
    if (result.knee) log(result.knee);

    // The ceiling of the readers' run, just before it: the bare server's fan-out of the same shape.
    const bareClients = Array.from({ length: READERS }, (_, k) => ({
      url: `ws://127.0.0.1:${env.bareServer.port}/?g=${k % TOPICS}`,
      channel: `bare:${k % TOPICS}`,
    }));
    const bareOpen = await load.open({ group: 'bare', sockets: bareClients, subscribe: false, batch: 250, timeoutMs: 10_000 });
    await sleep(300);
    const bareCpu = new ClusterCpu([env.bareServer.pid], undefined, load.pid);
    const b = await load.bare({
      group: 'bare',
      controlUrl: `ws://127.0.0.1:${env.bareServer.port}/control`,
      groups: TOPICS,
      inFlight: HEADLINE_WRITERS,
      durationMs: DURATION_MS,
      drainMs: DRAIN_MS,
    });
    const bareCpuUse = bareCpu.end();
    const bareStats = await load.close('bare');
    const bareProblems: string[] = [];
    if (bareOpen.ready < READERS) bareProblems.push(`only ${bareOpen.ready}/${READERS} clients connected: ${bareOpen.firstError}`);
    if (b.delivered < b.expected) bareProblems.push(`MISSING: ${b.expected - b.delivered} of ${b.expected} deliveries`);
    if (b.gaps || b.duplicates || bareStats.closed) bareProblems.push(`${b.gaps} seq gaps, ${b.duplicates} duplicates, ${bareStats.closed} clients dropped`);
    result.bare = {
      clients: bareOpen.ready,
      groups: TOPICS,
      inFlight: HEADLINE_WRITERS,
      broadcastsPerSec: b.broadcastsPerSec,
      delivery: b.delivery,
      delivered: b.delivered,
      expected: b.expected,
      cpu: bareCpuUse,
      problems: bareProblems,
    };
    log(
      `bare ws ceiling: ${b.broadcastsPerSec.toFixed(0)} broadcasts/s to ${READERS} clients in ${TOPICS} groups, stamp → last client p50 ${b.delivery.p50} ms p99 ${b.delivery.p99} ms, ` +
        `delivered ${b.delivered}/${b.expected}, cpu bare ${pct(bareCpuUse.servers)} load ${pct(bareCpuUse.load)}` +
        (bareProblems.length ? ` → ERROR ${bareProblems.join('; ')}` : ''),
    );
    for (const p of bareProblems) result.errors.push(`bare ws: ${p}`);

    // 1,000 readers: reader k on process k mod 3, topic k mod 10, so every topic has readers on every process.
    const readerSockets = Array.from({ length: READERS }, (_, k) => ({
      url: `${servers[k % PROCESSES]!.base.replace(/^http/, 'ws')}/api/live`,
      channel: `topic:${seed.topicIds[k % TOPICS]}`,
    }));
    const readersPerProcess = servers.map((_, i) => readerSockets.filter((_, k) => k % PROCESSES === i).length);
    const opened = await load.open({ group: 'readers', sockets: readerSockets, subscribe: true, origin: BENCH_ORIGIN, batch: 100, timeoutMs: 15_000 });
    if (opened.ready < READERS) throw new Error(`only ${opened.ready}/${READERS} readers could subscribe: ${opened.firstError}`);
    log(`${opened.ready} readers subscribed (${readersPerProcess.join('/')} per process) in ${Math.round(opened.ms)} ms`);
    // The presence message after the joins goes out after 1 s.
    await sleep(1500);
    const end = await window();
    const r = await load.write({ ...writeSpec(HEADLINE_WRITERS, DURATION_MS, 'readers'), track: { group: 'readers', drainMs: DRAIN_MS } });
    const w = await end();
    const stats = await load.close('readers');
    const problems = failures(r);
    if (r.delivered < r.expected)
      problems.push(
        `MISSING: ${r.expected - r.delivered} of ${r.expected} deliveries (${r.acked - r.postsComplete} posts incomplete after a ${Math.round(r.drainMs)} ms drain)`,
      );
    if (r.gaps || r.duplicates) problems.push(`${r.gaps} seq gaps, ${r.duplicates} duplicates`);
    if (stats.closed) problems.push(`${stats.closed} readers dropped (${JSON.stringify(stats.closeCodes)})`);
    result.readers = {
      writers: HEADLINE_WRITERS,
      postsPerSec: r.postsPerSec,
      acked: r.acked,
      failed: r.failed,
      ack: r.ack,
      ackedPerProcess: r.ackedPerBase,
      ...w,
      problems,
      delivery: r.delivery,
      delivered: r.delivered,
      expected: r.expected,
      readers: opened.ready,
      readersPerProcess,
      gaps: r.gaps,
      duplicates: r.duplicates,
      dropped: stats.closed,
    };
    log(
      `${HEADLINE_WRITERS} writers with ${READERS} readers: ${r.postsPerSec.toFixed(0)} posts/s, POST p99 ${r.ack.p99} ms, ack → last reader p50 ${r.delivery?.p50} ms p99 ${r.delivery?.p99} ms, ` +
        `delivered ${r.delivered}/${r.expected} (drain ${Math.round(r.drainMs)} ms), ${describeCpu(w.cpu)}, loops ${w.serverLoop.map(pct).join(' ')}` +
        (problems.length ? ` → ERROR ${problems.join('; ')}` : ''),
    );
    for (const p of problems) result.errors.push(`with ${READERS} readers: ${p}`);
  } catch (err) {
    result.errors.push(errMsg(err));
    log(`ERROR ${errMsg(err)}`);
  } finally {
    await stopAll();
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err: unknown) => result.errors.push(`could not drop ${dbName}: ${errMsg(err)}`));
  }
  return result;
}

const pct = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${Math.round(n * 100)}%`);
const describeCpu = (c: Cpu) =>
  `cpu servers ${pct(c.servers)} pg ${pct(c.pg)}${c.broker === null ? '' : ` nats ${pct(c.broker)}`} load ${pct(c.load)} machine ${pct(c.machine)} (others ${pct(c.others)})`;
const describeBackends = (b: Record<string, number>) =>
  Object.entries(b)
    .slice(0, 4)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'all idle';

// ---------------------------------------------------------------- the part

export async function benchCluster(ctx: ClusterContext): Promise<ClusterReport> {
  const started = new Date();
  const t0 = performance.now();
  const loadStart = loadavg();
  const log = (m: string) => ctx.log(m);
  const report: ClusterReport = {
    startedAt: started.toISOString(),
    finishedAt: '',
    totalSeconds: 0,
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadavgStart: loadStart, loadavgEnd: [] },
    method: {
      processes: PROCESSES,
      topics: TOPICS,
      accounts: ACCOUNTS,
      readers: READERS,
      headlineWriters: HEADLINE_WRITERS,
      writerSteps: WRITER_STEPS.join(','),
      durationSec: DURATION_MS / 1000,
      warmupSec: Math.max(1000, WARMUP_MS) / 1000,
      drainSec: DRAIN_MS / 1000,
      pgAdminUrl: redact(PG_ADMIN_URL),
    },
    seedMs: null,
    buses: [],
    notes: [],
  };
  if (loadStart[0]! > 1.5)
    report.notes.push(`the machine was busy when the cluster bench started (load average ${loadStart.map((l) => l.toFixed(2)).join(', ')}): figures are noisy`);

  const stoppers: (() => Promise<void>)[] = [];
  const track = <T extends { stop(): Promise<void> }>(thing: T): T => {
    const stop = () => thing.stop().catch(() => {});
    stoppers.push(stop);
    ctx.onCleanup(stop);
    return thing;
  };
  const unknown = BUSES.filter((b) => !isBus(b));
  if (unknown.length) throw new Error(`BENCH_CLUSTER_BUSES: unknown bus "${unknown.join(', ')}" (expected postgres, nats)`);
  const prefix = `parley_cluster_${randomBytes(4).toString('hex')}`;
  const template = `${prefix}_seed`;
  let templateMade = false;
  let snapshot: string | null = null;
  try {
    const built = ensureCompiledServer(log);
    if (built) log(`cluster: built the server in ${built.toFixed(1)} s`);
    snapshot = snapshotCompiledServer();
    const dir = snapshot;
    ctx.onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
    const entry = join(snapshot, COMPILED_ENTRY);
    await adminQuery(`CREATE DATABASE ${template}`);
    templateMade = true;
    ctx.onCleanup(() => adminQuery(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).then(() => {}));
    // One process migrates and seeds the template; each bus then runs on a fresh copy of it.
    const seeder = track(await ParleyProcess.start('seed', entry, dbUrl(template), null, log));
    const seed = await seedCluster(seeder.base);
    await seeder.stop();
    await adminQuery('ANALYZE', dbUrl(template));
    report.seedMs = Math.round(seed.ms);
    log(`cluster: seeded ${template} (a community, ${TOPICS} topics, ${ACCOUNTS} posting accounts) in ${(seed.ms / 1000).toFixed(1)} s`);

    let nats: NatsServer | null = null;
    let natsUrl: string | null = process.env.BENCH_NATS_URL || null;
    if (BUSES.includes('nats') && !natsUrl) {
      nats = track(await NatsServer.start(log));
      natsUrl = nats.url;
    }
    const load = track(await LoadProcess.start());
    const bareServer = track(await BareServer.start());
    for (const bus of BUSES.filter(isBus)) report.buses.push(await benchBus(bus, { ctx, load, bareServer, nats, natsUrl, template, seed, prefix, entry }));
  } catch (err) {
    ctx.errors.push(`cluster: ${errMsg(err)}`);
    log(`cluster: ERROR ${errMsg(err)}`);
  } finally {
    await Promise.all(stoppers.map((s) => s()));
    if (snapshot) rmSync(snapshot, { recursive: true, force: true });
    if (templateMade)
      await adminQuery(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch((err: unknown) =>
        ctx.errors.push(`cluster: could not drop ${template}: ${errMsg(err)}`),
      );
  }
  for (const b of report.buses) {
    for (const e of b.errors) ctx.errors.push(`cluster ${b.label}: ${e}`);
    const busiest = Math.max(0, ...[...b.steps, ...(b.readers ? [b.readers] : [])].map((s) => s.cpu.others ?? 0));
    if (busiest > 0.3) report.notes.push(`cluster ${b.label}: other jobs used up to ${busiest.toFixed(1)} cores during a measurement: figures are noisy`);
  }

  const [pgBus, natsBus] = [report.buses.find((b) => b.bus === 'postgres'), report.buses.find((b) => b.bus === 'nats')];
  const headline = (b: BusResult | undefined) => b?.steps.find((s) => s.writers === HEADLINE_WRITERS && !s.problems.length) ?? null;
  const [hp, hn] = [headline(pgBus), headline(natsBus)];
  if (hp && hn)
    report.notes.push(
      `NATS / LISTEN-NOTIFY with ${HEADLINE_WRITERS} writers: ${(hn.postsPerSec / hp.postsPerSec).toFixed(2)}× the posts/s (${hn.postsPerSec.toFixed(0)} vs ${hp.postsPerSec.toFixed(0)}), ` +
        `POST p99 ${hn.ack.p99} vs ${hp.ack.p99} ms` +
        (pgBus?.readers && natsBus?.readers
          ? `; with ${READERS} readers ${(natsBus.readers.postsPerSec / pgBus.readers.postsPerSec).toFixed(2)}× (${natsBus.readers.postsPerSec.toFixed(0)} vs ${pgBus.readers.postsPerSec.toFixed(0)} posts/s), delivery p99 ${natsBus.readers.delivery?.p99} vs ${pgBus.readers.delivery?.p99} ms`
          : ''),
    );
  report.notes.push(
    `cluster: ${PROCESSES} compiled servers per bus (${COMPILED_ENTRY}, node ${startNodeOptions().join(' ')}, LOG_LEVEL=warn, PARLEY_RATE_LIMITS=off) on a copy of one seeded database; ` +
      `writers: concurrent fetch() loops in one forked load process, writer i on process i mod ${PROCESSES} as account i mod ${ACCOUNTS}, cycling over ${TOPICS} topics, ${DURATION_MS / 1000} s per step after a ${Math.max(1000, WARMUP_MS) / 1000} s warm-up; ` +
      `posts/s = 201s / (first send → last answer); post p99 = POST round trip (the reply commits before its 201)`,
    `cluster readers: ${READERS} sockets in the same load process, reader k on process k mod ${PROCESSES} subscribed to topic k mod ${TOPICS}; delivery = the 201 received → the topic's last reader received post.created, every (reader, post) pair counted after a drain of at most ${DRAIN_MS / 1000} s; ` +
      `ceiling = one bare ws server (bench/live-bare.ts), ${READERS} clients in ${TOPICS} groups, ${HEADLINE_WRITERS} broadcasts in flight, its stamp before the send loop → the group's last client, measured right before each bus's readers run`,
    `cluster cpu: in cores (100% = one), from /proc: the ${PROCESSES} servers together, every postgres process, the broker, the load process, the whole machine (${cpus().length} cores, shared by all of them)`,
  );
  report.machine.loadavgEnd = loadavg();
  report.finishedAt = new Date().toISOString();
  report.totalSeconds = Math.round((performance.now() - t0) / 1000);
  const file = writeClusterJson(report);
  report.notes.push(`cluster: written to ${file}`);
  return report;
}

function writeClusterJson(report: ClusterReport): string {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}cluster.json`;
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

// ---------------------------------------------------------------- printing

const num = (n: number | null | undefined, d = 0) =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const ms = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${num(n, n < 10 ? 1 : 0)} ms`);
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a === null || a === undefined || !b ? '—' : `${(a / b).toFixed(2)}×`);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatCluster(report: ClusterReport): string {
  const main = table(
    [
      'bus (3 processes)',
      `posts/s (${HEADLINE_WRITERS} writers)`,
      'post p99',
      `posts/s, ${num(READERS)} readers`,
      'delivery p99',
      'delivered',
      'bare ws: bcasts/s, p99',
      'x bare: posts/s (no readers / readers), delivery p99',
      'result',
    ],
    report.buses.map((b) => {
      const h = b.steps.find((s) => s.writers === HEADLINE_WRITERS) ?? null;
      const r = b.readers;
      const bare = b.bare;
      return [
        b.label,
        h ? num(h.postsPerSec) : '—',
        ms(h?.ack.p99),
        r ? num(r.postsPerSec) : '—',
        ms(r?.delivery?.p99),
        r ? `${num(r.delivered)}/${num(r.expected)}` : '—',
        bare ? `${num(bare.broadcastsPerSec)}, ${ms(bare.delivery.p99)}` : '—',
        `${ratio(h?.postsPerSec, bare?.broadcastsPerSec)} / ${ratio(r?.postsPerSec, bare?.broadcastsPerSec)}; ${ratio(r?.delivery?.p99, bare?.delivery.p99)}`,
        b.errors.length ? `ERROR (${b.errors.join('; ')})` : 'ok',
      ];
    }),
  );
  const sweep = table(
    [
      'bus',
      'writers',
      'posts/s',
      'post p50',
      'post p99',
      'stored = acked',
      'cpu servers/pg/nats/load/all (others)',
      'server loops',
      'database backends (avg, not idle)',
    ],
    report.buses.flatMap((b) =>
      b.steps.map((s) => [
        b.label,
        String(s.writers),
        num(s.postsPerSec),
        ms(s.ack.p50),
        ms(s.ack.p99),
        s.stored === s.acked ? 'yes' : `${s.stored}/${s.acked}`,
        `${pct(s.cpu.servers)}/${pct(s.cpu.pg)}/${pct(s.cpu.broker)}/${pct(s.cpu.load)}/${pct(s.cpu.machine)} (${pct(s.cpu.others)})`,
        s.serverLoop.map(pct).join(' '),
        describeBackends(s.pgBackends),
      ]),
    ),
  );
  const knees = report.buses.map((b) => `${b.label}: ${b.knee ?? '—'}`);
  return [main, '', sweep, '', ...knees].join('\n');
}
