/**
 * One community's weekly summary: the figures read first (they are the slow part, and read
 * nothing that needs a lock), then one write that claims the week in weekly_summaries and queues a
 * mail to each admin, committed together. A retry, a second process or the next day's round finds
 * the week claimed and sends nothing: a week is summarised at most once per community.
 */
import { eq, sql } from 'drizzle-orm';
import { rows, type Db } from '../../../db/client.js';
import { communities } from '../../../db/schema.js';
import { countInbox } from '../../inbox/inbox.service.js';
import { readInsights } from '../../insights/insights.service.js';
import { topSearchTerms } from '../../insights/searches.service.js';
import { write, type ServiceContext } from '../../write/unit-of-work.js';
import { composeSummary, type SummaryContent, type SummaryFigures, type SummaryReader } from './summary.compose.js';
import { recipientsSql, summaryWeeks } from './summary.rules.js';

export interface SummarySettings {
  /** config.mail.bounceThreshold: addresses at or past it get no summary. */
  bounceThreshold: number;
  /** config.searchTerms.enabled: without counts, the mail says nothing about searches. */
  searchTerms: boolean;
}

/** Terms searched in vain that the mail lists at most. */
export const VAIN_TERMS = 10;

/** sent: mails queued (to `recipients`); quiet: nothing happened and nothing waits, so no mail (the week is claimed all the same); already: the week went before; none: no admin takes it; gone: the community was deleted. */
export type SummaryOutcome = { outcome: 'sent'; recipients: number } | { outcome: 'quiet' | 'already' | 'none' | 'gone' };

type SummaryContext = Pick<ServiceContext, 'db' | 'bus' | 'mail' | 'translator'>;

async function figuresOf(db: Db, communityId: number, week: { from: Date; to: Date }): Promise<SummaryFigures> {
  const { totals } = await readInsights(db, communityId, { ...week, interval: 'week' });
  return {
    topics: totals.topics,
    replies: totals.replies,
    solvedRate: totals.solvedRate,
    firstResponseMedianSeconds: totals.firstResponseMedianSeconds,
    memberReplyShare: totals.staffReplyShare === null ? null : 1 - totals.staffReplyShare,
  };
}

const claimed = async (db: Db, communityId: number, week: string) =>
  (await rows(db, sql`SELECT 1 FROM weekly_summaries WHERE community_id = ${communityId} AND week = ${week}::date`)).length > 0;

/** Whether the summary would tell an admin nothing: no activity either week, no vain search, nothing waiting. */
const isQuiet = (c: SummaryContent) =>
  c.last.topics + c.last.replies + c.before.topics + c.before.replies === 0 && !c.vain?.length && Object.values(c.inbox).every((n) => !n);

/** The summary of the last whole week before `at` for community `communityId`, to each of its admins who take it. */
export async function sendWeeklySummary(ctx: SummaryContext, settings: SummarySettings, communityId: number, at: Date): Promise<SummaryOutcome> {
  const weeks = summaryWeeks(at);
  const [community] = await ctx.db
    .select({ id: communities.id, slug: communities.slug, name: communities.name, language: communities.language })
    .from(communities)
    .where(eq(communities.id, communityId));
  if (!community) return { outcome: 'gone' };
  if (await claimed(ctx.db, communityId, weeks.week)) return { outcome: 'already' };

  const [last, before, vain, inbox] = await Promise.all([
    figuresOf(ctx.db, communityId, weeks.last),
    figuresOf(ctx.db, communityId, weeks.before),
    settings.searchTerms ? topSearchTerms(ctx.db, communityId, weeks.last, VAIN_TERMS).then((t) => t.noResults) : Promise.resolve(null),
    countInbox(ctx.db, communityId),
  ]);
  const content: SummaryContent = { community, weeks, last, before, vain, inbox };

  return write(ctx, async ({ tx }) => {
    const claim = await rows(
      tx,
      sql`INSERT INTO weekly_summaries (community_id, week) VALUES (${communityId}, ${weeks.week}::date) ON CONFLICT DO NOTHING RETURNING week`,
    );
    if (!claim.length) return { outcome: 'already' } as const;
    if (isQuiet(content)) return { outcome: 'quiet' } as const;
    const readers = await rows<SummaryReader>(tx, recipientsSql(communityId, settings.bounceThreshold));
    if (!readers.length) return { outcome: 'none' } as const;
    for (const reader of readers) await ctx.mail.queue(tx, composeSummary({ ...reader, id: Number(reader.id) }, content, ctx.translator, ctx.mail.links));
    return { outcome: 'sent', recipients: readers.length } as const;
  });
}
