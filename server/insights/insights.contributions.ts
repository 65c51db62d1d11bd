import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { presentUser, type ApiUser } from '../users/users.present.js';
import { count, share, staffRolesSql, type Figures, type Measured } from './insights.figures.js';
import { bucketSql, inWindowSql, postBucketSql, postGroupSql, postsInWindowSql, type Window } from './insights.window.js';

/** How many of the most helpful non-staff members a window names (and superuserShare counts). */
export const SUPERUSERS = 10;

export type ContributionFigures = Pick<Figures, 'replies' | 'activeContributors' | 'newContributors' | 'staffReplyShare' | 'superuserShare'> & {
  /** Posts the public can read written in the window (first posts and replies): what flags are counted against. */
  posts: number;
};

export interface Superuser {
  user: ApiUser;
  replies: number;
  acceptedAnswers: number;
}

interface Counts {
  posts: number;
  replies: number;
  staff_replies: number;
  active: number;
  fresh: number;
  top: number;
}

const present = (c: Partial<Counts> | undefined): ContributionFigures => {
  const replies = count(c?.replies);
  return {
    posts: count(c?.posts),
    replies,
    activeContributors: count(c?.active),
    newContributors: count(c?.fresh),
    staffReplyShare: share(count(c?.staff_replies), replies),
    superuserShare: share(count(c?.top), replies),
  };
};

/** The replies of the SUPERUSERS members who wrote most, from how many members wrote how many (most first). */
export function topOf(spread: [number, number][]): number {
  let left = SUPERUSERS;
  let sum = 0;
  for (const [replies, members] of spread) {
    const taken = Math.min(left, Number(members));
    sum += taken * Number(replies);
    left -= taken;
    if (left === 0) break;
  }
  return sum;
}

/** JSON from the database: PGlite and pg both parse json columns, but a driver could hand over text. */
const parsed = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

const staffCte = (communityId: number) =>
  sql`staff AS MATERIALIZED (SELECT m.user_id FROM memberships m WHERE m.community_id = ${communityId} AND m.role IN (${staffRolesSql}))`;

/**
 * Per interval: visible posts, qualifying replies and those by staff, distinct authors, and the
 * replies of the interval's own top SUPERUSERS non-staff members. The window's posts arrive from
 * insight_posts_window_idx in (week, member, day) order, so each (interval, member) is added up
 * as it streams past; those are then counted by how many replies each wrote, which is all the
 * figures need: the top ten of an interval are the members with the most replies, and who they
 * are does not matter here.
 */
async function perInterval(db: Executor, communityId: number, w: Window) {
  const found = await rows<{ bucket: number; replies: number; staff: boolean; members: number; posts: number }>(
    db,
    sql`
    WITH ${staffCte(communityId)}
    SELECT bucket, replies, staff, count(*)::int AS members, sum(posts)::int AS posts
    FROM (
      SELECT ${postBucketSql(w, 'p')} AS bucket, count(*) AS posts, (count(*) FILTER (WHERE p.reply))::int AS replies,
             p.author_id IN (SELECT user_id FROM staff) AS staff
      FROM insight_posts p
      WHERE p.community_id = ${communityId} AND ${postsInWindowSql(w, 'p')}
      GROUP BY ${postGroupSql(w, 'p')}
    ) per
    GROUP BY 1, 2, 3`,
  );
  const buckets = new Map<number, Omit<Counts, 'fresh' | 'top'> & { spread: [number, number][] }>();
  for (const r of found) {
    const bucket = Number(r.bucket);
    const b = buckets.get(bucket) ?? { posts: 0, replies: 0, staff_replies: 0, active: 0, spread: [] };
    const [replies, members] = [Number(r.replies), Number(r.members)];
    b.posts += Number(r.posts);
    b.replies += replies * members;
    b.active += members;
    if (r.staff) b.staff_replies += replies * members;
    else if (replies > 0) b.spread.push([replies, members]);
    buckets.set(bucket, b);
  }
  for (const b of buckets.values()) b.spread.sort((x, y) => y[0] - x[0]);
  return buckets;
}

interface PeopleRow {
  totals: Omit<Counts, 'fresh'> | null;
  fresh: [number, number][] | null;
  superusers: { id: number; handle: string; display_name: string; avatar_url: string | null; created_at: string; replies: number; accepted: number }[] | null;
}

/**
 * The window as a whole, per member: distinct authors, the top SUPERUSERS non-staff members by
 * qualifying replies (then accepted answers among them, then who wrote first, then id) and
 * their replies, and the members whose first visible post in the community ever is in the
 * window (counted in the interval of that post; insight_members keeps each member's first).
 */
