/**
 * The `mail.send` job: hands one recorded mail to the transport. At most once: a mail already
 * sent (or given up) is not sent again, whoever runs the job, however often it is delivered.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import { mailMessages, users } from '../../db/schema.js';
import type { RunningJob } from '../jobs/job-queue.js';
import { bounceAddress } from './mailer.js';
import { newAddressKey } from './mail.secrets.js';
import { SendFailure, type MailTransport } from './mail.transport.js';

export interface SenderDeps {
  db: Db;
  transport: MailTransport;
  from: string;
  replyDomain: string;
  bounceThreshold: number;
  log: FastifyBaseLogger;
}

const URL_IN_TEXT = /https?:\/\/[^\s<>"]+/g;

export function mailSender({ db, transport, from, replyDomain, bounceThreshold, log }: SenderDeps) {
  return async (job: RunningJob<{ mailId: number }>): Promise<void> => {
    const [mail] = await db
      .select({
        m: mailMessages,
        bounceScore: users.emailBounceScore,
        verified: sql<boolean>`(${users.emailVerifiedAt} IS NOT NULL OR ${users.ssoSubject} IS NOT NULL)`,
      })
      .from(mailMessages)
      .leftJoin(users, eq(users.id, mailMessages.userId))
      .where(eq(mailMessages.id, job.data.mailId));
    if (!mail || mail.m.status !== 'queued') return;
    const m = mail.m;

    // Everyday mail goes only to a proven address (one typed at sign-up may be someone else's, who
    // never asked for it) that does not keep bouncing; critical mail (verification, reset) always goes.
    // The services that compose everyday mail check the same first; this is the last word.
    const refusal =
      m.critical || m.userId === null ? null : !mail.verified ? 'address not verified' : (mail.bounceScore ?? 0) >= bounceThreshold ? 'address bounces' : null;
    if (refusal) {
      await db.update(mailMessages).set({ status: 'suppressed', lastError: refusal }).where(eq(mailMessages.id, m.id));
      return;
    }

    // A fresh VERP key per attempt, stored hashed: a bounce names this mail without the key being kept.
    const bounce = newAddressKey();
    await db
      .update(mailMessages)
      .set({ bounceKeyHash: bounce.hash, attempts: sql`${mailMessages.attempts} + 1` })
      .where(eq(mailMessages.id, m.id));
    try {
      const outcome = await transport.send({
        from,
        to: m.toAddress,
        returnPath: bounceAddress(bounce.token, replyDomain),
        subject: m.subject,
        text: m.textBody,
        html: m.htmlBody,
        messageId: m.messageId,
        headers: m.headers,
      });
      await markSent(db, m.id, transport.kind);
      if (transport.kind === 'local') {
        log.info(
          { mail: m.id, to: m.toAddress, subject: m.subject, links: [...new Set(m.textBody.match(URL_IN_TEXT) ?? [])] },
          'mail kept in the local mailbox',
        );
      } else log.info({ mail: m.id, kind: m.kind, response: outcome.response }, 'mail sent');
    } catch (err) {
      const failure = err instanceof SendFailure ? err : new SendFailure(String(err), true, null);
      const last = !failure.temporary || job.retryCount >= job.retryLimit;
      await db
        .update(mailMessages)
        .set({ lastError: failure.message.slice(0, 500), ...(last ? { status: 'failed' as const } : {}) })
        .where(and(eq(mailMessages.id, m.id), eq(mailMessages.status, 'queued')));
      log.warn({ mail: m.id, code: failure.responseCode, temporary: failure.temporary, attempt: job.retryCount + 1 }, 'mail not sent');
      // Thrown, the job is retried with back-off; a permanent refusal is settled here.
      if (!last) throw failure;
    }
  };
}

/**
 * Once the server has accepted the mail, recording it must not fail quietly: a job that ran again
 * would send it twice. A database hiccup here is retried before giving up.
 */
async function markSent(db: Db, id: number, transport: 'smtp' | 'local'): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.update(mailMessages).set({ status: 'sent', sentAt: new Date(), transport, lastError: null }).where(eq(mailMessages.id, id));
      return;
    } catch (err) {
      if (attempt >= 4) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}
