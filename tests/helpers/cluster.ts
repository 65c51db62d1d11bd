/**
 * The production shape on one machine, without Docker: a PostgreSQL database, a NATS server, app
 * processes as `npm start` runs them (the compiled server) and deploy/nginx.conf in nginx in
 * front. Shared by tests/e2e/cluster.production-shape.test.ts and `npm run demo:cluster`, so it
 * must not import vitest. Each piece can be stopped and started again on the same port, as an
 * operator (or a crash) would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { freePort, sleep, startNginx, type RunningNginx } from './nginx.js';

/** The compiled server (`npm run build`), as `npm start` runs it. */
export const APP_ENTRY = 'dist/app/server/main.js';
export const NATS_SERVER = '/usr/sbin/nats-server';

/** The server's maintenance database on the host named by `databaseUrl` (its own database is ignored). */
export function adminUrl(databaseUrl: string | undefined): string {
  const url = new URL(databaseUrl || 'postgresql://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/postgres';
  return url.toString();
}

/** Creates `name` on the server of `admin` unless it exists; returns its URL. */
export async function ensureDatabase(admin: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(admin: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Resolves when `proc` has exited (at once if it already has). */
function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL if it is still running after `graceMs`; says which ended it. */
async function terminate(proc: ChildProcess, graceMs: number): Promise<'SIGTERM' | 'SIGKILL'> {
  const done = exited(proc);
  proc.kill('SIGTERM');
  if (await Promise.race([done.then(() => true), sleep(graceMs).then(() => false)])) return 'SIGTERM';
  proc.kill('SIGKILL');
  await done;
  return 'SIGKILL';
}

/** One app process on a fixed port: started again after a crash, it comes back where nginx expects it. */
export class AppProcess {
  proc: ChildProcess | null = null;
  /** The last lines it printed (stdout and stderr), for a failure's message. */
  readonly output: string[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    /** Every line it prints, as it prints it (the demo shows them; the test keeps the last few). */
    private readonly onLine?: (line: string) => void,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts it and resolves once it prints its "listening on" line (the contract scripts wait for). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    if (!existsSync(APP_ENTRY)) throw new Error(`build the app first (npm run build): ${APP_ENTRY} is missing`);
    const proc = spawn(process.execPath, [APP_ENTRY], { env: { ...this.env, PORT: String(this.port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const remember = (line: string) => {
      this.output.push(line);
      if (this.output.length > 50) this.output.shift();
      this.onLine?.(line);
    };
    createInterface({ input: proc.stderr }).on('line', remember);
    const lines = createInterface({ input: proc.stdout });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start within ${timeoutMs} ms:\n${this.output.join('\n')}`)), timeoutMs);
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${signal ?? code}) before listening:\n${this.output.join('\n')}`));
      };
      proc.once('exit', onExit);
      lines.on('line', (line) => {
        remember(line);
        if (/listening on http:\/\//.test(line)) {
          clearTimeout(timer);
          proc.off('exit', onExit);
          resolve();
        }
      });
    });
  }

  /** A crash: no shutdown, no goodbye to its sockets or its database connections. */
  async kill(): Promise<void> {
    if (!this.proc || !this.running) return;
    this.proc.kill('SIGKILL');
    await exited(this.proc);
  }

  /**
   * A deploy's restart: SIGTERM lets in-flight requests finish and closes sockets with 1001.
   * Resolves with how long it took and whether it had to be killed after `graceMs`.
   */
  async stop(graceMs = 10_000): Promise<{ ms: number; forced: boolean }> {
    if (!this.proc || !this.running) return { ms: 0, forced: false };
    const start = Date.now();
    const forced = (await terminate(this.proc, graceMs)) === 'SIGKILL';
    return { ms: Date.now() - start, forced };
  }

  async restart(): Promise<{ ms: number; forced: boolean }> {
    const stopped = await this.stop();
    await this.start();
    return stopped;
  }
}

/** A nats-server of our own, so it can be stopped and started again on the same port. */
export class NatsServer {
  proc: ChildProcess | null = null;
  readonly output: string[] = [];

  constructor(readonly port: number) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async start(timeoutMs = 10_000): Promise<void> {
    if (this.running) throw new Error('nats-server is already running');
    if (!existsSync(NATS_SERVER)) throw new Error(`${NATS_SERVER} is missing (Debian: apt-get install nats-server)`);
    const proc = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    createInterface({ input: proc.stderr }).on('line', (line) => {
      this.output.push(line);
      if (this.output.length > 50) this.output.shift();
    });
    const end = Date.now() + timeoutMs;
    while (!(await accepts(this.port))) {
      if (!this.running) throw new Error(`nats-server exited before listening:\n${this.output.join('\n')}`);
      if (Date.now() > end) throw new Error(`nats-server did not listen on ${this.port}:\n${this.output.join('\n')}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    if (!this.proc || !this.running) return;
    await terminate(this.proc, 5000);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ClusterOptions {
  databaseUrl: string;
  replicas?: number;
  /** nginx's port (the site's origin); a free one when absent. */
  port?: number;
  /** Environment every app process gets on top of the cluster's own. */
  env?: NodeJS.ProcessEnv;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info';
  /** Passed to startNginx: a response header naming the replica that answered. */
  upstreamHeader?: boolean;
  /** Each line an app process prints. */
  onLine?: (app: string, line: string) => void;
}

export interface Cluster {
  /** The public origin: nginx. */
  origin: string;
  apps: AppProcess[];
  nats: NatsServer;
  nginx: RunningNginx;
  /** Stops everything it started (nginx, the apps, NATS); the database stays. */
  stop: () => Promise<void>;
}

/**
 * NATS, the app processes (all at once) and nginx in front. Ports are fixed at the start so a process started again comes back on its own.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const replicas = options.replicas ?? 3;
  const port = options.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const nats = new NatsServer(await freePort());
  const apps: AppProcess[] = [];
  for (let i = 1; i <= replicas; i++) {
    apps.push(
      new AppProcess(
        `app${i}`,
        await freePort(),
        {
          ...process.env,
          ...options.env,
          DATABASE_URL: options.databaseUrl,
          PARLEY_BUS_URL: nats.url,
          HOST: '127.0.0.1',
          PARLEY_ORIGIN: origin,
          PARLEY_TRUST_PROXY: 'on',
          PARLEY_SEED_DEMO: 'off',
          LOG_LEVEL: options.logLevel ?? 'warn',
        },
        options.onLine && ((line) => options.onLine!(`app${i}`, line)),
      ),
    );
  }
  let nginx: RunningNginx | undefined;
  const stop = async () => {
    await nginx?.stop();
    await Promise.all(apps.map((app) => app.stop(5000)));
    await nats.stop();
  };
  try {
    await nats.start();
    // All at once, as an orchestrator starts them: on a brand-new database their migrations wait
    // for each other, and their job queues' creation, which can deadlock, is tried again.
    await Promise.all(apps.map((app) => app.start()));
    nginx = await startNginx({ upstreams: apps.map((app) => app.address), port, upstreamHeader: options.upstreamHeader });
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin, apps, nats, nginx, stop };
}
