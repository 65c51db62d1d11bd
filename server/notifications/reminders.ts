/**
 * The unanswered-question reminder: an asker whose question has had replies for a while but no
 * accepted answer is reminded, once, that they can mark one.
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../db/client.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { notify } from './notifications.write.js';

/**
 * Every process runs the job on its own timer; whichever takes this lock does the scan and the
 * others skip it. The lock ends with the transaction. (Without it the result would be the same,
 * the unique index keeps a reminder to once per question, but every process would do the work.)
 */
const REMINDER_LOCK = 7_042_001;

/** Questions quiet for longer than afterDays plus this are left alone. */
const STALE_AFTER_DAYS = 30;

/** Questions handled per run; any beyond wait for the next hour. */
const BATCH = 500;

export interface ReminderOptions {
  afterDays: number;
  /** "Now", for tests. */
  now?: Date;
}

/**
 * Reminds the asker of every question (not hidden, no accepted answer) that has had a visible
 * reply from someone else for at least afterDays and was active in the last month, unless they
 * were reminded already.
 * Answers how many reminders it stored (0 when another process holds the job).
 */
export async function runQuestionReminders(ctx: Pick<ServiceContext, 'db' | 'bus'>, options: ReminderOptions): Promise<number> {
  const now = (options.now ?? new Date()).toISOString();
  return write(ctx, async (scope) => {
    const [lock] = await rows<{ got: boolean }>(scope.tx, sql`SELECT pg_try_advisory_xact_lock(${REMINDER_LOCK}) AS got`);
    if (!lock?.got) return 0;
    const due = await rows<{ id: number; community_id: number; author_id: number }>(
      scope.tx,
      sql`
      SELECT t.id, t.community_id, t.author_id FROM topics t
      WHERE t.kind = 'question' AND NOT t.hidden AND t.solution_post_id IS NULL
        AND t.created_at < ${now}::timestamptz - make_interval(days => ${options.afterDays})
        -- A conversation gone quiet for a month is not nudged back to life (nor, on a first
        -- deploy, is every old question in the archive).
        AND t.last_post_at > ${now}::timestamptz - make_interval(days => ${options.afterDays + STALE_AFTER_DAYS})
        -- The reminder is about replies the asker has had a few days to try, not one that just came in.
        AND EXISTS (SELECT 1 FROM posts p WHERE p.topic_id = t.id AND p.number > 1 AND p.author_id <> t.author_id AND NOT p.hidden AND NOT p.deleted
                    AND p.created_at < ${now}::timestamptz - make_interval(days => ${options.afterDays}))
        AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.kind = 'reminder' AND n.user_id = t.author_id AND n.topic_id = t.id)
      ORDER BY t.id
      LIMIT ${BATCH}`,
    );
    if (!due.length) return 0;
    const told = await notify(
      { within: scope },
      due.map((t) => ({
        draft: { kind: 'reminder' as const, communityId: Number(t.community_id), topicId: Number(t.id), postId: null, actorId: null },
        candidates: [Number(t.author_id)],
      })),
    );
    return told.filter((recipients) => recipients.length).length;
  });
}
