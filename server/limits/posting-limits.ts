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

export interface PostingAttempt {
  body: string;
  links: number;
  isTopic: boolean;
}

/**
 * Counts the author's recent posts in the database (so the limits hold across processes)
 * and refuses the post when it would go over budget or repeats a recent one word for word.
 */
export async function checkPostingLimits(db: Executor, user: ViewerUser, role: Role | null, attempt: PostingAttempt): Promise<void> {
  const [counts] = await rows<{ minute: number; hour: number; day: number; topics: number; dupes: number }>(db, sql`
    SELECT count(*) FILTER (WHERE created_at > now() - interval '1 minute')::int AS minute,
           count(*) FILTER (WHERE created_at > now() - interval '1 hour')::int AS hour,
           count(*)::int AS day,
           count(*) FILTER (WHERE number = 1)::int AS topics,
           count(*) FILTER (WHERE body = ${attempt.body} AND NOT deleted
                            AND created_at > now() - make_interval(mins => ${DUPLICATE_WINDOW_MINUTES}))::int AS dupes
    FROM posts WHERE author_id = ${user.id} AND created_at > now() - interval '1 day'`);
  if (counts && counts.dupes > 0) {
    throw conflict('duplicate_post', `You posted exactly this less than ${DUPLICATE_WINDOW_MINUTES} minutes ago.`);
  }
  if (isExemptFromPostingLimits(user, role) || !counts) return;
  const budget = budgetFor(user);
  if (attempt.links > budget.linksPerPost) {
    throw new AppError(403, 'too_many_links', `New accounts can include at most ${budget.linksPerPost} links in a post.`, { max: budget.linksPerPost });
  }
  if (attempt.isTopic && counts.topics >= budget.topicsPerDay) {
    throw tooMany('topic_limit', `You can start at most ${budget.topicsPerDay} topics a day for now.`, 3600);
  }
  if (counts.minute >= budget.perMinute) throw tooMany('post_limit', 'You are posting too fast; wait a minute.', 60);
  if (counts.hour >= budget.perHour) throw tooMany('post_limit', 'You have reached the hourly posting limit.', 900);
  if (counts.day >= budget.perDay) throw tooMany('post_limit', 'You have reached the daily posting limit.', 3600);
}
