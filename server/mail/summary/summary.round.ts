/**
 * Weekly summary scheduling: a daily round (early Monday it finds last week's summaries due; on
 * later days only those a stopped server missed) enqueues one job per community with an admin and
 * no summary of last week yet; each job reads that community's figures and queues its mails
 * (summary.send.ts). One community failing holds up no other.
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../../db/client.js';
import type { RunningJob } from '../../jobs/job-queue.js';
import type { ServiceContext } from '../../write/unit-of-work.js';
import { summaryWeeks } from './summary.rules.js';
import { sendWeeklySummary, type SummarySettings } from './summary.send.js';

export const SUMMARY_ROUND_JOB = 'mail.summary';
export const SUMMARY_COMMUNITY_JOB = 'mail.summary.community';

/** 06:45 UTC every day (Monday's sends; the others catch up): away from the top of the hour and from the digest round at minute 15. */
const ROUND_CRON = '45 6 * * *';

interface CommunityJob {
  communityId: number;
  /** The round's time, ISO: the job summarises the week before it, however late it runs. */
  at: string;
}

/** One round as of `at`: a job for every community with an admin whose last week has no summary yet. Answers their ids. */
export async function runSummaryRound(ctx: Pick<ServiceContext, 'db' | 'jobs'>, at = new Date()): Promise<number[]> {
  const { week } = summaryWeeks(at);
  const due = await rows<{ id: number }>(
    ctx.db,
    sql`SELECT c.id FROM communities c
        WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = c.id AND m.role = 'admin')
          AND NOT EXISTS (SELECT 1 FROM weekly_summaries w WHERE w.community_id = c.id AND w.week = ${week}::date)
        ORDER BY c.id`,
  );
  const ids = due.map((r) => Number(r.id));
  if (ids.length)
    await ctx.jobs.sendMany<CommunityJob>(
      SUMMARY_COMMUNITY_JOB,
      ids.map((communityId) => ({ data: { communityId, at: at.toISOString() }, singletonKey: String(communityId) })),
    );
  return ids;
}

/** Defines the queues, starts their workers and schedules the round. Called once the app is built. */
export async function startWeeklySummaries(ctx: ServiceContext, settings: SummarySettings): Promise<void> {
  await ctx.jobs.define(SUMMARY_ROUND_JOB, { policy: 'singleton', retryLimit: 2, retryDelaySeconds: 60 });
  await ctx.jobs.define(SUMMARY_COMMUNITY_JOB, { policy: 'short', retryLimit: 3, retryDelaySeconds: 300, retryBackoff: true });
  await ctx.jobs.work(SUMMARY_ROUND_JOB, async () => {
    await runSummaryRound(ctx);
  });
  await ctx.jobs.work(SUMMARY_COMMUNITY_JOB, async (job: RunningJob<CommunityJob>) => {
    await sendWeeklySummary(ctx, settings, job.data.communityId, new Date(job.data.at));
  });
  await ctx.jobs.schedule(SUMMARY_ROUND_JOB, ROUND_CRON);
}
