/**
 * A reply by e-mail: `reply+<key>@…` names a member and a topic (mail_reply_keys, written with the
 * notification mail). The text, quotes and signature stripped, is posted through the same
 * pipeline as a reply on the web (bans, locks, holds, limits, the verified-address rule), with a
 * clientId from the Message-ID so that a mail delivered twice posts once. A refusal is answered
 * once, by mail, to the account's address.
 *
 * The sender must be the account: the From address has to be the account's e-mail. The key alone
 * (128 bits) would prove the mail came from someone who read the notification, but notifications
 * get forwarded to colleagues and lists, and whoever answers a forwarded one must not post as the
 * member. From can be forged, but only by someone who also holds the key. A member who answers
 * from another address is told so by mail, at the account's address.
 */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { communities, mailReplyKeys, topics, users } from '../../../db/schema.js';
import { AppError, badRequest, forbidden } from '../../errors/errors.js';
import type { ErrorMessages } from '../../i18n/error-messages.js';
import { createReply } from '../../posts/posts.service.js';
import { BODY } from '../../rules/input-rules.js';
import { userViewer } from '../../visibility/viewer.js';
import { toViewerUser } from '../../auth/session.js';
import type { ServiceContext } from '../../write/unit-of-work.js';
import { hashSecret } from '../mail.secrets.js';
import type { InboundMail } from './inbound.message.js';
import { answerRefusal } from './inbound.refusal.js';
import { replyText } from './reply-text.js';

export interface ReplyDeps {
  ctx: ServiceContext;
  errorMessages: ErrorMessages;
  log: FastifyBaseLogger;
}

export type ReplyOutcome = 'posted' | 'duplicate' | 'refused' | 'automatic' | 'unknown_key';

async function loadReplyKey(ctx: ServiceContext, key: string) {
  const [row] = await ctx.db
    .select({
      user: users,
      topic: { id: topics.id, title: topics.title, communitySlug: communities.slug },
      language: communities.language,
    })
    .from(mailReplyKeys)
    .innerJoin(users, eq(users.id, mailReplyKeys.userId))
    .innerJoin(topics, eq(topics.id, mailReplyKeys.topicId))
    .innerJoin(communities, eq(communities.id, topics.communityId))
    .where(eq(mailReplyKeys.keyHash, hashSecret(key)));
  return row;
}

/** One mail, one topic: the same mail delivered again gets the same clientId, so the pipeline answers the first post. */
export function mailClientId(mail: InboundMail, topicId: number): string {
  // A mail without a Message-ID is known by what it says.
  const identity = mail.messageId ?? `${mail.from ?? ''}\n${mail.subject}\n${mail.text}`;
  // 5 + 59 characters: within ClientId's 64 (server/topics/topics.schema.ts).
  return `mail:${createHash('sha256').update(`${identity}\n${topicId}`).digest('hex').slice(0, 59)}`;
}

/** Refusals the pipeline does not know: they concern the mail, not the post. */
function checkMail(mail: InboundMail, accountEmail: string | null, body: string): void {
  if (!mail.from || !accountEmail || mail.from !== accountEmail.toLowerCase()) {
    const from = (mail.from ?? '').slice(0, 254);
    throw forbidden('reply_sender_mismatch', `The reply came from ${from || 'no address'}, not from the account's address.`, { from });
  }
  if (!/\S/.test(body)) throw badRequest('reply_empty', 'The reply is empty once quoted text and signature are removed.');
  if ([...body].length > BODY.max) throw badRequest('reply_too_long', `A reply can be at most ${BODY.max} characters long.`, { max: BODY.max });
}

export async function receiveReply(deps: ReplyDeps, mail: InboundMail, key: string): Promise<ReplyOutcome> {
  const { ctx, log } = deps;
  if (mail.automatic) {
    log.info({ messageId: mail.messageId }, 'automatic mail to a reply address (out of office, list, report): ignored');
    return 'automatic';
  }
  const found = await loadReplyKey(ctx, key);
  if (!found) {
    // Nobody to answer: an unknown key names no account, and the From address proves nothing.
    log.info({ messageId: mail.messageId }, 'reply to an unknown key: dropped');
    return 'unknown_key';
  }
  if (found.user.suspendedAt) {
    // A suspended account writes nothing anywhere; no answer either (it would be mail to a spammer).
    log.info({ user: found.user.id, messageId: mail.messageId }, 'reply by a suspended account: dropped');
    return 'refused';
  }
  // The member as a session would present them: the pipeline decides as it does for the web.
  const user = toViewerUser(found.user);
  const email = found.user.email;
  const body = replyText(mail.text);
  try {
    checkMail(mail, email, body);
    const { created, post } = await createReply(ctx, userViewer(user), found.topic.id, { body, clientId: mailClientId(mail, found.topic.id) });
    log.info({ user: user.id, topic: found.topic.id, post: post.id, created }, 'reply by e-mail');
    return created ? 'posted' : 'duplicate';
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    log.info({ user: user.id, topic: found.topic.id, code: err.code, messageId: mail.messageId }, 'reply by e-mail refused');
    if (!email) return 'refused';
    const locale = user.locale ?? found.language ?? 'en';
    const member = { id: user.id, email, displayName: user.displayName, locale };
    await answerRefusal(deps, { member, topic: found.topic, mail, body, error: err });
    return 'refused';
  }
}
