import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Every HTTP route of API.md (Accounts, Communities, Topics and posts), in OpenAPI path syntax. */
const CORE_ROUTES: [Method, string][] = [
  ['post', '/api/auth/signup'],
  ['post', '/api/auth/login'],
  ['post', '/api/auth/logout'],
  ['get', '/api/me'],
  ['get', '/api/users/{handle}'],
  ['post', '/api/communities'],
  ['get', '/api/communities'],
  ['get', '/api/communities/{slug}'],
  ['patch', '/api/communities/{slug}'],
  ['put', '/api/communities/{slug}/members/{handle}'],
  ['post', '/api/communities/{slug}/categories'],
  ['get', '/api/communities/{slug}/topics'],
  ['post', '/api/communities/{slug}/topics'],
  ['get', '/api/topics/{id}'],
  ['post', '/api/topics/{id}/posts'],
  ['patch', '/api/posts/{id}'],
  ['delete', '/api/posts/{id}'],
  ['post', '/api/posts/{id}/reactions'],
  ['delete', '/api/posts/{id}/reactions/{kind}'],
  ['post', '/api/topics/{id}/solution'],
  ['get', '/api/communities/{slug}/search'],
];

/** Routes this server adds beyond API.md that clients use: documented too. */
const EXTRA_ROUTES: [Method, string][] = [
  ['post', '/api/auth/token'],
  ['post', '/api/auth/logout-all'],
  ['post', '/api/auth/password'],
  ['get', '/api/auth/session'],
];

/** Ideas, unread tracking and reputation (issue 7). */
const IDEA_READ_REPUTATION_ROUTES: [Method, string][] = [
  ['post', '/api/topics/{id}/vote'],
  ['delete', '/api/topics/{id}/vote'],
  ['put', '/api/topics/{id}/idea-status'],
  ['put', '/api/topics/{id}/read'],
  ['get', '/api/communities/{slug}/helpers'],
];

/** The Moderation section of API.md, plus this server's own moderation extensions. */
const MODERATION_ROUTES: [Method, string][] = [
  ['post', '/api/topics/{id}/pin'],
  ['delete', '/api/topics/{id}/pin'],
  ['post', '/api/posts/{id}/pin'],
  ['delete', '/api/posts/{id}/pin'],
  ['post', '/api/posts/{id}/hide'],
  ['delete', '/api/posts/{id}/hide'],
  ['post', '/api/topics/{id}/lock'],
  ['delete', '/api/topics/{id}/lock'],
  ['post', '/api/topics/{id}/hide'],
  ['delete', '/api/topics/{id}/hide'],
  ['post', '/api/posts/{id}/flags'],
  ['get', '/api/communities/{slug}/flags'],
  ['post', '/api/communities/{slug}/bans'],
  ['get', '/api/communities/{slug}/moderation-log'],
  ['post', '/api/posts/{id}/review-request'],
  ['post', '/api/flags/{id}/resolve'],
  ['post', '/api/flags/{id}/dismiss'],
  ['get', '/api/communities/{slug}/bans'],
  ['delete', '/api/communities/{slug}/bans/{handle}'],
  ['get', '/api/moderation/reasons'],
];

/** Notifications and notification levels (this server's extension). */
const NOTIFICATION_ROUTES: [Method, string][] = [
  ['get', '/api/notifications'],
  ['get', '/api/notifications/unread-count'],
  ['post', '/api/notifications/{id}/read'],
  ['post', '/api/notifications/read'],
  ['put', '/api/topics/{id}/notification-level'],
  ['put', '/api/communities/{slug}/categories/{category}/notification-level'],
  ['get', '/api/communities/{slug}/notification-levels'],
];

/** The Embed section of API.md, plus this server's own embed extensions. */
const EMBED_ROUTES: [Method, string][] = [
  ['get', '/api/embed/{community}/thread'],
  ['post', '/api/embed/{community}/thread/posts'],
  ['post', '/api/embed/{community}/session'],
  ['post', '/api/communities/{slug}/sso-secret'],
  ['get', '/api/embed/{community}/config'],
  ['post', '/api/embed/{community}/code'],
  ['post', '/api/embed/{community}/code/exchange'],
  ['patch', '/api/embed/{community}/settings'],
];

