import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe("guests' moderation log, kept per process", () => {
  it('serves the kept first page until something is logged, then the new entry at once', async () => {
    const s = await scene(t);
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id);
    const read = async () => {
      const res = await t.guest().get(`/api/communities/${s.slug}/moderation-log`);
      expect(res.status, res.text).toBe(200);
      return { cache: res.headers['x-parley-cache'], items: res.body.items as { action: string; target: { id: number; title: string | null } }[] };
    };

    // The replies' community events arrive after their commits (batched, and through NOTIFY on
    // PostgreSQL) and rightly clear what was kept before them: once they are in, a read is kept.
    await vi.waitFor(async () => {
      await read();
      expect((await read()).cache).toBe('hit');
    });
    const before = await read();
    expect(before.cache).toBe('hit');
    expect((await s.moderator.post(`/api/posts/${post.id}/hide`, { reason: 'Rude' })).status).toBe(200);
    const after = await read();
    expect(after.cache).toBe('miss');
    expect(after.items.length).toBe(before.items.length + 1);
    expect(after.items[0]).toMatchObject({ action: 'hide_post', target: { id: post.id, title: topic.title } });

    // A hidden topic's title is not the guests' to read, in the entry of its post either.
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    const hidden = await read();
    expect(hidden.items.map((i) => i.target.title)).not.toContain(topic.title);
    // Moderators are never served the guests' page: they read the title.
    const res = await s.moderator.get(`/api/communities/${s.slug}/moderation-log`);
    expect(res.headers['x-parley-cache']).toBeUndefined();
    expect((res.body.items as { target: { title: string | null } }[]).map((i) => i.target.title)).toContain(topic.title);
  });
});
