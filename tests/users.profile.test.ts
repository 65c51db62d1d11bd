import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, scene, signUp, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('public profiles', () => {
  let s: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('answers 200 {user, stats, reputation, roles} with zeros for a new account, and never an email', async () => {
    const ann = await signUp(t);
    const res = await t.guest().get(`/api/users/${ann.handle}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user: { id: ann.userId, handle: ann.handle, displayName: expect.any(String), avatarUrl: null, createdAt: expect.any(String) },
      stats: { posts: 0, helpful: 0, solutions: 0 },
      reputation: { peopleHelped: 0, helpfulReceived: 0, solutions: 0, topicsStarted: 0, badges: [] },
      roles: [],
    });
    expect(res.text).not.toContain('@example.org');
    expect(res.text).not.toMatch(/email|password|hash/i);
    // The same for signed-in viewers, including the account itself.
    const self = await ann.get(`/api/users/${ann.handle}`);
    expect(self.status).toBe(200);
    expect(self.text).not.toContain('@example.org');
  });

  it('finds the handle whatever its case', async () => {
    const ann = await signUp(t, { handle: unique('mixed') });
    const mixed = [...ann.handle].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
    for (const h of [ann.handle, mixed, ann.handle.toUpperCase()]) {
      const res = await t.guest().get(`/api/users/${h}`);
      expect(res.status, h).toBe(200);
      expect(res.body.user.handle).toBe(ann.handle);
    }
  });

  it('answers 404 user_not_found for an unknown handle', async () => {
    const res = await t.guest().get(`/api/users/${unique('ghost')}`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('user_not_found');
  });

  it('counts posts (topics and replies, across communities)', async () => {
    const ann = await signUp(t);
    const elsewhere = await createCommunity(s.admin);
    const { topic } = await createTopic(ann, s.slug);
    await reply(ann, topic.id);
    await reply(s.other, topic.id);
    const other = await createTopic(s.member, elsewhere.slug);
    await reply(ann, other.topic.id);
    const res = await t.guest().get(`/api/users/${ann.handle}`);
    expect(res.body.stats).toEqual({ posts: 3, helpful: 0, solutions: 0 });
  });

  it('counts helpful reactions received from others, not likes', async () => {
    const ann = await signUp(t);
    const { topic, post } = await createTopic(ann, s.slug);
    const r = await reply(ann, topic.id);
    expect((await s.other.post(`/api/posts/${post.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
    expect((await s.member.post(`/api/posts/${post.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
    expect((await s.member.post(`/api/posts/${r.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
    expect((await s.staff.post(`/api/posts/${r.id}/reactions`, { kind: 'like' })).status).toBe(200);
    // Reacting twice or to your own post adds nothing.
    expect((await s.other.post(`/api/posts/${post.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
    expect((await ann.post(`/api/posts/${r.id}/reactions`, { kind: 'helpful' })).status).toBe(403);
    expect((await t.guest().get(`/api/users/${ann.handle}`)).body.stats).toEqual({ posts: 2, helpful: 3, solutions: 0 });
    // The giver's stats do not change.
    expect((await t.guest().get(`/api/users/${s.other.handle}`)).body.stats.helpful).toBe(0);

    expect((await s.member.delete(`/api/posts/${r.id}/reactions/helpful`)).status).toBe(200);
    expect((await t.guest().get(`/api/users/${ann.handle}`)).body.stats.helpful).toBe(2);
  });

  it('never counts helpful marks people gave their own posts (rows the API would refuse)', async () => {
    const ann = await signUp(t);
    const { topic, post } = await createTopic(ann, s.slug);
    const r = await reply(ann, topic.id);
    for (const id of [post.id, r.id]) {
      await t.app.parley.ctx.db.execute(sql`insert into reactions (post_id, user_id, kind) values (${id}, ${ann.userId}, 'helpful')`);
      await t.app.parley.ctx.db.execute(sql`update posts set helpful_count = helpful_count + 1 where id = ${id}`);
    }
    expect((await s.other.post(`/api/posts/${r.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
    expect((await t.guest().get(`/api/users/${ann.handle}`)).body.stats).toEqual({ posts: 2, helpful: 1, solutions: 0 });
  });

  it('counts accepted answers as solutions', async () => {
    const ann = await signUp(t);
    const { topic } = await createTopic(s.member, s.slug, { kind: 'question' });
    const answer = await reply(ann, topic.id);
    expect((await s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).status).toBe(200);
    expect((await t.guest().get(`/api/users/${ann.handle}`)).body.stats).toEqual({ posts: 1, helpful: 0, solutions: 1 });
  });

  it('leaves out deleted posts, hidden posts and posts in hidden topics', async () => {
    const ann = await signUp(t);
    const a = await createTopic(s.member, s.slug);
    const kept = await reply(ann, a.topic.id);
    const deleted = await reply(ann, a.topic.id);
    const hidden = await reply(ann, a.topic.id);
    const b = await createTopic(ann, s.slug);
    expect((await s.member.post(`/api/posts/${hidden.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
    expect((await s.member.post(`/api/posts/${kept.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
    expect((await t.guest().get(`/api/users/${ann.handle}`)).body.stats).toEqual({ posts: 4, helpful: 2, solutions: 0 });

    expect((await ann.delete(`/api/posts/${deleted.id}`)).status).toBe(204);
    await t.app.parley.ctx.db.execute(sql`update posts set hidden = true, hidden_reason = 'spam' where id = ${hidden.id}`);
    await t.app.parley.ctx.db.execute(sql`update topics set hidden = true where id = ${b.topic.id}`);
    expect((await t.guest().get(`/api/users/${ann.handle}`)).body.stats).toEqual({ posts: 1, helpful: 1, solutions: 0 });
  });

  it('refuses a malformed handle without a 500', async () => {
    const res = await t.guest().get(`/api/users/${encodeURIComponent("x' or '1'='1")}`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('user_not_found');
    expect((await t.guest().get(`/api/users/${'a'.repeat(65)}`)).status).toBe(400);
  });
});
