/**
 * Mail coming in, as a mail client and a relay would send it: messages composed by nodemailer,
 * delivered over SMTP to the app's own listener or posted raw to its HTTP hook, and reply keys
 * made as the notification mail makes them.
 */
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { count, eq } from 'drizzle-orm';
import { mailMessages, posts } from '../../db/schema.js';
import { newReplyAddress } from '../../server/mail/notify/notify.jobs.js';
import type { TestApp } from './app.js';

/** The reply domain of a test app: the host of its origin (http://parley.test). */
export const REPLY_DOMAIN = 'parley.test';
export const INBOUND_SECRET = 'inbound-secret-for-tests-0123456789';

/** The Reply-To of a notification mail to this member about this topic. */
export const replyKeyAddress = (t: TestApp, userId: number, topicId: number): Promise<string> =>
  newReplyAddress(t.app.parley.ctx.db, t.app.parley.ctx.mail.replyDomain, userId, topicId);

/** A message's raw source, byte for byte as a client would hand it to its server. */
export async function compose(message: SendMailOptions): Promise<Buffer> {
  const info = await nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' }).sendMail(message);
  return info.message as Buffer;
}

/** Delivers over SMTP to the app's inbound listener; rejects with the server's refusal (responseCode). */
export async function deliverBySmtp(t: TestApp, envelope: { from: string; to: string[] }, raw: Buffer): Promise<void> {
  const port = t.app.inboundMail.smtpPort;
  if (port === null) throw new Error('the inbound SMTP listener is off');
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ envelope, raw });
  } finally {
    transport.close();
  }
}

/** Posts a raw message to the HTTP hook, as a mail provider does. */
export function deliverByHttp(t: TestApp, raw: Buffer, opts: { secret?: string | null; to?: string } = {}) {
  const secret = opts.secret === undefined ? INBOUND_SECRET : opts.secret;
  return t.app.inject({
    method: 'POST',
    url: `/api/mail/inbound${opts.to ? `?to=${encodeURIComponent(opts.to)}` : ''}`,
    headers: { 'content-type': 'message/rfc822', ...(secret === null ? {} : { authorization: `Bearer ${secret}` }) },
    payload: raw,
  });
}

export async function postsIn(t: TestApp, topicId: number) {
  return t.app.parley.ctx.db
    .select({ id: posts.id, authorId: posts.authorId, body: posts.body, number: posts.number })
    .from(posts)
    .where(eq(posts.topicId, topicId))
    .orderBy(posts.number);
}

/** Mail recorded for sending so far: a handler that queued nothing leaves it unchanged. */
export async function mailCount(t: TestApp): Promise<number> {
  const [row] = await t.app.parley.ctx.db.select({ n: count() }).from(mailMessages);
  return row!.n;
}
