import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';

export interface CounterHit {
  count: number;
  /** Seconds until the window ends and the count starts again. */
  resetInSeconds: number;
}

const windowOf = (windowSeconds: number, now: number) => {
  const start = Math.floor(now / 1000 / windowSeconds) * windowSeconds;
  return { start: new Date(start * 1000), resetInSeconds: Math.max(1, start + windowSeconds - Math.floor(now / 1000)) };
};

/** Fixed-window counter kept in the database, so it holds across every app process. */
export async function hitCounter(db: Executor, key: string, windowSeconds: number, now = Date.now()): Promise<CounterHit> {
  const { start, resetInSeconds } = windowOf(windowSeconds, now);
  const [row] = await rows<{ count: number }>(
    db,
    sql`
    INSERT INTO rate_counters (key, window_start, count) VALUES (${key}, ${start.toISOString()}, 1)
    ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1
    RETURNING count`,
  );
  return { count: Number(row?.count ?? 1), resetInSeconds };
}

export async function peekCounter(db: Executor, key: string, windowSeconds: number, now = Date.now()): Promise<CounterHit> {
  const { start, resetInSeconds } = windowOf(windowSeconds, now);
  const [row] = await rows<{ count: number }>(
    db,
    sql`
    SELECT count FROM rate_counters WHERE key = ${key} AND window_start = ${start.toISOString()}`,
  );
  return { count: Number(row?.count ?? 0), resetInSeconds };
}

export async function pruneCounters(db: Executor, olderThanSeconds = 86_400): Promise<void> {
  await db.execute(sql`DELETE FROM rate_counters WHERE window_start < now() - make_interval(secs => ${olderThanSeconds})`);
}
