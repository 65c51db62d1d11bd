import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { TestClient, type Reply } from './helpers/client.js';
import { PASSWORD, signUp, unique } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';

function sessionSetCookie(res: Reply): string | undefined {
  const raw = res.headers['set-cookie'];
  const all = Array.isArray(raw) ? raw : raw === undefined ? [] : [String(raw)];
  return all.find((c) => c.startsWith('parley_session='));
}

const tokenOf = (cookie: string) => cookie.slice('parley_session='.length);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A second browser signed in to the same account. */
async function loginAgain(t: TestApp, handle: string, password = PASSWORD): Promise<TestClient> {
  const c = t.guest();
  const res = await c.post('/api/auth/login', { login: handle, password });
  expect(res.status, res.text).toBe(200);
  return c;
}

/** An API client: bearer token, no Origin, no cookie. */
async function bearerClient(t: TestApp, login: string, password = PASSWORD): Promise<TestClient & { token: string }> {
  const c = new TestClient(t.app, { origin: null });
  const res = await c.post('/api/auth/token', { login, password });
  expect(res.status, res.text).toBe(201);
  c.bearer = res.body.token;
  return Object.assign(c, { token: res.body.token as string });
}

describe('sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('POST /api/auth/logout', () => {
    it('answers 204, clears the cookie and invalidates the session on the server', async () => {
      const u = await signUp(t);
      const old = u.cookie!;
      expect((await u.get('/api/me')).status).toBe(200);
      const res = await u.post('/api/auth/logout');
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      const cleared = sessionSetCookie(res);
      expect(cleared).toBeDefined();
      expect(cleared!).toMatch(/^parley_session=;/);
      expect(cleared!).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
      expect(cleared!).toMatch(/Path=\//);
      expect(u.cookie).toBeNull();
      // A copy of the old cookie (stolen, or a second tab) is dead too.
      expectError(await t.guest().get('/api/me', { cookie: old }), 401, 'not_signed_in');
      const [row] = (
        (await t.app.parley.ctx.db.execute(sql`select count(*)::int as n from sessions where id = ${sha256(tokenOf(old))}`)) as { rows: { n: number }[] }
      ).rows;
      expect(Number(row!.n)).toBe(0);
    });

    it('only ends this session: the same account elsewhere stays signed in', async () => {
      const u = await signUp(t);
      const other = await loginAgain(t, u.handle);
      expect((await u.post('/api/auth/logout')).status).toBe(204);
      expect((await other.get('/api/me')).status).toBe(200);
    });

    it('is harmless when signed out: 204', async () => {
      const res = await t.guest().post('/api/auth/logout');
      expect(res.status).toBe(204);
    });
  });

  describe('POST /api/auth/logout-all', () => {
    it('revokes every session of the account (cookies and bearer tokens), not other accounts', async () => {
      const u = await signUp(t);
      const second = await loginAgain(t, u.handle);
      const api = await bearerClient(t, u.handle);
      const bystander = await signUp(t);
      const firstCookie = u.cookie!;

      const res = await second.post('/api/auth/logout-all');
      expect(res.status).toBe(204);
      expect(second.cookie).toBeNull();

      expectError(await second.get('/api/me'), 401, 'not_signed_in');
      expectError(await u.get('/api/me'), 401, 'not_signed_in');
      expectError(await t.guest().get('/api/me', { cookie: firstCookie }), 401, 'not_signed_in');
      expectError(await api.get('/api/me'), 401, 'invalid_token');
      expect((await bystander.get('/api/me')).status).toBe(200);
      // Signing in again works.
      expect((await loginAgain(t, u.handle).then((c) => c.get('/api/me'))).status).toBe(200);
    });

    it('needs a signed-in user: 401', async () => {
      expectError(await t.guest().post('/api/auth/logout-all'), 401, 'not_signed_in');
    });
  });

  describe('POST /api/auth/password', () => {
    const NEW = 'a brand new passphrase';

    it('changes the password: 204, other sessions revoked, this browser still signed in', async () => {
      const u = await signUp(t);
      const other = await loginAgain(t, u.handle);
      const api = await bearerClient(t, u.handle);
      const before = u.cookie!;

      const res = await u.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: NEW });
      expect(res.status, res.text).toBe(204);
      // This browser got a new session and remains signed in.
      expect(u.cookie).toBeTruthy();
      expect(u.cookie).not.toBe(before);
      const me = await u.get('/api/me');
      expect(me.status).toBe(200);
      expect(me.body.user.id).toBe(u.userId);
      // Everything else, including the old cookie of this very browser, is signed out.
      expectError(await other.get('/api/me'), 401, 'not_signed_in');
      expectError(await t.guest().get('/api/me', { cookie: before }), 401, 'not_signed_in');
      expectError(await api.get('/api/me'), 401, 'invalid_token');
      // The old password no longer works, the new one does.
      expectError(await t.guest().post('/api/auth/login', { login: u.handle, password: PASSWORD }), 401, 'invalid_credentials');
      expect((await t.guest().post('/api/auth/login', { login: u.handle, password: NEW })).status).toBe(200);
    });

    it('refuses a wrong current password: 403 invalid_credentials, nothing changes', async () => {
      const u = await signUp(t);
      const other = await loginAgain(t, u.handle);
      const res = await u.post('/api/auth/password', { currentPassword: 'not my password', newPassword: NEW });
      expectError(res, 403, 'invalid_credentials');
      expect((await u.get('/api/me')).status).toBe(200);
      expect((await other.get('/api/me')).status).toBe(200);
      expect((await t.guest().post('/api/auth/login', { login: u.handle, password: PASSWORD })).status).toBe(200);
      expectError(await t.guest().post('/api/auth/login', { login: u.handle, password: NEW }), 401, 'invalid_credentials');
    });

    it('applies the password rules to the new password: 400 invalid_input', async () => {
      const u = await signUp(t);
      for (const newPassword of ['short9char', 'x'.repeat(257)].map((p, i) => (i === 0 ? p.slice(0, 9) : p))) {
        const res = await u.post('/api/auth/password', { currentPassword: PASSWORD, newPassword });
        expectError(res, 400, 'invalid_input');
      }
      expect((await t.guest().post('/api/auth/login', { login: u.handle, password: PASSWORD })).status).toBe(200);
    });

    it('needs a signed-in user: 401', async () => {
      expectError(await t.guest().post('/api/auth/password', { currentPassword: PASSWORD, newPassword: NEW }), 401, 'not_signed_in');
    });

    it('works with a bearer token too, without an Origin', async () => {
      const u = await signUp(t);
      const api = await bearerClient(t, u.handle);
      const res = await api.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: NEW });
      expect(res.status, res.text).toBe(204);
      expect(sessionSetCookie(res)).toBeUndefined();
      expect((await t.guest().post('/api/auth/login', { login: u.handle, password: NEW })).status).toBe(200);
    });
  });

  describe('GET /api/auth/session', () => {
    it('answers 200 with user null for a guest, and what /api/me says when signed in', async () => {
      const guest = await t.guest().get('/api/auth/session');
      expect(guest.status).toBe(200);
      expect(guest.body).toEqual({ user: null, isSiteAdmin: false, memberships: [] });
      const u = await signUp(t);
      const session = await u.get('/api/auth/session');
      expect(session.status).toBe(200);
      expect(session.body).toEqual((await u.get('/api/me')).body);
      expect(session.body.user.id).toBe(u.userId);
      const old = u.cookie!;
      expect((await u.post('/api/auth/logout')).status).toBe(204);
      const after = await t.guest().get('/api/auth/session', { cookie: old });
      expect(after.status).toBe(200);
      expect(after.body.user).toBeNull();
    });
  });

  describe('bearer tokens', () => {
    it('POST /api/auth/token → 201 {token, expiresAt, user}, no cookie', async () => {
      const u = await signUp(t);
      const api = new TestClient(t.app, { origin: null });
      const res = await api.post('/api/auth/token', { login: `${u.handle}@example.org`, password: PASSWORD });
      expect(res.status, res.text).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'token', 'user']);
      expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      expect(new Date(res.body.expiresAt).toISOString()).toBe(res.body.expiresAt);
      const days = (Date.parse(res.body.expiresAt) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29);
      expect(days).toBeLessThanOrEqual(30.01);
      expect(res.body.user).toEqual({ id: u.userId, handle: u.handle, displayName: u.handle, avatarUrl: null, createdAt: expect.any(String) });
      expect(sessionSetCookie(res)).toBeUndefined();
      expect(res.text).not.toMatch(/@example\.org|argon2/);
    });

    it('refuses wrong credentials: 401 invalid_credentials', async () => {
      const u = await signUp(t);
      const api = new TestClient(t.app, { origin: null });
      expectError(await api.post('/api/auth/token', { login: u.handle, password: 'wrong password' }), 401, 'invalid_credentials');
      expectError(await api.post('/api/auth/token', { login: unique('ghost'), password: PASSWORD }), 401, 'invalid_credentials');
    });

    it('authenticates GET /api/me and unsafe requests without any Origin (bearer skips the CSRF check)', async () => {
      const u = await signUp(t);
      const api = await bearerClient(t, u.handle);
      const me = await api.get('/api/me');
      expect(me.status).toBe(200);
      expect(me.body.user.id).toBe(u.userId);

      const slug = unique('b');
      const created = await api.post('/api/communities', { slug, name: 'Bearer made' });
      expect(created.status, created.text).toBe(201);
      // Even with a foreign Origin: a bearer token is not something a browser attaches on its own.
      const slug2 = unique('b');
      const foreign = await api.post('/api/communities', { slug: slug2, name: 'Bearer made' }, { origin: 'http://evil.example' });
      expect(foreign.status, foreign.text).toBe(201);
      const mine = await api.get('/api/me');
      expect(mine.body.memberships.map((m: { community: { slug: string } }) => m.community.slug).sort()).toEqual([slug, slug2].sort());
    });

    it('rejects a garbage, truncated or revoked bearer token: 401 invalid_token', async () => {
      const u = await signUp(t);
      const api = await bearerClient(t, u.handle);
      for (const token of ['garbage', api.token.slice(0, -1), 'x'.repeat(500)]) {
        const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ statusCode: 401, code: 'invalid_token' });
      }
      // Even on a public route: a client that sends a bad token learns so instead of silently reading as a guest.
      const pub = await t.app.inject({ method: 'GET', url: '/api/communities', headers: { authorization: 'Bearer garbage' } });
      expect(pub.statusCode).toBe(401);
      expect(pub.json().code).toBe('invalid_token');
      // Logging out with the token revokes it.
      expect((await api.post('/api/auth/logout')).status).toBe(204);
      expectError(await api.get('/api/me'), 401, 'invalid_token');
    });
  });

  describe('storage', () => {
    it('stores only SHA-256 digests of session tokens, never the tokens themselves', async () => {
      const u = await signUp(t);
      const api = await bearerClient(t, u.handle);
      const cookieToken = tokenOf(u.cookie!);
      const result = (await t.app.parley.ctx.db.execute(sql`select id, user_id, kind from sessions`)) as {
        rows: { id: string; user_id: number; kind: string }[];
      };
      const ids = result.rows.map((r) => r.id);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      for (const token of [cookieToken, api.token]) {
        expect(ids).not.toContain(token);
        expect(ids.some((id) => id.includes(token))).toBe(false);
        expect(ids).toContain(sha256(token));
      }
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
      const mine = result.rows
        .filter((r) => Number(r.user_id) === u.userId)
        .map((r) => [r.id, r.kind])
        .sort();
      expect(mine).toEqual(
        [
          [sha256(cookieToken), 'cookie'],
          [sha256(api.token), 'bearer'],
        ].sort(),
      );
      // Someone who reads the table cannot sign in with what is stored there.
      expectError(await t.guest().get('/api/me', { cookie: `parley_session=${sha256(cookieToken)}` }), 401, 'not_signed_in');
      const asBearer = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${sha256(api.token)}` } });
      expect(asBearer.statusCode).toBe(401);
    });

    it('an expired session is refused', async () => {
      const u = await signUp(t);
      await t.app.parley.ctx.db.execute(sql`update sessions set expires_at = now() - interval '1 minute' where id = ${sha256(tokenOf(u.cookie!))}`);
      expectError(await u.get('/api/me'), 401, 'not_signed_in');
    });
  });
});

describe('sign-in throttling (rate limits on)', () => {
  let t: TestApp;
  const WINDOW_MS = 15 * 60 * 1000;
  beforeAll(async () => {
    t = await startTestApp({ rateLimits: true });
    // The counters use fixed 15-minute windows: do not start a few seconds before one ends.
    const left = WINDOW_MS - (Date.now() % WINDOW_MS);
    if (left < 20_000) await new Promise((r) => setTimeout(r, left + 250));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  // Every test here shares one address (127.0.0.1) and its budget of 30 attempts per 15 minutes,
  // so they run in order and count what they spend.
  let addressAttempts = 0;
  const attempt = async (login: string, password: string) => {
    addressAttempts += 1;
    return new TestClient(t.app, { origin: null }).post('/api/auth/login', { login, password });
  };
  let victim: TestClient & { handle: string; userId: number };
  let bystander: TestClient & { handle: string; userId: number };

  it('locks an account after 10 failed sign-ins, even for the right password: 429 too_many_attempts + Retry-After', async () => {
    victim = await signUp(t);
    bystander = await signUp(t);
    for (let i = 1; i <= 10; i++) {
      const res = await attempt(victim.handle, `wrong password ${i}`);
      expectError(res, 401, 'invalid_credentials');
    }
    const locked = await attempt(victim.handle, PASSWORD);
    expectError(locked, 429, 'too_many_attempts');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(sessionSetCookie(locked)).toBeUndefined();
    // The bearer-token endpoint is the same door.
    expectError(
      await (addressAttempts++, new TestClient(t.app, { origin: null }).post('/api/auth/token', { login: victim.handle, password: PASSWORD })),
      429,
      'too_many_attempts',
    );
    // The lock is on the account, not on how it is named.
    expectError(await attempt(victim.handle.toUpperCase(), PASSWORD), 429, 'too_many_attempts');
    expectError(await attempt(`${victim.handle}@example.org`, PASSWORD), 429, 'too_many_attempts');
    // Sessions that already exist are not affected.
    expect((await victim.get('/api/me')).status).toBe(200);
  });

  it('leaves another account alone until the per-address budget (30 per 15 minutes) runs out', async () => {
    expect(addressAttempts).toBe(14);
    // The bystander can still sign in: 16 more attempts bring the address to 30.
    while (addressAttempts < 30) {
      const res = await attempt(bystander.handle, PASSWORD);
      expect(res.status, `attempt ${addressAttempts}: ${res.text}`).toBe(200);
    }
    const blocked = await attempt(bystander.handle, PASSWORD);
    expectError(blocked, 429, 'too_many_attempts');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Signing up is not a sign-in attempt, and existing sessions keep working.
    expect((await bystander.get('/api/me')).status).toBe(200);
  });
});
