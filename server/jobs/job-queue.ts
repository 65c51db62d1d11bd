/**
 * Durable background jobs (mail first): pg-boss over the app's own database, whichever driver.
 * Jobs live in PostgreSQL (schema `pgboss`), so they survive a restart, run once across processes
 * (SKIP LOCKED), retry with back-off and can wait for a time. On the embedded database pg-boss
 * runs over PGlite through the same adapter, so there is one job runner to test, not two.
 */
import PgBoss from 'pg-boss';
import type { FastifyBaseLogger } from 'fastify';
import { executorSql, type Database, type Executor } from '../../db/client.js';

export interface QueueOptions {
  /** `short`: at most one waiting job per singletonKey (later sends fold into it). */
  policy?: 'standard' | 'short' | 'singleton' | 'stately';
  retryLimit?: number;
  /** Seconds before the first retry; with backoff each retry waits about twice as long. */
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
}

export interface SendOptions {
  /** Enqueue inside this transaction: the job exists only if the write around it commits. */
  tx?: Executor;
  startAfterSeconds?: number;
  singletonKey?: string;
}

export interface RunningJob<T> {
  id: string;
  data: T;
  /** Retries so far (0 on the first run) and allowed: the last attempt may give up differently. */
  retryCount: number;
  retryLimit: number;
}

export interface JobQueue {
  define(name: string, options?: QueueOptions): Promise<void>;
  send<T extends object>(name: string, data: T, options?: SendOptions): Promise<string | null>;
  /**
   * Many jobs of one queue in one statement (e.g. one per recipient of a reply): the cost does not
   * grow in round trips with the number of jobs. Same options per job as `send`, minus `tx`.
   */
  sendMany<T extends object>(name: string, jobs: Array<{ data: T } & Omit<SendOptions, 'tx'>>, options?: { tx?: Executor }): Promise<void>;
  /** Runs `handler` for each job of `name`, one at a time per process; a throw is a failure, retried as the queue says. */
  work<T>(name: string, handler: (job: RunningJob<T>) => Promise<void>): Promise<void>;
  /** A job on a cron schedule (UTC), sent once per slot across every process. */
  schedule(name: string, cron: string, data?: object): Promise<void>;
  /** Finish the jobs in hand and stop taking more. */
  stop(): Promise<void>;
}

interface WorkLoop {
  wake(): void;
  done: Promise<void>;
}

export interface JobQueueOptions {
  /** How often an idle worker looks for due jobs (jobs sent from this process wake it at once). */
  pollingIntervalSeconds?: number;
}

/**
 * Replicas starting together on a new database set pg-boss up at once: creating its schema, or the
 * same queue, one of them loses the race (a duplicate, or a deadlock PostgreSQL breaks by aborting
 * it). Each step checks what exists first, so the loser simply tries again.
 */
