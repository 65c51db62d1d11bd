import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, signUp, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Scene = Awaited<ReturnType<typeof scene>>;
const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);
const read = async (topicId: number) => {
  const res = await t.guest().get(`/api/topics/${topicId}?limit=100`);
  expect(res.status).toBe(200);
  return res.body as { topic: any; posts: any[] };
};

describe('replying', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('answers 201 {post}; numbers and postCount go up by one per reply', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const res = await s.other.post(`/api/topics/${topic.id}/posts`, { body: 'First *reply*' });
    expect(res.status).toBe(201);
    expect(res.body.post).toMatchObject({
      topicId: topic.id,
      number: 2,
      body: 'First *reply*',
      replyToId: null,
      authorRole: 'member',
      deleted: false,
      hidden: false,
      author: { id: s.other.userId, handle: s.other.handle },
      reactions: { like: 0, helpful: 0 },
      editedAt: null,
    });
    expect(res.body.post.bodyHtml).toContain('<em>reply</em>');
    const second = await reply(s.member, topic.id, { replyToId: res.body.post.id });
    expect(second.number).toBe(3);
    expect(second.replyToId).toBe(res.body.post.id);
    const page = await read(topic.id);
    expect(page.topic.postCount).toBe(3);
    expect(page.posts.map((p) => p.number)).toEqual([1, 2, 3]);
    expect(new Date(page.topic.lastPostAt).getTime()).toBeGreaterThan(new Date(topic.lastPostAt).getTime());
  });

  it('numbers concurrent replies without gaps or duplicates', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? s.other : s.staff).post(`/api/topics/${topic.id}/posts`, { body: `parallel ${i} ${unique()}` })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(results.map((r) => r.body.post.number).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await read(topic.id)).topic.postCount).toBe(9);
  });

  it('refuses a replyToId outside the topic with 400 reply_target_not_found', async () => {
    const a = await createTopic(s.member, s.slug);
    const b = await createTopic(s.member, s.slug);
    const res = await s.other.post(`/api/topics/${a.topic.id}/posts`, { body: 'hello', replyToId: b.post.id });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('reply_target_not_found');
    const missing = await s.other.post(`/api/topics/${a.topic.id}/posts`, { body: 'hello', replyToId: 2_000_000_000 });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('reply_target_not_found');
    expect((await read(a.topic.id)).topic.postCount).toBe(1);
  });

  it.each([
    ['an empty body', { body: '' }],
    ['a whitespace-only body', { body: ' \n ' }],
    ['a 50,001-character body', { body: 'x'.repeat(50_001) }],
    ['no body', {}],
    ['a bad replyToId', { body: 'ok', replyToId: 0 }],
    ['a 65-character clientId', { body: 'ok', clientId: 'c'.repeat(65) }],
    ['an empty clientId', { body: 'ok', clientId: '' }],
  ])('refuses %s with 400', async (_label, payload) => {
    const { topic } = await createTopic(s.member, s.slug);
    const res = await s.other.post(`/api/topics/${topic.id}/posts`, payload);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_input');
    expect((await read(topic.id)).topic.postCount).toBe(1);
  });

  it('answers 404 topic_not_found for a missing or hidden topic', async () => {
    const missing = await s.other.post('/api/topics/2000000000/posts', { body: 'hello' });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('topic_not_found');
    const { topic } = await createTopic(s.member, s.slug);
    await exec(sql`update topics set hidden = true where id = ${topic.id}`);
    const hidden = await s.other.post(`/api/topics/${topic.id}/posts`, { body: 'hello' });
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('topic_not_found');
  });

  it('refuses members in a locked topic with 403 topic_locked; moderators still reply', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    await exec(sql`update topics set locked = true where id = ${topic.id}`);
    for (const who of [s.member, s.other, s.staff]) {
      const res = await who.post(`/api/topics/${topic.id}/posts`, { body: 'let me in' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('topic_locked');
    }
    expect((await read(topic.id)).topic).toMatchObject({ locked: true, postCount: 1 });
    const byMod = await s.moderator.post(`/api/topics/${topic.id}/posts`, { body: 'Closing note from the mods' });
    expect(byMod.status).toBe(201);
    expect(byMod.body.post.number).toBe(2);
    expect((await s.admin.post(`/api/topics/${topic.id}/posts`, { body: 'And the admin' })).status).toBe(201);
  });

  it('refuses guests with 401', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const res = await t.guest().post(`/api/topics/${topic.id}/posts`, { body: 'anonymous' });
    expect(res.status).toBe(401);
    expect((await read(topic.id)).topic.postCount).toBe(1);
  });

  it('refuses a banned member with 403 banned, and only in that community', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const troll = await signUp(t);
    const earlier = await reply(troll, topic.id);
    await exec(sql`insert into bans (community_id, user_id, reason, created_by_id) values (${s.community.id}, ${troll.userId}, 'trolling', ${s.admin.userId})`);
    const res = await troll.post(`/api/topics/${topic.id}/posts`, { body: 'I am back' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('banned');
    const newTopic = await troll.post(`/api/communities/${s.slug}/topics`, { category: 'general', title: 'New me', body: 'hi' });
    expect(newTopic.status).toBe(403);
    expect(newTopic.body.code).toBe('banned');
    const edit = await troll.patch(`/api/posts/${earlier.id}`, { body: 'edited while banned' });
    expect(edit.status).toBe(403);
    expect(edit.body.code).toBe('banned');
    const del = await troll.delete(`/api/posts/${earlier.id}`);
    expect(del.status).toBe(403);
    expect(del.body.code).toBe('banned');
    // Reading still works.
    expect((await troll.get(`/api/topics/${topic.id}`)).status).toBe(200);
    // A ban that has run out or was lifted no longer applies.
    await exec(sql`update bans set until = now() - interval '1 minute' where user_id = ${troll.userId}`);
    expect((await troll.post(`/api/topics/${topic.id}/posts`, { body: 'served my time' })).status).toBe(201);
  });
});

