/**
 * Ignoring a member: a private boundary between two people. Their posts fold for the one who
 * ignores (the web reads the list from the topic page's viewer state), and they can neither
 * mention nor notify them (notifications.write.ts: `loadPeople` leaves them out in SQL). The
 * ignored member is never told: nothing here reaches them, and no answer they get changes.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { rows, type Executor } from '../../../db/client.js';
import { userIgnores, users } from '../../../db/schema.js';
import { badRequest, conflict, notFound, unauthorized } from '../../errors/errors.js';
import { presentUser, userColumns } from '../../users/users.present.js';
import type { Viewer } from '../../visibility/viewer.js';

/** Past this many, ignoring is not a boundary but a filter; the list stays one page. */
export const MAX_IGNORES = 1000;

async function targetOf(db: Executor, viewer: Viewer, handle: string): Promise<{ userId: number; targetId: number }> {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const [found] = await rows<{ id: number }>(db, sql`SELECT id FROM users WHERE lower(handle) = ${handle.toLowerCase()}`);
  if (!found) throw notFound('user_not_found', `No user "${handle}".`, { handle });
  const targetId = Number(found.id);
  if (targetId === user.id) throw badRequest('cannot_ignore_self', 'You cannot ignore yourself.');
  return { userId: user.id, targetId };
}

/** Idempotent: ignoring someone already ignored changes nothing (and keeps the first date). */
export async function ignoreMember(db: Executor, viewer: Viewer, handle: string): Promise<void> {
  const { userId, targetId } = await targetOf(db, viewer, handle);
  // The cap is checked by the insert itself, so two requests at once cannot pass it together by much.
  const [state] = await rows<{ inserted: number; present: boolean }>(
    db,
    sql`WITH ins AS (
      INSERT INTO user_ignores (user_id, ignored_id)
      SELECT ${userId}::int, ${targetId}::int
      WHERE (SELECT count(*) FROM user_ignores WHERE user_id = ${userId}) < ${MAX_IGNORES}
      ON CONFLICT DO NOTHING RETURNING 1
    )
    SELECT (SELECT count(*) FROM ins)::int AS inserted,
      EXISTS (SELECT 1 FROM user_ignores WHERE user_id = ${userId} AND ignored_id = ${targetId}) AS present`,
  );
  if (!state?.inserted && !state?.present) {
    throw conflict('too_many_ignores', `You can ignore at most ${MAX_IGNORES} members.`, { max: MAX_IGNORES });
  }
}

/** Idempotent: stopping to ignore someone not ignored is not an error. */
export async function stopIgnoring(db: Executor, viewer: Viewer, handle: string): Promise<void> {
  const { userId, targetId } = await targetOf(db, viewer, handle);
  await db.delete(userIgnores).where(and(eq(userIgnores.userId, userId), eq(userIgnores.ignoredId, targetId)));
}

/** Everyone the viewer ignores, most recent first (one page: the list is capped at MAX_IGNORES). */
export async function listIgnored(db: Executor, viewer: Viewer) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const found = await db
    .select({ user: userColumns(users), since: userIgnores.createdAt })
    .from(userIgnores)
    .innerJoin(users, eq(users.id, userIgnores.ignoredId))
    .where(eq(userIgnores.userId, user.id))
    .orderBy(desc(userIgnores.createdAt), desc(userIgnores.ignoredId));
  return { items: found.map((r) => ({ user: presentUser(r.user), since: r.since.toISOString() })) };
}
