/**
 * Guests' topic lists come from a per-process cache: the same query answers with the same bytes
 * until the community's live events say the list changed, or a few seconds pass for what they do
 * not announce. Signed-in readers always get their own list (their unread counts and votes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene } from './helpers/factories.js';
import { TopicListCache } from '../server/topics/topic-list.cache.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

const list = (query = '') => t.guest().get(`/api/communities/${s.slug}/topics${query}`);

/** Reads as a guest until the list comes from the cache (a write's own note may still be arriving). */
async function warm(query = '') {
  for (let i = 0; i < 50; i++) {
    const res = await list(query);
    expect(res.status).toBe(200);
    if (res.headers['x-parley-cache'] === 'hit') return res;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the list was never served from the cache');
}

describe("guests' topic lists", () => {
  it('are served from the cache on the second read, the same as the first', async () => {
    await createTopic(s.member, s.slug, { title: 'Cached in the list' });
    const first = await list('?sort=top');
    const second = await warm('?sort=top');
    expect(second.body).toEqual(first.body);
    expect(second.body.items.map((i: { title: string }) => i.title)).toContain('Cached in the list');
  });

  it('show a new topic and a new reply to the next guest, not the stale list', async () => {
    await warm();
    const { topic } = await createTopic(s.member, s.slug, { title: 'Arrives after the cache' });
    await expect.poll(async () => (await list()).body.items.map((i: { title: string }) => i.title)).toContain('Arrives after the cache');

    await warm();
    await reply(s.other, topic.id);
    // The list's bump is appended just after the reply commits (batched), and clears the cache.
    await expect.poll(async () => (await list()).body.items.find((i: { id: number }) => i.id === topic.id)?.postCount).toBe(2);
  });

  it('drop a topic hidden by a moderator at once', async () => {
    const { topic } = await createTopic(s.member, s.slug, { title: 'Soon hidden from the list' });
    await expect.poll(async () => (await warm()).body.items.map((i: { id: number }) => i.id)).toContain(topic.id);
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'spam' })).status).toBe(200);
    await expect.poll(async () => (await list()).body.items.map((i: { id: number }) => i.id)).not.toContain(topic.id);
  });

  it('follow what no event announces once the configured seconds have passed (an author’s new name)', async () => {
    await createTopic(s.other, s.slug, { title: 'By someone renamed' });
    await warm();
    // As an SSO sign-in renames a member: no list event says so, so the kept list still has the old name...
    await t.app.parley.ctx.db.execute(sql`UPDATE users SET display_name = 'Renamed Author' WHERE id = ${s.other.userId}`);
    const authorIn = (res: Awaited<ReturnType<typeof list>>) =>
      res.body.items.find((i: { title: string }) => i.title === 'By someone renamed')?.author.displayName;
    expect(authorIn(await warm())).not.toBe('Renamed Author');
    // ...until it is older than PARLEY_LIST_CACHE_SECONDS (10 by default).
    const cache = new TopicListCache(10, 10_000, t.app.parley.bus);
    try {
      cache.set('k', s.slug, Buffer.from('a list'), cache.generation(s.slug), 0);
      expect(cache.get('k', 9_999)?.toString()).toBe('a list');
      expect(cache.get('k', 10_000)).toBeUndefined();
    } finally {
      cache.close();
    }
  });

  it('are never the guests’ list for a signed-in reader', async () => {
    await warm();
    const mine = await s.member.get(`/api/communities/${s.slug}/topics`);
    expect(mine.status).toBe(200);
    // The guests' list with the reader's own state spliced in, never the guests' bytes themselves.
    expect(mine.headers['x-parley-cache']).toBe('overlay');
    expect(mine.body.items[0].viewer).toBeDefined();
    expect(mine.body.previousVisitAt).toBeDefined();
  });
});

describe('a list read that overlaps a change is not kept', () => {
  const withCache = (run: (cache: TopicListCache) => void) => {
    const cache = new TopicListCache(10, 60_000, t.app.parley.bus);
    try {
      run(cache);
    } finally {
      cache.close();
    }
  };

  it('not when the community’s channel moved on while it was read', () => {
    withCache((cache) => {
      const atStart = cache.generation('acme');
      t.app.parley.bus.publishLocal([{ channel: 'community:acme', seq: 999_999 }]);
      cache.set('k', 'acme', Buffer.from('the list before the change'), atStart);
      expect(cache.get('k')).toBeUndefined();
      cache.set('k', 'acme', Buffer.from('a fresh list'), cache.generation('acme'));
      expect(cache.get('k')?.toString()).toBe('a fresh list');
    });
  });

  it('not after the bus lost notes (resync), nor once kept and then announced', () => {
    withCache((cache) => {
      const atStart = cache.generation('acme');
      cache.clear();
      cache.set('k', 'acme', Buffer.from('a list from before the lost notes'), atStart);
      expect(cache.get('k')).toBeUndefined();
      cache.set('k', 'acme', Buffer.from('kept'), cache.generation('acme'));
      cache.invalidate('ACME');
      expect(cache.get('k')).toBeUndefined();
    });
  });
});
