/**
 * Topic timers run as the system: a job scheduled every minute (pg-boss: durable, and sent once per
 * minute across every process) closes (locks) or opens (unlocks) the topics whose timers are due,
 * each in its own transaction, logged as `lock_topic` / `unlock_topic` by the system with the reason
 * `topic_timer`. A timer is removed once it has run, idle timers included: left in place, an idle
 * timer would close again a minute after a moderator reopened the quiet topic.
 *
 * Two processes running the same timer meet at the topic row's lock; the second finds the timer
 * gone and does nothing, so a timer runs once.
 */
import { and, eq, sql } from 'drizzle-orm';
import { rows } from '../../../db/client.js';
import { topics, topicTimers, type TopicTimerAction } from '../../../db/schema.js';
import type { ServiceContext } from '../../write/unit-of-work.js';
import { changeTopicCalm } from './topic-change.js';

export const TOPIC_TIMERS_JOB = 'safety.topic-timers';
/** Every minute: a timer runs within a minute (and the cron monitor's half minute) of being due. */
const TIMERS_CRON = '* * * * *';
/** Timers one run takes at most; the rest are still due and taken by the next run. */
const RUN_LIMIT = 500;

/** Whether a timer is due at `now` (a fixed time passed, or its topic quiet for its days). */
const dueSql = (now: string) =>
  sql`(tt.run_at <= ${now}::timestamptz OR (tt.idle_days IS NOT NULL AND t.last_post_at + make_interval(days => tt.idle_days) <= ${now}::timestamptz))`;

/** Runs every timer due at `now` (the job's "now"; tests pass a later one). Answers the timers that changed a topic. */
export async function runDueTimers(ctx: Pick<ServiceContext, 'db' | 'bus'>, now = new Date()): Promise<Array<{ topicId: number; action: TopicTimerAction }>> {
  const at = now.toISOString();
  const due = await rows<{ topic_id: number; action: TopicTimerAction }>(
    ctx.db,
    sql`SELECT tt.topic_id, tt.action FROM topic_timers tt JOIN topics t ON t.id = tt.topic_id
      WHERE ${dueSql(at)} ORDER BY tt.topic_id, tt.action LIMIT ${RUN_LIMIT}`,
  );
  const ran: Array<{ topicId: number; action: TopicTimerAction }> = [];
  for (const timer of due) {
    const topicId = Number(timer.topic_id);
    if (await runTimer(ctx, topicId, timer.action, at)) ran.push({ topicId, action: timer.action });
  }
  return ran;
}

/** One timer, under its topic's lock: still due? Removed, and the topic closed or opened unless it already is. */
async function runTimer(ctx: Pick<ServiceContext, 'db' | 'bus'>, topicId: number, action: TopicTimerAction, at: string): Promise<boolean> {
  const locked = action === 'close';
  return changeTopicCalm(ctx, {
    topicId,
    moderatorId: null,
    action: locked ? 'lock_topic' : 'unlock_topic',
    reasonCode: 'topic_timer',
    apply: async (tx, current) => {
      const [timer] = await rows<{ run_at: string | null; idle_days: number | null }>(
        tx,
        sql`SELECT tt.run_at, tt.idle_days FROM topic_timers tt JOIN topics t ON t.id = tt.topic_id
          WHERE tt.topic_id = ${topicId} AND tt.action = ${action} AND ${dueSql(at)}`,
      );
      if (!timer) return false;
      await tx.delete(topicTimers).where(and(eq(topicTimers.topicId, topicId), eq(topicTimers.action, action)));
      if (current.locked === locked) return false;
      await tx.update(topics).set({ locked }).where(eq(topics.id, topicId));
      const ran = timer.idle_days ? { action, idleDays: Number(timer.idle_days) } : { action, at: new Date(timer.run_at!).toISOString() };
      return { detail: JSON.stringify(ran) };
    },
  });
}

/** Defines the queue, starts its worker and schedules it. Called once the app is built. */
export async function startTopicTimers(ctx: ServiceContext): Promise<void> {
  // A run still going when the next minute comes is not doubled.
  await ctx.jobs.define(TOPIC_TIMERS_JOB, { policy: 'singleton', retryLimit: 1, retryDelaySeconds: 30 });
  await ctx.jobs.work(TOPIC_TIMERS_JOB, async () => {
    await runDueTimers(ctx);
  });
  await ctx.jobs.schedule(TOPIC_TIMERS_JOB, TIMERS_CRON);
}
