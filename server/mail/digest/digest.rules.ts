/**
 * Who is due a digest, and which stretch of time it covers: the one definition the hourly round
 * (many members at once) and each member's job (re-checked under the row's lock) share. Queries
 * name the member's row `u`.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { EmailDigestChoice } from '../../../db/schema.js';

export type DigestPeriod = Exclude<EmailDigestChoice, 'off'>;

export const PERIOD_DAYS: Record<DigestPeriod, number> = { daily: 1, weekly: 7 };

/**
 * Rounds run hourly and start a little late or early; without this slack a digest stamped at
 * 10:15:03 would not be due at 10:15:01 a period later and would slip an hour every period.
 */
const GRACE_MINUTES = 15;

/** A digest never reaches further back than this, however long the member was gone: old news is noise. */
const MAX_LOOKBACK_DAYS = 28;

/** The member's last visit; an account never seen counts as seen when it was made. */
const lastSeen = sql`coalesce(u.last_seen_at, u.created_at)`;

const periodDays = sql`(CASE u.email_digest WHEN 'daily' THEN ${PERIOD_DAYS.daily}::int ELSE ${PERIOD_DAYS.weekly}::int END)`;

const before = (at: Date, days: number | SQL) => sql`(${at.toISOString()}::timestamptz - make_interval(days => ${days}::int))`;

/**
 * Due at `at`: digest daily or weekly, a whole period gone by since both the last digest and the
 * last visit, and a proven address that takes mail (an unproven one may be someone else's). Counting from the later of the two means someone
 * who came back once and left again is due again a period after that visit, and someone who keeps
 * coming gets none. Bouncing addresses are left out here rather than suppressed by the sender:
 * the posts a digest lists are recorded as mailed, which must not happen for a mail never sent.
 */
export function dueSql(at: Date, bounceThreshold: number): SQL {
  const away = sql`greatest(coalesce(u.digest_sent_at, '-infinity'::timestamptz), ${lastSeen})`;
  const cutoff = (days: number) => sql`${before(at, days)} + make_interval(mins => ${GRACE_MINUTES}::int)`;
  return sql`(u.email IS NOT NULL AND u.email_bounce_score < ${bounceThreshold}
    AND (u.email_verified_at IS NOT NULL OR u.sso_subject IS NOT NULL)
    AND ((u.email_digest = 'daily' AND ${away} <= ${cutoff(PERIOD_DAYS.daily)})
      OR (u.email_digest = 'weekly' AND ${away} <= ${cutoff(PERIOD_DAYS.weekly)})))`;
}

/**
 * Where the digest starts: the last digest (a period back for the first), or the last visit if
 * later (what came before it was there to see), and never further back than MAX_LOOKBACK_DAYS.
 */
export function sinceSql(at: Date): SQL {
  return sql`greatest(coalesce(u.digest_sent_at, ${before(at, periodDays)}), ${lastSeen}, ${before(at, MAX_LOOKBACK_DAYS)})`;
}
