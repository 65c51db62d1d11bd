import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
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

describe('starting a topic', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('answers 201 {topic, post}: post number 1, postCount 1, kind discussion by default', async () => {
    const title = `How do I ${unique()}?`;
    const res = await s.member.post(`/api/communities/${s.slug}/topics`, { category: 'general', title, body: 'Some **bold** words' });
    expect(res.status).toBe(201);
    const { topic, post } = res.body;
    expect(topic).toMatchObject({
      community: s.slug,
      category: 'general',
      title,
      kind: 'discussion',
      postCount: 1,
      pinned: false,
      locked: false,
      hidden: false,
      solutionPostId: null,
      votes: 0,
      author: { id: s.member.userId, handle: s.member.handle },
    });
    expect(Number.isInteger(topic.id) && topic.id > 0).toBe(true);
    expect(new Date(topic.createdAt).toISOString()).toBe(topic.createdAt);
    expect(topic.lastPostAt).toBe(topic.createdAt);
    expect(post).toMatchObject({
      topicId: topic.id,
      number: 1,
      replyToId: null,
      body: 'Some **bold** words',
      authorRole: 'member',
      editedAt: null,
      pinned: false,
      hidden: false,
      hiddenReason: null,
      deleted: false,
      reactions: { like: 0, helpful: 0 },
      author: { handle: s.member.handle },
    });
    expect(post.bodyHtml).toContain('<strong>bold</strong>');
    expect(JSON.stringify(res.body)).not.toContain('@example.org');

    const read = await t.guest().get(`/api/topics/${topic.id}`);
    expect(read.status).toBe(200);
    expect(read.body.topic.title).toBe(title);
    expect(read.body.posts.map((p: any) => p.id)).toEqual([post.id]);
  });

  it.each(['question', 'idea', 'discussion'] as const)('accepts kind %s', async (kind) => {
    const { topic } = await createTopic(s.member, s.slug, { kind });
    expect(topic.kind).toBe(kind);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.kind).toBe(kind);
  });

  it('refuses an unknown kind with 400', async () => {
    const res = await s.member.post(`/api/communities/${s.slug}/topics`, { category: 'general', title: 'A fine title', body: 'x', kind: 'poll' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_input');
  });

  it('trims the title', async () => {
    const { topic } = await createTopic(s.member, s.slug, { title: '   Padded title   ' });
    expect(topic.title).toBe('Padded title');
  });

  it.each([
    ['a 2-character title', { title: 'ab' }],
    ['a 201-character title', { title: 'x'.repeat(201) }],
    ['a whitespace-only title', { title: '      ' }],
    ['a missing title', { title: undefined }],
    ['an empty body', { body: '' }],
    ['a whitespace-only body', { body: '   \n\t ' }],
    ['a 50,001-character body', { body: 'x'.repeat(50_001) }],
    ['a missing body', { body: undefined }],
    ['a missing category', { category: undefined }],
  ])('refuses %s with 400 invalid_input', async (_label, over) => {
    const before = await t.guest().get(`/api/communities/${s.slug}/topics?limit=100`);
    const res = await s.member.post(`/api/communities/${s.slug}/topics`, { category: 'general', title: 'A fine title', body: 'A fine body', ...over });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_input');
    const after = await t.guest().get(`/api/communities/${s.slug}/topics?limit=100`);
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it('accepts the boundaries: 3- and 200-character titles, a 50,000-character body', async () => {
    expect((await createTopic(s.member, s.slug, { title: 'abc' })).topic.title).toBe('abc');
    expect((await createTopic(s.member, s.slug, { title: 'y'.repeat(200) })).topic.title).toHaveLength(200);
    const { post } = await createTopic(s.member, s.slug, { body: 'z'.repeat(50_000) });
    expect(post.body).toHaveLength(50_000);
  });

  it('refuses an unknown category with 404 category_not_found, as every route does', async () => {
    const res = await s.member.post(`/api/communities/${s.slug}/topics`, { category: 'no-such-cat', title: 'A fine title', body: 'x' });
    expectError(res, 404, 'category_not_found');
    expectError(
      await s.member.post(`/api/communities/${s.slug}/topics`, { category: 2_000_000_000, title: 'A fine title', body: 'x' }),
      404,
      'category_not_found',
    );
  });

  it('refuses a category of another community with 404 category_not_found', async () => {
    const elsewhere = await createCommunity(s.admin);
    const cat = unique('cat');
    expect((await s.admin.post(`/api/communities/${elsewhere.slug}/categories`, { slug: cat, name: 'Elsewhere' })).status).toBe(201);
    const res = await s.member.post(`/api/communities/${s.slug}/topics`, { category: cat, title: 'A fine title', body: 'x' });
    expectError(res, 404, 'category_not_found');
  });

  it('refuses guests with 401', async () => {
    const res = await t.guest().post(`/api/communities/${s.slug}/topics`, { category: 'general', title: 'A fine title', body: 'x' });
    expect(res.status).toBe(401);
  });

  it('answers 404 community_not_found for an unknown community', async () => {
    const res = await s.member.post(`/api/communities/${unique('nope')}/topics`, { category: 'general', title: 'A fine title', body: 'x' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('community_not_found');
  });

  it('makes a topic idempotent with clientId: the same author gets the same topic back with 200', async () => {
    const clientId = unique('cid-');
    const payload = { category: 'general', title: `Once ${unique()}`, body: 'Only one of me', clientId };
    const first = await s.member.post(`/api/communities/${s.slug}/topics`, payload);
    expect(first.status).toBe(201);
    const again = await s.member.post(`/api/communities/${s.slug}/topics`, payload);
    expect(again.status).toBe(200);
    expect(again.body.topic.id).toBe(first.body.topic.id);
    expect(again.body.post.id).toBe(first.body.post.id);
    const racing = { ...payload, clientId: unique('race-') };
    const results = await Promise.all([1, 2, 3].map(() => s.other.post(`/api/communities/${s.slug}/topics`, racing)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(results.map((r) => r.body.topic.id)).size).toBe(1);
    const list = await t.guest().get(`/api/communities/${s.slug}/topics?limit=100`);
    expect(list.body.items.filter((x: any) => x.title === payload.title)).toHaveLength(2);
  });

  it('makes the author a member on their first post', async () => {
    const newcomer = await signUp(t);
    expect((await newcomer.get('/api/me')).body.memberships.some((m: any) => m.community.slug === s.slug)).toBe(false);
    await createTopic(newcomer, s.slug);
    const me = await newcomer.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.memberships).toContainEqual(expect.objectContaining({ role: 'member', community: expect.objectContaining({ slug: s.slug }) }));
    // A reply in another community makes them a member there too, once.
    const elsewhere = await createCommunity(s.admin);
    const { topic } = await createTopic(s.admin, elsewhere.slug);
    await reply(newcomer, topic.id);
    await reply(newcomer, topic.id);
    const again = await newcomer.get('/api/me');
    expect(again.body.memberships.filter((m: any) => m.community.slug === elsewhere.slug)).toEqual([expect.objectContaining({ role: 'member' })]);
  });

  it('keeps the role of someone who already has one when they post', async () => {
    await createTopic(s.moderator, s.slug);
    expect((await s.moderator.get(`/api/communities/${s.slug}`)).body.community.viewerRole).toBe('moderator');
  });
});

describe('the staff badge', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('marks posts by staff with authorRole staff, and others with their role', async () => {
    const { topic, post } = await createTopic(s.staff, s.slug);
    expect(post.authorRole).toBe('staff');
    const byMember = await reply(s.member, topic.id);
    const byModerator = await reply(s.moderator, topic.id);
    const byAdmin = await reply(s.admin, topic.id);
    expect([byMember.authorRole, byModerator.authorRole, byAdmin.authorRole]).toEqual(['member', 'moderator', 'admin']);
    const read = await t.guest().get(`/api/topics/${topic.id}`);
    expect(read.body.posts.map((p: any) => p.authorRole)).toEqual(['staff', 'member', 'moderator', 'admin']);
  });

  it("gives staff no moderation powers: no solution on someone else's topic, no settings", async () => {
    const { topic } = await createTopic(s.member, s.slug, { kind: 'question' });
    const answer = await reply(s.other, topic.id);
    const res = await s.staff.post(`/api/topics/${topic.id}/solution`, { postId: answer.id });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('not_topic_author');
    const patch = await s.staff.patch(`/api/communities/${s.slug}`, { name: 'Staff rename' });
    expect(patch.status).toBe(403);
    expect(patch.body.code).toBe('not_community_admin');
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.solutionPostId).toBeNull();
  });

  it('lets staff see hidden posts only like any member (text withheld)', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const hiddenReply = await reply(s.other, topic.id, { body: 'Buy cheap watches' });
    await t.app.parley.ctx.db.execute(sql`update posts set hidden = true, hidden_reason = 'spam' where id = ${hiddenReply.id}`);
    const read = await s.staff.get(`/api/topics/${topic.id}`);
    const seen = read.body.posts.find((p: any) => p.id === hiddenReply.id);
    expect(seen).toMatchObject({ hidden: true, hiddenReason: 'spam', body: null, bodyHtml: null });
  });
});

describe('accepted answers', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  const question = async () => {
    const { topic, post } = await createTopic(s.member, s.slug, { kind: 'question' });
    const answer = await reply(s.other, topic.id);
    return { topic, opening: post, answer };
  };

  it('lets the topic author mark a reply as the solution: 200 {topic}', async () => {
    const { topic, answer } = await question();
    const res = await s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id });
    expect(res.status).toBe(200);
    expect(res.body.topic).toMatchObject({ id: topic.id, solutionPostId: answer.id });
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.solutionPostId).toBe(answer.id);
  });

  it("lets a moderator and an admin mark the solution on someone else's topic", async () => {
    const { topic, answer } = await question();
    const second = await reply(s.staff, topic.id);
    const res = await s.moderator.post(`/api/topics/${topic.id}/solution`, { postId: answer.id });
    expect(res.status).toBe(200);
    expect(res.body.topic.solutionPostId).toBe(answer.id);
    const byAdmin = await s.admin.post(`/api/topics/${topic.id}/solution`, { postId: second.id });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.topic.solutionPostId).toBe(second.id);
  });

  it('refuses other members with 403 not_topic_author, guests with 401', async () => {
    const { topic, answer } = await question();
    const res = await s.other.post(`/api/topics/${topic.id}/solution`, { postId: answer.id });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('not_topic_author');
    const guest = await t.guest().post(`/api/topics/${topic.id}/solution`, { postId: answer.id });
    expect(guest.status).toBe(401);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.solutionPostId).toBeNull();
  });

  it('refuses a post of another topic with 400 post_not_in_topic', async () => {
    const { topic } = await question();
    const elsewhere = await question();
    const res = await s.member.post(`/api/topics/${topic.id}/solution`, { postId: elsewhere.answer.id });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('post_not_in_topic');
    const missing = await s.member.post(`/api/topics/${topic.id}/solution`, { postId: 2_000_000_000 });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('post_not_in_topic');
  });

  it('refuses the opening post with 400 invalid_solution', async () => {
    const { topic, opening } = await question();
    const res = await s.member.post(`/api/topics/${topic.id}/solution`, { postId: opening.id });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_solution');
  });

  it('refuses a bad postId with 400 and an unknown topic with 404 topic_not_found', async () => {
    const { topic } = await question();
    for (const body of [{ postId: 'abc' }, { postId: -1 }, {}]) {
      const res = await s.member.post(`/api/topics/${topic.id}/solution`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const res = await s.member.post('/api/topics/2000000000/solution', { postId: 1 });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('topic_not_found');
  });

  it('clears the solution with DELETE and with {postId: null}', async () => {
    const { topic, answer } = await question();
    expect((await s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).body.topic.solutionPostId).toBe(answer.id);
    const cleared = await s.member.delete(`/api/topics/${topic.id}/solution`);
    expect(cleared.status).toBe(200);
    expect(cleared.body.topic.solutionPostId).toBeNull();
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.solutionPostId).toBeNull();

    expect((await s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).body.topic.solutionPostId).toBe(answer.id);
    const nulled = await s.member.post(`/api/topics/${topic.id}/solution`, { postId: null });
    expect(nulled.status).toBe(200);
    expect(nulled.body.topic.solutionPostId).toBeNull();
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.solutionPostId).toBeNull();

    const byOther = await s.other.delete(`/api/topics/${topic.id}/solution`);
    expect(byOther.status).toBe(403);
    expect(byOther.body.code).toBe('not_topic_author');
  });

  it("counts solutions on the answer author's profile", async () => {
    const helper = await signUp(t);
    const before = await t.guest().get(`/api/users/${helper.handle}`);
    expect(before.body.stats.solutions).toBe(0);
    const q1 = await createTopic(s.member, s.slug, { kind: 'question' });
    const q2 = await createTopic(s.other, s.slug, { kind: 'question' });
    const a1 = await reply(helper, q1.topic.id);
    const a2 = await reply(helper, q2.topic.id);
    await reply(helper, q2.topic.id);
    expect((await s.member.post(`/api/topics/${q1.topic.id}/solution`, { postId: a1.id })).status).toBe(200);
    expect((await s.other.post(`/api/topics/${q2.topic.id}/solution`, { postId: a2.id })).status).toBe(200);
    const after = await t.guest().get(`/api/users/${helper.handle}`);
    expect(after.body.stats).toMatchObject({ posts: 3, solutions: 2 });
    // The question's author does not get the credit.
    expect((await t.guest().get(`/api/users/${s.member.handle}`)).body.stats.solutions).toBe(0);

    expect((await s.other.delete(`/api/topics/${q2.topic.id}/solution`)).status).toBe(200);
    expect((await t.guest().get(`/api/users/${helper.handle}`)).body.stats.solutions).toBe(1);
  });

  it('refuses an answer on a discussion or an idea with 409 not_a_question, for the author and moderators alike', async () => {
    for (const kind of ['discussion', 'idea'] as const) {
      const { topic } = await createTopic(s.member, s.slug, { kind });
      const answer = await reply(s.other, topic.id);
      for (const who of [s.member, s.moderator]) {
        expectError(await who.post(`/api/topics/${topic.id}/solution`, { postId: answer.id }), 409, 'not_a_question');
      }
      expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.solutionPostId).toBeNull();
    }
  });

  it('still clears an answer stored on another kind before that rule (DELETE and postId: null)', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const answer = await reply(s.other, topic.id);
    const storeOldAnswer = () => t.app.parley.ctx.db.execute(sql`update topics set solution_post_id = ${answer.id}, solved_at = now() where id = ${topic.id}`);
    await storeOldAnswer();
    const cleared = await s.member.delete(`/api/topics/${topic.id}/solution`);
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.body.topic.solutionPostId).toBeNull();
    await storeOldAnswer();
    const nulled = await s.moderator.post(`/api/topics/${topic.id}/solution`, { postId: null });
    expect(nulled.status, nulled.text).toBe(200);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.solutionPostId).toBeNull();
  });

  it('refuses a banned topic author with 403 banned', async () => {
    const asker = await signUp(t);
    const { topic } = await createTopic(asker, s.slug, { kind: 'question' });
    const answer = await reply(s.other, topic.id);
    await t.app.parley.ctx.db.execute(
      sql`insert into bans (community_id, user_id, reason, created_by_id) values (${s.community.id}, ${asker.userId}, 'rude', ${s.admin.userId})`,
    );
    const res = await asker.post(`/api/topics/${topic.id}/solution`, { postId: answer.id });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('banned');
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.solutionPostId).toBeNull();
  });

  it('clears the solution when its post is deleted', async () => {
    const { topic, answer } = await question();
    expect((await s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).status).toBe(200);
    expect((await s.other.delete(`/api/posts/${answer.id}`)).status).toBe(204);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.solutionPostId).toBeNull();
  });
});