async function againIfRaced(step: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await step();
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if ((code !== '40P01' && code !== '23505') || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}

export async function startJobQueue(database: Database, log: FastifyBaseLogger, options: JobQueueOptions = {}): Promise<JobQueue> {
  // Statements in flight, so that stopping can let the last ones (a job's completion) finish
  // before the database closes under them.
  let inFlight = 0;
  const drained: Array<() => void> = [];
  const boss = new PgBoss({
    db: {
      executeSql: async (text, values) => {
        inFlight++;
        try {
          return await database.executeSql(text, values);
        } finally {
          if (--inFlight === 0) for (const done of drained.splice(0)) done();
        }
      },
    },
    schema: 'pgboss',
    migrate: true,
    supervise: true,
    schedule: true,
  });
  boss.on('error', (err) => log.warn({ err }, 'job queue'));
  await againIfRaced(() => boss.start());
  const pollingMs = (options.pollingIntervalSeconds ?? 2) * 1000;
  const loops = new Map<string, WorkLoop>();
  let stopping = false;

  // A job sent from here should not wait for the next poll. Sent inside a transaction, it becomes
  // visible only at commit, which is soon but not now: look again shortly after.
  const wake = (name: string, tx: boolean) => {
    const loop = loops.get(name);
    if (!loop) return;
    for (const ms of tx ? [15, 150] : [0]) setTimeout(() => loop.wake(), ms).unref();
  };

  /**
   * Our own worker loop over pg-boss's fetch, complete and fail, rather than `boss.work`: its
   * worker does not wait for (or catch) a job's completion, so a database hiccup there was an
   * unhandled rejection, and stopping could close the database under a completion in flight.
   * Here each step is awaited and a failure is logged; `stop` waits for the loop to end.
   */
  function startLoop<T>(name: string, handler: (job: RunningJob<T>) => Promise<void>): WorkLoop {
    let wakeUp: (() => void) | null = null;
    let woken = false;
    const sleep = () =>
      new Promise<void>((resolve) => {
        if (woken || stopping) return resolve();
        const timer = setTimeout(() => resolve(), pollingMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      }).finally(() => {
        wakeUp = null;
        woken = false;
      });
    const run = async () => {
      while (!stopping) {
        let job: PgBoss.JobWithMetadata<T> | undefined;
        try {
          [job] = await boss.fetch<T>(name, { batchSize: 1, includeMetadata: true });
        } catch (err) {
          log.warn({ err, queue: name }, 'job queue: fetch failed');
        }
        if (!job) {
          await sleep();
          continue;
        }
        try {
          await handler({ id: job.id, data: job.data, retryCount: job.retryCount, retryLimit: job.retryLimit });
          await boss.complete(name, job.id).catch((err: unknown) => log.warn({ err, queue: name, job: job.id }, 'job queue: completion not recorded'));
        } catch (err) {
          // Failed: pg-boss retries it with back-off, as the queue says.
          await boss.fail(name, job.id, err as object).catch((e: unknown) => log.warn({ err: e, queue: name, job: job.id }, 'job queue: failure not recorded'));
        }
      }
    };
    const done = run();
    return {
      wake: () => {
        woken = true;
        wakeUp?.();
      },
      done,
    };
  }

  return {
    async define(name, q = {}) {
      const spec = {
        name,
        policy: q.policy ?? 'standard',
        ...(q.retryLimit !== undefined ? { retryLimit: q.retryLimit } : {}),
        ...(q.retryDelaySeconds !== undefined ? { retryDelay: q.retryDelaySeconds } : {}),
        ...(q.retryBackoff !== undefined ? { retryBackoff: q.retryBackoff } : {}),
      };
      // createQueue is idempotent for an existing queue but does not change it: keep settings current.
      await againIfRaced(async () => {
        await boss.createQueue(name, spec);
        await boss.updateQueue(name, spec);
      });
    },
    async send(name, data, o = {}) {
      const id = await boss.send(name, data, {
        ...(o.tx ? { db: executorSql(o.tx) } : {}),
        ...(o.startAfterSeconds ? { startAfter: o.startAfterSeconds } : {}),
        ...(o.singletonKey ? { singletonKey: o.singletonKey } : {}),
      });
      if (!o.startAfterSeconds) wake(name, !!o.tx);
      return id;
    },
    async sendMany(name, list, o = {}) {
      if (list.length === 0) return;
      await boss.insert(
        list.map((job) => ({
          name,
          data: job.data,
          ...(job.startAfterSeconds ? { startAfter: new Date(Date.now() + job.startAfterSeconds * 1000) } : {}),
          ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}),
        })),
        o.tx ? { db: executorSql(o.tx) } : {},
      );
      if (list.some((job) => !job.startAfterSeconds)) wake(name, !!o.tx);
    },
    async work<T>(name: string, handler: (job: RunningJob<T>) => Promise<void>) {
      if (loops.has(name)) throw new Error(`jobs of ${name} already have a worker`);
      loops.set(name, startLoop(name, handler));
    },
    async schedule(name, cron, data = {}) {
      await boss.schedule(name, cron, data, { tz: 'UTC' });
    },
    async stop() {
      stopping = true;
      // The jobs in hand finish (and are recorded); then pg-boss's own timers stop.
      for (const loop of loops.values()) loop.wake();
      await Promise.all([...loops.values()].map((loop) => loop.done));
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      if (inFlight > 0) await Promise.race([new Promise<void>((resolve) => drained.push(resolve)), new Promise((resolve) => setTimeout(resolve, 2000))]);
    },
  };
}
