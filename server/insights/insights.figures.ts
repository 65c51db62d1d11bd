import { sql, type SQL } from 'drizzle-orm';
import { ROLES } from '../../db/schema.js';
import { isOrganisationRole } from '../visibility/permissions.js';

/**
 * The figures of a window or of one of its intervals (definitions: server/insights/insights.schema.ts,
 * and ../shared/API.md "Insights"). Counts are 0 when nothing happened; everything measured over
 * something (a median, a rate, a share) is null when there was nothing to measure.
 */
export interface Figures {
  topics: number;
  questions: number;
  replies: number;
  activeContributors: number;
  newContributors: number;
  firstResponseMedianSeconds: number | null;
  firstResponseP90Seconds: number | null;
  firstPeerResponseMedianSeconds: number | null;
  firstStaffResponseMedianSeconds: number | null;
  unansweredRate: number | null;
  solvedRate: number | null;
  solutionMedianSeconds: number | null;
  peerSolvedShare: number | null;
  staffReplyShare: number | null;
  flagsPer1000Posts: number | null;
  flagSettleMedianSeconds: number | null;
  superuserShare: number | null;
  ideaVotes: number;
  ideaStatusChanges: number;
}

/** One group of figures (a module's query) for the whole window and for each interval that had any. */
export interface Measured<T> {
  total: T;
  buckets: Map<number, T>;
}

/** The organisation's people in a community, for insights: staff, moderators and admins. */
export const STAFF_ROLES = ROLES.filter(isOrganisationRole);

/** STAFF_ROLES as an SQL list, for `role IN (…)`. */
export const staffRolesSql: SQL = sql.join(
  STAFF_ROLES.map((r) => sql`${r}`),
  sql`, `,
);

/** Whether `userId` (SQL) has one of STAFF_ROLES in the community now. */
export const isStaffSql = (communityId: number, userId: SQL): SQL =>
  sql`EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = ${communityId} AND m.user_id = ${userId} AND m.role IN (${staffRolesSql}))`;

/** `part` ÷ `whole`, null when there is no whole. */
export const share = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** A number the database answered (numeric and bigint may come as strings), or null. */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const count = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Rows grouped by GROUPING SETS ((bucket), ()), into the window's total and its intervals. */
export function byBucket<R extends { bucket: number | null; total: boolean }, T>(rows: R[], present: (row: R | undefined) => T): Measured<T> {
  const buckets = new Map<number, T>();
  let total: R | undefined;
  for (const row of rows) {
    if (row.total) total = row;
    else buckets.set(Number(row.bucket), present(row));
  }
  return { total: present(total), buckets };
}
