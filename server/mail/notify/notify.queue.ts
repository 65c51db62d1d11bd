/**
 * From a stored notification to a mail job. `notify` (notifications.write.ts) hands over who it
 * told; one fan-out job per draft (one statement on the write's path, however many were told)
 * then sends each member who may get mail a delayed job keyed by member and topic. The queue's
 * `short` policy keeps one waiting job per key, so a burst of replies in a topic waits as one job
 * and becomes one mail.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../../../db/client.js';
import type { NotificationKind } from '../../../db/schema.js';
import type { JobQueue } from '../../jobs/job-queue.js';

/** Kinds that are mailed; new topics (the digest's) and reminders (the app's nudge) are not. */
export const MAILED_KINDS = ['reply', 'mention', 'solution', 'idea_status', 'moderation'] as const satisfies readonly NotificationKind[];
export type MailedKind = (typeof MAILED_KINDS)[number];
export const isMailedKind = (kind: string): kind is MailedKind => (MAILED_KINDS as readonly string[]).includes(kind);

export const FANOUT_JOB = 'mail.notification.fanout';
/** One member, one topic: waits the delay, then mails what is still unread. */
export const TOPIC_MAIL_JOB = 'mail.notification';
/** One member past the daily cap: everything left, in one mail when the window ends. */
export const ROLLUP_JOB = 'mail.notification.rollup';

export interface FanoutData {
  kind: MailedKind;
  topicId: number;
  userIds: number[];
}
export interface TopicMailData {
  userId: number;
  topicId: number;
}
export interface RollupData {
  userId: number;
}

const CHUNK = 1000;

/**
 * Whether the user row `u` may get notification mail at all: an address, proven (or an SSO
 * account's), and mail not turned off. `notify` reads it with the rows it stores, so a reply
 * whose readers can get no mail sends no job; the fan-out checks it again with the opt-outs.
 */
export const mayGetNotificationMail = (u: SQL) =>
  sql`(${u}.email IS NOT NULL AND ${u}.email_notifications <> 'never' AND (${u}.email_verified_at IS NOT NULL OR ${u}.sso_subject IS NOT NULL))`;

/**
 * Called by `notify` for the members it just told (or whose notification it raised) who may get
 * notification mail (`mayGetNotificationMail`). With `tx`, inside the write: the job exists only
 * if the notification does.
 */
export async function queueNotificationMail(
  jobs: JobQueue | undefined,
  tx: Executor | undefined,
  told: { kind: NotificationKind; topicId: number | null },
  userIds: number[],
): Promise<void> {
  if (!jobs || !userIds.length || told.topicId === null || !isMailedKind(told.kind)) return;
  for (let i = 0; i < userIds.length; i += CHUNK) {
    const data: FanoutData = { kind: told.kind, topicId: told.topicId, userIds: userIds.slice(i, i + CHUNK) };
    await jobs.send(FANOUT_JOB, data, tx ? { tx } : {});
  }
}

export const topicMailKey = (userId: number, topicId: number) => `${userId}:${topicId}`;

/**
 * The fan-out: members with a proven address who have not turned this mail off (never, or an
 * opt-out of the topic or the kind) each get a topic job after the delay. The rest is decided when it runs.
 */
export async function fanOut(db: Executor, jobs: JobQueue, delaySeconds: number, data: FanoutData): Promise<void> {
  const wanted = await rows<{ id: number }>(
    db,
    sql`
    SELECT u.id FROM users u
    WHERE u.id IN (${sql.join(
      data.userIds.map((id) => sql`${id}::int`),
      sql`, `,
    )})
      AND ${mayGetNotificationMail(sql`u`)}
      AND NOT EXISTS (SELECT 1 FROM email_opt_outs o WHERE o.user_id = u.id
        AND ((o.stream = 'topic' AND o.target = ${String(data.topicId)}) OR (o.stream = 'kind' AND o.target = ${data.kind})))`,
  );
  // One statement for all of them: a topic with a thousand watchers is one insert, not a thousand.
  await jobs.sendMany<TopicMailData>(
    TOPIC_MAIL_JOB,
    wanted.map(({ id }) => ({
      data: { userId: Number(id), topicId: data.topicId },
      startAfterSeconds: delaySeconds,
      singletonKey: topicMailKey(Number(id), data.topicId),
    })),
  );
}
