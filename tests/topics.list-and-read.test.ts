import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, reply, scene, signUp, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Scene = Awaited<ReturnType<typeof scene>>;
const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);
const ids = (res: { body: { items: { id: number }[] } }) => res.body.items.map((x) => x.id);

/** Topics created one after another (so their times differ), oldest first. */
async function topicsIn(client: TestClient, slug: string, n: number, over: Record<string, unknown> = {}) {
  const out: any[] = [];
  for (let i = 0; i < n; i++) out.push((await createTopic(client, slug, over)).topic);
  return out;
}

async function walk(client: TestClient, url: string, onPage?: (page: number) => Promise<void>) {
  const seen: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: any = await client.get(`${url}${url.includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(2);
    seen.push(...ids(res));
    cursor = res.body.nextCursor;
    pages++;
    if (onPage) await onPage(pages);
    expect(pages).toBeLessThan(50);
  } while (cursor);
  return seen;
}

describe('listing topics', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('lists the newest activity first, and a reply bumps a topic to the top', async () => {
    const { slug } = await createCommunity(s.admin);
    const [a, b, c] = await topicsIn(s.member, slug, 3);
    const res = await t.guest().get(`/api/communities/${slug}/topics`);
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([c.id, b.id, a.id]);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items[0]).toMatchObject({ id: c.id, community: slug, category: 'general', postCount: 1, author: { handle: s.member.handle } });

    await reply(s.other, a.id);
    const after = await t.guest().get(`/api/communities/${slug}/topics`);
    expect(ids(after)).toEqual([a.id, c.id, b.id]);
    expect(after.body.items[0].postCount).toBe(2);
    expect(new Date(after.body.items[0].lastPostAt).getTime()).toBeGreaterThan(new Date(after.body.items[1].lastPostAt).getTime());
  });

  it('puts pinned topics first', async () => {
    const { slug } = await createCommunity(s.admin);
    const [a, b, c] = await topicsIn(s.member, slug, 3);
    await exec(sql`update topics set pinned = true where id = ${a.id}`);
    const res = await t.guest().get(`/api/communities/${slug}/topics`);
    expect(ids(res)).toEqual([a.id, c.id, b.id]);
    expect(res.body.items[0].pinned).toBe(true);
    expect(res.body.items[1].pinned).toBe(false);
    // Activity elsewhere does not push a pinned topic down.
    await reply(s.other, b.id);
    expect(ids(await t.guest().get(`/api/communities/${slug}/topics`))).toEqual([a.id, b.id, c.id]);
    for (const sort of ['top', 'unanswered']) {
      expect(ids(await t.guest().get(`/api/communities/${slug}/topics?sort=${sort}`))[0], sort).toBe(a.id);
    }
  });

  it('filters by ?category=', async () => {
    const { slug } = await createCommunity(s.admin);
    const cat = unique('cat');
    expect((await s.admin.post(`/api/communities/${slug}/categories`, { slug: cat, name: 'Help' })).status).toBe(201);
    const [g1] = await topicsIn(s.member, slug, 1);
    const [h1, h2] = await topicsIn(s.member, slug, 2, { category: cat });
    const inCat = await t.guest().get(`/api/communities/${slug}/topics?category=${cat}`);
    expect(inCat.status).toBe(200);
    expect(ids(inCat)).toEqual([h2.id, h1.id]);
    expect(inCat.body.items.every((x: any) => x.category === cat)).toBe(true);
    expect(ids(await t.guest().get(`/api/communities/${slug}/topics?category=general`))).toEqual([g1.id]);
    expect(ids(await t.guest().get(`/api/communities/${slug}/topics`)).sort()).toEqual([g1.id, h1.id, h2.id].sort());
    // An unknown category is not an empty list: the same 404 every route gives.
    expectError(await t.guest().get(`/api/communities/${slug}/topics?category=${unique('nothing')}`), 404, 'category_not_found');
    expectError(await s.member.get(`/api/communities/${slug}/topics?category=${unique('nothing')}`), 404, 'category_not_found');
  });

  it('orders ?sort=top by votes, then by replies', async () => {
    const { slug } = await createCommunity(s.admin);
    const [a, b, c] = await topicsIn(s.member, slug, 3);
    await reply(s.other, b.id);
    await reply(s.other, b.id);
    await reply(s.other, a.id);
    // c has the fewest replies but is the newest: latest and top disagree.
    expect(ids(await t.guest().get(`/api/communities/${slug}/topics?sort=latest`))).toEqual([a.id, b.id, c.id]);
    expect(ids(await t.guest().get(`/api/communities/${slug}/topics?sort=top`))).toEqual([b.id, a.id, c.id]);
    await exec(sql`update topics set votes = 5 where id = ${c.id}`);
    // Changed behind the app's back: announced as the app announces a vote, which clears the kept lists.
    t.app.parley.ctx.bumps.bump(slug, c.id, 'topic.updated');
    const top = await s.member.get(`/api/communities/${slug}/topics?sort=top`);
    expect(ids(top)).toEqual([c.id, b.id, a.id]);
    expect(top.body.items[0].votes).toBe(5);
  });

  it('lists only topics with no replies and no solution under ?sort=unanswered', async () => {
    const { slug } = await createCommunity(s.admin);
    const [answered, solved, open1, open2] = await topicsIn(s.member, slug, 4, { kind: 'question' });
    await reply(s.other, answered.id);
    await exec(sql`update topics set solution_post_id = (select id from posts where topic_id = ${solved.id} and number = 1) where id = ${solved.id}`);
    const res = await t.guest().get(`/api/communities/${slug}/topics?sort=unanswered`);
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([open2.id, open1.id]);
    await reply(s.other, open1.id);
    expect(ids(await t.guest().get(`/api/communities/${slug}/topics?sort=unanswered`))).toEqual([open2.id]);
  });

  it('refuses an unknown sort with 400', async () => {
    const res = await t.guest().get(`/api/communities/${s.slug}/topics?sort=random`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_input');
  });

  it('answers 404 community_not_found for an unknown community', async () => {
    const res = await t.guest().get(`/api/communities/${unique('nope')}/topics`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('community_not_found');
  });

  it.each(['latest', 'top', 'unanswered'])('walks every topic exactly once with limit=2 (sort=%s)', async (sort) => {
    const { slug } = await createCommunity(s.admin);
    const made = await topicsIn(s.member, slug, 7);
    await exec(sql`update topics set pinned = true where id = ${made[2].id}`);
    if (sort === 'top') {
      // Equal scores must still page cleanly (ties broken by id).
      await exec(sql`update topics set votes = 1 where id in (${made[0].id}, ${made[4].id})`);
    }
    const seen = await walk(t.guest(), `/api/communities/${slug}/topics?sort=${sort}`);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect([...seen].sort((x, y) => x - y)).toEqual(made.map((x) => x.id).sort((x, y) => x - y));
    expect(seen[0]).toBe(made[2].id);
    // Same order as one big page.
    expect(seen).toEqual(ids(await t.guest().get(`/api/communities/${slug}/topics?sort=${sort}&limit=100`)));
  });

  it('never repeats a topic when a reply bumps it mid-walk', async () => {
    const { slug } = await createCommunity(s.admin);
    const made = await topicsIn(s.member, slug, 6);
    const firstPage: number[] = [];
    const seen = await walk(t.guest(), `/api/communities/${slug}/topics`, async (page) => {
      if (page === 1) {
        firstPage.push(...(await t.guest().get(`/api/communities/${slug}/topics?limit=2`)).body.items.map((x: any) => x.id));
        // Bump a topic the reader has already seen: it must not come round again.
        await reply(s.other, firstPage[1]!);
      }
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((x, y) => x - y)).toEqual(made.map((x) => x.id).sort((x, y) => x - y));
  });

  it('never repeats a topic when a not-yet-seen topic is bumped mid-walk', async () => {
    const { slug } = await createCommunity(s.admin);
    const made = await topicsIn(s.member, slug, 6);
    const seen = await walk(t.guest(), `/api/communities/${slug}/topics`, async (page) => {
      if (page === 1) await reply(s.other, made[0].id); // the oldest, still ahead of the reader
    });
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of seen) expect(made.map((x) => x.id)).toContain(id);
  });

  it.each([
    ['not base64 JSON', 'garbage!!'],
    ['the wrong shape', Buffer.from(JSON.stringify([1, 2])).toString('base64url')],
    ['a non-numeric key', Buffer.from(JSON.stringify([false, 'abc', 1])).toString('base64url')],
    ['an SQL-ish key', Buffer.from(JSON.stringify([false, '1); drop table topics; --', 1])).toString('base64url')],
    ['an id out of range', Buffer.from(JSON.stringify([false, '1', 1e12])).toString('base64url')],
    ['a fractional id', Buffer.from(JSON.stringify([false, '1', 1.5])).toString('base64url')],
  ])('refuses a bad cursor (%s) with 400 invalid_cursor', async (_label, cursor) => {
    const res = await t.guest().get(`/api/communities/${s.slug}/topics?cursor=${encodeURIComponent(cursor)}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_cursor');
  });

  it("shows hidden topics to the community's moderators only", async () => {
    const { slug } = await createCommunity(s.admin);
    const mod = await signUp(t);
    expect((await s.admin.put(`/api/communities/${slug}/members/${mod.handle}`, { role: 'moderator' })).status).toBe(200);
    const [visible, hidden] = await topicsIn(s.member, slug, 2);
    await exec(sql`update topics set hidden = true, hidden_reason = 'off-topic' where id = ${hidden.id}`);
    expect(ids(await t.guest().get(`/api/communities/${slug}/topics`))).toEqual([visible.id]);
    expect(ids(await s.other.get(`/api/communities/${slug}/topics`))).toEqual([visible.id]);
    // A moderator of another community is just a member here.
    expect(ids(await s.moderator.get(`/api/communities/${slug}/topics`))).toEqual([visible.id]);
    for (const who of [mod, s.admin]) {
      const res = await who.get(`/api/communities/${slug}/topics`);
      expect(ids(res)).toEqual([hidden.id, visible.id]);
      expect(res.body.items[0]).toMatchObject({ hidden: true, hiddenReason: 'off-topic' });
    }
    // Not by the back door either: sorts, categories and cursors.
    for (const q of ['sort=top', 'sort=unanswered', 'category=general', 'limit=1']) {
      expect(ids(await t.guest().get(`/api/communities/${slug}/topics?${q}`)), q).not.toContain(hidden.id);
    }
  });
});

