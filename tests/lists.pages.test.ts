/**
 * Lists that used to come whole come a page at a time: the communities of a site and the
 * revisions of a post. Each walks every item exactly once by `nextCursor`, holds at most `limit`
 * (50 by default), and refuses a cursor it did not hand out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { createCommunity, createTopic, signUp } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});
const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);

/** Every item of a list, following nextCursor; the page sizes seen on the way. */
async function walk(client: TestClient, url: string): Promise<{ items: any[]; sizes: number[] }> {
  const items: any[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const res: any = await client.get(`${url}${url.includes('?') ? '&' : '?'}${cursor ? `cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status, res.text).toBe(200);
    items.push(...res.body.items);
    sizes.push(res.body.items.length);
    cursor = res.body.nextCursor;
  } while (cursor);
  return { items, sizes };
}

describe('GET /api/communities', () => {
  it('lists communities by name, 50 to a page by default, each exactly once by nextCursor', async () => {
    const admin = await signUp(t);
    const made = [await createCommunity(admin), await createCommunity(admin)];
    // Many more, some sharing a name (the id breaks the tie), written directly: the listing is under test.
    await exec(sql`INSERT INTO communities (slug, name) SELECT 'bulk-' || g, 'Bulk ' || (g % 7) FROM generate_series(1, 60) g`);
    const first = await t.guest().get('/api/communities');
    expect(first.body.items).toHaveLength(50);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const { items, sizes } = await walk(t.guest(), '/api/communities?limit=7');
    expect(sizes.every((n) => n <= 7)).toBe(true);
    expect(items).toHaveLength(62);
    expect(new Set(items.map((c) => c.slug)).size).toBe(62);
    for (const c of made) expect(items.map((i) => i.slug)).toContain(c.slug);
    const names = items.map((c) => c.name as string);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it.each([
    ['not a cursor', 'garbage!!'],
    ['the wrong shape', Buffer.from(JSON.stringify([1, 'x'])).toString('base64url')],
    ['an id out of range', Buffer.from(JSON.stringify(['Bulk 1', 1e12])).toString('base64url')],
  ])('refuses %s with 400 invalid_cursor', async (_label, cursor) => {
    const res = await t.guest().get(`/api/communities?cursor=${encodeURIComponent(cursor)}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_cursor');
  });
});

describe('GET /api/posts/:id/revisions', () => {
  it("pages a much-edited post's revisions newest first, 50 by default, each exactly once", async () => {
    const author = await signUp(t);
    const { slug } = await createCommunity(author);
    const { post } = await createTopic(author, slug, { body: 'Version 0' });
    for (const n of [1, 2, 3]) expect((await author.patch(`/api/posts/${post.id}`, { body: `Version ${n}` })).status).toBe(200);
    const edited = await walk(author, `/api/posts/${post.id}/revisions?limit=2`);
    expect(edited.items.map((r) => r.body)).toEqual(['Version 2', 'Version 1', 'Version 0']);
    expect(edited.sizes).toEqual([2, 1]);
    // A post edited a hundred more times (rows written directly: the listing is under test).
    await exec(sql`INSERT INTO post_revisions (post_id, body, editor_id) SELECT ${post.id}, 'Bulk ' || g, ${author.userId} FROM generate_series(1, 100) g`);
    const first = await author.get(`/api/posts/${post.id}/revisions`);
    expect(first.body.items).toHaveLength(50);
    expect(first.body.items[0].body).toBe('Bulk 100');
    const all = await walk(author, `/api/posts/${post.id}/revisions`);
    expect(all.items).toHaveLength(103);
    expect(new Set(all.items.map((r) => r.id)).size).toBe(103);
    expect((await author.get(`/api/posts/${post.id}/revisions?cursor=abc`)).status).toBe(400);
  });
});
