import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { pruneCounters } from '../limits/counters.js';
import type { SessionStore } from '../auth/session.js';
import type { Config } from '../config/config.js';

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

export function scheduleMaintenance(db: Db, sessions: SessionStore, live: Config['live'], log: FastifyBaseLogger, everyMs = 3600_000): () => void {
  const timer = setInterval(() => {
    runMaintenance(db, sessions, live).catch((err) => log.warn({ err }, 'maintenance failed'));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
