/**
 * Digest scheduling: an hourly round finds the members due (one query per page of them) and
 * enqueues one job per member; each job composes and queues that member's digest (digest.send.ts).
 * A slow or failing member holds up nobody else, and a member is never queued twice at once
 * (singletonKey, policy 'short': a later round's job folds into the waiting one).
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../../db/client.js';
import type { RunningJob } from '../../jobs/job-queue.js';
import type { ServiceContext } from '../../write/unit-of-work.js';
import { dueSql } from './digest.rules.js';
import { sendDigest, type DigestSettings } from './digest.send.js';

export const DIGEST_ROUND_JOB = 'mail.digest';
export const DIGEST_MEMBER_JOB = 'mail.digest.member';

/** Minute 15 of every hour (UTC): away from the top of the hour, when other schedules crowd. */
const ROUND_CRON = '15 * * * *';

/** Members read per query. */
const PAGE = 500;

/** Members enqueued per round at most; the rest are still due, and taken by the next round. */
const ROUND_LIMIT = 5000;

interface MemberJob {
  userId: number;
  /** The round's time, ISO: the job decides as of then, however late it runs. */
  at: string;
}

/** One round as of `at`: enqueues a digest job for every member due (up to ROUND_LIMIT). Answers their ids. */
export async function runDigestRound(ctx: Pick<ServiceContext, 'db' | 'jobs'>, settings: DigestSettings, at = new Date()): Promise<number[]> {
  const queued: number[] = [];
  let after = 0;
  while (queued.length < ROUND_LIMIT) {
    const due = await rows<{ id: number }>(
      ctx.db,
      sql`SELECT u.id FROM users u WHERE u.id > ${after} AND ${dueSql(at, settings.bounceThreshold)} ORDER BY u.id LIMIT ${Math.min(PAGE, ROUND_LIMIT - queued.length)}`,
    );
    for (const { id } of due) {
      const data: MemberJob = { userId: Number(id), at: at.toISOString() };
      await ctx.jobs.send(DIGEST_MEMBER_JOB, data, { singletonKey: String(id) });
      queued.push(Number(id));
    }
    if (due.length < PAGE) break;
    after = queued[queued.length - 1]!;
  }
  return queued;
}

/** Defines the queues, starts their workers and schedules the round. Called once the app is built. */
export async function startDigests(ctx: ServiceContext, settings: DigestSettings): Promise<void> {
  // A round still running when the next is due is not doubled.
  await ctx.jobs.define(DIGEST_ROUND_JOB, { policy: 'singleton', retryLimit: 2, retryDelaySeconds: 60 });
  await ctx.jobs.define(DIGEST_MEMBER_JOB, { policy: 'short', retryLimit: 3, retryDelaySeconds: 60, retryBackoff: true });
  await ctx.jobs.work(DIGEST_ROUND_JOB, async () => {
    await runDigestRound(ctx, settings);
  });
  await ctx.jobs.work(DIGEST_MEMBER_JOB, async (job: RunningJob<MemberJob>) => {
    await sendDigest(ctx, settings, job.data.userId, new Date(job.data.at));
  });
  await ctx.jobs.schedule(DIGEST_ROUND_JOB, ROUND_CRON);
}