describe('idempotent replies with clientId', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('gives the same author the same post back with 200, without a duplicate', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const clientId = unique('cid-');
    const first = await s.other.post(`/api/topics/${topic.id}/posts`, { body: 'Only once', clientId });
    expect(first.status).toBe(201);
    const again = await s.other.post(`/api/topics/${topic.id}/posts`, { body: 'Only once', clientId });
    expect(again.status).toBe(200);
    expect(again.body.post.id).toBe(first.body.post.id);
    expect(again.body.post.number).toBe(2);
    const changed = await s.other.post(`/api/topics/${topic.id}/posts`, { body: 'A retry with other text', clientId });
    expect(changed.status).toBe(200);
    expect(changed.body.post.id).toBe(first.body.post.id);
    const page = await read(topic.id);
    expect(page.topic.postCount).toBe(2);
    expect(page.posts).toHaveLength(2);
    expect(page.posts[1].body).toBe('Only once');
  });

  it('makes two concurrent sends with the same clientId one post', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const clientId = unique('race-');
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => s.other.post(`/api/topics/${topic.id}/posts`, { body: 'racing', clientId })));
    expect([a!.status, b!.status, c!.status].sort()).toEqual([200, 200, 201]);
    expect(new Set([a!.body.post.id, b!.body.post.id, c!.body.post.id]).size).toBe(1);
    const page = await read(topic.id);
    expect(page.topic.postCount).toBe(2);
    expect(page.posts.map((p) => p.number)).toEqual([1, 2]);
  });

  it('creates a new post for the same clientId from a different author', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const clientId = unique('shared-');
    const mine = await s.other.post(`/api/topics/${topic.id}/posts`, { body: 'mine', clientId });
    const theirs = await s.staff.post(`/api/topics/${topic.id}/posts`, { body: 'theirs', clientId });
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.post.id).not.toBe(mine.body.post.id);
    expect(theirs.body.post.author.handle).toBe(s.staff.handle);
    expect((await read(topic.id)).topic.postCount).toBe(3);
  });

  it('accepts a 64-character clientId', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const clientId = `${unique('k')}${'x'.repeat(64)}`.slice(0, 64);
    expect((await s.other.post(`/api/topics/${topic.id}/posts`, { body: 'long id', clientId })).status).toBe(201);
    expect((await s.other.post(`/api/topics/${topic.id}/posts`, { body: 'long id', clientId })).status).toBe(200);
  });
});

