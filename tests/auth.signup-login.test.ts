import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { Reply } from './helpers/client.js';
import { PASSWORD, createCommunity, signUp, unique } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';

/** Every error has Fastify's shape and nothing else (details optional). */

function sessionSetCookie(res: Reply): string | undefined {
  const raw = res.headers['set-cookie'];
  const all = Array.isArray(raw) ? raw : raw === undefined ? [] : [String(raw)];
  return all.find((c) => c.startsWith('parley_session='));
}

const attrs = (cookie: string) =>
  cookie
    .split(';')
    .slice(1)
    .map((a) => a.trim().toLowerCase());

const USER_KEYS = ['avatarUrl', 'createdAt', 'displayName', 'handle', 'id'];

describe('accounts: sign-up and sign-in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const signupBody = (over: Record<string, unknown> = {}) => {
    const handle = unique('u');
    return { handle, email: `${handle}@example.org`, password: PASSWORD, ...over };
  };

  describe('POST /api/auth/signup', () => {
    it('creates the account: 201 with the public user object only, and a session cookie', async () => {
      const c = t.guest();
      const body = signupBody({ displayName: '  Ann Example  ' });
      const res = await c.post('/api/auth/signup', body);
      expect(res.status, res.text).toBe(201);
      expect(Object.keys(res.body)).toEqual(['user']);
      const user = res.body.user;
      expect(Object.keys(user).sort()).toEqual(USER_KEYS);
      expect(user.id).toBeTypeOf('number');
      expect(Number.isInteger(user.id) && user.id > 0).toBe(true);
      expect(user.handle).toBe(body.handle);
      expect(user.displayName).toBe('Ann Example');
      expect(user.avatarUrl).toBeNull();
      expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
      expect(Math.abs(Date.parse(user.createdAt) - Date.now())).toBeLessThan(60_000);
      // Never the email or the password hash, under any name.
      expect(res.text).not.toContain(body.email);
      expect(res.text).not.toMatch(/argon2|password|hash|email/i);
      expect(c.cookie).toMatch(/^parley_session=[A-Za-z0-9_-]{20,}$/);
      // The new session works straight away.
      const me = await c.get('/api/me');
      expect(me.status).toBe(200);
      expect(me.body.user.id).toBe(user.id);
    });

    it('uses the handle as the display name when none is given', async () => {
      const body = signupBody();
      const res = await t.guest().post('/api/auth/signup', body);
      expect(res.status).toBe(201);
      expect(res.body.user.displayName).toBe(body.handle);
    });

    it('sets the session cookie HttpOnly, SameSite=Lax, Path=/ and not Secure over http', async () => {
      const res = await t.guest().post('/api/auth/signup', signupBody());
      expect(res.status).toBe(201);
      const cookie = sessionSetCookie(res);
      expect(cookie).toBeDefined();
      const a = attrs(cookie!);
      expect(a).toContain('httponly');
      expect(a).toContain('samesite=lax');
      expect(a).toContain('path=/');
      expect(a).not.toContain('secure');
      // A persistent cookie that lasts about as long as the session (30 days by default).
      const expires = a.find((x) => x.startsWith('expires='));
      expect(expires).toBeDefined();
      const days = (Date.parse(expires!.slice('expires='.length)) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29);
      expect(days).toBeLessThanOrEqual(30.01);
    });

    it('accepts handles of exactly 3 and 32 characters from a-z 0-9 _ -', async () => {
      const three = randomBytes(2).toString('hex').slice(0, 2) + '_';
      const thirtyTwo = `a-${randomBytes(15).toString('hex')}`;
      expect(thirtyTwo).toHaveLength(32);
      for (const handle of [three, thirtyTwo]) {
        const res = await t.guest().post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD });
        expect(res.status, `${handle}: ${res.text}`).toBe(201);
        expect(res.body.user.handle).toBe(handle);
      }
    });

    it.each([
      ['too short', 'ab'],
      ['too long (33)', `a${'b'.repeat(32)}`],
      ['empty', ''],
      ['a space', 'ann smith'],
      ['a leading space', ' annsmith'],
      ['unicode letters', 'jürgen'],
      ['an emoji', 'ann😀x'],
      ['punctuation', 'ann.smith'],
      ['an @', 'ann@home'],
      ['a slash', 'ann/smith'],
      ['an object instead of a string', { handle: 'annsmith' }],
    ])('refuses a handle with %s: 400 invalid_input', async (_label, handle) => {
      const res = await t.guest().post('/api/auth/signup', { handle, email: `${unique('e')}@example.org`, password: PASSWORD });
      expectError(res, 400, 'invalid_input');
      expect(res.body.details).toMatchObject({ in: 'body', field: 'handle' });
      expect(sessionSetCookie(res)).toBeUndefined();
    });

    it('refuses a handle already taken, case-insensitively: 409 handle_taken', async () => {
      const handle = unique('Case');
      const first = await t.guest().post('/api/auth/signup', { handle, email: `${unique('e')}@example.org`, password: PASSWORD });
      expect(first.status, first.text).toBe(201);
      for (const again of [handle, handle.toLowerCase(), handle.toUpperCase()]) {
        const res = await t.guest().post('/api/auth/signup', { handle: again, email: `${unique('e')}@example.org`, password: PASSWORD });
        expectError(res, 409, 'handle_taken');
        expect(sessionSetCookie(res)).toBeUndefined();
      }
    });

    it('refuses an email already used, case-insensitively: 409 email_taken', async () => {
      const email = `${unique('Mail')}@Example.org`;
      const first = await t.guest().post('/api/auth/signup', { handle: unique('u'), email, password: PASSWORD });
      expect(first.status, first.text).toBe(201);
      for (const again of [email, email.toLowerCase(), email.toUpperCase()]) {
        const res = await t.guest().post('/api/auth/signup', { handle: unique('u'), email: again, password: PASSWORD });
        expectError(res, 409, 'email_taken');
      }
    });

    it('accepts passwords of 10 and 256 characters', async () => {
      for (const password of ['a'.repeat(10), 'p'.repeat(256)]) {
        const body = signupBody({ password });
        const res = await t.guest().post('/api/auth/signup', body);
        expect(res.status, res.text).toBe(201);
        const login = await t.guest().post('/api/auth/login', { login: body.handle, password });
        expect(login.status).toBe(200);
      }
    });

    it.each([
      ['9 characters', 'a'.repeat(9)],
      ['257 characters', 'a'.repeat(257)],
      ['empty', ''],
      ['an object instead of a string', { value: 'correct horse battery' }],
    ])('refuses a password of %s: 400 invalid_input', async (_label, password) => {
      const res = await t.guest().post('/api/auth/signup', signupBody({ password }));
      expectError(res, 400, 'invalid_input');
      expect(res.body.details).toMatchObject({ field: 'password' });
    });

    it.each(['not-an-email', 'ann@', '@example.org', 'ann smith@example.org', ''])('refuses the email %j: 400 invalid_input', async (email) => {
      const res = await t.guest().post('/api/auth/signup', { handle: unique('u'), email, password: PASSWORD });
      expectError(res, 400, 'invalid_input');
      expect(res.body.details).toMatchObject({ field: 'email' });
    });

    it.each(['handle', 'email', 'password'])('refuses a body without %s: 400 invalid_input', async (field) => {
      const body: Record<string, unknown> = signupBody();
      delete body[field];
      const res = await t.guest().post('/api/auth/signup', body);
      expectError(res, 400, 'invalid_input');
    });

    it('refuses a display name longer than 64 characters', async () => {
      const res = await t.guest().post('/api/auth/signup', signupBody({ displayName: 'd'.repeat(65) }));
      expectError(res, 400, 'invalid_input');
    });
  });

  describe('POST /api/auth/login', () => {
    it('signs in by handle or by email, in any letter case: 200 {user} and a fresh cookie', async () => {
      const handle = unique('Log');
      const email = `${handle}@Example.org`;
      const created = await t.guest().post('/api/auth/signup', { handle, email, password: PASSWORD });
      expect(created.status).toBe(201);
      const id = created.body.user.id;
      for (const login of [handle, handle.toLowerCase(), handle.toUpperCase(), email, email.toLowerCase(), email.toUpperCase()]) {
        const c = t.guest();
        const res = await c.post('/api/auth/login', { login, password: PASSWORD });
        expect(res.status, `${login}: ${res.text}`).toBe(200);
        expect(Object.keys(res.body)).toEqual(['user']);
        expect(Object.keys(res.body.user).sort()).toEqual(USER_KEYS);
        expect(res.body.user.id).toBe(id);
        expect(res.body.user.handle).toBe(handle);
        expect(res.text).not.toContain(email.toLowerCase());
        expect(res.text.toLowerCase()).not.toContain(email.toLowerCase());
        const cookie = sessionSetCookie(res);
        expect(cookie).toBeDefined();
        expect(attrs(cookie!)).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
        const me = await c.get('/api/me');
        expect(me.status).toBe(200);
        expect(me.body.user.id).toBe(id);
      }
    });

    it('answers a wrong password and an unknown account alike: 401 invalid_credentials, no cookie', async () => {
      const u = await signUp(t);
      const wrong = await t.guest().post('/api/auth/login', { login: u.handle, password: `${PASSWORD}!` });
      const unknownHandle = await t.guest().post('/api/auth/login', { login: unique('nobody'), password: PASSWORD });
      const unknownEmail = await t.guest().post('/api/auth/login', { login: `${unique('nobody')}@example.org`, password: PASSWORD });
      const wrongByEmail = await t.guest().post('/api/auth/login', { login: `${u.handle}@example.org`, password: 'not the password' });
      for (const res of [wrong, unknownHandle, unknownEmail, wrongByEmail]) {
        expectError(res, 401, 'invalid_credentials');
        expect(sessionSetCookie(res)).toBeUndefined();
      }
      // Same message: nothing tells an attacker which accounts exist.
      expect(new Set([wrong, unknownHandle, unknownEmail, wrongByEmail].map((r) => r.body.message)).size).toBe(1);
      expect(wrong.text).toBe(unknownHandle.text);
    });

    it('refuses an empty or missing login field: 400 invalid_input', async () => {
      expectError(await t.guest().post('/api/auth/login', { login: '', password: PASSWORD }), 400, 'invalid_input');
      expectError(await t.guest().post('/api/auth/login', { password: PASSWORD }), 400, 'invalid_input');
      expectError(await t.guest().post('/api/auth/login', { login: 'someone' }), 400, 'invalid_input');
    });

    it('rotates the session: the cookie after sign-in differs and the one before stops working', async () => {
      const u = await signUp(t);
      const before = u.cookie!;
      expect(before).toBeTruthy();
      const res = await u.post('/api/auth/login', { login: u.handle, password: PASSWORD });
      expect(res.status).toBe(200);
      const after = u.cookie!;
      expect(after).toBeTruthy();
      expect(after).not.toBe(before);
      expect((await u.get('/api/me')).status).toBe(200);
      const replay = await t.guest().get('/api/me', { cookie: before });
      expectError(replay, 401, 'not_signed_in');
    });

    it('a session planted before sign-in (fixation) is not the one that gets signed in', async () => {
      const planted = 'parley_session=attacker-chosen-token-value-0123456789';
      const u = await signUp(t);
      const victim = t.guest();
      victim.cookie = planted;
      const res = await victim.post('/api/auth/login', { login: u.handle, password: PASSWORD });
      expect(res.status).toBe(200);
      expect(victim.cookie).not.toBe(planted);
      expectError(await t.guest().get('/api/me', { cookie: planted }), 401, 'not_signed_in');
    });
  });

  describe('GET /api/me', () => {
    it('is 401 not_signed_in for a guest and for an unknown cookie', async () => {
      expectError(await t.guest().get('/api/me'), 401, 'not_signed_in');
      const res = await t.guest().get('/api/me', { cookie: 'parley_session=nope' });
      expectError(res, 401, 'not_signed_in');
      // The unusable cookie is cleared.
      const cleared = sessionSetCookie(res);
      expect(cleared).toBeDefined();
      expect(cleared!).toMatch(/^parley_session=;|Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    });

    it('returns the user, isSiteAdmin and no memberships for a new account', async () => {
      const u = await signUp(t);
      const res = await u.get('/api/me');
      expect(res.status).toBe(200);
      // The public User, plus the member's own settings: interface language (null: chosen
      // automatically), their address with its state (their own address only to themselves) and who may mention them.
      expect(Object.keys(res.body.user).sort()).toEqual(
        [...USER_KEYS, 'locale', 'email', 'emailVerified', 'pendingEmail', 'emailBouncing', 'mentionsFrom'].sort(),
      );
      expect(res.body.user.locale).toBeNull();
      expect(res.body.user).toMatchObject({ id: u.userId, handle: u.handle, email: `${u.handle}@example.org`, emailVerified: false, pendingEmail: null });
      expect(res.body.isSiteAdmin).toBe(false);
      expect(res.body.memberships).toEqual([]);
      expect(res.text).not.toMatch(/argon2|passwordHash/);
      // Nobody else sees it: not on the public profile.
      expect((await t.guest().get(`/api/users/${u.handle}`)).text).not.toContain('@example.org');
    });

    it('lists memberships as {community: {id, slug, name}, role}; a creator is admin', async () => {
      const u = await signUp(t);
      const community = await createCommunity(u);
      const res = await u.get('/api/me');
      expect(res.status).toBe(200);
      expect(res.body.memberships).toEqual([{ community: { id: community.id, slug: community.slug, name: `Community ${community.slug}` }, role: 'admin' }]);
      // Someone else's /api/me does not show it.
      const other = await signUp(t);
      expect((await other.get('/api/me')).body.memberships).toEqual([]);
    });
  });
});

describe('accounts over https', () => {
  let t: TestApp;
  const HTTPS = 'https://parley.test';
  beforeAll(async () => {
    t = await startTestApp({ origin: HTTPS });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('marks the session cookie Secure when the site origin is https', async () => {
    const c = t.guest();
    c.origin = HTTPS;
    const handle = unique('s');
    const res = await c.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD });
    expect(res.status, res.text).toBe(201);
    const cookie = sessionSetCookie(res);
    expect(cookie).toBeDefined();
    expect(attrs(cookie!)).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/', 'secure']));

    const login = await c.post('/api/auth/login', { login: handle, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(attrs(sessionSetCookie(login)!)).toContain('secure');

    const logout = await c.post('/api/auth/logout');
    expect(logout.status).toBe(204);
    expect(attrs(sessionSetCookie(logout)!)).toContain('secure');
  });

  it('refuses the http origin on an https site', async () => {
    const c = t.guest();
    c.origin = 'http://parley.test';
    const handle = unique('s');
    const res = await c.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD });
    expectError(res, 403, 'csrf_origin_mismatch');
  });
});
