/**
 * Signing in inside the embed without third-party cookies: an organisation's SSO token (HS256
 * JWT) or a one-time code from the forum's own origin, both exchanged for a bearer token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { SignJWT, generateKeyPair } from 'jose';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { scene, signUp, unique } from './helpers/factories.js';
import { TestClient } from './helpers/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Scene = Awaited<ReturnType<typeof scene>>;
const HOST = 'https://shop.example';
const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);
const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A client of the embed iframe: no cookie, no Origin of ours, only what the answer's token gives. */
const iframeClient = (token?: string) => {
  const client = new TestClient(t.app, { origin: null });
  if (token) client.bearer = token;
  return client;
};

async function ssoScene() {
  const s = await scene(t);
  expect((await s.admin.patch(`/api/communities/${s.slug}`, { embed: { allowedOrigins: [HOST] } })).status).toBe(200);
  const res = await s.admin.post(`/api/communities/${s.slug}/sso-secret`);
  expect(res.status).toBe(201);
  return { ...s, secret: res.body.secret as string };
}

interface Claims {
  [k: string]: unknown;
}
const sign = (secret: string, claims: Claims, alg = 'HS256') =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
const claimsFor = (slug: string, over: Claims = {}): Claims => ({
  sub: `sub-${unique()}`,
  name: 'Ann Example',
  aud: slug,
  iat: now(),
  exp: now() + 300,
  jti: unique('jti'),
  ...over,
});

const session = (slug: string, token: string) => iframeClient().post(`/api/embed/${slug}/session`, { token });

