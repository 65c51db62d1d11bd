/**
 * Password reset (OWASP's Forgot Password cheat sheet): the same answer, in about the same time,
 * for an address with an account and one without; only the account gets mail; the link is on the
 * configured origin, single use, an hour long, replaced by a newer one; using it ends every
 * session and mails "your password was changed". The pages that carry tokens send no Referer, and
 * a stalled SMTP server never slows a request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { PASSWORD, signUp, unique, type SignedIn } from './helpers/factories.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { CHANGED_SUBJECT, CHANGE_NOTICE_SUBJECT, linkToken, mailOverrides, nextTo, RESET_SUBJECT, VERIFY_SUBJECT } from './helpers/account-mail.js';
import { TestClient } from './helpers/client.js';

const NEW_PASSWORD = 'a much better passphrase';
let sink: SmtpSink;
let t: TestApp;
let webDir: string;
beforeAll(async () => {
  sink = await startSmtpSink();
  // A built web app of one page, so that /reset-password is the page a browser would get.
  webDir = mkdtempSync(join(tmpdir(), 'parley-web-'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Parley</title><div id="app"></div>');
  t = await startTestApp({ ...mailOverrides(sink), webDir });
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
  rmSync(webDir, { recursive: true, force: true });
});

const exec = <T>(q: ReturnType<typeof sql>) => rows<T>(t.app.parley.ctx.db, q);
const address = (who: SignedIn) => `${who.handle}@example.org`;
const askReset = (email: string, client = t.guest(), headers: Record<string, string> = {}) => client.post('/api/auth/password-reset', { email }, headers);
const resetMail = (email: string) => nextTo(sink, email, RESET_SUBJECT);
const confirm = (token: string, password = NEW_PASSWORD) => t.guest().post('/api/auth/password-reset/confirm', { token, password });
const login = (login: string, password: string) => t.guest().post('/api/auth/login', { login, password });

/** Every reset job has run (the lookups happen there, not in the request). */
async function resetJobsDone() {
  await expect
    .poll(
      async () => (await exec<{ n: number }>(sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'auth.password-reset' AND state <> 'completed'`))[0]!.n,
      { timeout: 20_000 },
    )
    .toBe(0);
}

/**
 * The lower quartile: a busy machine adds time to some requests, never takes it away, so the
 * quicker requests show each path's own cost best. (Medians of 20 differed by 12 ms once while
 * two suites shared the cores.) A path that does more work is slower in every request, quartile included.
 */

describe('asking for a reset', () => {
  it('answers an address with an account and one without alike, and mails only the account', async () => {
    const ann = await signUp(t);
    const nobody = `${unique('nobody')}@example.org`;
    const known = await askReset(address(ann).toUpperCase());
    const unknown = await askReset(nobody);
    expect([known.status, known.text]).toEqual([202, '{}']);
    expect([unknown.status, unknown.text]).toEqual([unknown.status, known.text]);
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(known.headers).sort());

    const mail = await resetMail(address(ann));
    expect(mail.text).toContain(`@${ann.handle}`);
    expect(mail.header('list-unsubscribe')).toBeUndefined();
    linkToken(mail, '/reset-password');
    await resetJobsDone();
    expect(sink.to(nobody)).toEqual([]);
    expect(await exec(sql`SELECT id FROM mail_messages WHERE to_address = ${nobody}`)).toEqual([]);
  });

  it('links to the configured origin, whatever Host the request names', async () => {
    const cy = await signUp(t);
    const res = await askReset(address(cy), t.guest(), { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    expect(res.status).toBe(202);
    const mail = await resetMail(address(cy));
    expect(linkToken(mail, '/reset-password')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(mail.text).not.toContain('evil.example');
    expect(mail.html).not.toContain('evil.example');
  });

  it('refuses a malformed address (400), which says nothing about accounts', async () => {
    expectError(await askReset('not an address'), 400, 'invalid_input');
  });
});

describe('the reset link', () => {
  it('sets the password, ends every session, proves the address and mails "password changed"; it works once', async () => {
    const dan = await signUp(t);
    const bearer = new TestClient(t.app, { origin: null });
    const issued = await bearer.post('/api/auth/token', { login: dan.handle, password: PASSWORD });
    expect(issued.status).toBe(201);
    bearer.bearer = issued.body.token;
    expect((await bearer.get('/api/me')).status).toBe(200);

    await askReset(address(dan));
    const token = linkToken(await resetMail(address(dan)), '/reset-password');
    const res = await confirm(token);
    expect(res.status, res.text).toBe(204);

    // The cookie of the browser that was signed in and the API client's token are both dead.
    expectError(await dan.get('/api/me'), 401, 'not_signed_in');
    expectError(await bearer.get('/api/me'), 401, 'invalid_token');
    expectError(await login(dan.handle, PASSWORD), 401, 'invalid_credentials');
    const fresh = t.guest();
    expect((await fresh.post('/api/auth/login', { login: dan.handle, password: NEW_PASSWORD })).status).toBe(200);
    // The link went to the account's address: that proves it.
    expect((await fresh.get('/api/me')).body.user).toMatchObject({ emailVerified: true });

    const changed = await nextTo(sink, address(dan), CHANGED_SUBJECT);
    expect(changed.text).toContain('everyone who was signed in has been signed out');
    expect(changed.text).toContain(`${ORIGIN}/forgot-password`);

    expectError(await confirm(token, 'yet another passphrase'), 400, 'invalid_token');
    expect((await login(dan.handle, NEW_PASSWORD)).status).toBe(200);
  });

  it('expires after an hour', async () => {
    const eve = await signUp(t);
    await askReset(address(eve));
    const token = linkToken(await resetMail(address(eve)), '/reset-password');
    const [row] = await exec<{ hours: number }>(
      sql`SELECT round(extract(epoch FROM expires_at - created_at) / 3600)::int AS hours FROM email_tokens WHERE user_id = ${eve.userId} AND purpose = 'reset'`,
    );
    expect(row!.hours).toBe(1);
    await exec(sql`UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE user_id = ${eve.userId} AND purpose = 'reset'`);
    expectError(await confirm(token), 400, 'invalid_token');
    expect((await login(eve.handle, PASSWORD)).status).toBe(200);
  });

  it('is replaced by a newer one, and only its hash is stored', async () => {
    const fay = await signUp(t);
    await askReset(address(fay));
    const first = linkToken(await resetMail(address(fay)), '/reset-password');
    await askReset(address(fay));
    const second = linkToken(await resetMail(address(fay)), '/reset-password');
    const stored = await exec<{ token_hash: string }>(sql`SELECT token_hash FROM email_tokens WHERE user_id = ${fay.userId} AND purpose = 'reset'`);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).not.toContain(second);
    expectError(await confirm(first), 400, 'invalid_token');
    expect((await confirm(second)).status).toBe(204);
  });

  it('holds the new password to the sign-up rule', async () => {
    const gus = await signUp(t);
    await askReset(address(gus));
    const token = linkToken(await resetMail(address(gus)), '/reset-password');
    expectError(await confirm(token, 'short'), 400, 'invalid_input');
    expectError(await confirm('x'.repeat(22)), 400, 'invalid_token');
    expect((await confirm(token)).status).toBe(204);
  });

  it('cancels a change of address still waiting, which may be an intruder’s', async () => {
    const hal = await signUp(t);
    const to = `${unique('moved')}@example.org`;
    expect((await hal.put('/api/me/email', { email: to, password: PASSWORD })).status).toBe(202);
    const verify = linkToken(await nextTo(sink, to, VERIFY_SUBJECT), '/verify-email');
    await nextTo(sink, address(hal), CHANGE_NOTICE_SUBJECT);
    await askReset(address(hal));
    expect((await confirm(linkToken(await resetMail(address(hal)), '/reset-password'))).status).toBe(204);
    expectError(await t.guest().post('/api/auth/verify-email', { token: verify }), 400, 'invalid_token');
    expect((await login(address(hal), NEW_PASSWORD)).status).toBe(200);
  });
});

describe('changing the password while signed in', () => {
  it('mails "password changed" to the account', async () => {
    const ida = await signUp(t);
    const res = await ida.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect(res.status).toBe(204);
    const mail = await nextTo(sink, address(ida), CHANGED_SUBJECT);
    expect(mail.text).toContain('your other sessions have been signed out');
  });
});

describe('the pages that carry a token', () => {
  it.each(['/reset-password?token=abc', '/verify-email?token=abc'])('%s is served with Referrer-Policy: no-referrer', async (path) => {
    const res = await t.guest().get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });
});

describe('limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ ...mailOverrides(sink), rateLimits: true });
  });
  afterAll(async () => limited?.close());

  /** From a client address of its own, so that the per-client count starts at zero. */
  const ask = (email: string, from: string) =>
    limited.app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { email }, headers: { origin: ORIGIN }, remoteAddress: from });

  it('three a hour per address, counted alike whether an account uses it or not', async () => {
    const jo = await signUp(limited);
    const nobody = `${unique('nobody')}@example.org`;
    for (const [email, from] of [
      [`${jo.handle}@example.org`, '127.0.0.11'],
      [nobody, '127.0.0.12'],
    ] as const) {
      for (let i = 0; i < 3; i++) expect((await ask(email, from)).statusCode).toBe(202);
      const refused = await ask(email, from);
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ code: 'too_many_mails', details: { kind: 'reset', scope: 'address' } });
    }
    // Any spelling of the address is the same address.
    expect((await ask(nobody.toUpperCase(), '127.0.0.13')).statusCode).toBe(429);
  });

  it('ten an hour per client', async () => {
    for (let i = 0; i < 10; i++) expect((await ask(`${unique('many')}@example.org`, '127.0.0.21')).statusCode).toBe(202);
    const refused = await ask(`${unique('many')}@example.org`, '127.0.0.21');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'too_many_mails', details: { kind: 'reset', scope: 'client' } });
  });
});

describe('a stalled SMTP server', () => {
  it('slows no request: sign-up and reset answer at once, and the mail goes out when it recovers', async () => {
    const kim = await signUp(t);
    sink.stall(true);
    try {
      const handle = unique('stall');
      let started = performance.now();
      const signup = await t.guest().post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD });
      const signupMs = performance.now() - started;
      started = performance.now();
      const reset = await askReset(address(kim));
      const resetMs = performance.now() - started;
      expect(signup.status).toBe(201);
      expect(reset.status).toBe(202);
      // The SMTP client waits 15 s for a greeting: a request that waited for it would take that long.
      expect(signupMs).toBeLessThan(2000);
      expect(resetMs).toBeLessThan(2000);
      // The worker is stuck on the stalled server meanwhile.
      expect(sink.to(`${handle}@example.org`)).toEqual([]);
      sink.stall(false);
      await nextTo(sink, `${handle}@example.org`, VERIFY_SUBJECT, 20_000);
      await resetMail(address(kim));
    } finally {
      sink.stall(false);
    }
  });
});

// An app of its own whose reset jobs wait (they poll hourly): the lookups they make must not land
// inside the measured requests and turn machine noise into a difference.
describe('timing', () => {
  let quiet: TestApp;
  beforeAll(async () => {
    quiet = await startTestApp({ jobs: { pollingIntervalSeconds: 3600 } });
  });
  afterAll(() => quiet?.close());

  it('takes about the same time for an address with an account and one without', async () => {
    const bea = await signUp(quiet);
    // Her verification mail goes out at once; let it, before measuring.
    await expect
      .poll(async () => (await rows<{ n: number }>(quiet.app.parley.ctx.db, sql`SELECT count(*)::int AS n FROM mail_messages WHERE status = 'queued'`))[0]!.n)
      .toBe(0);
    const timed = async (email: string) => {
      const started = performance.now();
      expect((await quiet.guest().post('/api/auth/password-reset', { email })).status).toBe(202);
      return performance.now() - started;
    };
    // One unknown address asked for again and again, as the known one is: repeats take their own path
    // (the counter's row, the waiting job they fold into), which must not pass for the account's.
    const nobody = `${unique('nobody')}@example.org`;
    /** The fastest of 20 requests each, interleaved, each going first half the time. */
    const round = async () => {
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 20; i++) {
        if (i % 2 === 0) known.push(await timed(address(bea)));
        unknown.push(await timed(nobody));
        if (i % 2 === 1) known.push(await timed(address(bea)));
      }
      return { k: Math.min(...known), u: Math.min(...unknown) };
    };
    // The request does the same work either way (the lookup is the job's, later), so their fastest
    // (load only ever adds time) are within 1 ms, or a third of the shorter on a slow machine.
    // Looking the address up and issuing a token in the request adds 1.5 ms to 2 ms here to every
    // such request, the fastest too, and fails every round; a round that two suites sharing the cores
    // spoiled (lower quartiles once differed by 4.8 ms in CI) is measured again, up to three times.
    const alike = ({ k, u }: { k: number; u: number }) => Math.abs(k - u) < Math.max(1, Math.min(k, u) / 3);
    const rounds = [await round()];
    while (rounds.length < 3 && !alike(rounds.at(-1)!)) rounds.push(await round());
    const figures = rounds.map(({ k, u }) => `${k.toFixed(2)} and ${u.toFixed(2)} ms`).join('; ');
    expect(alike(rounds.at(-1)!), `fastest with an account and without, by round: ${figures}`).toBe(true);
    // Nothing was looked up yet: the jobs are still waiting.
    const [tokens] = await rows<{ n: number }>(quiet.app.parley.ctx.db, sql`SELECT count(*)::int AS n FROM email_tokens WHERE purpose = 'reset'`);
    expect(tokens!.n).toBe(0);
  });
});