describe('with rate limits off (the default test app)', () => {
  it('lets a brand-new account start many topics, post many links, post fast and repeat itself', async () => {
    const admin = await signUp(t);
    const { slug } = await createCommunity(admin);
    const newbie = await signUp(t, { newAccount: true });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createTopic(newbie, slug)).topic.id);
    const links = 'See https://a.example/1 and https://b.example/2 and https://c.example/3 and https://d.example/4';
    const withLinks = await newbie.post(`/api/topics/${ids[0]}/posts`, { body: links });
    expect(withLinks.status).toBe(201);
    expect(withLinks.body.post.bodyHtml).toContain('href="https://d.example/4"');
    for (let i = 0; i < 6; i++) await reply(newbie, ids[1]!);
    const same = 'exactly the same words';
    expect((await newbie.post(`/api/topics/${ids[2]}/posts`, { body: same })).status).toBe(201);
    expect((await newbie.post(`/api/topics/${ids[2]}/posts`, { body: same })).status).toBe(201);
  });
});

describe('moving a topic to another category', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('moves it to a category of its community; an unknown one is 404 category_not_found and changes nothing', async () => {
    const cat = unique('cat');
    expect((await s.admin.post(`/api/communities/${s.slug}/categories`, { slug: cat, name: 'Help' })).status).toBe(201);
    const { topic } = await createTopic(s.member, s.slug);
    const moved = await s.member.patch(`/api/topics/${topic.id}`, { category: cat });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.topic.category).toBe(cat);

    expectError(await s.member.patch(`/api/topics/${topic.id}`, { category: unique('nope') }), 404, 'category_not_found');
    // Another community's category is as unknown here as a missing one.
    const elsewhere = await createCommunity(s.admin);
    const theirs = unique('theirs');
    expect((await s.admin.post(`/api/communities/${elsewhere.slug}/categories`, { slug: theirs, name: 'Theirs' })).status).toBe(201);
    expectError(await s.moderator.patch(`/api/topics/${topic.id}`, { category: theirs, title: 'Not applied either' }), 404, 'category_not_found');
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic).toMatchObject({ category: cat, title: topic.title });
  });
});
