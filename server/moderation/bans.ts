import { sql } from 'drizzle-orm';
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