describe('editing', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('lets the author edit: 200, re-rendered bodyHtml, editedAt set, the old text kept as a revision', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id, { body: 'Original *text*' });
    const res = await s.other.patch(`/api/posts/${post.id}`, { body: 'Edited **text**' });
    expect(res.status).toBe(200);
    expect(res.body.post).toMatchObject({ id: post.id, number: 2, body: 'Edited **text**' });
    expect(res.body.post.bodyHtml).toContain('<strong>text</strong>');
    expect(res.body.post.bodyHtml).not.toContain('<em>');
    expect(res.body.post.editedAt).toEqual(expect.any(String));
    expect(new Date(res.body.post.editedAt).getTime()).toBeGreaterThanOrEqual(new Date(post.createdAt).getTime());

    const page = await read(topic.id);
    expect(page.posts[1]).toMatchObject({ body: 'Edited **text**', editedAt: res.body.post.editedAt });

    await s.other.patch(`/api/posts/${post.id}`, { body: 'Third version' });
    const revs = await s.other.get(`/api/posts/${post.id}/revisions`);
    expect(revs.status).toBe(200);
    expect(revs.body.items.map((r: any) => r.body)).toEqual(['Edited **text**', 'Original *text*']);
    expect(revs.body.items[0].editor).toMatchObject({ handle: s.other.handle });
  });

  it('shows revisions to moderators but 403 to other members, 401 to guests', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id, { body: 'Before' });
    expect((await s.other.patch(`/api/posts/${post.id}`, { body: 'After' })).status).toBe(200);
    expect((await s.moderator.get(`/api/posts/${post.id}/revisions`)).body.items.map((r: any) => r.body)).toEqual(['Before']);
    for (const who of [s.member, s.staff]) {
      const res = await who.get(`/api/posts/${post.id}/revisions`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_allowed');
      expect(res.text).not.toContain('Before');
    }
    const guest = await t.guest().get(`/api/posts/${post.id}/revisions`);
    expect(guest.status).toBe(401);
    expect(guest.text).not.toContain('Before');
  });

  it('keeps no revision (and no editedAt) when the text did not change', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id, { body: 'Same' });
    const res = await s.other.patch(`/api/posts/${post.id}`, { body: 'Same' });
    expect(res.status).toBe(200);
    expect(res.body.post.editedAt).toBeNull();
    expect((await s.other.get(`/api/posts/${post.id}/revisions`)).body.items).toEqual([]);
  });

  it('refuses anyone but the author with 403 not_post_author', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id, { body: 'Mine' });
    for (const who of [s.member, s.staff]) {
      const res = await who.patch(`/api/posts/${post.id}`, { body: 'Not yours' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_post_author');
    }
    expect((await t.guest().patch(`/api/posts/${post.id}`, { body: 'Not yours' })).status).toBe(401);
    expect((await read(topic.id)).posts[1]).toMatchObject({ body: 'Mine', editedAt: null });
  });

  it('refuses to edit a deleted post with 409 post_deleted', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id);
    expect((await s.other.delete(`/api/posts/${post.id}`)).status).toBe(204);
    const res = await s.other.patch(`/api/posts/${post.id}`, { body: 'Back from the dead' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('post_deleted');
    expect((await read(topic.id)).posts[1]).toMatchObject({ deleted: true, body: null });
  });

  it('refuses an invalid body with 400 and a missing post with 404 post_not_found', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id);
    expect((await s.other.patch(`/api/posts/${post.id}`, { body: '' })).status).toBe(400);
    expect((await s.other.patch(`/api/posts/${post.id}`, { body: 'x'.repeat(50_001) })).status).toBe(400);
    const missing = await s.other.patch('/api/posts/2000000000', { body: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('post_not_found');
  });

  it('refuses edits in a locked topic with 403 topic_locked', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id);
    await exec(sql`update topics set locked = true where id = ${topic.id}`);
    const res = await s.other.patch(`/api/posts/${post.id}`, { body: 'sneaky edit' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('topic_locked');
  });
});

describe('deleting', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('lets the author delete: 204, the post stays as a tombstone for everyone', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const word = unique('zq');
    const post = await reply(s.other, topic.id, { body: `Regrettable ${word}` });
    const after = await reply(s.member, topic.id);
    const res = await s.other.delete(`/api/posts/${post.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    for (const who of [t.guest(), s.other, s.moderator, s.admin]) {
      const page = await who.get(`/api/topics/${topic.id}`);
      expect(page.status).toBe(200);
      expect(page.body.posts.map((p: any) => p.number)).toEqual([1, 2, 3]);
      expect(page.body.posts[1]).toMatchObject({ id: post.id, number: 2, deleted: true, body: null, bodyHtml: null });
      expect(page.text).not.toContain(word);
      expect(page.body.posts[2].id).toBe(after.id);
      const single = await who.get(`/api/posts/${post.id}`);
      expect(single.body.post).toMatchObject({ deleted: true, body: null, bodyHtml: null });
    }
  });

  it('answers 204 when deleting twice', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id);
    expect((await s.other.delete(`/api/posts/${post.id}`)).status).toBe(204);
    expect((await s.other.delete(`/api/posts/${post.id}`)).status).toBe(204);
    expect((await read(topic.id)).posts[1].deleted).toBe(true);
  });

  it('refuses anyone but the author with 403 not_post_author, guests with 401, missing posts with 404', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id);
    for (const who of [s.member, s.staff]) {
      const res = await who.delete(`/api/posts/${post.id}`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_post_author');
    }
    expect((await t.guest().delete(`/api/posts/${post.id}`)).status).toBe(401);
    const missing = await s.other.delete('/api/posts/2000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('post_not_found');
    expect((await read(topic.id)).posts[1]).toMatchObject({ deleted: false, body: post.body });
  });

  it('takes the deleted text out of search', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const word = unique('vanish');
    const post = await reply(s.other, topic.id, { body: `This mentions ${word} once` });
    const before = await t.guest().get(`/api/communities/${s.slug}/search?q=${word}`);
    expect(before.body.items.map((i: any) => i.post.id)).toEqual([post.id]);
    expect((await s.other.delete(`/api/posts/${post.id}`)).status).toBe(204);
    for (const who of [t.guest(), s.other, s.moderator]) {
      const res = await who.get(`/api/communities/${s.slug}/search?q=${word}`);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    }
  });
});
