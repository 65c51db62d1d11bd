import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/client.js';
import { users, type Role } from '../../db/schema.js';
import { notFound } from '../errors/errors.js';
import { earnedBadges } from '../reputation/badges.js';
import { reputationOf } from '../reputation/reputation.js';
import { presentUser } from './users.present.js';

/**
 * A public profile: the record of helping others counts only what every reader can see, and
 * nothing anyone did for themselves. `stats` and `reputation` share one definition.
 */
export async function getProfile(db: Db, handle: string) {
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.handle}) = ${handle.toLowerCase()}`);
  if (!user) throw notFound('user_not_found', `No user "${handle}".`, { handle });
  const [{ posts, ...reputation }, roles] = await Promise.all([reputationOf(db, user.id), rolesOf(db, user.id)]);
  return {
    user: presentUser(user),
    stats: { posts, helpful: reputation.helpfulReceived, solutions: reputation.solutions },
    reputation: { ...reputation, badges: earnedBadges(reputation) },
    roles,
  };
}

/** Where the user speaks for a community or looks after it; plain membership is not shown. */
async function rolesOf(db: Db, userId: number) {
  const found = await rows<{ slug: string; name: string; role: Role }>(
    db,
    sql`
    SELECT c.slug, c.name, m.role FROM memberships m JOIN communities c ON c.id = m.community_id
    WHERE m.user_id = ${userId} AND m.role <> 'member'
    ORDER BY c.name, c.slug`,
  );
  return found.map((r) => ({ community: r.slug, communityName: r.name, role: r.role }));
}
