/**
 * The daily cap on notification mail: at most `cap` in any 24 hours per member, counted over the
 * mail actually recorded (mail_messages), so it holds across processes and restarts. Past it,
 * nothing is dropped: the rest waits for one roll-up when the window ends (notify.jobs.ts).
 */
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../../db/client.js';

export const NOTIFICATION_MAIL_KIND = 'notification';
export const ROLLUP_MAIL_KIND = 'notification_rollup';

const WINDOW_HOURS = 24;

/** Null while under the cap; else the seconds until the oldest mail in the window leaves it. */
export async function secondsUntilUnderCap(db: Executor, userId: number, cap: number): Promise<number | null> {
  const [row] = await rows<{ sent: number; frees_in: number | null }>(
    db,
    sql`
    SELECT count(*)::int AS sent,
      ceil(extract(epoch FROM min(created_at) + make_interval(hours => ${WINDOW_HOURS}) - now()))::int AS frees_in
    FROM mail_messages
    WHERE user_id = ${userId} AND kind = ${NOTIFICATION_MAIL_KIND} AND created_at > now() - make_interval(hours => ${WINDOW_HOURS})`,
  );
  if (!row || Number(row.sent) < cap) return null;
  return Math.max(1, Number(row.frees_in ?? 1));
}
