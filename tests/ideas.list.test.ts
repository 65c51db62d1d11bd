import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { createCommunity, createTopic, scene } from './helpers/factories.js';

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

async function walk(client: TestClient, url: string, limit = 2, from: string | null = null) {
  const seen: number[] = [];
  let cursor: string | null = from;
  let pages = 0;
  do {
    const res: any = await client.get(`${url}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    seen.push(...ids(res));
    cursor = res.body.nextCursor;
    expect(++pages).toBeLessThan(50);
  } while (cursor);
  return seen;
}

describe('listing ideas', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  async function board() {
    const { slug } = await createCommunity(s.admin);
    const made: any[] = [];
    for (let i = 0; i < 7; i++) made.push((await createTopic(s.member, slug, { kind: 'idea' })).topic);
    return { slug, made };
  }

  it('orders ?sort=votes by votes, then newest first, pinned topics first', async () => {
    const { slug, made } = await board();
    const [a, b, c, d] = made;
    for (const v of [s.other, s.staff, s.moderator]) expect((await v.post(`/api/topics/${b.id}/vote`)).status).toBe(200);
    for (const v of [s.other, s.staff]) expect((await v.post(`/api/topics/${a.id}/vote`)).status).toBe(200);
    expect((await s.other.post(`/api/topics/${d.id}/vote`)).status).toBe(200);
    const res = await t.guest().get(`/api/communities/${slug}/topics?sort=votes`);
    expect(res.status).toBe(200);
    const rest = made
      .filter((x) => ![a, b, d].includes(x))
      .map((x) => x.id)
      .reverse();
    expect(ids(res)).toEqual([b.id, a.id, d.id, ...rest]);
    expect(res.body.items.slice(0, 3).map((x: any) => x.votes)).toEqual([3, 2, 1]);
    // Votes beat replies and recency; a pinned topic still leads.
    await exec(sql`update topics set pinned = true where id = ${c.id}`);
    // Pinned behind the app's back: announced as the app announces a change, which clears the kept lists.
    t.app.parley.ctx.bumps.bump(slug, c.id, 'topic.updated');
    expect(ids(await s.member.get(`/api/communities/${slug}/topics?sort=votes`)).slice(0, 3)).toEqual([c.id, b.id, a.id]);
  });

  it('walks every idea exactly once with a cursor, across ties and a pinned topic', async () => {
    const { slug, made } = await board();
    await exec(sql`update topics set votes = 2 where id in (${made[0].id}, ${made[3].id}, ${made[5].id})`);
    await exec(sql`update topics set votes = 1 where id in (${made[1].id}, ${made[6].id})`);
    await exec(sql`update topics set pinned = true where id = ${made[2].id}`);
    const whole = ids(await t.guest().get(`/api/communities/${slug}/topics?sort=votes&limit=100`));
    expect(whole).toEqual([made[2].id, made[5].id, made[3].id, made[0].id, made[6].id, made[1].id, made[4].id]);
    for (const limit of [1, 2, 3]) expect(await walk(t.guest(), `/api/communities/${slug}/topics?sort=votes`, limit)).toEqual(whole);
    // Signed-in readers page the same way.
    expect(await walk(s.other, `/api/communities/${slug}/topics?sort=votes`)).toEqual(whole);
  });

  it('does not skip or repeat when votes arrive mid-walk', async () => {
    const { slug, made } = await board();
    const first = await t.guest().get(`/api/communities/${slug}/topics?sort=votes&limit=3`);
    expect(first.status).toBe(200);
    // A topic not yet reached gains a vote: it moves ahead of the cursor, where a keyset walk no longer looks.
    expect((await s.other.post(`/api/topics/${made[0].id}/vote`)).status).toBe(200);
    const rest = await walk(t.guest(), `/api/communities/${slug}/topics?sort=votes`, 2, first.body.nextCursor);
    const seen = [...ids(first), ...rest];
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by ?kind= and ?status=, together with sorts and categories', async () => {
    const { slug } = await createCommunity(s.admin);
    const discussion = (await createTopic(s.member, slug)).topic;
    const question = (await createTopic(s.member, slug, { kind: 'question' })).topic;
    const planned = (await createTopic(s.member, slug, { kind: 'idea' })).topic;
    const shipped = (await createTopic(s.member, slug, { kind: 'idea' })).topic;
    const open = (await createTopic(s.member, slug, { kind: 'idea' })).topic;
    expect((await s.admin.put(`/api/topics/${planned.id}/idea-status`, { status: 'planned' })).status).toBe(200);
    expect((await s.admin.put(`/api/topics/${shipped.id}/idea-status`, { status: 'shipped' })).status).toBe(200);

    const q = async (query: string) => ids(await t.guest().get(`/api/communities/${slug}/topics?${query}`));
    expect(await q('kind=idea')).toEqual([open.id, shipped.id, planned.id]);
    expect(await q('kind=question')).toEqual([question.id]);
    expect(await q('kind=discussion')).toEqual([discussion.id]);
    expect(await q('status=planned')).toEqual([planned.id]);
    expect(await q('kind=idea&status=shipped&sort=votes')).toEqual([shipped.id]);
    expect(await q('status=declined')).toEqual([]);
    expect(await q('kind=idea&category=general&sort=top')).toEqual([open.id, shipped.id, planned.id]);
    expect(await q('kind=question&sort=unanswered')).toEqual([question.id]);
  });

  it.each([
    ['kind', 'kind=poll'],
    ['status', 'status=done'],
    ['sort', 'sort=vote'],
    ['status (case)', 'status=PLANNED'],
  ])('refuses an unknown %s with 400', async (_label, query) => {
    const res = await t.guest().get(`/api/communities/${s.slug}/topics?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_input');
  });
});
