/**
 * Changing the address: the password is asked for, the new address gets the verification mail and
 * the old one a notice with nothing in it that acts on the account; the change happens only when
 * the new address is proven, and only if no other account took it meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { SignJWT } from 'jose';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { PASSWORD, scene, signUp, unique, type SignedIn } from './helpers/factories.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { CHANGE_NOTICE_SUBJECT, linkToken, mailCode, mailOverrides, nextTo, VERIFY_SUBJECT } from './helpers/account-mail.js';
import { TestClient } from './helpers/client.js';

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

const address = (who: SignedIn) => `${who.handle}@example.org`;
const me = async (who: TestClient) => (await who.get('/api/me')).body.user;
const change = (who: TestClient, email: string, password = PASSWORD) => who.put('/api/me/email', { email, password });
const verify = (token: string) => t.guest().post('/api/auth/verify-email', { token });

describe('PUT /api/me/email', () => {
  it('changes nothing until the new address is proven; then it is the account’s, verified', async () => {
    const ann = await signUp(t);
    const signupToken = linkToken(await nextTo(sink, address(ann), VERIFY_SUBJECT), '/verify-email');
    const to = `${unique('ann-new')}@example.org`;
    const res = await change(ann, to);
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({});
    expect(await me(ann)).toMatchObject({ email: address(ann), pendingEmail: to, emailVerified: false });

    const notice = await nextTo(sink, address(ann), CHANGE_NOTICE_SUBJECT);
    // The old mailbox learns of it, without the new address in full and without a link that acts on the account.
    expect(notice.text).toContain(`${to[0]}***@example.org`);
    expect(notice.text).not.toContain(to);
    expect(notice.text).not.toMatch(/token=/);
    expect(notice.text).toContain(`${ORIGIN}/forgot-password`);

    const mail = await nextTo(sink, to, VERIFY_SUBJECT);
    expect(mail.text).toContain('until then your current address stays in use');
    // The sign-up link was for the old address: replaced, it proves nothing any more.
    expectError(await verify(signupToken), 400, 'invalid_token');
    expect(await me(ann)).toMatchObject({ email: address(ann), emailVerified: false });

    expect((await verify(linkToken(mail, '/verify-email'))).status).toBe(200);
    expect(await me(ann)).toMatchObject({ email: to, pendingEmail: null, emailVerified: true });
    expect((await t.guest().post('/api/auth/login', { login: to, password: PASSWORD })).status).toBe(200);
    expectError(await t.guest().post('/api/auth/login', { login: address(ann), password: PASSWORD }), 401, 'invalid_credentials');
  });

  it('takes the code from the mail to the new address as well', async () => {
    const bea = await signUp(t);
    const to = `${unique('bea-new')}@example.org`;
    expect((await change(bea, to)).status).toBe(202);
    const code = mailCode(await nextTo(sink, to, VERIFY_SUBJECT));
    expect((await bea.post('/api/auth/verify-email', { code })).status).toBe(200);
    expect(await me(bea)).toMatchObject({ email: to, emailVerified: true });
  });

  it('a resend goes to the address waiting to be proven', async () => {
    const cy = await signUp(t);
    const to = `${unique('cy-new')}@example.org`;
    expect((await change(cy, to)).status).toBe(202);
    await nextTo(sink, to, VERIFY_SUBJECT);
    expect((await cy.post('/api/auth/verify-email/resend')).status).toBe(202);
    await nextTo(sink, to, VERIFY_SUBJECT);
  });

  it('asks for the password, and refuses the current address or another account’s', async () => {
    const dan = await signUp(t);
    const other = await signUp(t);
    const wrong = expectError(await change(dan, `${unique()}@example.org`, 'not my password'), 403, 'invalid_credentials');
    expect(wrong.message).toBe('The password is wrong.');
    expectError(await change(dan, address(dan).toUpperCase()), 409, 'email_unchanged');
    expectError(await change(dan, address(other).toUpperCase()), 409, 'email_taken');
    expectError(await change(t.guest(), `${unique()}@example.org`), 401, 'not_signed_in');
    expectError(await change(dan, 'no-at-sign'), 400, 'invalid_input');
    expect(await me(dan)).toMatchObject({ email: address(dan), pendingEmail: null });
  });

  it('refuses the change if another account took the address before it was proven', async () => {
    const eve = await signUp(t);
    const contested = `${unique('contested')}@example.org`;
    expect((await change(eve, contested)).status).toBe(202);
    const token = linkToken(await nextTo(sink, contested, VERIFY_SUBJECT), '/verify-email');
    const handle = unique('quick');
    const quick = t.guest();
    expect((await quick.post('/api/auth/signup', { handle, email: contested.toUpperCase(), password: PASSWORD })).status).toBe(201);
    expectError(await verify(token), 409, 'email_taken');
    expect(await me(eve)).toMatchObject({ email: address(eve) });
  });

  it('has nothing to change for an account that signs in through its organisation', async () => {
    const s = await scene(t);
    expect((await s.admin.patch(`/api/communities/${s.slug}`, { embed: { allowedOrigins: ['https://shop.example'] } })).status).toBe(200);
    const { secret } = (await s.admin.post(`/api/communities/${s.slug}/sso-secret`)).body as { secret: string };
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ sub: unique('sub'), name: 'Org Member', aud: s.slug, iat: now, exp: now + 300, jti: unique('jti') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(secret));
    const iframe = new TestClient(t.app, { origin: null });
    const session = await iframe.post(`/api/embed/${s.slug}/session`, { token: jwt });
    expect(session.status, session.text).toBe(200);
    iframe.bearer = session.body.token;
    // Verified by its organisation, without an address here.
    expect(await me(iframe)).toMatchObject({ email: null, emailVerified: true, pendingEmail: null, emailBouncing: false });
    expectError(await change(iframe, `${unique()}@example.org`, 'anything'), 400, 'no_password');
    expectError(await iframe.post('/api/auth/verify-email/resend'), 409, 'email_already_verified');
    const [row] = await rows<{ n: number }>(t.app.parley.ctx.db, sql`SELECT count(*)::int AS n FROM email_tokens WHERE user_id = ${session.body.user.id}`);
    expect(row!.n).toBe(0);
  });
});
