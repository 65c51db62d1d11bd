import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { bans } from '../../db/schema.js';
import { forbidden } from '../errors/errors.js';
import type { ActiveBan } from '../topics/topics.load.js';

/** A ban in force: not lifted, and without an end or ending later. The one definition every query uses. */
export const banInForce = () => sql`(${bans.liftedAt} IS NULL AND (${bans.until} IS NULL OR ${bans.until} > now()))`;

/** The refusal for a banned member's write (ban as loaded alongside the topic). */
export function throwIfBanned(ban: ActiveBan | null): void {
  if (!ban) return;
  const until = ban.until ? ` until ${new Date(ban.until).toISOString()}` : '';
  throw forbidden('banned', `You are banned from this community${until}: ${ban.reason}`);
}

/** The member's ban in force in the community, if any. */
export async function activeBan(db: Executor, userId: number, communityId: number): Promise<ActiveBan | null> {
  const [ban] = await rows<ActiveBan>(db, sql`
    SELECT reason, until FROM bans
    WHERE community_id = ${communityId} AND user_id = ${userId} AND ${banInForce()}
    ORDER BY id DESC LIMIT 1`);
  return ban ?? null;
}

/** A banned member can still read, but every write in that community is refused. */
export async function assertNotBanned(db: Executor, userId: number, communityId: number): Promise<void> {
  throwIfBanned(await activeBan(db, userId, communityId));
}
