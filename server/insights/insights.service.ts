import { sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { findCommunity } from '../communities/communities.service.js';
import type { CommunityRow } from '../communities/communities.present.js';
import { forbidden, unauthorized } from '../errors/errors.js';
import { canViewInsights } from '../visibility/permissions.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';
import { contributionFigures, type ContributionFigures, type Superuser } from './insights.contributions.js';
import type { Figures, Measured } from './insights.figures.js';
import { flagFigures, type FlagCounts } from './insights.flags.js';
import { ideaFigures, type IdeaFigures } from './insights.ideas.js';
import { topicFigures, type TopicFigures } from './insights.topics.js';
import { bucketStart, parseWindow, windowOf, type Interval, type Window, type WindowInput } from './insights.window.js';

export interface Insights {
  from: string;
  to: string;
  interval: Interval;
  totals: Figures;
  series: (Figures & { start: string })[];
  superusers: Superuser[];
}

/**
 * The community's insights are for its own people: staff, moderators, admins, and site admins.
 * 401 `not_signed_in` for guests, 403 `not_staff` for anyone else. Answers the community.
 */
export async function requireInsightsViewer(db: Executor, viewer: Viewer, slug: string): Promise<CommunityRow> {
  const community = await findCommunity(db, slug);
  if (!viewer.user) throw unauthorized();
  const role = await roleIn(db, viewer, community.id);
  if (!canViewInsights({ viewer, role }))
    throw forbidden('not_staff', 'Only staff, moderators and admins of this community can see its insights.', { what: 'insights' });
  return community;
}

/**
 * The statements of one figure group, in a read-only transaction of their own: JIT compilation is
 * off (each statement is planned as costly, reading thousands of rows, and PostgreSQL would spend
 * a few hundred milliseconds compiling what then runs in less), and sorts and hashes get the
 * memory of a report rather than of a page.
 */
function measured<T>(db: Db, read: (tx: Executor) => Promise<T>): Promise<T> {
  return db.transaction(
    async (tx) => {
      await tx.execute(sql`SET LOCAL jit = off`);
      await tx.execute(sql`SET LOCAL work_mem = '32MB'`);
      return read(tx);
    },
    { accessMode: 'read only' },
  );
}

function combine(topics: TopicFigures, contributions: ContributionFigures, flags: FlagCounts, ideas: IdeaFigures): Figures {
  const { posts, ...people } = contributions;
  return {
    ...topics,
    ...people,
    flagsPer1000Posts: posts > 0 ? (flags.flags * 1000) / posts : null,
    flagSettleMedianSeconds: flags.flagSettleMedianSeconds,
    ideaVotes: ideas.ideaVotes,
    ideaStatusChanges: ideas.ideaStatusChanges,
  };
}

/** The figures of an interval where nothing happened. */
const NOTHING = {
  topics: {
    topics: 0,
    questions: 0,
    firstResponseMedianSeconds: null,
    firstResponseP90Seconds: null,
    firstPeerResponseMedianSeconds: null,
    firstStaffResponseMedianSeconds: null,
    unansweredRate: null,
    solvedRate: null,
    solutionMedianSeconds: null,
    peerSolvedShare: null,
  } satisfies TopicFigures,
  people: { posts: 0, replies: 0, activeContributors: 0, newContributors: 0, staffReplyShare: null, superuserShare: null } satisfies ContributionFigures,
  flags: { flags: 0, flagSettleMedianSeconds: null } satisfies FlagCounts,
  ideas: { ideaVotes: 0, ideaStatusChanges: 0 } satisfies IdeaFigures,
};

const at = <T>(m: Measured<T>, i: number, empty: T): T => m.buckets.get(i) ?? empty;

export interface ReadOptions {
  from: Date;
  to: Date;
  interval: Interval;
  /** Where "unanswered" stops looking when the window reaches past it; the clock by default. */
  now?: Date;
}

/**
 * Every figure of a community over a window, in total and per interval, and its superusers. No
 * access check: callers decide who may see them (getInsights, the health panel, the weekly mail).
 * The groups (topics, contributions in two statements, flags, ideas) are independent queries over
 * the insight facts (migrations/0017_insights_intervals.sql), run at once, each on a connection of its own.
 */
export async function readInsights(db: Db, communityId: number, opts: ReadOptions): Promise<Insights> {
  const w: Window = windowOf(opts.from, opts.to, opts.interval);
  const now = opts.now ?? new Date();
  const [topics, people, flags, ideas] = await Promise.all([
    measured(db, (tx) => topicFigures(tx, communityId, w, now)),
    contributionFigures((q) => measured(db, q), communityId, w),
    measured(db, (tx) => flagFigures(tx, communityId, w)),
    measured(db, (tx) => ideaFigures(tx, communityId, w)),
  ]);
  const series = Array.from({ length: w.buckets }, (_, i) => ({
    start: bucketStart(w, i).toISOString(),
    ...combine(at(topics, i, NOTHING.topics), at(people.figures, i, NOTHING.people), at(flags, i, NOTHING.flags), at(ideas, i, NOTHING.ideas)),
  }));
  return {
    from: w.from.toISOString(),
    to: w.to.toISOString(),
    interval: w.interval,
    totals: combine(topics.total, people.figures.total, flags.total, ideas.total),
    series,
    superusers: people.superusers,
  };
}

/** GET /api/communities/:slug/insights: the viewer's right, the window (400s), then the figures. */
export async function getInsights(db: Db, viewer: Viewer, slug: string, query: WindowInput): Promise<Insights> {
  const community = await requireInsightsViewer(db, viewer, slug);
  const w = parseWindow(query);
  return readInsights(db, community.id, { from: w.from, to: w.to, interval: w.interval });
}
