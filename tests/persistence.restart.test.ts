import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../server/app.js';
import { defaultConfig } from '../server/config/config.js';
import { createTestDatabase } from './helpers/database.js';
import { TestClient } from './helpers/client.js';
import { ORIGIN } from './helpers/app.js';
import { PASSWORD } from './helpers/factories.js';

// An embedded database on disk is created and migrated for real here (no in-memory template): some
// 7 s on a quiet machine, several times that beside the rest of the suite.
const ON_DISK_TIMEOUT = 120_000;

describe('a restart keeps all data', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-restart-'));
  let drop = async () => {};
  afterAll(async () => {
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'keeps accounts, sessions, communities, topics and posts across a restart',
    async () => {
      const database = await createTestDatabase();
      drop = database.drop;
      const config = defaultConfig({
        databaseUrl: database.url,
        dataDir,
        logLevel: 'silent',
        origin: ORIGIN,
        rateLimits: false,
        seedDemo: false,
        webDir: './tests/fixtures/no-web',
      });

      const first = await buildApp(config);
      const ann = new TestClient(first, { origin: ORIGIN });
      expect((await ann.post('/api/auth/signup', { handle: 'ann', email: 'ann@example.org', password: PASSWORD })).status).toBe(201);
      expect((await ann.post('/api/communities', { slug: 'acme', name: 'Acme' })).status).toBe(201);
      const created = await ann.post('/api/communities/acme/topics', { category: 'general', title: 'Kept after restart', body: 'Still **here**' });
      expect(created.status).toBe(201);
      const cookie = ann.cookie;
      await first.close();

      const second = await buildApp(config);
      try {
        const again = new TestClient(second, { origin: ORIGIN });
        again.cookie = cookie;
        const me = await again.get('/api/me');
        expect(me.status).toBe(200);
        expect(me.body.user.handle).toBe('ann');
        const page = await again.get(`/api/topics/${created.body.topic.id}`);
        expect(page.status).toBe(200);
        expect(page.body.topic.title).toBe('Kept after restart');
        expect(page.body.posts[0].bodyHtml).toContain('<strong>here</strong>');
        const login = await new TestClient(second, { origin: ORIGIN }).post('/api/auth/login', { login: 'ann', password: PASSWORD });
        expect(login.status).toBe(200);
        // New writes continue the sequence instead of colliding with what was there.
        const replyRes = await again.post(`/api/topics/${created.body.topic.id}/posts`, { body: 'after the restart' });
        expect(replyRes.status).toBe(201);
        expect(replyRes.body.post.number).toBe(2);
      } finally {
        await second.close();
      }
    },
    ON_DISK_TIMEOUT,
  );
});

describe('the demo community', () => {
  it(
    'is seeded into a new embedded database, and only once',
    async () => {
      if (process.env.DATABASE_URL) return; // never seeded on PostgreSQL: covered below
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-demo-'));
      const config = defaultConfig({ dataDir, logLevel: 'silent', origin: ORIGIN, webDir: './tests/fixtures/no-web' });
      try {
        let app = await buildApp(config);
        const guest = new TestClient(app, { origin: ORIGIN });
        const list = await guest.get('/api/communities');
        expect(list.body.items.map((c: { slug: string }) => c.slug)).toEqual(['demo']);
        expect(list.body.items[0].isDemo).toBe(true);
        const topics = (await guest.get('/api/communities/demo/topics')).body.items as Array<{ kind: string; solutionPostId: number | null; id: number }>;
        const solved = topics.find((t) => t.kind === 'question' && t.solutionPostId);
        expect(solved).toBeDefined();
        const thread = await guest.get(`/api/topics/${solved!.id}`);
        const answer = thread.body.posts.find((p: { id: number }) => p.id === solved!.solutionPostId);
        expect(answer.authorRole).toBe('staff');
        // Demo accounts cannot be signed into.
        expect((await guest.post('/api/auth/login', { login: 'maria', password: 'anything-at-all' })).status).toBe(401);
        await app.close();

        app = await buildApp(config);
        expect((await new TestClient(app).get('/api/communities')).body.items).toHaveLength(1);
        await app.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    ON_DISK_TIMEOUT,
  );

  it('is never seeded on PostgreSQL', async () => {
    if (!process.env.DATABASE_URL) return;
    const database = await createTestDatabase();
    const app = await buildApp(
      defaultConfig({ databaseUrl: database.url, dataDir: 'memory://', logLevel: 'silent', seedDemo: true, webDir: './tests/fixtures/no-web' }),
    );
    try {
      expect((await new TestClient(app).get('/api/communities')).body.items).toEqual([]);
    } finally {
      await app.close();
      await database.drop();
    }
  });
});
