import type { FastifyBaseLogger } from 'fastify';
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Db } from '../../db/client.js';
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

/** Rows one statement removes: each batch is its own short transaction, so none holds locks for long. */
export const PRUNE_BATCH = 1000;
/** Batches one run removes at most; a backlog (a first run on an old forum) goes over several hours. */
const PRUNE_MAX_BATCHES = 50;

export interface NotificationRetention {
  keepDays: number;
  unreadCap: number;
}

/**
 * Notification retention: read ones go once their last news is older than `keepDays`; unread
 * ones stay, but no member keeps more than `unreadCap` (the oldest go). Reminders stay: a
 * question's reminder row is what makes it remind its asker once. Batched through the indexes
 * (`notifications_read_age_idx`, `notifications_user_idx`), skipping rows another process or a
 * mail job holds. Answers how many of each went.
 */
export async function pruneNotifications(
  db: Db,
  keep: NotificationRetention,
  limits: { batch?: number; maxBatches?: number } = {},
): Promise<{ read: number; unread: number }> {
  const batch = limits.batch ?? PRUNE_BATCH;
  let budget = limits.maxBatches ?? PRUNE_MAX_BATCHES;
  const deleted = async (query: SQL) => (await rows<{ id: number }>(db, query)).length;

  let read = 0;
  while (budget-- > 0) {
    const n = await deleted(sql`
      WITH doomed AS (
        SELECT id FROM notifications
        WHERE read_at IS NOT NULL AND updated_at < now() - make_interval(days => ${keep.keepDays}) AND kind <> 'reminder'
        ORDER BY updated_at LIMIT ${batch}
        FOR UPDATE SKIP LOCKED
      )
      DELETE FROM notifications n USING doomed WHERE n.id = doomed.id RETURNING n.id`);
    read += n;
    if (n < batch) break;
  }

  let unread = 0;
  // Counted on the unread index alone; reminders count towards the cap but are never removed.
  const over = await rows<{ user_id: number }>(
    db,
    sql`SELECT user_id FROM notifications WHERE read_at IS NULL GROUP BY user_id HAVING count(*) > ${keep.unreadCap} LIMIT 1000`,
  );
  for (const { user_id } of over) {
    while (budget-- > 0) {
      const n = await deleted(sql`
        WITH doomed AS (
          SELECT id FROM notifications
          WHERE user_id = ${user_id} AND read_at IS NULL AND kind <> 'reminder'
            AND id < (SELECT id FROM notifications WHERE user_id = ${user_id} AND read_at IS NULL ORDER BY id DESC OFFSET ${keep.unreadCap - 1} LIMIT 1)
          ORDER BY id LIMIT ${batch}
          FOR UPDATE SKIP LOCKED
        )
        DELETE FROM notifications n USING doomed WHERE n.id = doomed.id RETURNING n.id`);
      unread += n;
      if (n < batch) break;
    }
  }
  return { read, unread };
}

/**
 * Search term retention: days older than `keepDays` go (PARLEY_SEARCH_TERMS_KEEP_DAYS), in batches
 * through `search_terms_day_idx`. Answers how many rows went.
 */
export async function pruneSearchTerms(db: Db, keepDays: number, limits: { batch?: number; maxBatches?: number } = {}): Promise<number> {
  const batch = limits.batch ?? PRUNE_BATCH;
  let budget = limits.maxBatches ?? PRUNE_MAX_BATCHES;
  let gone = 0;
  while (budget-- > 0) {
    const n = (
      await rows<{ day: string }>(
        db,
        sql`
        WITH doomed AS (
          SELECT community_id, day, term FROM search_terms
          WHERE day < (now() AT TIME ZONE 'UTC')::date - ${keepDays}::int
          ORDER BY day LIMIT ${batch}
          FOR UPDATE SKIP LOCKED
        )
        DELETE FROM search_terms s USING doomed
        WHERE s.community_id = doomed.community_id AND s.day = doomed.day AND s.term = doomed.term
        RETURNING s.day`,
      )
    ).length;
    gone += n;
    if (n < batch) break;
  }
  return gone;
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
