/**
 * The weekly summary's calendar and audience: weeks run Monday 00:00 to Monday 00:00 UTC; the
 * summary of a week goes out once that week is over, once per community (weekly_summaries keeps
 * which weeks went), to the community's admins who take mail and did not switch it off.
 */
import { sql, type SQL } from 'drizzle-orm';

/**
 * The summary is stopped like one kind of notification mail: an opt-out row (stream `kind`) with
 * this target, written by its unsubscribe link and by the e-mail preferences alike.
 */
export const SUMMARY_KIND = 'weekly_summary';

const DAY_MS = 86_400_000;

export interface SummaryWeeks {
  /** The Monday (YYYY-MM-DD, UTC) the summarised week starts: its key in weekly_summaries. */
  week: string;
  /** The summarised week, [from, to). */
  last: { from: Date; to: Date };
  /** The week before it, to compare against. */
  before: { from: Date; to: Date };
}

/** The last whole week before `at`, and the one before that. */
export function summaryWeeks(at: Date): SummaryWeeks {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  // getUTCDay: Sunday 0 … Saturday 6; days since this week's Monday.
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  const thisMonday = midnight - sinceMonday * DAY_MS;
  const lastMonday = thisMonday - 7 * DAY_MS;
  return {
    week: new Date(lastMonday).toISOString().slice(0, 10),
    last: { from: new Date(lastMonday), to: new Date(thisMonday) },
    before: { from: new Date(lastMonday - 7 * DAY_MS), to: new Date(lastMonday) },
  };
}

/**
 * The admins of the community (`communityId` as SQL) the summary goes to, as rows named `u`: a
 * proven address that takes mail (as for the digest), and no opt-out of the summary.
 */
export function recipientsSql(communityId: SQL | number, bounceThreshold: number): SQL {
  return sql`SELECT u.id, u.email, coalesce(nullif(u.display_name, ''), u.handle) AS name, u.locale
    FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.community_id = ${communityId} AND m.role = 'admin'
      AND u.email IS NOT NULL AND u.email_bounce_score < ${bounceThreshold}
      AND (u.email_verified_at IS NOT NULL OR u.sso_subject IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM email_opt_outs o WHERE o.user_id = u.id AND o.stream = 'kind' AND o.target = ${SUMMARY_KIND})`;
}
