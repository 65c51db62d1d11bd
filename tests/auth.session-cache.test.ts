/**
 * Each process trusts a session it validated for a few seconds (config.sessionCacheSeconds), so a
 * signed-in read costs no session lookup. Whatever ends a session, or changes what it carries, must
 * still reach every process at once: signed out is signed out on the very next request, wherever
 * it lands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { SignJWT } from 'jose';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.js';
import { signalOnce } from '../server/live/signal-once.js';
import { sessionIdOf } from '../server/auth/session.js';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { TestClient } from './helpers/client.js';
import { PASSWORD, scene, signUp, unique, type SignedIn } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  // Long enough that nothing in a test expires by itself: only a signal can end a cached session.
  t = await startTestApp({ sessionCacheSeconds: 300 });
});
afterAll(async () => {
  await t?.close();
});

const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);

/** Another client holding the same session (another tab, another device with a copied token). */
function sameSession(of: TestClient, app: FastifyInstance = t.app): TestClient {
  const client = new TestClient(app, { origin: ORIGIN });
  client.cookie = of.cookie;
  client.bearer = of.bearer;
  return client;
}

/** A second sign-in of the same account. */
async function signIn(who: SignedIn, app: FastifyInstance = t.app): Promise<TestClient> {
  const client = new TestClient(app, { origin: ORIGIN });
  expect((await client.post('/api/auth/login', { login: who.handle, password: PASSWORD })).status).toBe(200);
  return client;
}

const me = (client: TestClient) => client.get('/api/me');

describe('the per-process session cache', () => {
  it('answers from the cache: a session row removed behind its back still works until its seconds are up', async () => {
    const member = await signUp(t);
    expect((await me(member)).status).toBe(200);
    // Not how the app ends a session (that signals): proof that the second request asked no database.
    await exec(sql`DELETE FROM sessions WHERE id = ${sessionIdOf(member.cookie!.split('=')[1]!)}`);
    expect((await me(member)).status).toBe(200);
  });

  it('refuses a signed-out session on the very next request', async () => {
    const member = await signUp(t);
    const tab = sameSession(member);
    expect((await me(tab)).status).toBe(200);
    expect((await member.post('/api/auth/logout')).status).toBe(204);
    expect((await me(tab)).status).toBe(401);
  });

  it('refuses every session of the account after "sign out everywhere" and after a password change', async () => {
    const member = await signUp(t);
    const laptop = await signIn(member);
    const phone = await signIn(member);
    for (const c of [member, laptop, phone]) expect((await me(c)).status).toBe(200);
    expect((await laptop.post('/api/auth/logout-all')).status).toBe(204);
    for (const c of [member, phone]) expect((await me(c)).status).toBe(401);

    const again = await signIn(member);
    const other = await signIn(member);
    expect((await me(other)).status).toBe(200);
    expect((await again.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'a new horse battery' })).status).toBe(204);
    expect((await me(other)).status).toBe(401);
    // The session that changed it signs in again, fresh.
    expect((await me(again)).status).toBe(200);
  });

  it('refuses a revoked bearer token at once', async () => {
    const member = await signUp(t);
    const api = new TestClient(t.app, { origin: null });
    const issued = await api.post('/api/auth/token', { login: member.handle, password: PASSWORD });
    expect(issued.status).toBe(201);
    api.bearer = issued.body.token;
    const other = sameSession(api);
    expect((await me(other)).status).toBe(200);
    expect((await api.post('/api/auth/logout')).status).toBe(204);
    expect((await me(other)).status).toBe(401);
  });

  it("shows a member's new language in their other sessions at once", async () => {
    const member = await signUp(t);
    const phone = await signIn(member);
    expect((await me(phone)).body.user.locale).toBeNull();
    expect((await member.put('/api/me/preferences', { locale: 'de' })).status).toBe(200);
    expect((await me(phone)).body.user.locale).toBe('de');
  });

  it('shows a site admin made by `npm run create-admin`, a process of its own, within moments', async () => {
    const member = await signUp(t);
    expect((await me(member)).body.isSiteAdmin).toBe(false);
    // What the command does: its update, then the signal, through the database or the broker the servers use.
    await exec(sql`UPDATE users SET is_site_admin = true WHERE id = ${member.userId}`);
    await signalOnce(t.config, t.app.parley.database, `user:${member.userId}`);
    let isSiteAdmin = false;
    for (let i = 0; i < 50 && !isSiteAdmin; i++) {
      if (i) await new Promise((r) => setTimeout(r, 20));
      isSiteAdmin = (await me(member)).body.isSiteAdmin;
    }
    expect(isSiteAdmin).toBe(true);
  });

  it("shows an SSO member's new name, from their organisation's next sign-in, in their open sessions at once", async () => {
    const s = await scene(t);
    expect((await s.admin.patch(`/api/communities/${s.slug}`, { embed: { allowedOrigins: ['https://shop.example'] } })).status).toBe(200);
    const secret = (await s.admin.post(`/api/communities/${s.slug}/sso-secret`)).body.secret as string;
    const sub = `sub-${unique()}`;
    const signInAs = async (name: string) => {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ sub, name, aud: s.slug, iat: now, exp: now + 300, jti: unique('jti') })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new TextEncoder().encode(secret));
      const client = new TestClient(t.app, { origin: null });
      const res = await client.post(`/api/embed/${s.slug}/session`, { token });
      expect(res.status).toBe(200);
      client.bearer = res.body.token;
      return client;
    };
    const first = await signInAs('Ann Before');
    expect((await me(first)).body.user.displayName).toBe('Ann Before');
    await signInAs('Ann After');
    expect((await me(first)).body.user.displayName).toBe('Ann After');
  });

  it('keeps sliding renewal: a session past half its life is renewed, its cookie sent again', async () => {
    const member = await signUp(t);
    const id = sessionIdOf(member.cookie!.split('=')[1]!);
    await exec(sql`UPDATE sessions SET expires_at = now() + interval '2 days' WHERE id = ${id}`);
    const res = await member.get('/api/me');
    expect(res.status).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(/^parley_session=/);
    const [row] = (
      (await exec(sql`SELECT expires_at > now() + interval '20 days' AS renewed FROM sessions WHERE id = ${id}`)) as { rows: { renewed: boolean }[] }
    ).rows;
    expect(row?.renewed).toBe(true);
  });

  it('can be turned off (0 seconds): every request asks the database', async () => {
    const off = await startTestApp({ sessionCacheSeconds: 0 });
    try {
      const member = await signUp(off);
      expect((await me(member)).status).toBe(200);
      await off.app.parley.ctx.db.execute(sql`DELETE FROM sessions WHERE user_id = ${member.userId}`);
      expect((await me(member)).status).toBe(401);
    } finally {
      await off.close();
    }
  });
});

