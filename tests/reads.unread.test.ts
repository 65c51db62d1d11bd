import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
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
const list = async (who: TestClient, slug: string, query = '') => {
  const res = await who.get(`/api/communities/${slug}/topics${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { items: any[]; nextCursor: string | null; previousVisitAt?: string | null };
};
const item = (body: { items: any[] }, id: number) => body.items.find((x) => x.id === id);
const visit = async (userId: number, slug: string) =>
  (
    await rows<{ last_seen_at: string | Date; previous_seen_at: string | Date | null }>(
      t.app.parley.ctx.db,
      sql`
  select v.last_seen_at, v.previous_seen_at from community_visits v join communities c on c.id = v.community_id
  where v.user_id = ${userId} and c.slug = ${slug}`,
    )
  )[0];
/** Moves a reader's visits back in time, as if they had last looked `minutes` ago. */
const lastSeen = (userId: number, slug: string, minutes: number) =>
  exec(sql`
  update community_visits set last_seen_at = now() - make_interval(mins => ${minutes})
  where user_id = ${userId} and community_id = (select id from communities where slug = ${slug})`);
const ms = (v: string | Date | null | undefined) => (v ? new Date(v).getTime() : null);

describe('unread and new topics in lists', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('gives guests neither per-topic viewer state nor previousVisitAt', async () => {
    const { slug } = await createCommunity(s.admin);
    await createTopic(s.member, slug);
    const body = await list(t.guest(), slug);
    expect(body.items).toHaveLength(1);
    expect('viewer' in body.items[0]).toBe(false);
    expect('previousVisitAt' in body).toBe(false);
  });

  it("counts posts after the reader's position as unread; a topic never opened has no unread count", async () => {
    const { slug } = await createCommunity(s.admin);
    const reader = await signUp(t);
    const { topic } = await createTopic(s.member, slug);
    await reply(s.other, topic.id);
    expect(item(await list(reader, slug), topic.id).viewer).toMatchObject({ lastReadNumber: 0, unread: 0, voted: false });

    expect((await reader.put(`/api/topics/${topic.id}/read`, { number: 2 })).status).toBe(200);
    expect(item(await list(reader, slug), topic.id).viewer).toMatchObject({ lastReadNumber: 2, unread: 0, isNew: false });
    await reply(s.other, topic.id);
    await reply(s.member, topic.id);
    await reply(s.other, topic.id);
    expect(item(await list(reader, slug), topic.id).viewer).toMatchObject({ lastReadNumber: 2, unread: 3 });
    expect((await reader.put(`/api/topics/${topic.id}/read`, { number: 4 })).status).toBe(200);
    expect(item(await list(reader, slug), topic.id).viewer.unread).toBe(1);
    // Others' positions are their own.
    expect(item(await list(s.other, slug), topic.id).viewer).toMatchObject({ lastReadNumber: 0, unread: 0 });
    // The same state on every sort and on later pages.
    for (const q of ['?sort=top', '?sort=latest&limit=1']) expect(item(await list(reader, slug, q), topic.id).viewer.unread, q).toBe(1);
  });

  it("marks as new the topics others started since the reader's previous visit, until opened", async () => {
    const { slug } = await createCommunity(s.admin);
    const reader = await signUp(t);
    const before = (await createTopic(s.member, slug)).topic;
    const first = await list(reader, slug);
    // A first visit has nothing to compare with: nothing is marked new.
    expect(first.previousVisitAt).toBeNull();
    expect(item(first, before.id).viewer.isNew).toBe(false);

    await lastSeen(reader.userId, slug, 120);
    await exec(sql`update topics set created_at = now() - interval '3 hours' where id = ${before.id}`);
    const since = (await createTopic(s.member, slug)).topic;
    const mine = (await createTopic(reader, slug)).topic;
    const opened = (await createTopic(s.other, slug)).topic;
    expect((await reader.put(`/api/topics/${opened.id}/read`, { number: 1 })).status).toBe(200);

    const second = await list(reader, slug);
    expect(ms(second.previousVisitAt)).toBeGreaterThan(Date.now() - 125 * 60_000);
    expect(ms(second.previousVisitAt)).toBeLessThan(Date.now() - 115 * 60_000);
    expect(item(second, since.id).viewer).toEqual({ lastReadNumber: 0, unread: 0, isNew: true, voted: false });
    expect(item(second, before.id).viewer.isNew).toBe(false);
    expect(item(second, mine.id).viewer.isNew).toBe(false);
    expect(item(second, opened.id).viewer).toMatchObject({ isNew: false, lastReadNumber: 1, unread: 0 });
    // Still new on a reload in the same visit; no longer once opened.
    expect(item(await list(reader, slug), since.id).viewer.isNew).toBe(true);
    expect((await reader.put(`/api/topics/${since.id}/read`, { number: 1 })).status).toBe(200);
    expect(item(await list(reader, slug), since.id).viewer.isNew).toBe(false);
  });

  it('moves the previous visit only after a gap of more than 30 minutes', async () => {
    const { slug } = await createCommunity(s.admin);
    const reader = await signUp(t);
    await createTopic(s.member, slug);
    expect((await list(reader, slug)).previousVisitAt).toBeNull();
    const created = await visit(reader.userId, slug);
    expect(created?.previous_seen_at).toBeNull();

    // Within the same visit: the previous visit does not move, the last one does.
    await lastSeen(reader.userId, slug, 20);
    expect((await list(reader, slug)).previousVisitAt).toBeNull();
    expect(ms((await visit(reader.userId, slug))!.last_seen_at)).toBeGreaterThan(Date.now() - 60_000);

    // After a break: the last visit becomes the previous one.
    await lastSeen(reader.userId, slug, 45);
    const breakEnded = ms((await visit(reader.userId, slug))!.last_seen_at)!;
    const back = await list(reader, slug);
    expect(ms(back.previousVisitAt)).toBe(breakEnded);
    // And stays put for the rest of this visit.
    await lastSeen(reader.userId, slug, 10);
    expect(ms((await list(reader, slug)).previousVisitAt)).toBe(breakEnded);
  });

  it('records a visit only on a first page; later pages report the previous visit without moving it', async () => {
    const { slug } = await createCommunity(s.admin);
    const reader = await signUp(t);
    for (let i = 0; i < 3; i++) await createTopic(s.member, slug);
    const page1 = await list(reader, slug, '?limit=1');
    expect(page1.nextCursor).toEqual(expect.any(String));
    await lastSeen(reader.userId, slug, 90);
    const stored = await visit(reader.userId, slug);
    const page2 = await list(reader, slug, `?limit=1&cursor=${encodeURIComponent(page1.nextCursor!)}`);
    expect(page2.previousVisitAt).toBeNull();
    expect(page2.items[0].viewer).toEqual(expect.objectContaining({ isNew: false }));
    expect(ms((await visit(reader.userId, slug))!.last_seen_at)).toBe(ms(stored!.last_seen_at));
    // The next first page is a new visit.
    expect(ms((await list(reader, slug, '?limit=1')).previousVisitAt)).toBe(ms(stored!.last_seen_at));
  });

  it('keeps visits per community', async () => {
    const a = await createCommunity(s.admin);
    const b = await createCommunity(s.admin);
    const reader = await signUp(t);
    await list(reader, a.slug);
    await lastSeen(reader.userId, a.slug, 60);
    expect((await list(reader, b.slug)).previousVisitAt).toBeNull();
    expect((await list(reader, a.slug)).previousVisitAt).toEqual(expect.any(String));
  });

  it('answers previousVisitAt even for a category with no topics; an unknown one is a 404 that records no visit', async () => {
    const { slug } = await createCommunity(s.admin);
    expectError(await s.other.get(`/api/communities/${slug}/topics?category=${unique('none')}`), 404, 'category_not_found');
    expect(await visit(s.other.userId, slug)).toBeUndefined();
    const body = await list(s.other, slug, '?category=general');
    expect(body).toEqual({ items: [], nextCursor: null, previousVisitAt: null });
  });

  it("never counts hidden topics' posts for readers who cannot see them, and shows moderators their state too", async () => {
    const { slug } = await createCommunity(s.admin);
    const { topic } = await createTopic(s.member, slug);
    await reply(s.other, topic.id);
    expect((await s.admin.put(`/api/topics/${topic.id}/read`, { number: 1 })).status).toBe(200);
    await exec(sql`update topics set hidden = true, hidden_reason = 'spam' where id = ${topic.id}`);
    expect(item(await list(s.other, slug), topic.id)).toBeUndefined();
    expect(item(await list(s.admin, slug), topic.id).viewer).toMatchObject({ lastReadNumber: 1, unread: 1 });
  });
});
