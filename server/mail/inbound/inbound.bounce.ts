/**
 * A bounce to `bounce+<key>@…` (VERP: the key names the one mail it is about) raises the bounce
 * score of the member the mail went to. Past `config.mail.bounceThreshold` only critical mail
 * (reset, verification) is sent to that address (mail.sender.ts); verifying the address again
 * clears the score (the auth service).
 *
 * Points: a hard bounce (5.x.x: no such mailbox, domain gone) counts 2, a soft one (4.x.x the
 * remote server gave up on: mailbox full) 1. With the default threshold of 5, three hard bounces
 * or five soft ones stop everyday mail, and one unlucky day with a full mailbox does not.
 */
import { and, eq, isNull, or, sql, not, like } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../../db/client.js';
import { mailMessages, users } from '../../../db/schema.js';
import { hashSecret } from '../mail.secrets.js';
import { readBounce } from './dsn.js';
import type { InboundMail } from './inbound.message.js';

export const BOUNCE_POINTS = { hard: 2, soft: 1 } as const;

/** last_error of a mail that bounced starts with this: the mark that counts each mail's bounce once. */
const BOUNCED = 'bounced';

export type BounceOutcome = 'counted' | 'unknown_key' | 'not_a_failure' | 'already_counted' | 'address_changed';

export async function receiveBounce(deps: { db: Db; log: FastifyBaseLogger }, mail: InboundMail, key: string): Promise<BounceOutcome> {
  const { db, log } = deps;
  const verdict = readBounce(mail);
  return db.transaction(async (tx) => {
    const [sent] = await tx
      .select({ id: mailMessages.id, userId: mailMessages.userId, to: mailMessages.toAddress, email: users.email })
      .from(mailMessages)
      .leftJoin(users, eq(users.id, mailMessages.userId))
      .where(eq(mailMessages.bounceKeyHash, hashSecret(key)));
    if (!sent) {
      log.info({ messageId: mail.messageId }, 'bounce for no mail of ours: dropped');
      return 'unknown_key';
    }
    if (!verdict) {
      log.info({ mail: sent.id, messageId: mail.messageId }, 'mail to a bounce address that reports no failure: dropped');
      return 'not_a_failure';
    }
    // The mail keeps its status (the server did accept it); its record says what came back.
    const lastError = `${BOUNCED} ${verdict.status}${verdict.diagnostic ? `: ${verdict.diagnostic}` : ''}`.slice(0, 500);
    const [marked] = await tx
      .update(mailMessages)
      .set({ lastError })
      .where(and(eq(mailMessages.id, sent.id), or(isNull(mailMessages.lastError), not(like(mailMessages.lastError, `${BOUNCED} %`)))))
      .returning({ id: mailMessages.id });
    if (!marked) return 'already_counted';
    // A bounce of mail sent to an address the member has since replaced says nothing about the new one.
    if (sent.userId === null || !sent.email || sent.email.toLowerCase() !== sent.to.toLowerCase()) return 'address_changed';
    const points = BOUNCE_POINTS[verdict.severity];
    const [user] = await tx
      .update(users)
      .set({ emailBounceScore: sql`${users.emailBounceScore} + ${points}` })
      .where(eq(users.id, sent.userId))
      .returning({ score: users.emailBounceScore });
    log.info({ mail: sent.id, user: sent.userId, status: verdict.status, severity: verdict.severity, score: user?.score }, 'mail bounced');
    return 'counted';
  });
}
