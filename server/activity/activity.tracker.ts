/**
 * When a member was last seen (users.last_seen_at), for "only when away" mail and the digest.
 * Every request of a signed-in member and every open live socket says "seen"; the database hears
 * it at most once a minute per member per process, so it costs one cheap UPDATE a minute for
 * someone active and nothing per request.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { users } from '../../db/schema.js';

/** How stale last_seen_at may be: activity within this long after a write is not written again. */
export const SEEN_THROTTLE_MS = 60_000;

export interface ActivityTracker {
  /** The member did something now; written unless it was written less than a minute ago. */
  seen(userId: number): void;
  /** Drops members not seen for a while from memory (their next activity is written at once). */
  forgetIdle(): void;
  /** Waits for the writes in flight (before the database closes). */
  settle(): Promise<void>;
}

export function activityTracker(db: Db, log: { warn(obj: object, msg?: string): void }, throttleMs = SEEN_THROTTLE_MS): ActivityTracker {
  const written = new Map<number, number>();
  const inFlight = new Set<Promise<void>>();
  return {
    seen(userId) {
      const now = Date.now();
      const last = written.get(userId);
      if (last !== undefined && now - last < throttleMs) return;
      written.set(userId, now);
      const update = db
        .update(users)
        .set({ lastSeenAt: sql`now()` })
        .where(eq(users.id, userId))
        .then(
          () => {},
          (err: unknown) => {
            // Not remembered as written: the next request tries again.
            written.delete(userId);
            log.warn({ err, userId }, 'last seen not recorded');
          },
        )
        .finally(() => inFlight.delete(update));
      inFlight.add(update);
    },
    forgetIdle() {
      const before = Date.now() - throttleMs;
      for (const [userId, at] of written) if (at < before) written.delete(userId);
    },
    async settle() {
      await Promise.all(inFlight);
    },
  };
}
