import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { pruneCounters } from '../limits/counters.js';
import type { SessionStore } from '../auth/session.js';
import type { Config } from '../config/config.js';
import { runReindexInBackground, stopReindexing } from '../search/search.reindex.js';

/** Housekeeping that keeps tables from growing without bound; safe to run in every process. */
export async function runMaintenance(db: Db, sessions: SessionStore, live: Config['live']): Promise<void> {
  await sessions.pruneExpired();
  await pruneCounters(db);
  await db.execute(sql`DELETE FROM sso_token_uses WHERE expires_at < now()`);
  await pruneEvents(db, live.retentionDays, live.retentionPerChannel);
}

/**
 * Outbox retention: old enough events go (a reader back after longer gets `reset` and
 * refetches), and no channel keeps more than its cap.
 */
export async function pruneEvents(db: Db, days: number, perChannel: number): Promise<void> {
  await db.execute(sql`DELETE FROM events WHERE created_at < now() - make_interval(days => ${days})`);
  await db.execute(sql`DELETE FROM events e USING channels c WHERE e.channel = c.name AND e.seq <= c.last_seq - ${perChannel}`);
}

/** Other periodic work (e.g. question reminders); each must be safe to run in several processes at once. */
export interface MaintenanceJob {
  name: string;
  run: () => Promise<unknown>;
}

export interface MaintenanceSchedule {
  everyMs?: number;
  jobs?: MaintenanceJob[];
}

/**
 * Runs housekeeping and the jobs on a timer that does not keep the process alive. One job
 * failing does not stop the others. The answer stops the timer and waits for a run in progress,
 * so the database is not closed under it.
 */
export function scheduleMaintenance(
  db: Db,
  sessions: SessionStore,
  live: Config['live'],
  log: FastifyBaseLogger,
  schedule: MaintenanceSchedule = {},
): () => Promise<void> {
  const jobs: MaintenanceJob[] = [
    { name: 'maintenance', run: () => runMaintenance(db, sessions, live) },
    // Communities whose language changed (or whose re-index was interrupted) are re-indexed in batches.
    { name: 'search re-index', run: () => runReindexInBackground(db, log) },
    ...(schedule.jobs ?? []),
  ];
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    // A run that outlasts the interval is not doubled up.
    if (running) return;
    running = Promise.all(jobs.map((job) => job.run().catch((err) => log.warn({ err }, `${job.name} failed`)))).finally(() => {
      running = null;
    });
  }, schedule.everyMs ?? 3600_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    // A re-index started by a change of language runs outside the timer: it stops between batches.
    await Promise.all([stopReindexing(db), running]);
  };
}
