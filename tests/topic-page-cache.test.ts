import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, unique } from './helpers/factories.js';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { TopicPageCache } from '../server/topics/topic-page.cache.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);
/** What another process's commit looks like to this one: a note on the topic's channel. */
const announce = (topicId: number) => t.app.parley.bus.publishLocal([{ channel: `topic:${topicId}`, seq: 999_999 }]);

/**
 * Reads as a guest until the page comes from the cache. On PostgreSQL the NOTIFY of a write
 * arrives a moment after the writer's own (synchronous) invalidation and empties the cache
 * once more, so the first re-read after a write may legitimately miss.
 */
async function warm(url: string) {
  for (let i = 0; i < 50; i++) {
    const res = await t.guest().get(url);
    expect(res.status).toBe(200);
    if (res.headers['x-parley-cache'] === 'hit') return res;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} was never served from the cache`);
}

describe('the anonymous topic-page cache', () => {
  let s: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    s = await scene(t);
  });

  it("serves a guest's second read from the cache, identical to the first", async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const first = await t.guest().get(`/api/topics/${topic.id}`);
    expect(first.status).toBe(200);
    expect(first.headers['x-parley-cache']).toBe('miss');
    // Embedded database: the write's notification has already arrived, so the very next read hits.
    const second = process.env.DATABASE_URL ? await warm(`/api/topics/${topic.id}`) : await t.guest().get(`/api/topics/${topic.id}`);
    expect(second.headers['x-parley-cache']).toBe('hit');
    expect(String(second.headers['content-type'])).toMatch(/^application\/json/);
    expect(second.body).toEqual(first.body);
  });

  it('shows a new reply to the next guest, not the stale page', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    await warm(`/api/topics/${topic.id}`);
    const r = await reply(s.other, topic.id, { body: `Fresh ${unique()}` });
    const after = await t.guest().get(`/api/topics/${topic.id}`);
    expect(after.status).toBe(200);
    expect(after.headers['x-parley-cache']).toBe('miss');
    expect(after.body.posts.map((p: any) => p.id)).toContain(r.id);
    expect(after.body.topic.postCount).toBe(2);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.posts.at(-1).body).toBe(r.body);
  });

  it('drops every cached page of the topic (other limits and offsets) on a change', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    await reply(s.other, topic.id);
    const urls = [`/api/topics/${topic.id}`, `/api/topics/${topic.id}?limit=1`, `/api/topics/${topic.id}?after=1`];
    for (const u of urls) await warm(u);
    const r = await reply(s.member, topic.id);
    const full = await t.guest().get(urls[0]!);
    expect(full.body.posts.map((p: any) => p.id)).toContain(r.id);
    const one = await t.guest().get(urls[1]!);
    expect(one.headers['x-parley-cache']).toBe('miss');
    expect(one.body.nextCursor).toBe('1');
    expect(one.body.topic.postCount).toBe(3);
    const rest = await t.guest().get(urls[2]!);
    expect(rest.body.posts.map((p: any) => p.id)).toContain(r.id);
  });

  it('shows edits, deletions and reaction counts to guests at once', async () => {
    const { topic } = await createTopic(s.member, s.slug, { kind: 'question' });
    const r = await reply(s.other, topic.id, { body: 'Before the edit' });
    const read = async () => (await t.guest().get(`/api/topics/${topic.id}`)).body.posts.find((p: any) => p.id === r.id);
    await warm(`/api/topics/${topic.id}`);
    expect((await read()).body).toBe('Before the edit');

    expect((await s.other.patch(`/api/posts/${r.id}`, { body: 'After the edit' })).status).toBe(200);
    expect(await read()).toMatchObject({ body: 'After the edit', editedAt: expect.any(String) });

    expect((await s.member.post(`/api/posts/${r.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
    expect((await read()).reactions).toEqual({ like: 0, helpful: 1 });

    expect((await s.member.post(`/api/topics/${topic.id}/solution`, { postId: r.id })).status).toBe(200);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.solutionPostId).toBe(r.id);

    expect((await s.other.delete(`/api/posts/${r.id}`)).status).toBe(204);
    expect(await read()).toMatchObject({ deleted: true, body: null, bodyHtml: null });
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.solutionPostId).toBeNull();
  });

  it("never serves a hidden post's text from a stale cached page", async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const secret = `Spam ${unique()}`;
    const r = await reply(s.other, topic.id, { body: secret });
    const cached = await warm(`/api/topics/${topic.id}`);
    expect(cached.text).toContain(secret);

    await exec(sql`update posts set hidden = true, hidden_reason = 'spam' where id = ${r.id}`);
    announce(topic.id);
    for (let i = 0; i < 2; i++) {
      const res = await t.guest().get(`/api/topics/${topic.id}`);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(secret);
      expect(res.body.posts.find((p: any) => p.id === r.id)).toMatchObject({ hidden: true, hiddenReason: 'spam', body: null, bodyHtml: null });
    }
    // The moderators' view is not the guests' view.
    const mod = await s.moderator.get(`/api/topics/${topic.id}`);
    expect(mod.body.posts.find((p: any) => p.id === r.id).body).toBe(secret);
    // And the guests' cached page did not pick up the moderators' one.
    expect((await t.guest().get(`/api/topics/${topic.id}`)).text).not.toContain(secret);
  });

  it('answers 404 to guests once a cached topic is hidden', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    await warm(`/api/topics/${topic.id}`);
    await exec(sql`update topics set hidden = true where id = ${topic.id}`);
    announce(topic.id);
    const res = await t.guest().get(`/api/topics/${topic.id}`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('topic_not_found');
    expect(res.text).not.toContain(topic.title);
    // A 404 is not cached either: unhiding brings the page back.
    await exec(sql`update topics set hidden = false where id = ${topic.id}`);
    announce(topic.id);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).status).toBe(200);
  });

  it("never serves signed-in readers the guests' page as it is", async () => {
    const { topic, post } = await createTopic(s.member, s.slug);
    await warm(`/api/topics/${topic.id}`);
    for (const who of [s.other, s.member, s.moderator]) {
      for (let i = 0; i < 2; i++) {
        const res = await who.get(`/api/topics/${topic.id}`);
        expect(res.status).toBe(200);
        // Members get the guests' page with their own part added; moderators a page of their own.
        expect(res.headers['x-parley-cache']).toBe(who === s.moderator ? undefined : 'overlay');
        // Only a signed-in reader gets viewerReactions: proof this is not the guests' page.
        expect(res.body.posts[0].viewerReactions).toEqual([]);
      }
    }
    expect((await s.other.post(`/api/posts/${post.id}/reactions`, { kind: 'like' })).status).toBe(200);
    expect((await s.other.get(`/api/topics/${topic.id}`)).body.posts[0].viewerReactions).toEqual(['like']);
    const guest = await t.guest().get(`/api/topics/${topic.id}`);
    expect(guest.body.posts[0].viewerReactions).toBeUndefined();
    expect(guest.body.posts[0].reactions.like).toBe(1);
  });

  it('does not cache errors: a missing topic stays a 404 without a cache hit', async () => {
    const first = await t.guest().get('/api/topics/2000000000');
    const second = await t.guest().get('/api/topics/2000000000');
    expect([first.status, second.status]).toEqual([404, 404]);
    expect(second.headers['x-parley-cache']).not.toBe('hit');
    expect(second.body.code).toBe('topic_not_found');
  });

  it('keeps each page compressed for guests who take brotli or gzip, made once and sent as is', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    for (let i = 0; i < 5; i++) await reply(s.other, topic.id, { body: `A reply long enough to be worth packing ${unique()} `.repeat(20) });
    const plain = await warm(`/api/topics/${topic.id}`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(String(plain.headers.vary)).toMatch(/accept-encoding/i);
    for (const [accept, encoding, unpack] of [
      ['br, gzip', 'br', brotliDecompressSync],
      ['gzip, deflate', 'gzip', gunzipSync],
    ] as const) {
      let res = await t.app.inject({ method: 'GET', url: `/api/topics/${topic.id}`, headers: { 'accept-encoding': accept } });
      // The first guest to ask starts the packing and is not kept waiting for it.
      for (let i = 0; i < 50 && res.headers['content-encoding'] !== encoding; i++) {
        await new Promise((r) => setTimeout(r, 20));
        res = await t.app.inject({ method: 'GET', url: `/api/topics/${topic.id}`, headers: { 'accept-encoding': accept } });
      }
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers['x-parley-cache']).toBe('hit');
      expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
      expect(res.rawPayload.length).toBeLessThan(plain.text.length / 2);
      expect(unpack(res.rawPayload).toString('utf8')).toBe(plain.text);
    }
  });

  describe('a read that overlaps a change is never stored', () => {
    /** A cache of its own on the app's bus: a read's start, the changes meanwhile, then its end, in order. */
    const withCache = (size: number, run: (cache: TopicPageCache) => void) => {
      const cache = new TopicPageCache(size, t.app.parley.bus);
      try {
        run(cache);
      } finally {
        cache.close();
      }
    };

    it('not after the topic changed and the cache then forgot which topics changed', () => {
      withCache(1, (cache) => {
        const atStart = cache.generation(1);
        cache.invalidate(1);
        // Enough other topics change that the cache prunes what it remembers of generations.
        for (let topicId = 2; topicId < 1200; topicId++) cache.invalidate(topicId);
        cache.set('1:0:50', 1, Buffer.from('the page before the change'), atStart);
        expect(cache.get('1:0:50')).toBeUndefined();
      });
    });

    it('not after the bus lost notes (resync), even for a topic the cache had never seen change', () => {
      withCache(10, (cache) => {
        const atStart = cache.generation(7);
        cache.clear();
        cache.set('7:0:50', 7, Buffer.from('a page from before the lost notes'), atStart);
        expect(cache.get('7:0:50')).toBeUndefined();
        // A read that starts after the resync is kept as before.
        const later = cache.generation(7);
        cache.set('7:0:50', 7, Buffer.from('a fresh page'), later);
        expect(cache.get('7:0:50')?.toString()).toBe('a fresh page');
      });
    });
  });
});
