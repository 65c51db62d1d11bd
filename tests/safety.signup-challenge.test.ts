import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createChallenge, solveChallenge } from 'altcha-lib/v1';
import { startTestApp, type TestApp } from './helpers/app.js';
import { makeSiteAdmin, PASSWORD, signUp, unique } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';
import type { TestClient } from './helpers/client.js';
import { challengeKey, pruneSpentChallenges } from '../server/safety/spam/signup-challenge.js';
import { rows } from '../db/client.js';
import { configFromEnv, defaultConfig } from '../server/config/config.js';

interface Challenge {
  algorithm: string;
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
}

/** What the sign-up page's worker does: find the number, hand back the ALTCHA payload. */
async function solve(c: Challenge, number?: number): Promise<string> {
  const found = number ?? (await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise)!.number;
  return Buffer.from(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: found, salt: c.salt, signature: c.signature })).toString(
    'base64',
  );
}

const account = () => {
  const handle = unique('new');
  return { handle, email: `${handle}@example.org`, password: PASSWORD };
};

async function askChallenge(client: TestClient): Promise<{ required: boolean; challenge?: Challenge }> {
  const res = await client.get('/api/auth/signup-challenge');
  expect(res.status, res.text).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.body;
}

describe('sign-up challenge (mode on)', () => {
  let t: TestApp;
  let admin: TestClient;
  beforeAll(async () => {
    // Small numbers keep the proof of work quick in tests.
    t = await startTestApp({ signupChallenge: { maxNumber: 2000 } });
    const a = await signUp(t);
    await makeSiteAdmin(t, a.userId);
    admin = a;
    expect((await admin.patch('/api/admin/site-settings', { signupChallenge: 'on' })).status).toBe(200);
  });
  afterAll(() => t.close());

  it('asks for the proof of work and refuses a sign-up without it', async () => {
    const guest = t.guest();
    const asked = await askChallenge(guest);
    expect(asked.required).toBe(true);
    expect(asked.challenge).toMatchObject({ algorithm: 'SHA-256', maxnumber: 2000 });
    expectError(await guest.post('/api/auth/signup', account()), 400, 'challenge_required');
    expect(guest.cookie).toBeNull();
  });

  it('lets a solved challenge through, and signs the new member in', async () => {
    const guest = t.guest();
    const { challenge } = await askChallenge(guest);
    const body = { ...account(), challenge: await solve(challenge!) };
    const res = await guest.post('/api/auth/signup', body);
    expect(res.status, res.text).toBe(201);
    expect(res.body.user.handle).toBe(body.handle);
    expect((await guest.get('/api/me')).status).toBe(200);
  });

  it('refuses the same solution a second time, even for another account', async () => {
    const { challenge } = await askChallenge(t.guest());
    const solution = await solve(challenge!);
    expect((await t.guest().post('/api/auth/signup', { ...account(), challenge: solution })).status).toBe(201);
    const again = expectError(await t.guest().post('/api/auth/signup', { ...account(), challenge: solution }), 400, 'challenge_invalid');
    expect(again.details).toMatchObject({ why: 'spent' });
  });

  it('refuses a wrong number, a forged signature and garbage', async () => {
    const { challenge } = await askChallenge(t.guest());
    const right = (await solveChallenge(challenge!.challenge, challenge!.salt, 'SHA-256', challenge!.maxnumber).promise)!.number;
    expectError(await t.guest().post('/api/auth/signup', { ...account(), challenge: await solve(challenge!, right + 1) }), 400, 'challenge_invalid');

    // A challenge the attacker made up, with an easy number and a signature of their own.
    const forged = { ...challenge!, signature: 'f'.repeat(64) };
    expectError(await t.guest().post('/api/auth/signup', { ...account(), challenge: await solve(forged, right) }), 400, 'challenge_invalid');

    // The same challenge with a later expiry in the salt no longer matches its signature.
    const stretched = { ...challenge!, salt: challenge!.salt.replace(/expires=\d+/, 'expires=9999999999') };
    expectError(await t.guest().post('/api/auth/signup', { ...account(), challenge: await solve(stretched, right) }), 400, 'challenge_invalid');

    for (const junk of ['not base64 at all', Buffer.from('{"algorithm":"SHA-1"}').toString('base64'), Buffer.from('[]').toString('base64')])
      expectError(await t.guest().post('/api/auth/signup', { ...account(), challenge: junk }), 400, 'challenge_invalid');
    // The untouched solution still works: none of the refusals spent it.
    expect((await t.guest().post('/api/auth/signup', { ...account(), challenge: await solve(challenge!, right) })).status).toBe(201);
  });

  it('refuses an expired challenge, signed by us and solved', async () => {
    const key = await challengeKey(t.app.parley.ctx.db, t.config.signupChallenge);
    const expired = await createChallenge({ hmacKey: key, maxnumber: 100, expires: new Date(Date.now() - 1000) });
    const refused = expectError(
      await t.guest().post('/api/auth/signup', { ...account(), challenge: await solve(expired as Challenge) }),
      400,
      'challenge_invalid',
    );
    expect(refused.details).toMatchObject({ why: 'expired' });
    // The same, still in time, is let through: only the expiry refused it.
    const fresh = await createChallenge({ hmacKey: key, maxnumber: 100, expires: new Date(Date.now() + 60_000) });
    expect((await t.guest().post('/api/auth/signup', { ...account(), challenge: await solve(fresh as Challenge) })).status).toBe(201);
  });

  it('speaks the refusal in German', async () => {
    const res = await t.guest().post('/api/auth/signup', account(), { 'accept-language': 'de' });
    expect(res.body.message).toContain('Mensch');
  });

  it('keeps spent solutions only until they would have expired anyway', async () => {
    const db = t.app.parley.ctx.db;
    await db.execute(
      sql`INSERT INTO spent_challenges (signature_hash, expires_at) VALUES ('old', now() - interval '1 minute'), ('fresh', now() + interval '5 minutes')`,
    );
    await pruneSpentChallenges(db);
    const left = await rows<{ signature_hash: string }>(db, sql`SELECT signature_hash FROM spent_challenges WHERE signature_hash IN ('old', 'fresh')`);
    expect(left.map((r) => r.signature_hash)).toEqual(['fresh']);
  });
});

