/**
 * One member's digest, as one write: the member's row locked and checked to be still due, the
 * selection, the mail queued, the listed posts recorded as mailed and the digest stamped, all
 * committed together (or none of it), so a digest is never sent twice nor its posts repeated.
 */
import { sql } from 'drizzle-orm';
import { intArray, rows } from '../../../db/client.js';
import { write, type ServiceContext } from '../../write/unit-of-work.js';
import { composeDigest } from './digest.compose.js';
import { dueSql, sinceSql, type DigestPeriod } from './digest.rules.js';
import { isEmpty, listedPosts, selectDigest } from './digest.select.js';

export interface DigestSettings {
  /** config.mail.bounceThreshold: addresses at or past it get no digest. */
  bounceThreshold: number;
}

/** sent: a digest was queued; empty: due, but nothing to tell; not_due: visited, off, or had one this period. */
export type DigestOutcome = 'sent' | 'empty' | 'not_due';

type DigestContext = Pick<ServiceContext, 'db' | 'bus' | 'mail' | 'translator'>;

/**
 * The digest of member `userId` as of `at` (the round's time). A member found due with nothing to
 * tell is stamped too: the next look is a period later rather than every hour, and nothing is
 * lost by it, as there was nothing before the stamp to tell.
 */
export async function sendDigest(ctx: DigestContext, settings: DigestSettings, userId: number, at: Date): Promise<DigestOutcome> {
  return write(ctx, async ({ tx }) => {
    // The lock makes this member's digest one at a time, whatever else runs (a second process, a late retry).
    const [member] = await rows<{ email: string; name: string; locale: string | null; period: DigestPeriod; since: Date | string }>(
      tx,
      sql`
      SELECT u.email, coalesce(nullif(u.display_name, ''), u.handle) AS name, u.locale, u.email_digest AS period, ${sinceSql(at)} AS since
      FROM users u WHERE u.id = ${userId} AND ${dueSql(at, settings.bounceThreshold)}
      FOR UPDATE`,
    );
    if (!member) return 'not_due';

    const selection = await selectDigest(tx, userId, new Date(member.since).toISOString());
    const stamp = sql`UPDATE users SET digest_sent_at = ${at.toISOString()}::timestamptz WHERE id = ${userId}`;
    if (isEmpty(selection)) {
      await tx.execute(stamp);
      return 'empty';
    }

    const draft = composeDigest(
      { id: userId, email: member.email, name: member.name, locale: member.locale, period: member.period },
      selection,
      ctx.translator,
      ctx.mail.links,
    );
    await ctx.mail.queue(tx, draft);
    await tx.execute(sql`
      INSERT INTO mailed_posts (user_id, post_id, mailed_at)
      SELECT ${userId}, id, now() FROM unnest(${intArray(listedPosts(selection))}::int[]) AS id
      ON CONFLICT DO NOTHING`);
    await tx.execute(stamp);
    return 'sent';
  });
}
