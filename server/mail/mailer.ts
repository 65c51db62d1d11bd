/**
 * Queueing mail: a service calls `mailer.queue(tx, draft)` inside its write; the mail is rendered,
 * recorded in mail_messages and its sending job enqueued in the same transaction, so a mail exists
 * exactly when the change that caused it does. Sending happens later, in mail.sender.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Executor } from '../../db/client.js';
import { mailMessages, unsubscribeTokens } from '../../db/schema.js';
import type { Translator } from '../i18n/translator.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { MailDraft } from './mail.draft.js';
import { renderMail } from './mail.layout.js';
import type { MailLinks } from './mail.links.js';
import { newSecret } from './mail.secrets.js';

export const SEND_MAIL_JOB = 'mail.send';

export interface Mailer {
  links: MailLinks;
  /** The domain of reply (`reply+<key>@`) and bounce (`bounce+<key>@`) addresses. */
  replyDomain: string;
  /** Records the mail and enqueues its sending with the write around it; answers the mail's id. */
  queue(tx: Executor, draft: MailDraft): Promise<number>;
}

export interface MailerDeps {
  jobs: JobQueue;
  links: MailLinks;
  replyDomain: string;
  translator: Translator;
}

export function createMailer({ jobs, links, replyDomain, translator }: MailerDeps): Mailer {
  const topicThreadId = (topicId: number) => `<topic-${topicId}@${replyDomain}>`;

  return {
    links,
    replyDomain,
    async queue(tx, draft) {
      if (!draft.critical && !draft.unsubscribe) throw new Error(`mail "${draft.kind}" is not critical and has no unsubscribe stream`);
      let unsubscribeToken: string | null = null;
      if (draft.unsubscribe && draft.userId !== null) {
        const secret = newSecret();
        unsubscribeToken = secret.token;
        await tx.insert(unsubscribeTokens).values({
          tokenHash: secret.hash,
          userId: draft.userId,
          stream: draft.unsubscribe.stream,
          target: draft.unsubscribe.target ?? '',
        });
      }
      const { text, html } = renderMail(
        draft,
        { unsubscribeUrl: unsubscribeToken ? links.unsubscribePage(unsubscribeToken) : null, settingsUrl: links.settings() },
        translator,
      );

      const headers: Record<string, string> = {
        'Auto-Submitted': 'auto-generated',
        // Out-of-office replies to a notification would otherwise come back as posts.
        'X-Auto-Response-Suppress': 'All',
      };
      if (draft.thread) {
        headers['In-Reply-To'] = topicThreadId(draft.thread.topicId);
        headers.References = topicThreadId(draft.thread.topicId);
      }
      if (draft.list) headers['List-Id'] = `${draft.list.name.replace(/[<>"\r\n]/g, '')} <${draft.list.slug}.${replyDomain}>`;
      if (unsubscribeToken) {
        headers['List-Unsubscribe'] = `<${links.unsubscribeOneClick(unsubscribeToken)}>`;
        headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
        headers.Precedence = 'list';
      }
      if (draft.replyTo) headers['Reply-To'] = draft.replyTo;

      const [row] = await tx
        .insert(mailMessages)
        .values({
          userId: draft.userId,
          kind: draft.kind,
          toAddress: draft.to,
          subject: draft.subject,
          textBody: text,
          htmlBody: html,
          headers,
          messageId: `<${randomUUID()}@${replyDomain}>`,
          critical: draft.critical ?? false,
        })
        .returning({ id: mailMessages.id });
      await jobs.send(SEND_MAIL_JOB, { mailId: row!.id }, { tx });
      return row!.id;
    },
  };
}

/** The VERP return address of one mail: a bounce to it names the mail it is about. */
export const bounceAddress = (key: string, domain: string): string => `bounce+${key}@${domain}`;
/** The reply address of one member in one topic. */
export const replyAddress = (key: string, domain: string): string => `reply+${key}@${domain}`;
