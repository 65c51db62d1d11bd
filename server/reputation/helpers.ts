import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { findCommunity } from '../communities/communities.service.js';
import { banInForce } from '../moderation/bans.js';
import { presentUser } from '../users/users.present.js';
import { OFFICIAL_ROLES } from '../visibility/permissions.js';

export type HelperPeriod = 'month';
export const HELPERS_SHOWN = 10;
/** An accepted answer is worth three helpful marks: it closed the question. */
export const SOLUTION_WEIGHT = 3;

/** The calendar month (UTC) containing `now`: from its first instant, up to but excluding the next month's. */
export function monthOf(now: Date): { from: Date; to: Date } {
  return {
    from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    to: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}

/**
 * The community's top helpers this month: helpful marks others gave their posts during the
 * month, and answers accepted during it (by `solved_at`), under the same rules as profiles
 * (visible posts in visible topics, nothing from oneself). The organisation's official voices
 * (OFFICIAL_ROLES: staff and admins) and site admins are left out: they are shown as staff
 * everywhere already, and answering is their job. Moderators stay in: they are mostly volunteers. Members banned right now are left
 * out too. Ties go to whoever contributed first in the month, then to the lower user id.
 */
export async function topHelpers(db: Executor, slug: string, _period: HelperPeriod, now = new Date()) {
  const community = await findCommunity(db, slug);
  const { from, to } = monthOf(now);
  const f = from.toISOString();
  const t = to.toISOString();
  const found = await rows<{
    id: number;
    handle: string;
    display_name: string;
    avatar_url: string | null;
    created_at: string | Date;
    helpful: number;
    solutions: number;
    score: number;
  }>(
    db,
    sql`
    WITH contributions AS (
      SELECT p.author_id AS user_id, 1 AS helpful, 0 AS solutions, r.created_at AS at
      FROM reactions r
      JOIN posts p ON p.id = r.post_id
      JOIN topics t ON t.id = p.topic_id
      WHERE t.community_id = ${community.id} AND r.kind = 'helpful' AND r.user_id <> p.author_id
        AND r.created_at >= ${f}::timestamptz AND r.created_at < ${t}::timestamptz
        AND NOT p.deleted AND NOT p.hidden AND NOT t.hidden
      UNION ALL
      SELECT p.author_id, 0, 1, t.solved_at
      FROM topics t
      JOIN posts p ON p.id = t.solution_post_id
      WHERE t.community_id = ${community.id} AND t.author_id <> p.author_id
        AND t.solved_at >= ${f}::timestamptz AND t.solved_at < ${t}::timestamptz
        AND NOT p.deleted AND NOT p.hidden AND NOT t.hidden
    ), totals AS (
      SELECT user_id, sum(helpful)::int AS helpful, sum(solutions)::int AS solutions, min(at) AS first_at
      FROM contributions GROUP BY user_id
    )
    SELECT u.id, u.handle, u.display_name, u.avatar_url, u.created_at, totals.helpful, totals.solutions,
           (${SOLUTION_WEIGHT} * totals.solutions + totals.helpful)::int AS score
    FROM totals JOIN users u ON u.id = totals.user_id
    WHERE NOT u.is_site_admin
      AND NOT EXISTS (SELECT 1 FROM memberships m
                      WHERE m.community_id = ${community.id} AND m.user_id = u.id
                        AND m.role IN (${sql.join(
                          OFFICIAL_ROLES.map((r) => sql`${r}`),
                          sql`, `,
                        )}))
      AND NOT EXISTS (SELECT 1 FROM bans WHERE bans.community_id = ${community.id} AND bans.user_id = u.id AND ${banInForce()})
    ORDER BY score DESC, totals.first_at ASC, u.id ASC
    LIMIT ${HELPERS_SHOWN}`,
  );
  return {
    items: found.map((r) => ({
      user: presentUser({ id: Number(r.id), handle: r.handle, displayName: r.display_name, avatarUrl: r.avatar_url, createdAt: new Date(r.created_at) }),
      helpful: Number(r.helpful),
      solutions: Number(r.solutions),
      score: Number(r.score),
    })),
    from: f,
    to: t,
  };
}
