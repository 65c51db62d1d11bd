/**
 * Bounces: a delivery report to a mail's VERP return address (`bounce+<key>@…`) raises the bounce
 * score of the member it was sent to, once per mail (hard 2, soft 1); past the threshold (5) only
 * critical mail still goes to that address. Reports arrive over a real SMTP connection to the
 * app's listener; mail leaves to a real SMTP sink, whose envelope gives the return address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { mailMessages, users } from '../db/schema.js';
import type { MailDraft } from '../server/mail/mail.draft.js';
import { readBounce } from '../server/mail/inbound/dsn.js';
import { readInboundMail } from '../server/mail/inbound/inbound.message.js';
import { newAddressKey } from '../server/mail/mail.secrets.js';
import { write } from '../server/write/unit-of-work.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { signUp, unique, type SignedIn } from './helpers/factories.js';
import { deliverByHttp, deliverBySmtp, mailCount, REPLY_DOMAIN } from './helpers/mail-inbound.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

let sink: SmtpSink;
let t: TestApp;

beforeAll(async () => {
  sink = await startSmtpSink();
  // No inbound secret: the HTTP hook is off in this app (the SMTP listener is how bounces come).
  t = await startTestApp({ mail: { smtpUrl: sink.url, inboundSmtpPort: 0, retryDelaySeconds: 1 }, jobs: { pollingIntervalSeconds: 0.5 } });
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

const emailOf = (member: SignedIn) => `${member.handle}@example.org`;

/** Queues a mail to the member and answers it as the sink received it (its envelope names the return address). */
async function mailTo(member: SignedIn, over: Partial<MailDraft> = {}) {
  const subject = `News ${unique()}`;
  const ctx = t.app.parley.ctx;
  const id = await write(ctx, ({ tx }) =>
    ctx.mail.queue(tx, {
      kind: 'test',
      userId: member.userId,
      to: emailOf(member),
      locale: 'en',
      subject,
      blocks: [{ type: 'paragraph', text: 'Something happened.' }],
      unsubscribe: { stream: 'digest' },
      ...over,
    }),
  );
  return { id, subject };
}

async function sentAndReturnPath(member: SignedIn) {
  const { id, subject } = await mailTo(member);
  const received = await sink.next((m) => m.subject === subject);
  expect(received.envelope.from).toMatch(new RegExp(`^bounce\\+[0-9a-f]{32}@${REPLY_DOMAIN.replace('.', '\\.')}$`));
  return { id, returnPath: received.envelope.from };
}

/** A delivery status notification as Postfix writes it (RFC 3464). */
function dsn(returnPath: string, recipient: string, fields: { action: string; status: string; diagnostic?: string }): Buffer {
  return Buffer.from(
    [
      'From: MAILER-DAEMON@mx.example.org (Mail Delivery System)',
      `To: ${returnPath}`,
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <${unique('dsn')}@mx.example.org>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"',
      '',
      '--B0UND',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is the mail system at host mx.example.org.',
      "I'm sorry to have to inform you that your message could not be delivered.",
      '',
      '--B0UND',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      `Action: ${fields.action}`,
      `Status: ${fields.status}`,
      ...(fields.diagnostic ? [`Diagnostic-Code: smtp; ${fields.diagnostic}`] : []),
      '',
      '--B0UND',
      'Content-Type: text/rfc822-headers',
      '',
      'From: Parley <parley@localhost>',
      `To: ${recipient}`,
      '',
      '--B0UND--',
      '',
    ].join('\r\n'),
  );
}

const bounceBack = (returnPath: string, raw: Buffer) => deliverBySmtp(t, { from: '', to: [returnPath] }, raw);

async function scoreOf(member: SignedIn): Promise<number> {
  const [row] = await t.app.parley.ctx.db.select({ score: users.emailBounceScore }).from(users).where(eq(users.id, member.userId));
  return row!.score;
}

async function mailRecord(id: number) {
  const [row] = await t.app.parley.ctx.db.select().from(mailMessages).where(eq(mailMessages.id, id));
  return row!;
}

