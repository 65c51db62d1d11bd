/**
 * Verified addresses: sign-up mails a link and a code to the address; either proves it once, in
 * time, for that address only; a resend replaces the older link; five wrong codes void it; resends
 * are limited; proving the address clears its bounce score.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { PASSWORD, signUp, unique, type SignedIn } from './helpers/factories.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { linkToken, mailCode, mailOverrides, nextTo, VERIFY_SUBJECT } from './helpers/account-mail.js';

let sink: SmtpSink;
let t: TestApp;
beforeAll(async () => {
  sink = await startSmtpSink();
  t = await startTestApp(mailOverrides(sink));
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);
const address = (who: SignedIn) => `${who.handle}@example.org`;
const verifyMail = (who: SignedIn) => nextTo(sink, address(who), VERIFY_SUBJECT);
const me = async (who: SignedIn) => (await who.get('/api/me')).body.user;

describe('the verification mail sent at sign-up', () => {
  it('carries a link on the configured origin and a code; the link proves the address, once', async () => {
    const ann = await signUp(t);
    expect(await me(ann)).toMatchObject({ email: address(ann), emailVerified: false, pendingEmail: null, emailBouncing: false });
    const mail = await verifyMail(ann);
    expect(mail.header('auto-submitted')).toBe('auto-generated');
    // Critical mail: nothing to unsubscribe from.
    expect(mail.header('list-unsubscribe')).toBeUndefined();
    expect(mail.text).toContain(address(ann));
    const token = linkToken(mail, '/verify-email');
    expect(mail.html).toContain(`/verify-email?token=${token}`);
    expect(mailCode(mail)).toMatch(/^\d{6}$/);

    // The link works for whoever follows it, signed in or not.
    const res = await t.guest().post('/api/auth/verify-email', { token });
    expect(res.status, res.text).toBe(200);
    expect(res.body.user).toMatchObject({ id: ann.userId, handle: ann.handle });
    expect(res.body.user.email).toBeUndefined();
    expect(await me(ann)).toMatchObject({ emailVerified: true });

    const again = await t.guest().post('/api/auth/verify-email', { token });
    expect(expectError(again, 400, 'invalid_token').message).toMatch(/not valid/);
  });

  it('the code proves it for the signed-in member, and only for them', async () => {
    const bea = await signUp(t);
    const code = mailCode(await verifyMail(bea));
    expectError(await t.guest().post('/api/auth/verify-email', { code }), 401, 'not_signed_in');
    // Someone else's session cannot use Bea's code.
    const other = await signUp(t);
    const otherCode = mailCode(await verifyMail(other));
    if (otherCode !== code) expectError(await other.post('/api/auth/verify-email', { code }), 400, 'invalid_token');
    expect((await bea.post('/api/auth/verify-email', { code })).status).toBe(200);
    expect(await me(bea)).toMatchObject({ emailVerified: true });
    expectError(await bea.post('/api/auth/verify-email', { code }), 400, 'invalid_token');
  });

  it('is written in the language the member signed up in', async () => {
    const handle = unique('de');
    const client = t.guest();
    const res = await client.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD }, { 'accept-language': 'de-DE,de;q=0.9' });
    expect(res.status).toBe(201);
    const mail = await sink.next((m) => m.to === `${handle}@example.org`);
    expect(mail.subject).toMatch(/^Bestätige deine E-Mail-Adresse auf parley\.test$/);
    expect(mail.text).toContain('Der Link gilt 24 Stunden.');
    expect(mail.html).toContain('<html lang="de"');
  });

  it('an expired link is refused', async () => {
    const cy = await signUp(t);
    const token = linkToken(await verifyMail(cy), '/verify-email');
    await exec(sql`UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE user_id = ${cy.userId}`);
    expectError(await t.guest().post('/api/auth/verify-email', { token }), 400, 'invalid_token');
    expect(await me(cy)).toMatchObject({ emailVerified: false });
  });

  it('a resend replaces the older link and code', async () => {
    const dan = await signUp(t);
    const first = await verifyMail(dan);
    const resent = await dan.post('/api/auth/verify-email/resend');
    expect(resent.status).toBe(202);
    expect(resent.body).toEqual({});
    const second = await verifyMail(dan);
    expect(linkToken(second, '/verify-email')).not.toBe(linkToken(first, '/verify-email'));
    expectError(await t.guest().post('/api/auth/verify-email', { token: linkToken(first, '/verify-email') }), 400, 'invalid_token');
    if (mailCode(first) !== mailCode(second)) expectError(await dan.post('/api/auth/verify-email', { code: mailCode(first) }), 400, 'invalid_token');
    expect((await t.guest().post('/api/auth/verify-email', { token: linkToken(second, '/verify-email') })).status).toBe(200);
    // Nothing left to prove: the resend says so instead of mailing.
    expectError(await dan.post('/api/auth/verify-email/resend'), 409, 'email_already_verified');
  });

  it('five wrong codes void the token, link included', async () => {
    const eve = await signUp(t);
    const mail = await verifyMail(eve);
    const right = mailCode(mail);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    const left: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const res = expectError(await eve.post('/api/auth/verify-email', { code: wrong }), 400, 'invalid_token');
      left.push((res.details as { attemptsLeft?: number }).attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    expectError(await eve.post('/api/auth/verify-email', { code: right }), 400, 'invalid_token');
    expectError(await t.guest().post('/api/auth/verify-email', { token: linkToken(mail, '/verify-email') }), 400, 'invalid_token');
    expect(await me(eve)).toMatchObject({ emailVerified: false });
  });

  it('proving the address clears its bounce score', async () => {
    const fay = await signUp(t);
    const code = mailCode(await verifyMail(fay));
    await exec(sql`UPDATE users SET email_bounce_score = ${t.config.mail.bounceThreshold} WHERE id = ${fay.userId}`);
    expect(await me(fay)).toMatchObject({ emailBouncing: true });
    expect((await fay.post('/api/auth/verify-email', { code })).status).toBe(200);
    expect(await me(fay)).toMatchObject({ emailBouncing: false, emailVerified: true });
  });

  it('refuses what is not one token or one code', async () => {
    const gus = await signUp(t);
    expectError(await gus.post('/api/auth/verify-email', {}), 400, 'token_or_code');
    expectError(await gus.post('/api/auth/verify-email', { token: 'a'.repeat(22), code: '123456' }), 400, 'token_or_code');
    expectError(await t.guest().post('/api/auth/verify-email', { token: 'not a token' }), 400, 'invalid_token');
    expectError(await gus.post('/api/auth/verify-email', { code: '12345' }), 400, 'invalid_input');
  });
});

describe('resending, with limits on', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ ...mailOverrides(sink), rateLimits: true });
  });
  afterAll(async () => limited?.close());

  it('three verification mails an hour, then 429 too_many_mails', async () => {
    const hal = await signUp(limited);
    for (let i = 0; i < 3; i++) expect((await hal.post('/api/auth/verify-email/resend')).status).toBe(202);
    const refused = expectError(await hal.post('/api/auth/verify-email/resend'), 429, 'too_many_mails');
    expect(refused.details).toMatchObject({ kind: 'verify', scope: 'account' });
    expect(refused.message).toMatch(/Too many verification mails: try again in \d+ minutes?\./);
    // The sign-up mail and three resends, no more.
    await expect.poll(() => sink.to(`${hal.handle}@example.org`).length, { timeout: 10_000 }).toBe(4);
  });
});
