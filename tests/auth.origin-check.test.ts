import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, ORIGIN, type TestApp } from './helpers/app.js';
import { TestClient, type Reply } from './helpers/client.js';
import { PASSWORD, createCommunity, createTopic, signUp, unique } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';

const csrf = (res: Reply) => expectError(res, 403, 'csrf_origin_mismatch');

function sessionSetCookie(res: Reply): string | undefined {
  const raw = res.headers['set-cookie'];
  const all = Array.isArray(raw) ? raw : raw === undefined ? [] : [String(raw)];
  return all.find((c) => c.startsWith('parley_session='));
}

/** Origins a browser could send that are not the site's (http://parley.test). */
const FOREIGN = [
  'http://evil.example',
  'null',
  'https://parley.test',
  'http://parley.test:8080',
  'http://sub.parley.test',
  'http://parley.test.evil.example',
  'http://PARLEY.test',
  'http://parley.test/',
];

describe('the Origin check on cookie-authenticated requests (PARLEY_ORIGIN set)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses an unsafe request that carries a cookie but no Origin: 403 csrf_origin_mismatch, nothing written', async () => {
    const u = await signUp(t);
    u.origin = null;
    const slug = unique('c');
    csrf(await u.post('/api/communities', { slug, name: 'No origin' }));
    expectError(await t.guest().get(`/api/communities/${slug}`), 404, 'community_not_found');
    // With the right Origin the same request works.
    u.origin = ORIGIN;
    expect((await u.post('/api/communities', { slug, name: 'With origin' })).status).toBe(201);
  });

  it.each(FOREIGN)('refuses a cookie-authenticated POST from Origin %s', async (origin) => {
    const u = await signUp(t);
    const slug = unique('c');
    csrf(await u.post('/api/communities', { slug, name: 'Forged' }, { origin }));
    expectError(await t.guest().get(`/api/communities/${slug}`), 404, 'community_not_found');
  });

  it('covers PUT, PATCH and DELETE as well as POST', async () => {
    const admin = await signUp(t);
    const member = await signUp(t);
    const community = await createCommunity(admin);
    const { post } = await createTopic(admin, community.slug);
    for (const origin of [undefined, 'http://evil.example', 'null']) {
      const headers: Record<string, string> = origin === undefined ? {} : { origin };
      admin.origin = origin === undefined ? null : ORIGIN;
      csrf(await admin.patch(`/api/communities/${community.slug}`, { name: 'Renamed by a forgery' }, headers));
      csrf(await admin.put(`/api/communities/${community.slug}/members/${member.handle}`, { role: 'moderator' }, headers));
      csrf(await admin.delete(`/api/posts/${post.id}`, headers));
      csrf(await admin.patch(`/api/posts/${post.id}`, { body: 'forged edit' }, headers));
      member.origin = admin.origin;
      csrf(await member.post(`/api/posts/${post.id}/reactions`, { kind: 'like' }, headers));
    }
    admin.origin = ORIGIN;
    member.origin = ORIGIN;
    // Nothing happened.
    const c = await t.guest().get(`/api/communities/${community.slug}`);
    expect(c.body.community.name).toBe(`Community ${community.slug}`);
    const page = await t.guest().get(`/api/topics/${post.topicId}`);
    expect(page.status).toBe(200);
    expect(page.body.posts[0]).toMatchObject({ id: post.id, deleted: false, body: post.body, reactions: { like: 0, helpful: 0 } });
    expect((await member.get('/api/me')).body.memberships).toEqual([]);
    // And the same requests from the site itself go through.
    expect((await admin.patch(`/api/communities/${community.slug}`, { name: 'Renamed' })).status).toBe(200);
    expect((await admin.put(`/api/communities/${community.slug}/members/${member.handle}`, { role: 'moderator' })).status).toBe(200);
    expect((await member.post(`/api/posts/${post.id}/reactions`, { kind: 'like' })).status).toBe(200);
    expect((await admin.patch(`/api/posts/${post.id}`, { body: 'edited from the site' })).status).toBe(200);
    expect((await admin.delete(`/api/posts/${post.id}`)).status).toBe(204);
  });

  it('protects the account routes: a forged logout, logout-all or password change does nothing', async () => {
    const u = await signUp(t);
    for (const origin of ['http://evil.example', 'null']) {
      csrf(await u.post('/api/auth/logout', undefined, { origin }));
      csrf(await u.post('/api/auth/logout-all', undefined, { origin }));
      csrf(await u.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'attacker chosen pw' }, { origin }));
    }
    expect(u.cookie).toBeTruthy();
    expect((await u.get('/api/me')).status).toBe(200);
    expect((await t.guest().post('/api/auth/login', { login: u.handle, password: PASSWORD })).status).toBe(200);
  });

  it('lets safe methods through whatever the Origin (GET with a cookie and a foreign Origin)', async () => {
    const u = await signUp(t);
    for (const origin of ['http://evil.example', 'null']) {
      const me = await u.get('/api/me', { origin });
      expect(me.status).toBe(200);
      expect(me.body.user.id).toBe(u.userId);
    }
    u.origin = null;
    expect((await u.get('/api/me')).status).toBe(200);
    expect((await u.get('/api/communities')).status).toBe(200);
  });

  it('refuses sign-up and sign-in from a foreign Origin even without a cookie (login CSRF)', async () => {
    const u = await signUp(t);
    for (const origin of ['http://evil.example', 'null', 'https://parley.test']) {
      const c = new TestClient(t.app, { origin });
      const handle = unique('x');
      const signup = await c.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD });
      csrf(signup);
      expect(sessionSetCookie(signup)).toBeUndefined();
      const login = await c.post('/api/auth/login', { login: u.handle, password: PASSWORD });
      csrf(login);
      expect(sessionSetCookie(login)).toBeUndefined();
      // The refused sign-up created nothing.
      expectError(await t.guest().get(`/api/users/${handle}`), 404, 'user_not_found');
    }
  });

  it('accepts sign-up, sign-in and token requests without Origin and without cookie (API clients such as curl)', async () => {
    const c = new TestClient(t.app, { origin: null });
    const handle = unique('curl');
    const signup = await c.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD });
    expect(signup.status, signup.text).toBe(201);
    const again = new TestClient(t.app, { origin: null });
    expect((await again.post('/api/auth/login', { login: handle, password: PASSWORD })).status).toBe(200);
    expect((await new TestClient(t.app, { origin: null }).post('/api/auth/token', { login: handle, password: PASSWORD })).status).toBe(201);
    // …but once it holds a cookie, its unsafe requests need the Origin like a browser's.
    csrf(await c.post('/api/communities', { slug: unique('c'), name: 'Curl' }));
  });

  it('a request that carries both a bearer token and a cookie is judged by the token (no Origin needed)', async () => {
    const u = await signUp(t);
    const token = await new TestClient(t.app, { origin: null }).post('/api/auth/token', { login: u.handle, password: PASSWORD });
    expect(token.status).toBe(201);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/communities',
      headers: { cookie: u.cookie!, authorization: `Bearer ${token.body.token}` },
      payload: { slug: unique('c'), name: 'Both' },
    });
    expect(res.statusCode, res.body).toBe(201);
  });
});