describe('a hard bounce', () => {
  it('raises the score once per mail; past the threshold everyday mail is suppressed and critical mail still goes', async () => {
    const member = await signUp(t, { verified: true });
    const hard = { action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <gone@example.org>: Recipient address rejected' };

    const first = await sentAndReturnPath(member);
    const report = dsn(first.returnPath, emailOf(member), hard);
    await bounceBack(first.returnPath, report);
    expect(await scoreOf(member)).toBe(2);
    // The server did accept it: the mail stays sent, and its record says what came back.
    expect(await mailRecord(first.id)).toMatchObject({ status: 'sent', lastError: `bounced 5.1.1: smtp; ${hard.diagnostic}` });
    // The same report again (the remote server retried) counts nothing more.
    await bounceBack(first.returnPath, report);
    expect(await scoreOf(member)).toBe(2);

    for (const expected of [4, 6]) {
      const next = await sentAndReturnPath(member);
      await bounceBack(next.returnPath, dsn(next.returnPath, emailOf(member), hard));
      expect(await scoreOf(member)).toBe(expected);
    }

    const everyday = await mailTo(member);
    await expect.poll(async () => (await mailRecord(everyday.id)).status, { timeout: 10_000 }).toBe('suppressed');
    const critical = await mailTo(member, { critical: true, unsubscribe: undefined, kind: 'password_reset' });
    await sink.next((m) => m.subject === critical.subject);
    expect(sink.received.some((m) => m.subject === everyday.subject)).toBe(false);
  });
});

describe('reports that count less, or nothing', () => {
  it('a soft bounce (4.x.x, given up) counts 1; a delay warning counts nothing', async () => {
    const member = await signUp(t, { verified: true });
    const soft = await sentAndReturnPath(member);
    await bounceBack(soft.returnPath, dsn(soft.returnPath, emailOf(member), { action: 'failed', status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full' }));
    expect(await scoreOf(member)).toBe(1);

    const delayed = await sentAndReturnPath(member);
    await bounceBack(delayed.returnPath, dsn(delayed.returnPath, emailOf(member), { action: 'delayed', status: '4.4.7' }));
    expect(await scoreOf(member)).toBe(1);
    expect((await mailRecord(delayed.id)).lastError).toBeNull();
  });

  it('a bounce of mail sent to an address the member has since changed does not count against the new one', async () => {
    const member = await signUp(t, { verified: true });
    const old = await sentAndReturnPath(member);
    await t.app.parley.ctx.db
      .update(users)
      .set({ email: `new-${emailOf(member)}` })
      .where(eq(users.id, member.userId));
    await bounceBack(old.returnPath, dsn(old.returnPath, emailOf(member), { action: 'failed', status: '5.1.1' }));
    expect(await scoreOf(member)).toBe(0);
    expect((await mailRecord(old.id)).lastError).toBe('bounced 5.1.1');
  });

  it('a report to an unknown bounce key is taken and dropped', async () => {
    const before = await mailCount(t);
    const returnPath = `bounce+${newAddressKey().token}@${REPLY_DOMAIN}`;
    await bounceBack(returnPath, dsn(returnPath, 'someone@example.org', { action: 'failed', status: '5.1.1' }));
    expect(await mailCount(t)).toBe(before);
  });
});

describe('reading a bounce', () => {
  const mail = (lines: string[]) => readInboundMail(Buffer.from(lines.join('\r\n')));

  it.each([
    ['Postfix, no such user', dsn('b@x', 'a@example.org', { action: 'failed', status: '5.1.1' }), { severity: 'hard', status: '5.1.1' }],
    ['Exim, mailbox full after days of retries', dsn('b@x', 'a@example.org', { action: 'failed', status: '4.2.2' }), { severity: 'soft', status: '4.2.2' }],
    ['a delay warning', dsn('b@x', 'a@example.org', { action: 'delayed', status: '4.4.7' }), null],
    ['a relayed report', dsn('b@x', 'a@example.org', { action: 'relayed', status: '2.0.0' }), null],
  ])('%s', async (_what, raw, expected) => {
    const verdict = readBounce(await readInboundMail(raw));
    expect(verdict === null ? null : { severity: verdict.severity, status: verdict.status }).toEqual(expected);
  });

  it("qmail's plain-text failure notice", async () => {
    const notice = await mail([
      'From: MAILER-DAEMON@mx.example.org',
      'To: bounce+x@parley.test',
      'Subject: failure notice',
      '',
      "Hi. This is the qmail-send program at mx.example.org. I'm afraid I wasn't able to deliver your message.",
      '',
      '<gone@example.org>:',
      'Remote host said: 550 5.1.1 <gone@example.org>... User unknown',
    ]);
    expect(readBounce(notice)).toMatchObject({ severity: 'hard', status: '5.1.1' });
  });

  it('an out-of-office reply sent to the return path is no bounce', async () => {
    const away = await mail([
      'From: ann@example.org',
      'To: bounce+x@parley.test',
      'Subject: Out of office',
      'Auto-Submitted: auto-replied',
      '',
      'Back on Monday (550 5.1.1 is my room).',
    ]);
    expect(readBounce(away)).toBeNull();
  });
});

describe('an app without an inbound secret', () => {
  it('has the HTTP hook off (404), whatever the bearer', async () => {
    const raw = Buffer.from(`To: bounce+${newAddressKey().token}@${REPLY_DOMAIN}\r\n\r\nx`);
    for (const secret of ['anything-at-all-0123456789', null]) {
      const res = await deliverByHttp(t, raw, { secret });
      expect(res.statusCode).toBe(404);
    }
  });
});
