/**
 * The statements every reply runs are prepared under a name and planned once per connection, not
 * on every run: PostgreSQL plans a named statement with its values five times, then keeps one
 * generic plan only if that looks no dearer, and values it could fold (a null, an array's length)
 * made it plan a reply's audience again on every run (1.5 ms of planning for 0.3 ms of running).
 * Only PostgreSQL keeps named statements (PGlite runs each statement as it comes), so this runs
 * on the PostgreSQL suite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import * as schema from '../db/schema.js';
import type { Db } from '../db/client.js';
import { createReply } from '../server/posts/posts.service.js';
import { userViewer } from '../server/visibility/viewer.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, scene } from './helpers/factories.js';
import { setTopicLevel } from './helpers/notifications.js';

describe.skipIf(!process.env.DATABASE_URL)('a reply’s statements on one connection', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('are planned for their first five runs, and from then on run the plan they keep', async () => {
    const s = await scene(t);
    const { topic, post } = await createTopic(s.member, s.slug);
    await setTopicLevel(s.other, topic.id, 'watching');
    const client = new pg.Client({ connectionString: t.config.databaseUrl });
    await client.connect();
    try {
      const db = drizzle({ client, schema }) as unknown as Db;
      const viewer = userViewer({
        id: s.staff.userId,
        handle: s.staff.handle,
        displayName: s.staff.handle,
        avatarUrl: null,
        createdAt: new Date(),
        isSiteAdmin: false,
      });
      const ctx = { ...t.app.parley.ctx, db, postingLimits: { enabled: false } };
      for (let i = 0; i < 9; i++) {
        // Some mention someone, some answer a post: the values change, the plans do not.
        const body = i % 2 ? `Reply ${i}, thanks @${s.moderator.handle}` : `Reply ${i}`;
        await createReply(ctx, viewer, topic.id, { body, ...(i % 3 ? {} : { replyToId: post.id }) });
      }
      const { rows } = await client.query(
        `SELECT name, custom_plans::int AS custom, generic_plans::int AS generic FROM pg_prepared_statements
         WHERE name IN ('topic_load', 'notice_people', 'post_reply') ORDER BY name`,
      );
      expect(rows.map((r) => r.name)).toEqual(['notice_people', 'post_reply', 'topic_load']);
      for (const r of rows) {
        expect(r.custom, r.name).toBe(5);
        expect(r.generic, r.name).toBeGreaterThanOrEqual(4);
      }
    } finally {
      await client.end();
    }
  });
});
