/** Reading account mails (verification, reset) the way a member would: the link's token, the code to type. */
import { expect } from 'vitest';
import { ORIGIN } from './app.js';
import type { TestClient } from './client.js';
import type { ReceivedMail, SmtpSink } from './smtp-sink.js';

/** The token of the link to `path` in the mail's text part, checking that the link is on the configured origin. */
export function linkToken(mail: ReceivedMail, path: '/verify-email' | '/reset-password'): string {
  const found = new RegExp(`(\\S+)${path}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text);
  expect(found, `a ${path} link in: ${mail.text}`).not.toBeNull();
  expect(found![1]).toBe(ORIGIN);
  return found![2]!;
}

/** The six-digit code of a verification mail. */
export function mailCode(mail: ReceivedMail): string {
  const found = /^ {4}(\d{6})$/m.exec(mail.text);
  expect(found, `a code in: ${mail.text}`).not.toBeNull();
  return found![1]!;
}

/** The next mail of `kind` (its subject's wording aside) to `address`. */
export const nextTo = (sink: SmtpSink, address: string, subject: RegExp, timeoutMs = 20_000) =>
  sink.next((m) => m.to === address.toLowerCase() && subject.test(m.subject), timeoutMs);

export const VERIFY_SUBJECT = /Confirm your e-mail address/;
export const RESET_SUBJECT = /Reset your password/;
export const CHANGED_SUBJECT = /Your password on .* was changed/;
export const CHANGE_NOTICE_SUBJECT = /is about to change/;

/** Verifies the signed-in client's address with the code from its sign-up mail. */
export async function verifyBySignupMail(sink: SmtpSink, client: TestClient & { handle: string }) {
  const mail = await nextTo(sink, `${client.handle}@example.org`, VERIFY_SUBJECT);
  const res = await client.post('/api/auth/verify-email', { code: mailCode(mail) });
  expect(res.status, res.text).toBe(200);
}

/** A mail-sending app config: the sink as relay, quick retries and polling. */
export const mailOverrides = (sink: SmtpSink) => ({ mail: { smtpUrl: sink.url, retryDelaySeconds: 1 }, jobs: { pollingIntervalSeconds: 0.5 } });
