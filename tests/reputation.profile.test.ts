import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, scene, setRole, signUp, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Scene = Awaited<ReturnType<typeof scene>>;
const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);
const profile = async (handle: string) => {
  const res = await t.guest().get(`/api/users/${handle}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { user: any; stats: { posts: number; helpful: number; solutions: number }; reputation: any; roles: any[] };
};
const helpful = async (giver: { post: (url: string, body: unknown) => Promise<{ status: number }> }, postId: number) =>
  expect((await giver.post(`/api/posts/${postId}/reactions`, { kind: 'helpful' })).status).toBe(200);
/** The API refuses reactions to your own posts; rows written any other way must not count either. */
async function selfHelpful(userId: number, postId: number) {
  await exec(sql`insert into reactions (post_id, user_id, kind) values (${postId}, ${userId}, 'helpful')`);
  await exec(sql`update posts set helpful_count = helpful_count + 1 where id = ${postId}`);
}

/** `n` accounts made directly in the database: badges need many distinct people. */
async function fakeUsers(n: number): Promise<number[]> {
  const tag = unique('f');
  const made = await rows<{ id: number }>(
    t.app.parley.ctx.db,
    sql`
    insert into users (handle, display_name) select ${tag} || '_' || i, 'Fake ' || i from generate_series(1, ${n}) i returning id`,
  );
  return made.map((r) => Number(r.id));
}

/** Each of `askers` asks a question in the community and accepts `helperId`'s reply, all in SQL. */
async function solvedQuestions(communityId: number, askers: number[], helperId: number) {
  const tag = unique('Question ');
  await exec(sql`
    with q as (
      insert into topics (community_id, category_id, author_id, title, kind, last_number, post_count)
      select ${communityId}, (select id from categories where community_id = ${communityId} order by id limit 1), a, ${tag}, 'question', 2, 2
      from unnest(${`{${askers.join(',')}}`}::int[]) a
      returning id, author_id
    ), opening as (
      insert into posts (topic_id, number, author_id, body, body_html) select id, 1, author_id, 'help?', '<p>help?</p>' from q
    )
    insert into posts (topic_id, number, author_id, body, body_html) select id, 2, ${helperId}, 'like this', '<p>like this</p>' from q`);
  // A statement does not see rows its own CTEs inserted: the answers are accepted in a second one.
  await exec(sql`
    update topics set solution_post_id = p.id, solved_at = now()
    from posts p where p.topic_id = topics.id and p.number = 2 and topics.title = ${tag}`);
}

describe('reputation on profiles', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('starts at zero with no badges and no roles', async () => {
    const ann = await signUp(t);
    const p = await profile(ann.handle);
    expect(p.reputation).toEqual({ peopleHelped: 0, helpfulReceived: 0, solutions: 0, topicsStarted: 0, badges: [] });
    expect(p.roles).toEqual([]);
  });

  it('counts helpful marks from others and the distinct people who gave them', async () => {
    const ann = await signUp(t);
    const { topic } = await createTopic(s.member, s.slug);
    const [a, b, c] = [await reply(ann, topic.id), await reply(ann, topic.id), await reply(ann, topic.id)];
    for (const post of [a, b, c]) await helpful(s.other, post.id);
    await helpful(s.staff, a.id);
    expect((await s.moderator.post(`/api/posts/${a.id}/reactions`, { kind: 'like' })).status).toBe(200);
    const p = await profile(ann.handle);
    expect(p.reputation).toMatchObject({ helpfulReceived: 4, peopleHelped: 2, solutions: 0, topicsStarted: 0 });
    expect(p.stats).toEqual({ posts: 3, helpful: 4, solutions: 0 });
    expect(p.reputation.badges.map((x: any) => x.id)).toEqual(['first_helpful']);
    expect(p.reputation.badges[0]).toEqual({ id: 'first_helpful', name: expect.any(String), description: expect.any(String) });
  });

  it('never counts self-reactions, in stats or in reputation', async () => {
    const ann = await signUp(t);
    const { topic, post } = await createTopic(ann, s.slug);
    const r = await reply(ann, topic.id);
    await selfHelpful(ann.userId, post.id);
    await selfHelpful(ann.userId, r.id);
    const p = await profile(ann.handle);
    expect(p.stats).toEqual({ posts: 2, helpful: 0, solutions: 0 });
    expect(p.reputation).toEqual({ peopleHelped: 0, helpfulReceived: 0, solutions: 0, topicsStarted: 1, badges: [] });
    // Its displayed count on the post is not reputation's business.
    await helpful(s.other, r.id);
    expect((await profile(ann.handle)).reputation).toMatchObject({ helpfulReceived: 1, peopleHelped: 1 });
  });

  it("counts accepted answers to other people's questions, and their askers as people helped", async () => {
    const ann = await signUp(t);
    const asker = await signUp(t);
    const q1 = (await createTopic(asker, s.slug, { kind: 'question' })).topic;
    const q2 = (await createTopic(asker, s.slug, { kind: 'question' })).topic;
    const q3 = (await createTopic(s.other, s.slug, { kind: 'question' })).topic;
    for (const q of [q1, q2]) {
      const answer = await reply(ann, q.id);
      expect((await asker.post(`/api/topics/${q.id}/solution`, { postId: answer.id })).status).toBe(200);
    }
    const third = await reply(ann, q3.id);
    // A moderator may choose the answer for someone else's question: the asker was still helped.
    expect((await s.moderator.post(`/api/topics/${q3.id}/solution`, { postId: third.id })).status).toBe(200);
    await helpful(asker, third.id);
    const p = await profile(ann.handle);
    expect(p.reputation).toMatchObject({ solutions: 3, peopleHelped: 2, helpfulReceived: 1 });
    expect(p.stats).toEqual({ posts: 3, helpful: 1, solutions: 3 });
    expect(p.reputation.badges.map((x: any) => x.id)).toEqual(['first_helpful', 'first_solution']);

    // Clearing an answer takes it back.
    expect((await asker.delete(`/api/topics/${q2.id}/solution`)).status).toBe(200);
    expect((await profile(ann.handle)).reputation.solutions).toBe(2);
  });

  it('does not count answering your own question as a solution or as helping someone', async () => {
    const ann = await signUp(t);
    const { topic } = await createTopic(ann, s.slug, { kind: 'question' });
    const own = await reply(ann, topic.id);
    expect((await ann.post(`/api/topics/${topic.id}/solution`, { postId: own.id })).status).toBe(200);
    const p = await profile(ann.handle);
    expect(p.reputation).toMatchObject({ solutions: 0, peopleHelped: 0, topicsStarted: 1 });
    expect(p.stats.solutions).toBe(0);
  });

  it('counts topics started, leaving out hidden topics and deleted opening posts', async () => {
    const ann = await signUp(t);
    const kept = (await createTopic(ann, s.slug)).topic;
    const hidden = (await createTopic(ann, s.slug)).topic;
    const deleted = await createTopic(ann, s.slug);
    await reply(ann, kept.id);
    expect((await profile(ann.handle)).reputation.topicsStarted).toBe(3);
    expect((await s.moderator.post(`/api/topics/${hidden.id}/hide`, { reason: 'Off topic' })).status).toBe(200);
    expect((await ann.delete(`/api/posts/${deleted.post.id}`)).status).toBe(204);
    const p = await profile(ann.handle);
    expect(p.reputation.topicsStarted).toBe(1);
    expect(p.stats.posts).toBe(2);
  });

  it('leaves out everything from hidden posts, deleted posts and hidden topics', async () => {
    const ann = await signUp(t);
    const helpers = [s.other, s.staff, s.moderator];
    const q = (await createTopic(s.member, s.slug, { kind: 'question' })).topic;
    const hiddenPost = await reply(ann, q.id);
    const deletedPost = await reply(ann, q.id);
    const answer = await reply(ann, q.id);
    const q2 = (await createTopic(s.other, s.slug, { kind: 'question' })).topic;
    const inHiddenTopic = await reply(ann, q2.id);
    expect((await s.member.post(`/api/topics/${q.id}/solution`, { postId: answer.id })).status).toBe(200);
    expect((await s.other.post(`/api/topics/${q2.id}/solution`, { postId: inHiddenTopic.id })).status).toBe(200);
    for (const [i, post] of [hiddenPost, deletedPost, inHiddenTopic].entries()) await helpful(helpers[i]!, post.id);
    // Helped: other, staff and moderator (helpful marks), member and other (answers): four people.
    expect((await profile(ann.handle)).reputation).toMatchObject({ helpfulReceived: 3, solutions: 2, peopleHelped: 4 });

    expect((await s.moderator.post(`/api/posts/${hiddenPost.id}/hide`, { reason: 'Rude' })).status).toBe(200);
    expect((await ann.delete(`/api/posts/${deletedPost.id}`)).status).toBe(204);
    expect((await s.moderator.post(`/api/topics/${q2.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    const p = await profile(ann.handle);
    // Only the answer to s.member's question is left.
    expect(p.reputation).toEqual({
      peopleHelped: 1,
      helpfulReceived: 0,
      solutions: 1,
      topicsStarted: 0,
      badges: [expect.objectContaining({ id: 'first_solution' })],
    });
    expect(p.stats).toEqual({ posts: 1, helpful: 0, solutions: 1 });
  });

  it('awards the helpful badges at 1, 25 and 100 helpful marks, and helped_10 at 10 people', async () => {
    const ann = await signUp(t);
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(ann, topic.id);
    const people = await fakeUsers(100);
    const mark = (ids: number[]) =>
      exec(sql`insert into reactions (post_id, user_id, kind) select ${post.id}, u, 'helpful' from unnest(${`{${ids.join(',')}}`}::int[]) u`);
    const badges = async () => (await profile(ann.handle)).reputation.badges.map((b: any) => b.id);

    await mark(people.slice(0, 9));
    expect(await badges()).toEqual(['first_helpful']);
    await mark(people.slice(9, 10));
    expect(await badges()).toEqual(['first_helpful', 'helped_10']);
    await mark(people.slice(10, 24));
    expect((await profile(ann.handle)).reputation).toMatchObject({ helpfulReceived: 24, peopleHelped: 24 });
    expect(await badges()).toEqual(['first_helpful', 'helped_10']);
    await mark(people.slice(24, 25));
    expect(await badges()).toEqual(['first_helpful', 'helpful_25', 'helped_10']);
    await mark(people.slice(25, 99));
    expect(await badges()).toEqual(['first_helpful', 'helpful_25', 'helped_10']);
    await mark(people.slice(99));
    expect(await badges()).toEqual(['first_helpful', 'helpful_25', 'helpful_100', 'helped_10']);
    expect((await profile(ann.handle)).reputation).toMatchObject({ helpfulReceived: 100, peopleHelped: 100 });
  });

  it('awards the solution badges at 1, 10 and 50 accepted answers', async () => {
    const ann = await signUp(t);
    const askers = await fakeUsers(50);
    const badges = async () => (await profile(ann.handle)).reputation.badges.map((b: any) => b.id);
    // One asker, several questions: one person helped, many solutions.
    await solvedQuestions(s.community.id, [askers[0]!], ann.userId);
    expect(await badges()).toEqual(['first_solution']);
    await solvedQuestions(
      s.community.id,
      Array.from({ length: 8 }, () => askers[1]!),
      ann.userId,
    );
    expect((await profile(ann.handle)).reputation).toMatchObject({ solutions: 9, peopleHelped: 2 });
    expect(await badges()).toEqual(['first_solution']);
    await solvedQuestions(s.community.id, askers.slice(2, 3), ann.userId);
    expect(await badges()).toEqual(['first_solution', 'solutions_10']);
    await solvedQuestions(s.community.id, askers.slice(3, 42), ann.userId);
    expect((await profile(ann.handle)).reputation).toMatchObject({ solutions: 49, peopleHelped: 42 });
    expect(await badges()).toEqual(['first_solution', 'solutions_10', 'helped_10']);
    await solvedQuestions(s.community.id, askers.slice(42, 43), ann.userId);
    expect(await badges()).toEqual(['first_solution', 'solutions_10', 'solutions_50', 'helped_10']);
  });

  it('lists staff, moderator and admin roles with the community, never plain membership', async () => {
    const ann = await signUp(t);
    const a = await createCommunity(s.admin);
    const b = await createCommunity(s.admin);
    const c = await createCommunity(s.admin);
    await setRole(s.admin, a.slug, ann.handle, 'staff');
    await setRole(s.admin, b.slug, ann.handle, 'moderator');
    await setRole(s.admin, c.slug, ann.handle, 'member');
    const mine = await createCommunity(ann);
    const p = await profile(ann.handle);
    const byCommunity = Object.fromEntries(p.roles.map((r) => [r.community, r]));
    expect(p.roles).toHaveLength(3);
    expect(byCommunity[a.slug]).toEqual({ community: a.slug, communityName: `Community ${a.slug}`, role: 'staff' });
    expect(byCommunity[b.slug]).toMatchObject({ role: 'moderator' });
    expect(byCommunity[mine.slug]).toMatchObject({ role: 'admin' });
    expect(byCommunity[c.slug]).toBeUndefined();
  });
});