/**
 * Two app instances on one PostgreSQL database, as two server processes behind a balancer. The
 * signal reaches the other process through its LISTEN connection, a few milliseconds after the
 * revoking request answered (that request waits until the database has handed the signal on):
 * within moments, where the cache alone would keep the session for 300 seconds.
 */
describe.runIf(process.env.DATABASE_URL)('the session cache across processes', () => {
  let b: FastifyInstance;
  beforeAll(async () => {
    b = await buildApp(t.config);
  });
  afterAll(async () => {
    await b?.close();
  });

  /** The other process's answer once its bus has had a moment (real I/O, as between processes). */
  async function soonOnB<T>(ask: () => Promise<T>, done: (answer: T) => boolean): Promise<T> {
    let answer = await ask();
    for (let i = 0; i < 25 && !done(answer); i++) {
      await new Promise((r) => setTimeout(r, 20));
      answer = await ask();
    }
    return answer;
  }

  it('refuses a session signed out on one process on the other within moments', async () => {
    const member = await signUp(t);
    const onB = sameSession(member, b);
    expect((await me(onB)).status).toBe(200);
    expect((await me(onB)).status).toBe(200);
    expect((await member.post('/api/auth/logout')).status).toBe(204);
    expect(
      (
        await soonOnB(
          () => me(onB),
          (r) => r.status === 401,
        )
      ).status,
    ).toBe(401);
  });

  it('refuses every session of the account on the other process after "sign out everywhere"', async () => {
    const member = await signUp(t);
    const onB = await signIn(member, b);
    expect((await me(onB)).status).toBe(200);
    expect((await member.post('/api/auth/logout-all')).status).toBe(204);
    expect(
      (
        await soonOnB(
          () => me(onB),
          (r) => r.status === 401,
        )
      ).status,
    ).toBe(401);
  });

  it('shows a change of language made on one process on the other within moments', async () => {
    const member = await signUp(t);
    const onB = sameSession(member, b);
    expect((await me(onB)).body.user.locale).toBeNull();
    expect((await member.put('/api/me/preferences', { locale: 'de' })).status).toBe(200);
    expect(
      (
        await soonOnB(
          () => me(onB),
          (r) => r.body.user.locale === 'de',
        )
      ).body.user.locale,
    ).toBe('de');
  });
});
