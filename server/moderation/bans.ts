import { sql } from 'drizzle-orm';
import { bans } from '../../db/schema.js';
import { forbidden } from '../errors/errors.js';
import type { ActiveBan } from '../topics/topics.load.js';
import { isReasonCode, reasonText } from './system-reasons.js';

/** A ban in force: not lifted, and without an end or ending later. The one definition every query uses. */
export const banInForce = () => sql`(${bans.liftedAt} IS NULL AND (${bans.until} IS NULL OR ${bans.until} > now()))`;

/**
 * The refusal for a banned member's write (ban as loaded alongside the topic). A canned reason is
 * stored as its code (the ban's reason is then null): it is named in words when the ban comes with
 * its `reasonCode`.
 */
export function throwIfBanned(ban: (Omit<ActiveBan, 'reason'> & { reason: string | null; reasonCode?: unknown }) | null): void {
  if (!ban) return;
  const until = ban.until ? ` until ${new Date(ban.until).toISOString()}` : '';
  const reason = reasonText(ban.reason, isReasonCode(ban.reasonCode) ? ban.reasonCode : null);
  const details = { until: ban.until ? new Date(ban.until).toISOString() : null, reason };
  throw forbidden('banned', `You are banned from this community${until}${reason ? `: ${reason}` : '.'}`, details);
}