describe('health, docs and security headers', () => {
  let t: TestApp;
  let docs: any;
  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/api/docs' });
    docs = res.statusCode === 200 ? res.json() : null;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('GET /api/health', () => {
    it('answers 200 {status: "ok", db} naming the database in use', async () => {
      const res = await t.guest().get('/api/health');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ status: 'ok', db: process.env.DATABASE_URL ? 'postgres' : 'pglite' });
    });

    it('needs no session and ignores a bad cookie', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/health', headers: { cookie: 'parley_session=junk' } });
      expect(res.statusCode).toBe(200);
      expect(res.json().status).toBe('ok');
    });
  });

  describe('security headers', () => {
    const checkHeaders = (headers: Record<string, string | string[] | number | undefined>) => {
      const csp = String(headers['content-security-policy'] ?? '');
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['x-powered-by']).toBeUndefined();
    };

    it('are on /api/health', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/health' });
      expect(res.statusCode).toBe(200);
      checkHeaders(res.headers);
      expect(res.headers['referrer-policy']).toBeDefined();
    });

    it('are on API errors and unknown routes too', async () => {
      const notFound = await t.app.inject({ method: 'GET', url: '/api/nope' });
      expect(notFound.statusCode).toBe(404);
      checkHeaders(notFound.headers);
      const unauth = await t.app.inject({ method: 'GET', url: '/api/me' });
      expect(unauth.statusCode).toBe(401);
      checkHeaders(unauth.headers);
      const invalid = await t.app.inject({ method: 'POST', url: '/api/auth/signup', headers: { 'content-type': 'application/json' }, payload: '{' });
      expect(invalid.statusCode).toBe(400);
      checkHeaders(invalid.headers);
    });
  });

  describe('GET /api/docs', () => {
    it('answers 200 with an OpenAPI 3 JSON document', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/docs' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(docs).not.toBeNull();
      expect(docs.openapi).toMatch(/^3\./);
      expect(docs.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
      expect(typeof docs.paths).toBe('object');
    });

    it.each(CORE_ROUTES)('documents the API.md route %s %s', (method, path) => {
      expect(Object.keys(docs.paths), `missing ${path}`).toContain(path);
      expect(docs.paths[path][method], `missing ${method.toUpperCase()} ${path}`).toBeDefined();
    });

    it.each(MODERATION_ROUTES)('documents the moderation route %s %s', (method, path) => {
      expect(docs.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    });

    it.each(NOTIFICATION_ROUTES)('documents the notification route %s %s, tagged and with the shared Error schema', (method, path) => {
      const op = docs.paths[path]?.[method];
      expect(op, `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(op.tags).toEqual(['notifications']);
      expect(JSON.stringify(op.responses['401'])).toContain('Error');
    });

    it.each(EXTRA_ROUTES)('documents the account route %s %s', (method, path) => {
      expect(docs.paths[path]?.[method]).toBeDefined();
    });

    it.each(IDEA_READ_REPUTATION_ROUTES)('documents the ideas/unread/reputation route %s %s', (method, path) => {
      const op = docs.paths[path]?.[method];
      expect(op, `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(op.summary, path).toEqual(expect.any(String));
      expect(JSON.stringify(op.responses['404'] ?? op.responses['400']), path).toContain('Error');
    });

    it('documents the new topic fields: ideaStatus, list filters and sorts, viewer state', () => {
      const topic = docs.components.schemas.Topic;
      expect(topic.properties.ideaStatus).toBeDefined();
      expect(topic.required).toContain('ideaStatus');
      const list = docs.paths['/api/communities/{slug}/topics'].get;
      const names = (list.parameters as { name: string }[]).map((p) => p.name);
      expect(names).toEqual(expect.arrayContaining(['sort', 'kind', 'status', 'cursor', 'category']));
      expect(JSON.stringify(list.parameters)).toContain('votes');
      expect(JSON.stringify(list.responses['200'])).toContain('previousVisitAt');
      expect(JSON.stringify(docs.paths['/api/topics/{id}'].get.responses['200'])).toContain('viewerState');
      expect(JSON.stringify(docs.paths['/api/users/{handle}'].get.responses['200'])).toContain('badges');
    });

    it('documents path parameters in OpenAPI syntax, never Fastify :params', () => {
      for (const path of Object.keys(docs.paths)) {
        expect(path.startsWith('/api/'), path).toBe(true);
        expect(path, path).not.toMatch(/:/);
      }
      const params = docs.paths['/api/topics/{id}'].get.parameters as { name: string; in: string; required?: boolean }[];
      expect(params).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]));
    });

    it('documents request bodies and error responses with the shared Error schema', () => {
      const signup = docs.paths['/api/auth/signup'].post;
      const body = signup.requestBody.content['application/json'].schema;
      expect(body.required).toEqual(expect.arrayContaining(['handle', 'email', 'password']));
      expect(body.properties.handle).toMatchObject({ minLength: 3, maxLength: 32 });
      expect(body.properties.password).toMatchObject({ minLength: 10, maxLength: 256 });
      expect(Object.keys(signup.responses)).toEqual(expect.arrayContaining(['201', '400', '409']));
      expect(JSON.stringify(signup.responses['409'])).toContain('Error');
      const error = docs.components.schemas.Error;
      expect(error.required).toEqual(expect.arrayContaining(['statusCode', 'error', 'code', 'message']));
      expect(Object.keys(docs.components.schemas)).toEqual(expect.arrayContaining(['User', 'Community', 'Topic', 'Post']));
    });

    it('the documented User never has an email or a password hash', () => {
      const user = docs.components.schemas.User;
      expect(Object.keys(user.properties).sort()).toEqual(['avatarUrl', 'createdAt', 'deleted', 'displayName', 'handle', 'id']);
    });

    it('documents both ways to authenticate', () => {
      const schemes = docs.components.securitySchemes;
      expect(schemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'parley_session' });
      expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    });

    it.each(EMBED_ROUTES)('documents the embed route %s %s', (method, path) => {
      expect(docs.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    });

    it('tags the embed routes and documents their errors with the shared Error schema', () => {
      for (const [method, path] of EMBED_ROUTES.filter(([, p]) => p.startsWith('/api/embed/'))) {
        const op = docs.paths[path][method];
        expect(op.tags, path).toEqual(['embed']);
        expect(JSON.stringify(op.responses['403'] ?? op.responses['401']), path).toContain('Error');
      }
      const post = docs.paths['/api/embed/{community}/thread/posts'].post;
      expect(post.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['url', 'body']));
      expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403']));
    });
  });
});
