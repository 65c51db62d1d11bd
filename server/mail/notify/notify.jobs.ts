/**
 * The notification-mail workers. A topic job (one member, one topic, after the delay) mails what
 * is still unread there, unless the member was around meanwhile (only when away), or turns into
 * the member's roll-up when the daily cap is reached. Reading, deciding, recording and queueing
 * the mail are one transaction: what is recorded as mailed is exactly what the mail says.
 */
import type { Config } from '../../config/config.js';
import type { Executor } from '../../../db/client.js';
import { mailReplyKeys } from '../../../db/schema.js';
import { write, type ServiceContext } from '../../write/unit-of-work.js';
import { replyAddress } from '../mailer.js';
import { newAddressKey } from '../mail.secrets.js';
import { secondsUntilUnderCap } from './notify.cap.js';
import { rollupMail, topicMail } from './notify.compose.js';
import { loadRecipient, pendingFor, recordMailed, type PendingTopic, type Recipient } from './notify.pending.js';
import { fanOut, FANOUT_JOB, ROLLUP_JOB, TOPIC_MAIL_JOB, type FanoutData, type RollupData, type TopicMailData } from './notify.queue.js';

type MailSettings = Pick<Config['mail'], 'delaySeconds' | 'dailyCap' | 'bounceThreshold'>;

export interface NotificationMail {
  /** The queues exist before anything is stored (the demo seed notifies before the workers start). */
  define(): Promise<void>;
  start(): Promise<void>;
}

export function notificationMail(ctx: ServiceContext, settings: MailSettings): NotificationMail {
  return {
    async define() {
      await ctx.jobs.define(FANOUT_JOB, { retryLimit: 5, retryDelaySeconds: 5, retryBackoff: true });
      await ctx.jobs.define(TOPIC_MAIL_JOB, { policy: 'short', retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true });
      await ctx.jobs.define(ROLLUP_JOB, { policy: 'short', retryLimit: 5, retryDelaySeconds: 60, retryBackoff: true });
    },
    async start() {
      await ctx.jobs.work<FanoutData>(FANOUT_JOB, (job) => fanOut(ctx.db, ctx.jobs, settings.delaySeconds, job.data));
      await ctx.jobs.work<TopicMailData>(TOPIC_MAIL_JOB, (job) => mailTopic(ctx, settings, job.data));
      await ctx.jobs.work<RollupData>(ROLLUP_JOB, (job) => mailRollup(ctx, settings, job.data));
    },
  };
}

/**
 * Someone who wants this mail and whose address takes it: proven (an address typed at sign-up may
 * be someone else's, who never asked for our mail) and not bouncing (that one gets only critical mail).
 */
const wantsMail = (r: Recipient | null, settings: MailSettings): r is Recipient =>
  !!r && r.verified && r.choice !== 'never' && r.bounceScore < settings.bounceThreshold;

const localeOf = (ctx: ServiceContext, r: Recipient, pending: PendingTopic[]) =>
  ctx.translator.choose({ member: r.locale, community: pending[0]?.community.language ?? null });

async function mailTopic(ctx: ServiceContext, settings: MailSettings, { userId, topicId }: TopicMailData): Promise<void> {
  const rollupIn = await write(ctx, async ({ tx }): Promise<number | null> => {
    const recipient = await loadRecipient(tx, userId);
    if (!wantsMail(recipient, settings)) return null;
    const [pending] = await pendingFor(tx, recipient, topicId);
    if (!pending) return null;
    const wait = await secondsUntilUnderCap(tx, userId, settings.dailyCap);
    // Nothing is dropped: it stays pending, and one roll-up per member mails it when the window ends.
    if (wait !== null) return wait;
    // A reply to a moderator's notice would land in the topic as a post: such mail has no reply address.
    const replyable = pending.notifications.some((n) => n.kind !== 'moderation');
    const replyTo = replyable ? await newReplyAddress(tx, ctx.mail.replyDomain, userId, topicId) : null;
    await recordMailed(tx, userId, [pending]);
    await ctx.mail.queue(
      tx,
      topicMail({ recipient, locale: localeOf(ctx, recipient, [pending]), pending, translator: ctx.translator, links: ctx.mail.links, replyTo }),
    );
    return null;
  });
  // After the commit: the roll-up is about what this write left pending. Lost here (a crash between
  // the two), nothing is: the notifications stay pending and the next topic mail schedules it again.
  if (rollupIn !== null) {
    await ctx.jobs.send(ROLLUP_JOB, { userId } satisfies RollupData, { startAfterSeconds: rollupIn, singletonKey: String(userId) });
  }
}

async function mailRollup(ctx: ServiceContext, settings: MailSettings, { userId }: RollupData): Promise<void> {
  await write(ctx, async ({ tx }) => {
    const recipient = await loadRecipient(tx, userId);
    if (!wantsMail(recipient, settings)) return;
    const pending = await pendingFor(tx, recipient, null);
    if (!pending.length) return;
    await recordMailed(tx, userId, pending);
    await ctx.mail.queue(
      tx,
      rollupMail({
        recipient,
        locale: localeOf(ctx, recipient, pending),
        pending,
        cap: settings.dailyCap,
        translator: ctx.translator,
        links: ctx.mail.links,
      }),
    );
  });
}

/** A key for reply by mail in this topic, as this member: 128 bits, only its hash stored. */
export async function newReplyAddress(tx: Executor, replyDomain: string, userId: number, topicId: number): Promise<string> {
  const key = newAddressKey();
  await tx.insert(mailReplyKeys).values({ keyHash: key.hash, userId, topicId });
  return replyAddress(key.token, replyDomain);
}
