import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';

/** Requests closer together than this are one visit: "new since your last visit" must survive paging and reloads. */
export const VISIT_GAP_MINUTES = 30;

/** A visit is written at most this often; within it the stored visit is read (the gap above is far longer). */
export const VISIT_NOTE_SECONDS = 60;

/**
 * Notes that the viewer is looking at the community now and answers when their previous visit
 * ended (null on the first ever). The last visit becomes the previous one only after a gap of
 * more than VISIT_GAP_MINUTES, so what was new when the visit began stays new for all of it.
 */
export async function recordVisit(db: Executor, userId: number, communityId: number): Promise<Date | null> {
  // Noted at most once a minute: reloads, paging back to the first page and a reader's other tabs
  // read the visit instead of writing it again (a write, and a lock on the reader's row, each time).
  const [seen] = await rows<{ previous_seen_at: string | Date | null; fresh: boolean }>(
    db,
    sql`
    SELECT previous_seen_at, last_seen_at > now() - make_interval(secs => ${VISIT_NOTE_SECONDS}) AS fresh
    FROM community_visits WHERE user_id = ${userId} AND community_id = ${communityId}`,
  );
  if (seen?.fresh) return toDate(seen.previous_seen_at);
  return noteVisit(db, userId, communityId);
}

/** Writes the visit (see recordVisit, which calls it at most once a minute) and answers the previous one. */
export async function noteVisit(db: Executor, userId: number, communityId: number): Promise<Date | null> {
  const [row] = await rows<{ previous_seen_at: string | Date | null }>(
    db,
    sql`
    INSERT INTO community_visits (user_id, community_id, last_seen_at, previous_seen_at)
    VALUES (${userId}, ${communityId}, now(), NULL)
    ON CONFLICT (user_id, community_id) DO UPDATE SET
      previous_seen_at = CASE
        WHEN community_visits.last_seen_at < now() - make_interval(mins => ${VISIT_GAP_MINUTES}) THEN community_visits.last_seen_at
        ELSE community_visits.previous_seen_at END,
      last_seen_at = greatest(community_visits.last_seen_at, now())
    RETURNING previous_seen_at`,
  );
  return toDate(row?.previous_seen_at ?? null);
}

/** The previous visit without recording one (later pages of a list). */
export async function previousVisit(db: Executor, userId: number, communityId: number): Promise<Date | null> {
  const [row] = await rows<{ previous_seen_at: string | Date | null }>(
    db,
    sql`
    SELECT previous_seen_at FROM community_visits WHERE user_id = ${userId} AND community_id = ${communityId}`,
  );
  return toDate(row?.previous_seen_at ?? null);
}

const toDate = (v: string | Date | null) => (v === null ? null : new Date(v));
