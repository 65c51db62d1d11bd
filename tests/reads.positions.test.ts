import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createTopic, reply, scene, signUp } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Scene = Awaited<ReturnType<typeof scene>>;
const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);

describe('PUT /api/topics/:id/read', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  async function topicWithReplies(n: number) {
    const { topic } = await createTopic(s.member, s.slug);
    for (let i = 0; i < n; i++) await reply(s.other, topic.id);
    return topic;
  }

  it('records the position and never moves it backwards', async () => {
    const topic = await topicWithReplies(4);
    const put = (n: number) => s.staff.put(`/api/topics/${topic.id}/read`, { number: n });
    const first = await put(2);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ lastReadNumber: 2 });
    expect((await put(4)).body).toEqual({ lastReadNumber: 4 });
    expect((await put(1)).body).toEqual({ lastReadNumber: 4 });
    expect((await put(3)).body).toEqual({ lastReadNumber: 4 });
    expect((await s.staff.get(`/api/topics/${topic.id}`)).body.viewerState.lastReadNumber).toBe(4);
    // Each reader has their own position.
    expect((await s.other.get(`/api/topics/${topic.id}`)).body.viewerState.lastReadNumber).toBe(0);
  });

  it("clamps to the topic's last post, and huge numbers never fail", async () => {
    const topic = await topicWithReplies(2);
    expect((await s.staff.put(`/api/topics/${topic.id}/read`, { number: 99 })).body).toEqual({ lastReadNumber: 3 });
    expect((await s.staff.put(`/api/topics/${topic.id}/read`, { number: 2_147_483_647 })).body).toEqual({ lastReadNumber: 3 });
    // Later posts are unread until read.
    await reply(s.other, topic.id);
    expect((await s.staff.get(`/api/topics/${topic.id}`)).body.viewerState.lastReadNumber).toBe(3);
    expect((await s.staff.put(`/api/topics/${topic.id}/read`, { number: 1e6 })).body).toEqual({ lastReadNumber: 4 });
  });

  it.each([
    ['zero', { number: 0 }],
    ['a negative number', { number: -1 }],
    ['a number beyond PostgreSQL integers', { number: 2_147_483_648 }],
    ['a huge number', { number: 1e300 }],
    ['a fraction', { number: 1.5 }],
    ['a string', { number: '3' }],
    ['nothing', {}],
  ])('answers 400 for %s', async (_label, body) => {
    const topic = await topicWithReplies(0);
    const res = await s.staff.put(`/api/topics/${topic.id}/read`, body);
    expect(res.status, res.text).toBe(400);
    expect(res.body.code).toBe('invalid_input');
  });

  it('answers 401 to guests, 404 for missing topics and for hidden ones the reader may not see', async () => {
    const topic = await topicWithReplies(1);
    expectError(await t.guest().put(`/api/topics/${topic.id}/read`, { number: 1 }), 401, 'not_signed_in');
    expectError(await s.staff.put('/api/topics/2147483647/read', { number: 1 }), 404, 'topic_not_found');
    expect((await s.staff.put('/api/topics/0/read', { number: 1 })).status).toBe(400);
    await exec(sql`update topics set hidden = true, hidden_reason = 'spam' where id = ${topic.id}`);
    expectError(await s.staff.put(`/api/topics/${topic.id}/read`, { number: 1 }), 404, 'topic_not_found');
    // Its author and moderators still read it.
    expect((await s.member.put(`/api/topics/${topic.id}/read`, { number: 2 })).body).toEqual({ lastReadNumber: 2 });
    expect((await s.moderator.put(`/api/topics/${topic.id}/read`, { number: 2 })).body).toEqual({ lastReadNumber: 2 });
  });

  it('is allowed in locked topics and to banned members: reading is not writing', async () => {
    const topic = await topicWithReplies(1);
    expect((await s.moderator.post(`/api/topics/${topic.id}/lock`)).status).toBe(200);
    expect((await s.other.put(`/api/topics/${topic.id}/read`, { number: 1 })).body).toEqual({ lastReadNumber: 1 });
    const banned = await signUp(t);
    expect((await s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: banned.handle, reason: 'Rude' })).status).toBe(201);
    expect((await banned.put(`/api/topics/${topic.id}/read`, { number: 2 })).body).toEqual({ lastReadNumber: 2 });
  });
});

describe('viewerState on GET /api/topics/:id', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('gives signed-in readers {lastReadNumber, notificationLevel, voted}; guests get no such field', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const guest = await t.guest().get(`/api/topics/${topic.id}`);
    expect(guest.status).toBe(200);
    expect('viewerState' in guest.body).toBe(false);
    // Cached or not.
    expect('viewerState' in (await t.guest().get(`/api/topics/${topic.id}`)).body).toBe(false);

    expect((await s.other.get(`/api/topics/${topic.id}`)).body.viewerState).toEqual({
      lastReadNumber: 0,
      notificationLevel: 'normal',
      voted: false,
      ignoredUserIds: [],
    });
    // Authors watch their own topics unless they choose otherwise.
    expect((await s.member.get(`/api/topics/${topic.id}`)).body.viewerState).toEqual({
      lastReadNumber: 0,
      notificationLevel: 'watching',
      voted: false,
      ignoredUserIds: [],
    });
    // Later pages carry it too.
    expect((await s.other.get(`/api/topics/${topic.id}?after=1`)).body.viewerState).toEqual({
      lastReadNumber: 0,
      notificationLevel: 'normal',
      voted: false,
      ignoredUserIds: [],
    });
    // A signed-in read never leaks into the guests' cache.
    expect('viewerState' in (await t.guest().get(`/api/topics/${topic.id}`)).body).toBe(false);
  });

  it("reports the effective notification level: the topic's own setting, else its category's, else the default", async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const level = async (who = s.other) => (await who.get(`/api/topics/${topic.id}`)).body.viewerState.notificationLevel;
    const set = (userId: number, type: 'topic' | 'category', id: number, value: string) =>
      exec(sql`
      insert into notification_levels (user_id, target_type, target_id, level) values (${userId}, ${type}, ${id}, ${value})
      on conflict (user_id, target_type, target_id) do update set level = excluded.level`);
    const [{ category_id: categoryId }] = ((await exec(sql`select category_id from topics where id = ${topic.id}`)) as any).rows;
    expect(await level()).toBe('normal');
    await set(s.other.userId, 'category', Number(categoryId), 'watching');
    expect(await level()).toBe('watching');
    await set(s.other.userId, 'topic', topic.id, 'muted');
    expect(await level()).toBe('muted');
    await set(s.member.userId, 'topic', topic.id, 'normal');
    expect(await level(s.member)).toBe('normal');
  });
});