describe('reading a topic', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('returns the topic and its posts in number order', async () => {
    const { topic, post } = await createTopic(s.member, s.slug);
    const r1 = await reply(s.other, topic.id);
    const r2 = await reply(s.member, topic.id, { replyToId: r1.id });
    const res = await t.guest().get(`/api/topics/${topic.id}`);
    expect(res.status).toBe(200);
    expect(res.body.topic).toMatchObject({ id: topic.id, postCount: 3 });
    expect(res.body.posts.map((p: any) => [p.id, p.number])).toEqual([
      [post.id, 1],
      [r1.id, 2],
      [r2.id, 3],
    ]);
    expect(res.body.posts[2].replyToId).toBe(r1.id);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.posts[0].viewerReactions).toBeUndefined();
  });

  it('pages with after and limit, and nextCursor works as cursor=', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    for (let i = 0; i < 6; i++) await reply(s.other, topic.id);
    const p1 = await t.guest().get(`/api/topics/${topic.id}?limit=3`);
    expect(p1.status).toBe(200);
    expect(p1.body.posts.map((p: any) => p.number)).toEqual([1, 2, 3]);
    expect(p1.body.nextCursor).toEqual(expect.any(String));
    const p2 = await t.guest().get(`/api/topics/${topic.id}?limit=3&cursor=${encodeURIComponent(p1.body.nextCursor)}`);
    expect(p2.body.posts.map((p: any) => p.number)).toEqual([4, 5, 6]);
    const p3 = await t.guest().get(`/api/topics/${topic.id}?limit=3&cursor=${encodeURIComponent(p2.body.nextCursor)}`);
    expect(p3.body.posts.map((p: any) => p.number)).toEqual([7]);
    expect(p3.body.nextCursor).toBeNull();

    const viaAfter = await s.other.get(`/api/topics/${topic.id}?after=3&limit=3`);
    expect(viaAfter.body.posts.map((p: any) => p.number)).toEqual([4, 5, 6]);
    const viaCursor = await s.other.get(`/api/topics/${topic.id}?cursor=3&limit=3`);
    expect(viaCursor.body.posts).toEqual(viaAfter.body.posts);
    expect(viaCursor.body.nextCursor).toBe(viaAfter.body.nextCursor);

    const exact = await t.guest().get(`/api/topics/${topic.id}?after=4&limit=3`);
    expect(exact.body.posts.map((p: any) => p.number)).toEqual([5, 6, 7]);
    expect(exact.body.nextCursor).toBeNull();
    const beyond = await t.guest().get(`/api/topics/${topic.id}?after=99`);
    expect(beyond.status).toBe(200);
    expect(beyond.body.posts).toEqual([]);
    expect(beyond.body.nextCursor).toBeNull();
  });

  it('defaults to 50 posts a page', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    await exec(sql`
      with up as (update topics set last_number = 52, post_count = 52 where id = ${topic.id} returning author_id)
      insert into posts (topic_id, number, author_id, body, body_html)
      select ${topic.id}, n, (select author_id from up), 'bulk ' || n, '<p>bulk ' || n || '</p>' from generate_series(2, 52) n`);
    const res = await t.guest().get(`/api/topics/${topic.id}`);
    expect(res.body.posts).toHaveLength(50);
    expect(res.body.nextCursor).toBe('50');
    const rest = await t.guest().get(`/api/topics/${topic.id}?cursor=50`);
    expect(rest.body.posts.map((p: any) => p.number)).toEqual([51, 52]);
    expect((await t.guest().get(`/api/topics/${topic.id}?limit=100`)).body.posts).toHaveLength(52);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'after=-1', 'cursor=abc', 'cursor=-1'])('refuses %s with 400', async (q) => {
    const { topic } = await createTopic(s.member, s.slug);
    const res = await t.guest().get(`/api/topics/${topic.id}?${q}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_input');
  });

  it('refuses a cursor beyond any post number with 400 invalid_cursor (not a 500)', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    for (const who of [t.guest(), s.member]) {
      const res = await who.get(`/api/topics/${topic.id}?cursor=9999999999`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_cursor');
    }
    const edge = await t.guest().get(`/api/topics/${topic.id}?cursor=2147483647`);
    expect(edge.status).toBe(200);
    expect(edge.body.posts).toEqual([]);
    expect((await t.guest().get(`/api/topics/${topic.id}?after=2147483648`)).status).toBe(400);
  });

  it('answers 404 topic_not_found for a missing topic and 400 for a non-numeric id', async () => {
    const res = await t.guest().get('/api/topics/2000000000');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('topic_not_found');
    expect((await s.member.get('/api/topics/2000000000')).status).toBe(404);
    const bad = await t.guest().get('/api/topics/abc');
    expect(bad.status).toBe(400);
  });

  it('answers 404 for a hidden topic to guests and members, 200 to its author and moderators', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    await exec(sql`update topics set hidden = true, hidden_reason = 'off-topic' where id = ${topic.id}`);
    for (const who of [t.guest(), s.other, s.staff]) {
      const res = await who.get(`/api/topics/${topic.id}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('topic_not_found');
      expect(res.text).not.toContain(topic.title);
    }
    for (const who of [s.member, s.moderator, s.admin]) {
      const res = await who.get(`/api/topics/${topic.id}`);
      expect(res.status).toBe(200);
      expect(res.body.topic).toMatchObject({ id: topic.id, hidden: true, hiddenReason: 'off-topic' });
    }
    // Its posts are out of reach too.
    const first = (await s.member.get(`/api/topics/${topic.id}`)).body.posts[0];
    expect((await t.guest().get(`/api/posts/${first.id}`)).status).toBe(404);
  });

  it("withholds a hidden post's text from guests and other members, not from its author and moderators", async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const secret = `spammy ${unique('w')}`;
    const hidden = await reply(s.other, topic.id, { body: secret });
    await exec(sql`update posts set hidden = true, hidden_reason = 'spam' where id = ${hidden.id}`);
    for (const who of [t.guest(), s.member, s.staff]) {
      const res = await who.get(`/api/topics/${topic.id}`);
      expect(res.status).toBe(200);
      const p = res.body.posts.find((x: any) => x.id === hidden.id);
      expect(p).toMatchObject({ number: 2, hidden: true, hiddenReason: 'spam', body: null, bodyHtml: null, deleted: false });
      expect(res.text).not.toContain(secret);
      const single = await who.get(`/api/posts/${hidden.id}`);
      expect(single.status).toBe(200);
      expect(single.body.post).toMatchObject({ hidden: true, body: null, bodyHtml: null });
    }
    for (const who of [s.other, s.moderator, s.admin]) {
      const res = await who.get(`/api/topics/${topic.id}`);
      const p = res.body.posts.find((x: any) => x.id === hidden.id);
      expect(p).toMatchObject({ hidden: true, hiddenReason: 'spam', body: secret });
      expect(p.bodyHtml).toContain(secret);
    }
  });

  it('tells signed-in viewers their own reactions', async () => {
    const { topic, post } = await createTopic(s.member, s.slug);
    const r = await reply(s.member, topic.id);
    expect((await s.other.post(`/api/posts/${post.id}/reactions`, { kind: 'like' })).status).toBe(200);
    expect((await s.other.post(`/api/posts/${post.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
    expect((await s.staff.post(`/api/posts/${r.id}/reactions`, { kind: 'like' })).status).toBe(200);

    const mine = await s.other.get(`/api/topics/${topic.id}`);
    expect(mine.body.posts[0].viewerReactions.sort()).toEqual(['helpful', 'like']);
    expect(mine.body.posts[1].viewerReactions).toEqual([]);
    expect(mine.body.posts[0].reactions).toEqual({ like: 1, helpful: 1 });

    const staffView = await s.staff.get(`/api/topics/${topic.id}`);
    expect(staffView.body.posts[0].viewerReactions).toEqual([]);
    expect(staffView.body.posts[1].viewerReactions).toEqual(['like']);

    const guest = await t.guest().get(`/api/topics/${topic.id}`);
    expect(guest.body.posts[0].viewerReactions).toBeUndefined();
    expect(guest.body.posts[0].reactions).toEqual({ like: 1, helpful: 1 });
  });
});
