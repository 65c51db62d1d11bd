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

export interface JobQueueOptions {
  /** How often an idle worker looks for due jobs (jobs sent from this process wake it at once). */
  pollingIntervalSeconds?: number;
}

export async function startJobQueue(database: Database, log: FastifyBaseLogger, options: JobQueueOptions = {}): Promise<JobQueue> {
  let stopped = false;
  const boss = new PgBoss({
    // Once stopped, the queue answers its own leftover timers and loops (a cron check, a worker's
    // last fetch) with nothing, instead of reaching a database that is closing under them.
    db: { executeSql: (text, values) => (stopped ? Promise.resolve({ rows: [] }) : database.executeSql(text, values)) },
    schema: 'pgboss',
    migrate: true,
    supervise: true,
    schedule: true,
  });
  boss.on('error', (err) => log.warn({ err }, 'job queue'));
  await boss.start();
  const polling = options.pollingIntervalSeconds ?? 2;
  const workers = new Map<string, string>();

  // A job sent from here should not wait for the next poll. Sent inside a transaction, it becomes
  // visible only at commit, which is soon but not now: look again shortly after.
  const wake = (name: string, tx: boolean) => {
    const id = workers.get(name);
    if (!id) return;
    for (const ms of tx ? [15, 150] : [0]) setTimeout(() => boss.notifyWorker(id), ms).unref();
  };

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
      await boss.createQueue(name, spec);
      await boss.updateQueue(name, spec);
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
      const id = await boss.work<T>(name, { pollingIntervalSeconds: polling, batchSize: 1, includeMetadata: true }, async ([job]) => {
        if (job) await handler({ id: job.id, data: job.data, retryCount: job.retryCount, retryLimit: job.retryLimit });
      });
      workers.set(name, id);
    },
    async schedule(name, cron, data = {}) {
      await boss.schedule(name, cron, data, { tz: 'UTC' });
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      stopped = true;
    },
  };
}