describe('sign-up challenge (mode auto and off)', () => {
  let t: TestApp;
  let admin: TestClient;
  beforeAll(async () => {
    t = await startTestApp({ signupChallenge: { maxNumber: 1000, autoThreshold: 3 } });
    const a = await signUp(t);
    await makeSiteAdmin(t, a.userId);
    admin = a;
  });
  afterAll(() => t.close());

  it('switches on by itself when sign-ups spike, and off again when they are old', async () => {
    expect((await admin.get('/api/admin/site-settings')).body).toMatchObject({ signupChallenge: 'auto', spikeThreshold: 3 });
    // signUp() ages accounts a week: only these count as recent; a fourth is beyond the threshold.
    for (let i = 0; i < 3; i++) expect((await t.guest().post('/api/auth/signup', account())).status).toBe(201);
    expect((await askChallenge(t.guest())).required).toBe(false);
    expect((await t.guest().post('/api/auth/signup', account())).status).toBe(201);
    expect((await askChallenge(t.guest())).required).toBe(true);
    expect((await admin.get('/api/admin/site-settings')).body.signupChallengeActive).toBe(true);
    expectError(await t.guest().post('/api/auth/signup', account()), 400, 'challenge_required');
    // A solved challenge still gets a person in during the wave.
    const { challenge } = await askChallenge(t.guest());
    expect((await t.guest().post('/api/auth/signup', { ...account(), challenge: await solve(challenge!) })).status).toBe(201);

    await t.app.parley.ctx.db.execute(sql`UPDATE users SET created_at = now() - interval '11 minutes'`);
    expect(await askChallenge(t.guest())).toEqual({ required: false });
    expect((await t.guest().post('/api/auth/signup', account())).status).toBe(201);
  });

  it('never asks when a site admin turns it off', async () => {
    await t.app.parley.ctx.db.execute(sql`UPDATE users SET created_at = now()`);
    expect((await askChallenge(t.guest())).required).toBe(true);
    const off = await admin.patch('/api/admin/site-settings', { signupChallenge: 'off' });
    expect(off.body).toMatchObject({ signupChallenge: 'off', signupChallengeActive: false });
    expect(await askChallenge(t.guest())).toEqual({ required: false });
    expect((await t.guest().post('/api/auth/signup', account())).status).toBe(201);
  });

  it('lets only site admins read or change the setting', async () => {
    const member = await signUp(t);
    expectError(await member.get('/api/admin/site-settings'), 403, 'not_site_admin');
    expectError(await member.patch('/api/admin/site-settings', { signupChallenge: 'on' }), 403, 'not_site_admin');
    expectError(await t.guest().get('/api/admin/site-settings'), 401, 'not_signed_in');
    expectError(await t.guest().patch('/api/admin/site-settings', { signupChallenge: 'on' }), 401, 'not_signed_in');
    expectError(await admin.patch('/api/admin/site-settings', { signupChallenge: 'sometimes' }), 400, 'invalid_input');
    expect((await admin.get('/api/admin/site-settings')).body.signupChallenge).toBe('off');
  });

  it('signs challenges with one key that every process shares, made once', async () => {
    const db = t.app.parley.ctx.db;
    const keys = await rows<{ challenge_key: string }>(db, sql`SELECT challenge_key FROM site_settings`);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.challenge_key.length).toBeGreaterThan(30);
  });
});

describe('sign-up challenge configuration', () => {
  it('has production defaults that ask during a spike, and takes its knobs from the environment', () => {
    // Tests raise the spike threshold in their helper; production keeps these.
    expect(defaultConfig().signupChallenge).toEqual({ maxNumber: 100_000, expiresSeconds: 600, autoThreshold: 20 });
    const config = configFromEnv({
      PARLEY_SIGNUP_CHALLENGE_KEY: 'k'.repeat(32),
      PARLEY_SIGNUP_CHALLENGE_MAX_NUMBER: '50000',
      PARLEY_SIGNUP_SPIKE_THRESHOLD: '5',
    });
    expect(config.signupChallenge).toEqual({ key: 'k'.repeat(32), maxNumber: 50_000, expiresSeconds: 600, autoThreshold: 5 });
    expect(() => configFromEnv({ PARLEY_SIGNUP_CHALLENGE_KEY: 'short' })).toThrow(/invalid configuration/);
  });
});
