import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { startTestApp, ORIGIN, type TestApp } from './helpers/app.js';
import { PASSWORD, createCommunity, createTopic, signUp, unique } from './helpers/factories.js';

/** Every error has Fastify's shape, a stable code, JSON content type, and nothing else (details optional). */
function expectError(res: LightMyRequestResponse, status: number, code: string | RegExp) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  if (typeof code === 'string') expect(body.code).toBe(code);
  else expect(body.code).toMatch(code);
  expect(body.statusCode).toBe(status);
  expect(typeof body.error).toBe('string');
  expect(body.error.length).toBeGreaterThan(0);
  expect(typeof body.message).toBe('string');
  expect(
    Object.keys(body)
      .filter((k) => k !== 'details')
      .sort(),
  ).toEqual(['code', 'error', 'message', 'statusCode']);
  // Internals never leak through a message.
  expect(body.message).not.toMatch(/FST_|at .*\.(ts|js):\d+|node_modules/);
  return body as { statusCode: number; error: string; code: string; message: string; details?: unknown };
}

function expectClientError(res: LightMyRequestResponse) {
  expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, res.body).toBeLessThan(500);
  return expectError(res, res.statusCode, /^[a-z][a-z0-9_]*$/);
}

describe('bad input never causes a 500', () => {
  let t: TestApp;
  let cookie: string;
  let userId: number;
  let slug: string;
  let topicId: number;

  beforeAll(async () => {
    t = await startTestApp();
    const u = await signUp(t);
    cookie = u.cookie!;
    userId = u.userId;
    slug = (await createCommunity(u)).slug;
    topicId = (await createTopic(u, slug)).topic.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A raw request: exact bytes, exact headers. Signed-out and same-origin unless told otherwise. */
  const raw = (method: InjectOptions['method'], url: string, payload?: string | Buffer, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url, payload, headers: { origin: ORIGIN, ...headers } });
  const json = { 'content-type': 'application/json' };
  const signedIn = () => ({ ...json, cookie });
  const handle = () => unique('b');
  const signupJson = (h = handle()) => ({ handle: h, email: `${h}@example.org`, password: PASSWORD });

  describe('request bodies', () => {
    it('malformed JSON → 400 invalid_json', async () => {
      for (const body of ['{"handle":', '{handle: "x"}', "{'a': 1}", '[1,2', '{"a":1}}', 'nul']) {
        expectError(await raw('POST', '/api/auth/signup', body, json), 400, 'invalid_json');
      }
    });

    it('an empty body with a JSON content type → 400', async () => {
      const body = expectError(await raw('POST', '/api/auth/signup', '', json), 400, 'invalid_json');
      expect(body.message).toMatch(/empty|json/i);
      expectError(await raw('POST', '/api/communities', '', signedIn()), 400, 'invalid_json');
    });

    it('JSON that is not an object → 400 invalid_input', async () => {
      for (const body of ['null', '"a string"', '42', '[]', 'true']) {
        const res = await raw('POST', '/api/auth/signup', body, json);
        expectError(res, 400, 'invalid_input');
      }
    });

    it('a body over 256 KiB → 413 payload_too_large', async () => {
      const big = JSON.stringify({ ...signupJson(), displayName: 'x'.repeat(300 * 1024) });
      expectError(await raw('POST', '/api/auth/signup', big, json), 413, 'payload_too_large');
      const post = JSON.stringify({ body: 'y'.repeat(300 * 1024) });
      expectError(await raw('POST', `/api/topics/${topicId}/posts`, post, signedIn()), 413, 'payload_too_large');
    });

    it('a body just under 256 KiB is read (and then judged by the field limits)', async () => {
      const post = JSON.stringify({ body: 'y'.repeat(250 * 1024) });
      const res = await raw('POST', `/api/topics/${topicId}/posts`, post, signedIn());
      const body = expectError(res, 400, 'invalid_input');
      expect(body.details).toMatchObject({ field: 'body' });
    });

    it('a __proto__ key → 400, and nothing is polluted', async () => {
      const h = handle();
      const payload = `{"handle":"${h}","email":"${h}@example.org","password":"${PASSWORD}","__proto__":{"isSiteAdmin":true,"polluted":1}}`;
      const body = expectError(await raw('POST', '/api/auth/signup', payload, json), 400, 'invalid_json');
      expect(body.message).not.toMatch(/prototype/i);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((await raw('GET', `/api/users/${h}`)).statusCode).toBe(404);
      // Nested too.
      const nested = `{"slug":"${unique('c')}","name":"x","embed":{"__proto__":{"x":1}}}`;
      expectError(await raw('PATCH', `/api/communities/${slug}`, nested, signedIn()), 400, 'invalid_json');
    });

    it('a constructor key (or constructor.prototype) → 400', async () => {
      const h = handle();
      const plain = JSON.stringify({ ...signupJson(h), constructor: { prototype: { isSiteAdmin: true } } });
      expectClientError(await raw('POST', '/api/auth/signup', plain, json));
      expect((await raw('GET', `/api/users/${h}`)).statusCode).toBe(404);
      const simple = JSON.stringify({ ...signupJson(h), constructor: 'x' });
      expectError(await raw('POST', '/api/auth/signup', simple, json), 400, 'invalid_input');
      const prototype = JSON.stringify({ ...signupJson(h), prototype: { a: 1 } });
      expectError(await raw('POST', '/api/auth/signup', prototype, json), 400, 'invalid_input');
      expect((await raw('GET', `/api/users/${h}`)).statusCode).toBe(404);
    });

    it('a NUL character in a string field or a key → 400 invalid_input', async () => {
      const h = handle();
      for (const body of [
        { ...signupJson(h), displayName: 'Ann\u0000Admin' },
        { ...signupJson(h), password: `${PASSWORD}\u0000` },
        { ...signupJson(h), 'x\u0000y': 1 },
      ]) {
        expectError(await raw('POST', '/api/auth/signup', JSON.stringify(body), json), 400, 'invalid_input');
      }
      expectError(await raw('POST', `/api/topics/${topicId}/posts`, JSON.stringify({ body: 'hello\u0000world' }), signedIn()), 400, 'invalid_input');
      expect((await raw('GET', `/api/users/${h}`)).statusCode).toBe(404);
    });

    it('unknown fields are dropped, never stored: isAdmin/isSiteAdmin on sign-up do nothing', async () => {
      const h = handle();
      const res = await raw('POST', '/api/auth/signup', JSON.stringify({ ...signupJson(h), isAdmin: true, isSiteAdmin: true, id: 1, role: 'admin' }), json);
      expect(res.statusCode, res.body).toBe(201);
      const user = res.json().user;
      expect(Object.keys(user).sort()).toEqual(['avatarUrl', 'createdAt', 'displayName', 'handle', 'id']);
      expect(user.id).not.toBe(1);
      const setCookie = ([] as string[]).concat(res.headers['set-cookie'] as string | string[]).find((c) => c.startsWith('parley_session='))!;
      const me = await raw('GET', '/api/me', undefined, { cookie: setCookie.split(';')[0]! });
      expect(me.statusCode).toBe(200);
      expect(me.json().isSiteAdmin).toBe(false);
      const result = (await t.app.parley.ctx.db.execute(sql`select is_site_admin from users where id = ${user.id}`)) as { rows: { is_site_admin: boolean }[] };
      expect(result.rows[0]!.is_site_admin).toBe(false);
    });

    it('a text/plain body on a JSON route → 415 unsupported_media_type', async () => {
      const body = JSON.stringify(signupJson());
      expectError(await raw('POST', '/api/auth/signup', body, { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
      expectError(await raw('POST', '/api/auth/signup', body, { 'content-type': 'text/plain;charset=UTF-8' }), 415, 'unsupported_media_type');
      expectError(
        await raw('POST', '/api/communities', JSON.stringify({ slug: unique('c'), name: 'x' }), { 'content-type': 'text/plain', cookie }),
        415,
        'unsupported_media_type',
      );
    });

    it('form posts and other content types → 415 unsupported_media_type', async () => {
      const h = handle();
      expectError(
        await raw('POST', '/api/auth/signup', `handle=${h}&email=${h}%40example.org&password=correct+horse+battery`, {
          'content-type': 'application/x-www-form-urlencoded',
        }),
        415,
        'unsupported_media_type',
      );
      expectError(
        await raw('POST', '/api/auth/signup', '--x\r\n\r\n--x--', { 'content-type': 'multipart/form-data; boundary=x' }),
        415,
        'unsupported_media_type',
      );
      expectError(await raw('POST', '/api/auth/signup', '<a/>', { 'content-type': 'application/xml' }), 415, 'unsupported_media_type');
      expect((await raw('GET', `/api/users/${h}`)).statusCode).toBe(404);
    });

    it('a JSON content type with parameters or odd casing is still JSON', async () => {
      const res = await raw('POST', '/api/auth/signup', JSON.stringify(signupJson()), { 'content-type': 'Application/JSON; charset=utf-8' });
      expect(res.statusCode, res.body).toBe(201);
    });

    it('a lone surrogate in a JSON string → 4xx, not 500', async () => {
      // "\ud800" escaped in JSON, and as raw text.
      for (const payload of [
        `{"handle":"${handle()}","email":"${handle()}@example.org","password":"${PASSWORD}","displayName":"a\\ud800b"}`,
        `{"handle":"${handle()}","email":"${handle()}@example.org","password":"${PASSWORD}","displayName":"\\udfff"}`,
        `{"handle":"a\\ud800b","email":"${handle()}@example.org","password":"${PASSWORD}"}`,
      ]) {
        const res = await raw('POST', '/api/auth/signup', payload, json);
        expectError(res, 400, 'invalid_input');
      }
      expectError(await raw('POST', `/api/topics/${topicId}/posts`, '{"body":"broken \\ud83d text"}', signedIn()), 400, 'invalid_input');
    });

    it('invalid and overlong UTF-8 bytes → 4xx or replaced, never 500 and never decoded to "/"', async () => {
      const h = handle();
      // C0 AF is an overlong encoding of "/"; FF is never valid.
      const head = Buffer.from(`{"handle":"${h}","email":"${h}@example.org","password":"${PASSWORD}","displayName":"a`);
      const tail = Buffer.from('b"}');
      const res = await raw('POST', '/api/auth/signup', Buffer.concat([head, Buffer.from([0xc0, 0xaf, 0xff]), tail]), json);
      expect(res.statusCode, res.body).toBeLessThan(500);
      if (res.statusCode === 201) expect(res.json().user.displayName).not.toContain('/');
      else expectClientError(res);
      // In a field with a strict pattern it is plainly invalid.
      const inHandle = Buffer.concat([
        Buffer.from('{"handle":"ab'),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from(`c","email":"${handle()}@example.org","password":"${PASSWORD}"}`),
      ]);
      expectError(await raw('POST', '/api/auth/signup', inHandle, json), 400, 'invalid_input');
    });

    it('deeply nested JSON → 4xx, not 500', async () => {
      const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
      expectClientError(await raw('POST', '/api/auth/signup', deep, json));
    });

    it('a wrong Content-Length → 4xx', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        headers: { ...json, origin: ORIGIN, 'content-length': '5' },
        payload: JSON.stringify(signupJson()),
      });
      expectClientError(res);
    });
  });

  describe('query strings', () => {
    it('a NUL character in the querystring → 400 invalid_input', async () => {
      expectError(await raw('GET', `/api/communities/${slug}/search?q=a%00b`), 400, 'invalid_input');
      expectError(await raw('GET', '/api/communities/x/search?q=a%00b'), 400, 'invalid_input');
      expectError(await raw('GET', `/api/communities/${slug}/topics?category=gen%00eral`), 400, 'invalid_input');
    });

    it('wrongly typed or out-of-range query values → 400 invalid_input', async () => {
      for (const q of ['after=abc', 'after=-1', 'limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'cursor=abc', 'after=99999999999']) {
        const body = expectError(await raw('GET', `/api/topics/${topicId}?${q}`), 400, 'invalid_input');
        expect(body.details).toMatchObject({ in: 'querystring' });
      }
      expectError(await raw('GET', `/api/communities/${slug}/topics?sort=best`), 400, 'invalid_input');
      expectError(await raw('GET', `/api/communities/${slug}/search?q=`), 400, 'invalid_input');
      expectError(await raw('GET', `/api/communities/${slug}/search?q=${'a'.repeat(201)}`), 400, 'invalid_input');
      expectError(await raw('GET', `/api/communities/${slug}/search`), 400, 'invalid_input');
    });

    it('repeated parameters and bad percent-encoding in the query → 4xx, not 500', async () => {
      expectClientError(await raw('GET', `/api/topics/${topicId}?limit=1&limit=2`));
      const res = await raw('GET', `/api/communities/${slug}/search?q=%E0%A4%A`);
      expect(res.statusCode, res.body).toBeLessThan(500);
      if (res.statusCode !== 200) expectClientError(res);
      const cursor = await raw('GET', `/api/communities/${slug}/topics?cursor=%ZZ%ff`);
      expect(cursor.statusCode, cursor.body).toBeLessThan(500);
      if (cursor.statusCode !== 200) expectClientError(cursor);
    });

    it('a garbage topic-list cursor → 400, not 500', async () => {
      for (const cursor of ['garbage', 'eyJhIjoxfQ', '%7B%7D', 'x'.repeat(512)]) {
        expectClientError(await raw('GET', `/api/communities/${slug}/topics?cursor=${cursor}`));
      }
      expectError(await raw('GET', `/api/communities/${slug}/topics?cursor=${'x'.repeat(513)}`), 400, 'invalid_input');
    });
  });

  describe('URLs and path parameters', () => {
    it('invalid percent-encoding in the path → 400 invalid_url', async () => {
      expectError(await raw('GET', '/api/users/%E0%A4%A'), 400, 'invalid_url');
      expectError(await raw('GET', '/api/communities/%'), 400, 'invalid_url');
      expectError(await raw('GET', '/api/users/%C0%AF'), 400, 'invalid_url');
    });

    it('a NUL in a path parameter → 400 invalid_input', async () => {
      expectError(await raw('GET', '/api/users/ann%00admin'), 400, 'invalid_input');
      expectError(await raw('GET', '/api/communities/a%00b'), 400, 'invalid_input');
    });

    it('an extremely long path → 4xx', async () => {
      expectError(await raw('GET', `/api/users/${'a'.repeat(10_000)}`), 414, 'url_too_long');
      expectError(await raw('GET', `/api/communities/${'a'.repeat(100_000)}/topics`), 414, 'url_too_long');
      expectError(await raw('GET', `/api/topics/${'9'.repeat(5_000)}`), 414, 'url_too_long');
      expectError(await raw('GET', `/api/${'x/'.repeat(20_000)}`), 404, 'route_not_found');
      expectClientError(await raw('POST', `/api/topics/${'1'.repeat(5_000)}/posts`, JSON.stringify({ body: 'x' }), signedIn()));
    });

    it('ids that are not positive 32-bit integers → 400 invalid_input (or 404), never 500', async () => {
      for (const id of ['abc', '0', '-1', '1.5', '99999999999', '2147483648', '1e3', '0x10', '١', '%', 'null', '[]']) {
        const res = await raw('GET', `/api/topics/${encodeURIComponent(id)}`);
        expectClientError(res);
        expect([400, 404]).toContain(res.statusCode);
        if (res.statusCode === 400) expect(res.json().code).toBe('invalid_input');
      }
      expectError(await raw('GET', '/api/topics/abc'), 400, 'invalid_input');
      expectError(await raw('GET', '/api/topics/0'), 400, 'invalid_input');
      expectError(await raw('GET', '/api/topics/99999999999'), 400, 'invalid_input');
      expectError(await raw('GET', '/api/topics/2147483647'), 404, 'topic_not_found');
      // The same for writes (signed in, same origin).
      expectError(await raw('POST', '/api/topics/abc/posts', JSON.stringify({ body: 'hi' }), signedIn()), 400, 'invalid_input');
      expectError(await raw('POST', '/api/topics/99999999999/posts', JSON.stringify({ body: 'hi' }), signedIn()), 400, 'invalid_input');
      expectError(await raw('PATCH', '/api/posts/-5', JSON.stringify({ body: 'hi' }), signedIn()), 400, 'invalid_input');
      expectError(await raw('DELETE', '/api/posts/1.5', undefined, { cookie }), 400, 'invalid_input');
      expectError(await raw('DELETE', '/api/posts/2147483647', undefined, { cookie }), 404, 'post_not_found');
      expectError(await raw('DELETE', '/api/posts/1/reactions/love', undefined, { cookie }), 400, 'invalid_input');
    });

    it('ids in bodies are checked too', async () => {
      for (const postId of ['abc', -1, 1.5, 99_999_999_999, {}, [1, 2]]) {
        const res = await raw('POST', `/api/topics/${topicId}/solution`, JSON.stringify({ postId }), signedIn());
        expectError(res, 400, 'invalid_input');
      }
      const reply = await raw('POST', `/api/topics/${topicId}/posts`, JSON.stringify({ body: 'x', replyToId: 99_999_999_999 }), signedIn());
      expectError(reply, 400, 'invalid_input');
    });

    it('a nullable id is not coerced: 0, false and "" are refused, not read as null', async () => {
      for (const postId of [0, false, '']) {
        const res = await raw('POST', `/api/topics/${topicId}/solution`, JSON.stringify({ postId }), signedIn());
        expectError(res, 400, 'invalid_input');
      }
    });

    it('an unknown API route → 404 route_not_found', async () => {
      const body = expectError(await raw('GET', '/api/nope'), 404, 'route_not_found');
      expect(body.message).toContain('/api/nope');
      expectError(await raw('GET', '/api/auth/signup'), 404, 'route_not_found');
      expectError(await raw('POST', '/api/nope', '{}', json), 404, 'route_not_found');
      expectError(await raw('DELETE', '/api/me/nothing-here', undefined, {}), 404, 'route_not_found');
      expectError(await raw('GET', '/api'), 404, 'route_not_found');
      // The query string is not echoed back.
      const q = expectError(await raw('GET', '/api/nope?secret=abc'), 404, 'route_not_found');
      expect(q.message).not.toContain('secret');
    });

    it('an unsupported method → 4xx', async () => {
      expectClientError(await raw('PROPFIND', '/api/me'));
    });
  });

  describe('the error shape', () => {
    it('validation errors say where and which field, in details', async () => {
      const res = await raw('POST', '/api/auth/signup', JSON.stringify({ ...signupJson(), handle: 'a b' }), json);
      const body = expectError(res, 400, 'invalid_input');
      expect(body.error).toBe('Bad Request');
      expect(body.details).toEqual({ in: 'body', field: 'handle' });
      expect(body.message).toMatch(/handle/);
    });

    it('a missing field names the field', async () => {
      const res = await raw('POST', '/api/auth/signup', JSON.stringify({ handle: handle(), password: PASSWORD }), json);
      const body = expectError(res, 400, 'invalid_input');
      expect(body.details).toEqual({ in: 'body', field: 'email' });
    });

    it('the signed-in user is unchanged by all this', async () => {
      const me = await raw('GET', '/api/me', undefined, { cookie });
      expect(me.statusCode).toBe(200);
      expect(me.json().user.id).toBe(userId);
    });
  });
});
