import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import type { Role } from '../../db/schema.js';
import { AppError, conflict, tooMany } from '../errors/errors.js';
import { isExemptFromPostingLimits } from '../visibility/permissions.js';
import type { ViewerUser } from '../visibility/viewer.js';

export interface PostingBudget {
  perMinute: number;
  perHour: number;
  perDay: number;
  topicsPerDay: number;
  linksPerPost: number;
}

/** Like Discourse's first-day limits: a brand-new account can take part, but cannot flood. */
export const NEW_ACCOUNT_BUDGET: PostingBudget = { perMinute: 3, perHour: 20, perDay: 30, topicsPerDay: 3, linksPerPost: 2 };
export const REGULAR_BUDGET: PostingBudget = { perMinute: 10, perHour: 150, perDay: 600, topicsPerDay: 40, linksPerPost: 50 };
export const NEW_ACCOUNT_HOURS = 24;
export const DUPLICATE_WINDOW_MINUTES = 5;

export function budgetFor(user: ViewerUser, now = Date.now()): PostingBudget {
  return now - user.createdAt.getTime() < NEW_ACCOUNT_HOURS * 3600_000 ? NEW_ACCOUNT_BUDGET : REGULAR_BUDGET;
}

/** The author's posting in the last day, as the limits and the content rules need it: one read for both. */
export interface RecentPosting {
  minute: number;
  hour: number;
  day: number;
  topics: number;
  dupes: number;
}

/**
 * Counts the author's recent posts in the database (so the limits hold across processes), and
 * how many of them in the duplicate window had exactly this body.
 */
export async function recentPosting(db: Executor, userId: number, body: string): Promise<RecentPosting> {
  const [counts] = await rows<RecentPosting>(
    db,
    sql`
    SELECT count(*) FILTER (WHERE created_at > now() - interval '1 minute')::int AS minute,
           count(*) FILTER (WHERE created_at > now() - interval '1 hour')::int AS hour,
           count(*)::int AS day,
           count(*) FILTER (WHERE number = 1)::int AS topics,
           count(*) FILTER (WHERE body = ${body} AND NOT deleted
                            AND created_at > now() - make_interval(mins => ${DUPLICATE_WINDOW_MINUTES}))::int AS dupes
    FROM posts WHERE author_id = ${userId} AND created_at > now() - interval '1 day'`,
  );
  return counts ?? { minute: 0, hour: 0, day: 0, topics: 0, dupes: 0 };
}

/** The posting budget: how many posts (and topics) an author may write per minute, hour and day. */
export function checkRates(recent: RecentPosting, user: ViewerUser, role: Role | null, isTopic: boolean): void {
  if (isExemptFromPostingLimits(user, role)) return;
  const budget = budgetFor(user);
  if (isTopic && recent.topics >= budget.topicsPerDay) {
    throw tooMany('topic_limit', `You can start at most ${budget.topicsPerDay} topics a day for now.`, 3600, { max: budget.topicsPerDay });
  }
  if (recent.minute >= budget.perMinute) throw tooMany('post_limit', 'You are posting too fast; wait a minute.', 60, { period: 'minute' });
  if (recent.hour >= budget.perHour) throw tooMany('post_limit', 'You have reached the hourly posting limit.', 900, { period: 'hour' });
  if (recent.day >= budget.perDay) throw tooMany('post_limit', 'You have reached the daily posting limit.', 3600, { period: 'day' });
}

/** What a post may contain: not a word-for-word repeat of a recent one (anyone), not too many links (new accounts). */
export function checkContent(recent: RecentPosting, user: ViewerUser, role: Role | null, links: number): void {
  if (recent.dupes > 0)
    throw conflict('duplicate_post', `You posted exactly this less than ${DUPLICATE_WINDOW_MINUTES} minutes ago.`, { minutes: DUPLICATE_WINDOW_MINUTES });
  if (isExemptFromPostingLimits(user, role)) return;
  const budget = budgetFor(user);
  if (links > budget.linksPerPost) {
    throw new AppError(403, 'too_many_links', `New accounts can include at most ${budget.linksPerPost} links in a post.`, { max: budget.linksPerPost });
  }
}
