import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene } from './helpers/factories.js';

/**
 * Writes that lock the same rows in opposite orders (a reply takes its topic's channel, then its
 * author's reputation row; hiding that author's post takes them the other way round) meet in a
 * deadlock now and then, which PostgreSQL settles by failing one of them. The unit of work runs
 * such a transaction again: nobody gets a 500 for it. PostgreSQL only: PGlite runs one
 * transaction at a time, so nothing there can deadlock.
 */
let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(() => t?.close());

describe.runIf(!!process.env.DATABASE_URL)('writes that deadlock', () => {
  it('are run again: replies racing hides of their author’s post all land, and every hide and restore answers 200', { timeout: 120_000 }, async () => {
    const { topic } = await createTopic(s.member, s.slug, { title: 'Racing replies and hides', body: 'The opening post.' });
    const target = await reply(s.other, topic.id, { body: 'The reply a moderator keeps hiding and restoring.' });
    const statuses: number[] = [];
    let replies = 0;
    for (let round = 0; round < 12; round++) {
      const results = await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => s.other.post(`/api/topics/${topic.id}/posts`, { body: `Reply ${round}.${i} racing a moderator.` })),
        s.moderator.post(`/api/posts/${target.id}/hide`, { reason: 'spam' }),
        s.moderator.delete(`/api/posts/${target.id}/hide`),
      ]);
      for (const r of results) statuses.push(r.status);
      replies += 4;
    }
    expect(statuses.filter((st) => st >= 500)).toEqual([]);
    const page = await s.moderator.get(`/api/topics/${topic.id}?limit=100`);
    expect(page.body.topic.postCount).toBe(2 + replies);
  });
});
