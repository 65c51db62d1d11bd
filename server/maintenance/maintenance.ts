import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { pruneCounters } from '../limits/counters.js';
import type { SessionStore } from '../auth/session.js';

/** Housekeeping that keeps tables from growing without bound; safe to run in every process. */
export async function runMaintenance(db: Db, sessions: SessionStore): Promise<void> {
  await sessions.pruneExpired();
  await pruneCounters(db);
  await db.execute(sql`DELETE FROM sso_token_uses WHERE expires_at < now()`);
}

export function scheduleMaintenance(db: Db, sessions: SessionStore, log: FastifyBaseLogger, everyMs = 3600_000): () => void {
  const timer = setInterval(() => {
    runMaintenance(db, sessions).catch((err) => log.warn({ err }, 'maintenance failed'));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
