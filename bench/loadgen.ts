import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One load run, described as plain data so it can cross the IPC channel to the child. */
export interface LoadSpec {
  title: string;
  /** Base URL of the target server, e.g. http://127.0.0.1:40123 */
  baseUrl: string;
  connections: number;
  durationSec: number;
  /** GET this path with these headers… */
  get?: { path: string; headers?: Record<string, string> };
  /**
   * …or POST replies: each request goes to the next path / cookie in turn and carries a body
   * that is unique within the whole bench run (tag + per-run counter), so no duplicate guard trips.
   */
  post?: { paths: string[]; cookies: string[]; origin: string; tag: string };
}

export interface LoadResult {
  title: string;
  durationSec: number;
  /** Completed responses (any status). */
  completed: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Mean of autocannon's per-second samples, all statuses. */
  reqPerSec: number;
  /** 2xx responses divided by the measured duration. */
  okPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  bytesPerSec: number;
  /** Bytes on the wire per response, headers included, as the server sent them (compressed when the spec's headers ask for it). */
  bytesPerResponse: number | null;
  statusCodes: Record<string, number>;
  /** CPU the load generator used during the run, in cores (1 = one core fully busy). */
  clientCpu: number;
}

type FromChild = { type: 'ready' } | { type: 'result'; id: number; result: LoadResult } | { type: 'error'; id: number; message: string };

/**
 * The load generator runs in a forked child process (autocannon under tsx), so that on a
 * 2-core machine the server under test and the client each get a core of their own instead
 * of sharing one event loop.
 */
export class LoadGenerator {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const msg = raw as FromChild;
      if (msg.type === 'ready') return;
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      clearTimeout(waiter.timer);
      if (msg.type === 'result') waiter.resolve(msg.result);
      else waiter.reject(new Error(msg.message));
    });
    child.on('exit', (code, signal) => {
      for (const [id, waiter] of this.pending) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`load generator exited (code ${code}, signal ${signal})`));
        this.pending.delete(id);
      }
    });
  }

  static async start(): Promise<LoadGenerator> {
    const child = fork(fileURLToPath(new URL('./load-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('load generator did not start within 20 s')), 20_000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`load generator exited early (code ${code})`));
      });
      child.on('message', (m) => {
        if ((m as FromChild).type === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.removeAllListeners('exit');
    child.removeAllListeners('error');
    return new LoadGenerator(child);
  }

  /** Runs one load; bounded by the spec's duration, with a watchdog on top in case the child hangs. */
  run(spec: LoadSpec): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.pending.delete(id);
          reject(new Error(`load run "${spec.title}" did not finish within ${spec.durationSec + 30} s`));
        },
        (spec.durationSec + 30) * 1000,
      );
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ type: 'run', id, spec });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
