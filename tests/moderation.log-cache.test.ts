import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene } from './helpers/factories.js';
import { LiveClient, liveUrl } from './helpers/live-client.js';

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
    // The reply's community event is appended after its commit, in a batch, and rightly clears what
    // was kept before it: a reader of the channel shows when it is in (the cache hears it first).
    const lists = await LiveClient.connect(await liveUrl(t.app));
    await lists.subscribe(`community:${s.slug}`);
    const post = await reply(s.other, topic.id);
    await lists.next((m) => m.type === 'event' && m.event === 'topic.bumped' && m.data?.id === topic.id, 5000);
    await lists.close();
    const read = async () => {
      const res = await t.guest().get(`/api/communities/${s.slug}/moderation-log`);
      expect(res.status, res.text).toBe(200);
      return { cache: res.headers['x-parley-cache'], items: res.body.items as { action: string; target: { id: number; title: string | null } }[] };
    };

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