describe('the Origin check when PARLEY_ORIGIN is not set (origin derived from Host)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ origin: undefined });
  });
  afterAll(async () => {
    await t?.close();
  });

  const HOST = 'forum.local:8080';
  const SITE = `http://${HOST}`;
  const client = () => new TestClient(t.app, { origin: SITE });
  const onHost = { host: HOST };

  it('has no configured origin', () => {
    expect(t.config.origin).toBeUndefined();
  });

  it('accepts requests whose Origin is http://<Host header>, refuses others', async () => {
    const c = client();
    const handle = unique('h');
    const signup = await c.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD }, onHost);
    expect(signup.status, signup.text).toBe(201);
    expect(sessionSetCookie(signup)).not.toMatch(/;\s*Secure/i);

    const made = await c.post('/api/communities', { slug: unique('c'), name: 'Host derived' }, onHost);
    expect(made.status, made.text).toBe(201);

    for (const origin of ['http://other:8080', 'http://forum.local', 'http://forum.local:8081', 'https://forum.local:8080', 'null']) {
      csrf(await c.post('/api/communities', { slug: unique('c'), name: 'Wrong origin' }, { ...onHost, origin }));
    }
    csrf(await c.post('/api/communities', { slug: unique('c'), name: 'No origin' }, { host: HOST, origin: '' }));

    // The foreign origin cannot sign in either.
    const foreign = new TestClient(t.app, { origin: 'http://other:8080' });
    csrf(await foreign.post('/api/auth/login', { login: handle, password: PASSWORD }, onHost));
  });

  it('follows the Host header the request was sent to', async () => {
    const c = new TestClient(t.app, { origin: 'http://other:8080' });
    const handle = unique('h');
    const signup = await c.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD }, { host: 'other:8080' });
    expect(signup.status, signup.text).toBe(201);
    // The same cookie sent to forum.local:8080 from other:8080 is cross-origin there.
    csrf(await c.post('/api/communities', { slug: unique('c'), name: 'x' }, onHost));
  });

  it('does not trust X-Forwarded-Proto/Host from the client when no proxy is configured', async () => {
    const c = client();
    const handle = unique('h');
    expect((await c.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD }, onHost)).status).toBe(201);
    const forged = await c.post(
      '/api/communities',
      { slug: unique('c'), name: 'x' },
      {
        host: HOST,
        origin: 'https://evil.example',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.example',
      },
    );
    csrf(forged);
  });
});
