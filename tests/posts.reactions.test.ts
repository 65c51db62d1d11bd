import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('reactions', () => {
  let s: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    s = await scene(t);
  });

  /** A reply by `other` in a topic started by `member`. */
  const target = async () => {
    const { topic } = await createTopic(s.member, s.slug);
    return { topic, post: await reply(s.other, topic.id) };
  };
  const countsInTopic = async (topicId: number, postId: number) => (await t.guest().api.getTopic(topicId)).posts.find((p) => p.id === postId)?.reactions;

  it('counts a like: 200 {reactions: {like: 1, helpful: 0}}, and liking again changes nothing', async () => {
    const { topic, post } = await target();
    const res = await s.member.post(`/api/posts/${post.id}/reactions`, { kind: 'like' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ reactions: { like: 1, helpful: 0 } });
    const again = await s.member.post(`/api/posts/${post.id}/reactions`, { kind: 'like' });
    expect(again.status).toBe(200);
    expect(again.body.reactions).toEqual({ like: 1, helpful: 0 });
    expect(await countsInTopic(topic.id, post.id)).toEqual({ like: 1, helpful: 0 });
  });

  it('counts helpful separately, and counts each person once', async () => {
    const { topic, post } = await target();
    expect(await s.member.api.react(post.id, 'like')).toEqual({ like: 1, helpful: 0 });
    expect(await s.member.api.react(post.id, 'helpful')).toEqual({ like: 1, helpful: 1 });
    expect(await s.staff.api.react(post.id, 'helpful')).toEqual({ like: 1, helpful: 2 });
    expect(await s.moderator.api.react(post.id, 'like')).toEqual({ like: 2, helpful: 2 });
    expect(await countsInTopic(topic.id, post.id)).toEqual({ like: 2, helpful: 2 });
  });

  it('counts concurrent identical reactions once', async () => {
    const { topic, post } = await target();
    const results = await Promise.all([1, 2, 3, 4].map(() => s.member.post(`/api/posts/${post.id}/reactions`, { kind: 'like' })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await countsInTopic(topic.id, post.id)).toEqual({ like: 1, helpful: 0 });
  });

  it('takes a reaction back with DELETE /reactions/:kind, and again is harmless', async () => {
    const { topic, post } = await target();
    await s.member.post(`/api/posts/${post.id}/reactions`, { kind: 'like' });
    await s.member.post(`/api/posts/${post.id}/reactions`, { kind: 'helpful' });
    await s.staff.post(`/api/posts/${post.id}/reactions`, { kind: 'like' });
    const res = await s.member.delete(`/api/posts/${post.id}/reactions/like`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ reactions: { like: 1, helpful: 1 } });
    const again = await s.member.delete(`/api/posts/${post.id}/reactions/like`);
    expect(again.status).toBe(200);
    expect(again.body.reactions).toEqual({ like: 1, helpful: 1 });
    // Taking back a reaction you never gave does not touch others' counts.
    const never = await s.moderator.delete(`/api/posts/${post.id}/reactions/helpful`);
    expect(never.status).toBe(200);
    expect(never.body.reactions).toEqual({ like: 1, helpful: 1 });
    expect((await s.member.delete(`/api/posts/${post.id}/reactions/helpful`)).body.reactions).toEqual({ like: 1, helpful: 0 });
    expect((await s.staff.delete(`/api/posts/${post.id}/reactions/like`)).body.reactions).toEqual({ like: 0, helpful: 0 });
    expect((await s.staff.delete(`/api/posts/${post.id}/reactions/like`)).body.reactions).toEqual({ like: 0, helpful: 0 });
    expect(await countsInTopic(topic.id, post.id)).toEqual({ like: 0, helpful: 0 });
    const mine = await s.member.api.getTopic(topic.id);
    expect(mine.posts.find((p) => p.id === post.id)?.viewerReactions).toEqual([]);
  });

  it('refuses an unknown kind with 400', async () => {
    const { post } = await target();
    for (const body of [{ kind: 'love' }, { kind: 'LIKE' }, {}, { kind: null }]) {
      const res = await s.member.post(`/api/posts/${post.id}/reactions`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('invalid_input');
    }
    const del = await s.member.delete(`/api/posts/${post.id}/reactions/love`);
    expect(del.status).toBe(400);
    expect(del.body.code).toBe('invalid_input');
  });

  it('refuses reacting to your own post with 403 own_post', async () => {
    const { topic, post } = await target();
    for (const kind of ['like', 'helpful']) {
      const res = await s.other.post(`/api/posts/${post.id}/reactions`, { kind });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('own_post');
    }
    expect(await countsInTopic(topic.id, post.id)).toEqual({ like: 0, helpful: 0 });
  });

  it('refuses a deleted post with 409 post_deleted', async () => {
    const { post } = await target();
    await s.member.post(`/api/posts/${post.id}/reactions`, { kind: 'like' });
    expect((await s.other.delete(`/api/posts/${post.id}`)).status).toBe(204);
    const res = await s.staff.post(`/api/posts/${post.id}/reactions`, { kind: 'like' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('post_deleted');
    const del = await s.member.delete(`/api/posts/${post.id}/reactions/like`);
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('post_deleted');
  });

  it('refuses guests with 401', async () => {
    const { topic, post } = await target();
    expect((await t.guest().post(`/api/posts/${post.id}/reactions`, { kind: 'like' })).status).toBe(401);
    expect((await t.guest().delete(`/api/posts/${post.id}/reactions/like`)).status).toBe(401);
    expect(await countsInTopic(topic.id, post.id)).toEqual({ like: 0, helpful: 0 });
  });

  it('answers 404 post_not_found for a missing post, and for a post in a hidden topic', async () => {
    const res = await s.member.post('/api/posts/2000000000/reactions', { kind: 'like' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('post_not_found');
    const del = await s.member.delete('/api/posts/2000000000/reactions/like');
    expect(del.status).toBe(404);
    expect(del.body.code).toBe('post_not_found');

    const { topic, post } = await target();
    await t.app.parley.ctx.db.execute(sql`update topics set hidden = true where id = ${topic.id}`);
    const hidden = await s.staff.post(`/api/posts/${post.id}/reactions`, { kind: 'like' });
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('post_not_found');
  });

  it('refuses a banned member with 403 banned', async () => {
    const { topic, post } = await target();
    await t.app.parley.ctx.db.execute(
      sql`insert into bans (community_id, user_id, reason, created_by_id) values (${s.community.id}, ${s.staff.userId}, 'x', ${s.admin.userId})`,
    );
    try {
      const res = await s.staff.post(`/api/posts/${post.id}/reactions`, { kind: 'like' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('banned');
      expect(await countsInTopic(topic.id, post.id)).toEqual({ like: 0, helpful: 0 });
      // Taking a reaction back is a write too.
      const back = await s.staff.delete(`/api/posts/${post.id}/reactions/like`);
      expect(back.status).toBe(403);
      expect(back.body.code).toBe('banned');
    } finally {
      await t.app.parley.ctx.db.execute(sql`update bans set lifted_at = now() where user_id = ${s.staff.userId}`);
    }
  });
});