async function perMember(db: Executor, communityId: number, w: Window): Promise<PeopleRow> {
  const [row] = await rows<{ totals: unknown; fresh: unknown; superusers: unknown }>(
    db,
    sql`
    WITH ${staffCte(communityId)}, authors AS MATERIALIZED (
      SELECT p.author_id, count(*)::int AS posts, (count(*) FILTER (WHERE p.reply))::int AS replies,
             (count(*) FILTER (WHERE p.reply AND p.accepted))::int AS accepted, min(p.created_at) AS first_at,
             p.author_id IN (SELECT user_id FROM staff) AS staff
      FROM insight_posts p
      WHERE p.community_id = ${communityId} AND ${postsInWindowSql(w, 'p')}
      GROUP BY p.author_id
    ), top AS (
      SELECT author_id, replies, accepted, first_at FROM authors
      WHERE NOT staff AND replies > 0
      ORDER BY replies DESC, accepted DESC, first_at, author_id LIMIT ${SUPERUSERS}
    )
    SELECT
      (SELECT json_build_object('posts', coalesce(sum(posts), 0), 'replies', coalesce(sum(replies), 0),
                                'staff_replies', coalesce(sum(replies) FILTER (WHERE staff), 0), 'active', count(*),
                                'top', (SELECT coalesce(sum(replies), 0) FROM top))
       FROM authors) AS totals,
      (SELECT json_agg(json_build_array(bucket, n)) FROM (
         SELECT ${bucketSql(w, sql`f.first_at`)} AS bucket, count(*)::int AS n
         FROM (
           SELECT m.first_at FROM insight_members m
           WHERE m.community_id = ${communityId} AND ${inWindowSql(w, sql`m.first_at`)}
             AND NOT EXISTS (SELECT 1 FROM insight_members_dirty d WHERE d.community_id = m.community_id AND d.user_id = m.user_id)
           UNION ALL
           -- Members whose first post may have changed since maintenance stored it: looked up again.
           SELECT x.first_at FROM (SELECT DISTINCT d.user_id FROM insight_members_dirty d WHERE d.community_id = ${communityId}) d
           CROSS JOIN LATERAL (SELECT min(e.created_at) AS first_at FROM insight_posts e
                               WHERE e.community_id = ${communityId} AND e.author_id = d.user_id) x
           WHERE ${inWindowSql(w, sql`x.first_at`)}
         ) f
         GROUP BY 1) f) AS fresh,
      (SELECT json_agg(json_build_object('id', u.id, 'handle', u.handle, 'display_name', u.display_name, 'avatar_url', u.avatar_url,
                                         'created_at', u.created_at, 'replies', top.replies, 'accepted', top.accepted)
                       ORDER BY top.replies DESC, top.accepted DESC, top.first_at, top.author_id)
       FROM top JOIN users u ON u.id = top.author_id) AS superusers`,
  );
  return { totals: parsed(row?.totals ?? null), fresh: parsed(row?.fresh ?? null), superusers: parsed(row?.superusers ?? null) };
}

/**
 * Who wrote what the public can read in the window (insight_posts): qualifying replies (visible,
 * number > 1, not by the topic's author) and the share staff wrote; distinct authors of visible
 * posts, and the new among them; the window's superusers and their share of the replies (each
 * interval's share counts that interval's own top SUPERUSERS). Staff are those with a staff role
 * now. Two statements, each on a connection of its own (`read` gives each its transaction).
 */
export async function contributionFigures(
  read: <T>(q: (tx: Executor) => Promise<T>) => Promise<T>,
  communityId: number,
  w: Window,
): Promise<{ figures: Measured<ContributionFigures>; superusers: Superuser[] }> {
  const [intervals, people] = await Promise.all([read((tx) => perInterval(tx, communityId, w)), read((tx) => perMember(tx, communityId, w))]);
  const fresh = new Map((people.fresh ?? []).map(([bucket, n]) => [Number(bucket), Number(n)]));
  const buckets = new Map<number, ContributionFigures>();
  for (const [bucket, b] of intervals) buckets.set(bucket, present({ ...b, fresh: fresh.get(bucket) ?? 0, top: topOf(b.spread) }));
  const totalFresh = [...fresh.values()].reduce((s, n) => s + n, 0);
  const superusers = (people.superusers ?? []).map((u) => ({
    user: presentUser({ id: Number(u.id), handle: u.handle, displayName: u.display_name, avatarUrl: u.avatar_url, createdAt: new Date(u.created_at) }),
    replies: Number(u.replies),
    acceptedAnswers: Number(u.accepted),
  }));
  return { figures: { total: present(people.totals ? { ...people.totals, fresh: totalFresh } : undefined), buckets }, superusers };
}
