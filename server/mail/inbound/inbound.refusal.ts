/**
 * The one answer to a reply by e-mail that was not posted: a mail to the member's account address
 * (never to whatever From the mail claimed) saying why, in their language, with what they wrote
 * so that nothing is lost. Each inbound mail is answered at most once, however often it arrives:
 * the answer names it in In-Reply-To, and that is what is looked for.
 */
import { and, eq, sql } from 'drizzle-orm';
import { mailMessages } from '../../../db/schema.js';
import type { AppError } from '../../errors/errors.js';
import type { ErrorMessages } from '../../i18n/error-messages.js';
import { hitCounter } from '../../limits/counters.js';
import { renderMarkdown } from '../../markdown/markdown.render.js';
import { topicPath } from '../../pages/sitemap.urls.js';
import { write, type ServiceContext } from '../../write/unit-of-work.js';
import type { MailBlock } from '../mail.draft.js';
import type { InboundMail } from './inbound.message.js';

export const REPLY_REFUSED = 'reply_refused';

/** Refusal mails per member per hour: a loop with a machine that strips Auto-Submitted stays small. */
const REFUSALS_PER_HOUR = 10;
/** What they wrote is quoted back up to this length. */
const QUOTED_BACK = 20_000;
/** pg_advisory_xact_lock's first key: this lock's namespace. */
const LOCK_NAMESPACE = 13_007;

export interface RefusedReply {
  member: { id: number; email: string; displayName: string; locale: string };
  topic: { id: number; title: string; communitySlug: string } | null;
  mail: InboundMail;
  /** What the member wrote, quotes stripped ('' when nothing was left). */
  body: string;
  error: AppError;
}

export type RefusalOutcome = 'answered' | 'already_answered' | 'too_many';

export async function answerRefusal(deps: { ctx: ServiceContext; errorMessages: ErrorMessages }, refused: RefusedReply): Promise<RefusalOutcome> {
  const { ctx, errorMessages } = deps;
  const { member, topic, mail, body, error } = refused;
  const t = (key: string, params?: Record<string, unknown>) => ctx.translator.t(member.locale, key, params);
  const reason = errorMessages.message(member.locale, error.code, error.details, error.message);
  const topicUrl = topic ? ctx.mail.links.at(topicPath(topic.communitySlug, topic)) : null;
  // A hidden or removed topic is not linked: the link would only say "not found" again.
  const shown = topic !== null && error.code !== 'topic_not_found' ? topic : null;

  const blocks: MailBlock[] = [
    { type: 'heading', text: t('mail.reply_refused.heading') },
    { type: 'paragraph', text: reason },
    ...(shown && topicUrl ? [{ type: 'action' as const, label: t('mail.reply_refused.open_topic', { title: shown.title }), url: topicUrl }] : []),
  ];
  if (body) {
    const quoted = body.length > QUOTED_BACK ? `${body.slice(0, QUOTED_BACK)}…` : body;
    blocks.push(
      { type: 'paragraph', text: t('mail.reply_refused.your_text') },
      {
        type: 'post',
        author: member.displayName,
        meta: mail.subject || t('mail.reply_refused.by_mail'),
        url: topicUrl ?? ctx.mail.links.at('/'),
        html: renderMarkdown(quoted).html,
        text: quoted,
      },
    );
  }

  return write(ctx, async ({ tx }) => {
    if (mail.messageId) {
      // Two deliveries of one mail (SMTP and the HTTP hook, or a retry) at once: one answers.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${mail.messageId}))`);
      const [earlier] = await tx
        .select({ id: mailMessages.id })
        .from(mailMessages)
        .where(
          and(eq(mailMessages.userId, member.id), eq(mailMessages.kind, REPLY_REFUSED), sql`${mailMessages.headers} ->> 'In-Reply-To' = ${mail.messageId}`),
        )
        .limit(1);
      if (earlier) return 'already_answered';
    }
    if (ctx.postingLimits.enabled && (await hitCounter(tx, `mail.reply_refused:${member.id}`, 3600)).count > REFUSALS_PER_HOUR) return 'too_many';
    const id = await ctx.mail.queue(tx, {
      kind: REPLY_REFUSED,
      userId: member.id,
      to: member.email,
      locale: member.locale,
      subject: shown ? t('mail.reply_refused.subject_topic', { title: shown.title }) : t('mail.reply_refused.subject'),
      preheader: reason,
      blocks,
      reason: t('mail.reply_refused.reason'),
      critical: true,
      ...(topic ? { thread: { topicId: topic.id } } : {}),
    });
    if (mail.messageId) {
      // The answer threads under the member's own mail, and names it: the mark that it was answered.
      await tx
        .update(mailMessages)
        .set({
          headers: sql`${mailMessages.headers} || jsonb_build_object('In-Reply-To', ${mail.messageId}::text, 'References', trim(coalesce(${mailMessages.headers} ->> 'References', '') || ' ' || ${mail.messageId}::text))`,
        })
        .where(eq(mailMessages.id, id));
    }
    return 'answered';
  });
}