describe('SSO: POST /api/embed/:community/session', () => {
  let s: Scene & { secret: string };
  beforeAll(async () => {
    s = await ssoScene();
  });

  it('a valid token makes an account and answers a bearer token that works for posting and /api/me', async () => {
    const claims = claimsFor(s.slug, { name: 'Zoë Ößwald', avatarUrl: 'https://cdn.shop.example/zoe.png', email: 'zoe@shop.example' });
    const res = await session(s.slug, await sign(s.secret, claims));
    expect(res.status, res.text).toBe(200);
    expect(res.body.user).toMatchObject({ displayName: 'Zoë Ößwald', avatarUrl: 'https://cdn.shop.example/zoe.png' });
    expect(res.body.user.handle).toMatch(/^[a-z0-9_-]{3,32}$/);
    expect(res.body.user.handle).toBe('zoe-osswald');
    expect(res.text).not.toContain('zoe@shop.example');
    expect(typeof res.body.token).toBe('string');
    expect(res.headers['set-cookie']).toBeUndefined();

    const me = await iframeClient(res.body.token).get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(res.body.user.id);

    const posted = await iframeClient(res.body.token).post(`/api/embed/${s.slug}/thread/posts`, {
      url: `${HOST}/p/1`,
      title: 'Product one',
      body: 'Signed in by SSO',
    });
    expect(posted.status, posted.text).toBe(201);
    expect(posted.body.post.author.id).toBe(res.body.user.id);

    const [row] = ((await exec(sql`SELECT kind FROM sessions WHERE user_id = ${res.body.user.id}`)) as { rows: { kind: string }[] }).rows;
    expect(row!.kind).toBe('embed');
  });

  it('the same sub is the same account; later sign-ins refresh its name and avatar', async () => {
    const sub = `same-${unique()}`;
    const first = await session(s.slug, await sign(s.secret, claimsFor(s.slug, { sub, name: 'Bob' })));
    const second = await session(s.slug, await sign(s.secret, claimsFor(s.slug, { sub, name: 'Robert', avatarUrl: 'https://img.example/r.png' })));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.user.id).toBe(first.body.user.id);
    expect(second.body.user.handle).toBe(first.body.user.handle);
    expect(second.body.user).toMatchObject({ displayName: 'Robert', avatarUrl: 'https://img.example/r.png' });
    expect(second.body.token).not.toBe(first.body.token);
  });

  it('the same sub in another community is another account', async () => {
    const other = await ssoScene();
    const sub = `shared-${unique()}`;
    const a = await session(s.slug, await sign(s.secret, claimsFor(s.slug, { sub })));
    const b = await session(other.slug, await sign(other.secret, claimsFor(other.slug, { sub })));
    expect(a.body.user.id).not.toBe(b.body.user.id);
  });

  it('makes handles unique and valid whatever the name', async () => {
    const handles = new Set<string>();
    for (const name of ['Ann Example', 'Ann Example', 'ann-example', '李', '!!', undefined]) {
      const res = await session(s.slug, await sign(s.secret, claimsFor(s.slug, { name, sub: `h-${unique()}` })));
      expect(res.status, res.text).toBe(200);
      expect(res.body.user.handle).toMatch(/^[a-z0-9_-]{3,32}$/);
      handles.add(res.body.user.handle);
    }
    expect(handles.size).toBe(6);
  });

  it('ignores an avatar that is not an https URL', async () => {
    for (const avatarUrl of ['http://img.example/a.png', 'javascript:alert(1)', 'data:image/png;base64,AAAA', 42]) {
      const res = await session(s.slug, await sign(s.secret, claimsFor(s.slug, { avatarUrl })));
      expect(res.status).toBe(200);
      expect(res.body.user.avatarUrl).toBeNull();
    }
  });

  describe('refuses with 401 invalid_sso_token', () => {
    const refused = async (token: string, slug = s.slug) => expectError(await session(slug, token), 401, 'invalid_sso_token');

    it('a bad signature', async () => {
      await refused(await sign(`${s.secret}x`, claimsFor(s.slug)));
    });
    it('a token signed with the previous secret after rotation', async () => {
      const r = await ssoScene();
      const token = await sign(r.secret, claimsFor(r.slug));
      expect((await r.admin.post(`/api/communities/${r.slug}/sso-secret`)).status).toBe(201);
      await refused(token, r.slug);
    });
    it('alg none', async () => {
      const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claimsFor(s.slug))}.`;
      await refused(token);
    });
    it('HS384 and HS512 with the right secret', async () => {
      await refused(await sign(s.secret, claimsFor(s.slug), 'HS384'));
      await refused(await sign(s.secret, claimsFor(s.slug), 'HS512'));
    });
    it('RS256', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      await refused(await new SignJWT(claimsFor(s.slug)).setProtectedHeader({ alg: 'RS256' }).sign(privateKey));
    });
    it('a wrong, missing or list audience', async () => {
      await refused(await sign(s.secret, claimsFor(s.slug, { aud: 'another-community' })));
      await refused(await sign(s.secret, claimsFor(s.slug, { aud: undefined })));
      await refused(await sign(s.secret, claimsFor(s.slug, { aud: [s.slug, 'other'] })));
    });
    it('a missing or past exp', async () => {
      await refused(await sign(s.secret, claimsFor(s.slug, { exp: undefined })));
      await refused(await sign(s.secret, claimsFor(s.slug, { iat: now() - 120, exp: now() - 1 })));
    });
    it('an exp more than 10 minutes after iat', async () => {
      await refused(await sign(s.secret, claimsFor(s.slug, { iat: now(), exp: now() + 601 })));
      await refused(await sign(s.secret, claimsFor(s.slug, { iat: undefined })));
      const ok = await session(s.slug, await sign(s.secret, claimsFor(s.slug, { iat: now(), exp: now() + 600 })));
      expect(ok.status).toBe(200);
    });
    it('an iat in the future', async () => {
      await refused(await sign(s.secret, claimsFor(s.slug, { iat: now() + 3600, exp: now() + 3900 })));
    });
    it('a bad sub', async () => {
      await refused(await sign(s.secret, claimsFor(s.slug, { sub: undefined })));
      await refused(await sign(s.secret, claimsFor(s.slug, { sub: 'x'.repeat(201) })));
      await refused(await sign(s.secret, claimsFor(s.slug, { sub: 42 })));
    });
    it('garbage and a tampered payload', async () => {
      await refused('not.a.jwt');
      const [h, , sig] = (await sign(s.secret, claimsFor(s.slug))).split('.');
      await refused(`${h}.${b64url(claimsFor(s.slug, { sub: 'admin' }))}.${sig}`);
    });
    it('a community without an SSO secret', async () => {
      const plain = await scene(t);
      await refused(await sign('anything', claimsFor(plain.slug)), plain.slug);
    });
    it('a jti already used', async () => {
      const token = await sign(s.secret, claimsFor(s.slug));
      expect((await session(s.slug, token)).status).toBe(200);
      await refused(token);
      // Another token with the same jti is a replay too.
      const jti = unique('jti');
      expect((await session(s.slug, await sign(s.secret, claimsFor(s.slug, { jti })))).status).toBe(200);
      await refused(await sign(s.secret, claimsFor(s.slug, { jti })));
    });
  });

  it('the same jti sent several times at once succeeds exactly once', async () => {
    const token = await sign(s.secret, claimsFor(s.slug));
    const results = await Promise.all([1, 2, 3, 4].map(() => session(s.slug, token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expectError(r, 401, 'invalid_sso_token');
  });

  it('the same new sub signing in several times at once makes one account', async () => {
    const sub = `burst-${unique()}`;
    const results = await Promise.all([1, 2, 3].map(async () => session(s.slug, await sign(s.secret, claimsFor(s.slug, { sub })))));
    for (const r of results) expect(r.status, r.text).toBe(200);
    expect(new Set(results.map((r) => r.body.user.id)).size).toBe(1);
  });

  it('is 404 community_not_found for an unknown community, 400 without a token', async () => {
    expectError(await session(`nope-${unique()}`, await sign(s.secret, claimsFor(s.slug))), 404, 'community_not_found');
    expect((await iframeClient().post(`/api/embed/${s.slug}/session`, {})).status).toBe(400);
  });
});

describe('Parley account: one-time codes', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  const issue = async (client: TestClient, slug = s.slug) => {
    const res = await client.post(`/api/embed/${slug}/code`);
    expect(res.status, res.text).toBe(201);
    expect(res.body.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return res.body.code as string;
  };
  const exchange = (code: string, slug = s.slug) => iframeClient().post(`/api/embed/${slug}/code/exchange`, { code });

  it('a signed-in forum session gets a code; the iframe exchanges it once for a bearer token', async () => {
    const code = await issue(s.member);
    const res = await exchange(code);
    expect(res.status, res.text).toBe(200);
    expect(res.body.user).toMatchObject({ id: s.member.userId, handle: s.member.handle });
    const me = await iframeClient(res.body.token).get('/api/me');
    expect(me.body.user.id).toBe(s.member.userId);
    expectError(await exchange(code), 401, 'invalid_code');
  });

  it('only the digest of a code is stored', async () => {
    const code = await issue(s.member);
    const stored = ((await exec(sql`SELECT code_hash FROM embed_codes`)) as { rows: { code_hash: string }[] }).rows.map((r) => r.code_hash);
    expect(stored.join(' ')).not.toContain(code);
    expect(stored.length).toBeGreaterThan(0);
  });

  it('two exchanges of one code at once: exactly one succeeds', async () => {
    const code = await issue(s.member);
    const results = await Promise.all([exchange(code), exchange(code), exchange(code)]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("an expired, unknown or other community's code is 401 invalid_code", async () => {
    const code = await issue(s.member);
    await exec(sql`UPDATE embed_codes SET expires_at = now() - interval '1 second'`);
    expectError(await exchange(code), 401, 'invalid_code');
    expectError(await exchange('A'.repeat(43)), 401, 'invalid_code');
    const other = await scene(t);
    const foreign = await issue(s.member, other.slug);
    expectError(await exchange(foreign), 401, 'invalid_code');
    expect((await exchange(foreign, other.slug)).status).toBe(200);
  });

  it('needs a signed-in user, and a cookie request needs the site Origin', async () => {
    expectError(await t.guest().post(`/api/embed/${s.slug}/code`), 401, 'not_signed_in');
    expectError(await s.member.post(`/api/embed/${s.slug}/code`, {}, { origin: 'https://evil.example' }), 403, 'csrf_origin_mismatch');
    expectError(await s.member.post(`/api/embed/nope-${unique()}/code`), 404, 'community_not_found');
  });

  it('asks for no request body (the popup sends none)', async () => {
    const res = await s.member.request('POST', `/api/embed/${s.slug}/code`);
    expect(res.status, res.text).toBe(201);
    expect((await exchange(res.body.code)).status).toBe(200);
  });

  it('a user who signs up later can use the code flow too (no SSO needed)', async () => {
    const fresh = await signUp(t);
    const res = await exchange(await issue(fresh));
    expect(res.body.user.id).toBe(fresh.userId);
  });
});
