/**
 * Calmer threads, as a moderator sets them: a topic's slow mode and its timers. Each change is a
 * public log entry and a `topic.updated` event (topic-change.ts); the timers themselves run in
 * topic-timers.ts.
 */
import { and, eq } from 'drizzle-orm';
import { topics, topicTimers, type TopicTimerAction } from '../../../db/schema.js';
import { badRequest, unauthorized } from '../../errors/errors.js';
import { requireModerator } from '../../moderation/moderation.guard.js';
import { loadVisibleTopic, presentLoaded } from '../../topics/topics.load.js';
import type { Viewer } from '../../visibility/viewer.js';
import type { ServiceContext } from '../../write/unit-of-work.js';
import { SLOW_MODE_MAX_SECONDS } from './slow-mode.js';
import { changeTopicCalm, type CalmChange } from './topic-change.js';

/** Idle timers close a topic between one day and a year after its last reply. */
export const IDLE_DAYS_MIN = 1;
export const IDLE_DAYS_MAX = 365;
/** A fixed timer may be set up to ten years ahead. */
const MAX_AHEAD_MS = 10 * 366 * 86_400_000;

async function moderate(ctx: ServiceContext, viewer: Viewer, topicId: number, change: Omit<CalmChange, 'topicId' | 'moderatorId'>) {
  if (!viewer.user) throw unauthorized();
  const loaded = await loadVisibleTopic(ctx.db, viewer, topicId);
  requireModerator(loaded.standing);
  await changeTopicCalm(ctx, { ...change, topicId, moderatorId: viewer.user.id });
  return { topic: presentLoaded(await loadVisibleTopic(ctx.db, viewer, topicId)) };
}

/** Sets a topic's slow mode (0 turns it off). Setting what it already is changes and logs nothing. */
export function setSlowMode(ctx: ServiceContext, viewer: Viewer, topicId: number, seconds: number) {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > SLOW_MODE_MAX_SECONDS) {
    throw badRequest('invalid_slow_mode', `Slow mode takes 0 to ${SLOW_MODE_MAX_SECONDS} seconds.`, { min: 0, max: SLOW_MODE_MAX_SECONDS });
  }
  return moderate(ctx, viewer, topicId, {
    action: 'set_slow_mode',
    detail: String(seconds),
    apply: async (tx, current) => {
      if (current.slowModeSeconds === seconds) return false;
      await tx.update(topics).set({ slowModeSeconds: seconds }).where(eq(topics.id, topicId));
      return true;
    },
  });
}

export interface TimerInput {
  at?: string | undefined;
  idleDays?: number | undefined;
}

/** A timer as stored: a fixed time, or (close only) days after the last reply. */
function timerOf(action: TopicTimerAction, input: TimerInput, now = Date.now()): { runAt: Date | null; idleDays: number | null } {
  const hasAt = input.at !== undefined;
  const hasIdle = input.idleDays !== undefined;
  if (hasAt === hasIdle) throw badRequest('invalid_timer', 'Give a timer either `at` (a time) or `idleDays`, not both.');
  if (hasIdle) {
    if (action !== 'close') throw badRequest('invalid_timer', 'Only a close timer can count days after the last reply.');
    const days = input.idleDays!;
    if (!Number.isInteger(days) || days < IDLE_DAYS_MIN || days > IDLE_DAYS_MAX) {
      throw badRequest('invalid_timer', `idleDays is ${IDLE_DAYS_MIN} to ${IDLE_DAYS_MAX}.`, { min: IDLE_DAYS_MIN, max: IDLE_DAYS_MAX });
    }
    return { runAt: null, idleDays: days };
  }
  const at = new Date(input.at!);
  if (Number.isNaN(at.getTime())) throw badRequest('invalid_timer', '`at` is not a time.');
  if (at.getTime() <= now) throw badRequest('timer_in_past', 'A timer must be set for a time in the future.');
  if (at.getTime() > now + MAX_AHEAD_MS) throw badRequest('invalid_timer', 'A timer can be set at most ten years ahead.');
  return { runAt: at, idleDays: null };
}

/** What the log keeps of a timer: JSON of its action and time or days. */
const timerDetail = (action: TopicTimerAction, timer: { runAt: Date | null; idleDays: number | null }) =>
  JSON.stringify(timer.runAt ? { action, at: timer.runAt.toISOString() } : { action, idleDays: timer.idleDays });

/** Sets (or replaces) the topic's timer for this action. */
export function setTopicTimer(ctx: ServiceContext, viewer: Viewer, topicId: number, action: TopicTimerAction, input: TimerInput) {
  const timer = timerOf(action, input);
  return moderate(ctx, viewer, topicId, {
    action: 'set_topic_timer',
    detail: timerDetail(action, timer),
    apply: async (tx) => {
      const [before] = await tx
        .select({ runAt: topicTimers.runAt, idleDays: topicTimers.idleDays })
        .from(topicTimers)
        .where(and(eq(topicTimers.topicId, topicId), eq(topicTimers.action, action)));
      if (before && before.idleDays === timer.idleDays && before.runAt?.getTime() === timer.runAt?.getTime()) return false;
      await tx
        .insert(topicTimers)
        .values({ topicId, action, runAt: timer.runAt, idleDays: timer.idleDays, createdById: viewer.user!.id })
        .onConflictDoUpdate({
          target: [topicTimers.topicId, topicTimers.action],
          set: { runAt: timer.runAt, idleDays: timer.idleDays, createdById: viewer.user!.id, createdAt: new Date() },
        });
      return true;
    },
  });
}

/** Removes the topic's timer for this action; none to remove changes nothing. */
export function clearTopicTimer(ctx: ServiceContext, viewer: Viewer, topicId: number, action: TopicTimerAction) {
  return moderate(ctx, viewer, topicId, {
    action: 'clear_topic_timer',
    detail: JSON.stringify({ action }),
    apply: async (tx) => {
      const gone = await tx
        .delete(topicTimers)
        .where(and(eq(topicTimers.topicId, topicId), eq(topicTimers.action, action)))
        .returning({ topicId: topicTimers.topicId });
      return gone.length > 0;
    },
  });
}
