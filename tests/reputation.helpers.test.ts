import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, makeSiteAdmin, reply, setRole, signUp, unique } from './helpers/factories.js';
import { monthOf } from '../server/reputation/helpers.js';

let t: TestApp;
beforeAll(async () => {
  // Rankings as they are at each request (servers keep them a minute: tests/reputation.helpers-cache.test.ts).
  t = await startTestApp({ helpersCacheSeconds: 0 });
});
afterAll(async () => {
  await t?.close();
});

type Member = Awaited<ReturnType<typeof signUp>>;
const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);
const helpers = async (slug: string, query = '') => {
  const res = await t.guest().get(`/api/communities/${slug}/helpers${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { items: { user: any; helpful: number; solutions: number; score: number }[]; from: string; to: string };
};
const board = async (slug: string) => (await helpers(slug)).items.map((i) => [i.user.handle, i.helpful, i.solutions, i.score]);

/** A community with an admin who asks questions and marks things helpful. */
async function fresh() {
  const admin = await signUp(t);
  const community = await createCommunity(admin);
  return { admin, slug: community.slug };
}
async function markHelpful(givers: TestClient[], postId: number) {
  for (const g of givers) expect((await g.post(`/api/posts/${postId}/reactions`, { kind: 'helpful' })).status).toBe(200);
}
/** `asker` asks, `helper` answers, `asker` accepts. Returns the answer. */
async function solve(slug: string, asker: TestClient, helper: TestClient) {
  const { topic } = await createTopic(asker, slug, { kind: 'question' });
  const answer = await reply(helper, topic.id);
  expect((await asker.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).status).toBe(200);
  return { topic, answer };
}
const lastMonth = sql`date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 hour'`;

describe('GET /api/communities/:slug/helpers', () => {
  let people: Member[];
  beforeAll(async () => {
    people = await Promise.all(Array.from({ length: 6 }, () => signUp(t)));
  });

  it('answers the calendar month (UTC) as from/to, and an empty list when nobody helped', async () => {
    const { slug } = await fresh();
    const body = await helpers(slug);
    expect(body.items).toEqual([]);
    const { from, to } = monthOf(new Date());
    expect(body.from).toBe(from.toISOString());
    expect(body.to).toBe(to.toISOString());
    expect(body.from).toMatch(/^\d{4}-\d{2}-01T00:00:00\.000Z$/);
    expect(new Date(body.from).getTime()).toBeLessThanOrEqual(Date.now());
    expect(new Date(body.to).getTime()).toBeGreaterThan(Date.now());
    expect(await helpers(slug, '?period=month')).toEqual(body);
  });

  it('computes month bounds across a year end', () => {
    expect(monthOf(new Date('2025-12-31T23:59:59.999Z'))).toEqual({ from: new Date('2025-12-01T00:00:00Z'), to: new Date('2026-01-01T00:00:00Z') });
    expect(monthOf(new Date('2026-01-01T00:00:00Z')).from).toEqual(new Date('2026-01-01T00:00:00Z'));
  });

  it('ranks by 3 × solutions + helpful marks received this month', async () => {
    const { admin, slug } = await fresh();
    const [a, b, c, asker, g1, g2] = people as [Member, Member, Member, Member, Member, Member];
    // a: two solutions (6). b: four helpful (4). c: one solution and two helpful (5).
    await solve(slug, asker, a);
    await solve(slug, admin, a);
    const { topic } = await createTopic(asker, slug);
    const b1 = await reply(b, topic.id);
    const b2 = await reply(b, topic.id);
    await markHelpful([g1, g2], b1.id);
    await markHelpful([g1, g2], b2.id);
    const { answer } = await solve(slug, asker, c);
    await markHelpful([g1, admin], answer.id);
    expect(await board(slug)).toEqual([
      [a.handle, 0, 2, 6],
      [c.handle, 2, 1, 5],
      [b.handle, 4, 0, 4],
    ]);
    const body = await helpers(slug);
    expect(body.items[0]!.user).toEqual((await t.guest().get(`/api/users/${a.handle}`)).body.user);
  });

  it('leaves out staff, admins and site admins, but keeps moderators', async () => {
    const { admin, slug } = await fresh();
    const [staff, moderator, root, member, giver] = await Promise.all(Array.from({ length: 5 }, () => signUp(t)));
    await setRole(admin, slug, staff!.handle, 'staff');
    await setRole(admin, slug, moderator!.handle, 'moderator');
    await makeSiteAdmin(t, root!.userId);
    const { topic } = await createTopic(giver!, slug);
    for (const who of [staff!, moderator!, root!, member!, admin]) {
      const post = await reply(who, topic.id);
      await markHelpful([giver!], post.id);
    }
    expect((await board(slug)).map((row) => row[0]).sort()).toEqual([member!.handle, moderator!.handle].sort());
    // A role is judged now: a member made staff leaves the board at once.
    await setRole(admin, slug, member!.handle, 'staff');
    expect((await board(slug)).map((row) => row[0])).toEqual([moderator!.handle]);
  });

  it("counts only this month: last month's helpful marks and solutions are left out", async () => {
    const { admin, slug } = await fresh();
    const [helper, other] = [await signUp(t), await signUp(t)];
    const { topic, answer } = await solve(slug, admin, helper);
    const second = await reply(helper, topic.id);
    await markHelpful([admin, other], answer.id);
    await markHelpful([admin], second.id);
    expect(await board(slug)).toEqual([[helper.handle, 3, 1, 6]]);
    await exec(sql`update topics set solved_at = ${lastMonth} where id = ${topic.id}`);
    expect(await board(slug)).toEqual([[helper.handle, 3, 0, 3]]);
    await exec(sql`update reactions set created_at = ${lastMonth} where post_id = ${answer.id}`);
    expect(await board(slug)).toEqual([[helper.handle, 1, 0, 1]]);
    await exec(sql`update reactions set created_at = ${lastMonth} where post_id = ${second.id}`);
    expect(await board(slug)).toEqual([]);
    // The answer was chosen last month even though it was written... whenever: solved_at decides.
    await exec(sql`update topics set solved_at = now() where id = ${topic.id}`);
    expect(await board(slug)).toEqual([[helper.handle, 0, 1, 3]]);
  });

  it('leaves out self-reactions, self-answers, hidden and deleted posts, hidden topics, other communities and banned members', async () => {
    const { admin, slug } = await fresh();
    const [helper, giver, banned] = [await signUp(t), await signUp(t), await signUp(t)];
    const { topic } = await createTopic(admin, slug);
    const kept = await reply(helper, topic.id);
    const own = await reply(helper, topic.id);
    const hidden = await reply(helper, topic.id);
    const deleted = await reply(helper, topic.id);
    await markHelpful([giver], kept.id);
    await exec(sql`insert into reactions (post_id, user_id, kind) values (${own.id}, ${helper.userId}, 'helpful')`);
    await markHelpful([giver, admin], hidden.id);
    await markHelpful([giver], deleted.id);
    expect((await admin.post(`/api/posts/${hidden.id}/hide`, { reason: 'Rude' })).status).toBe(200);
    expect((await helper.delete(`/api/posts/${deleted.id}`)).status).toBe(204);
    // Answering your own question.
    const { topic: q } = await createTopic(helper, slug, { kind: 'question' });
    const selfAnswer = await reply(helper, q.id);
    expect((await helper.post(`/api/topics/${q.id}/solution`, { postId: selfAnswer.id })).status).toBe(200);
    // A topic that is hidden now.
    const gone = await solve(slug, giver, helper);
    await markHelpful([giver], gone.answer.id);
    expect((await admin.post(`/api/topics/${gone.topic.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    // Another community's help is counted there, not here.
    const elsewhere = await createCommunity(admin);
    await solve(elsewhere.slug, admin, helper);
    // A banned member's help was real, but they are not held up as an example while banned.
    const post = await reply(banned, topic.id);
    await markHelpful([giver, admin], post.id);
    expect((await admin.post(`/api/communities/${slug}/bans`, { handle: banned.handle, reason: 'Spam' })).status).toBe(201);

    expect(await board(slug)).toEqual([[helper.handle, 1, 0, 1]]);
    expect(await board(elsewhere.slug)).toEqual([[helper.handle, 0, 1, 3]]);
  });

  it('breaks ties by the earlier first contribution, then by user id, and shows at most 10', async () => {
    const { admin, slug } = await fresh();
    const crowd = await Promise.all(Array.from({ length: 12 }, () => signUp(t)));
    const { topic } = await createTopic(admin, slug);
    const posts: number[] = [];
    for (const who of crowd) {
      const post = await reply(who, topic.id);
      posts.push(post.id);
      await markHelpful([admin], post.id);
    }
    // Everyone has 1 helpful; make the later members' marks the earlier ones.
    for (const [i, id] of posts.entries()) {
      await exec(sql`update reactions set created_at = now() - make_interval(secs => ${i}) where post_id = ${id}`);
    }
    const body = await helpers(slug);
    expect(body.items).toHaveLength(10);
    expect(body.items.map((i) => i.user.handle)).toEqual(
      [...crowd]
        .reverse()
        .slice(0, 10)
        .map((c) => c.handle),
    );
    // Identical times fall back to the user id.
    await exec(
      sql`update reactions set created_at = date_trunc('second', now()) where post_id in (${sql.join(
        posts.map((p) => sql`${p}`),
        sql`, `,
      )})`,
    );
    const sorted = [...crowd]
      .sort((x, y) => x.userId - y.userId)
      .slice(0, 10)
      .map((c) => c.handle);
    expect((await helpers(slug)).items.map((i) => i.user.handle)).toEqual(sorted);
  });

  it('answers 404 for an unknown community and 400 for an unknown period', async () => {
    expectError(await t.guest().get(`/api/communities/${unique('nope')}/helpers`), 404, 'community_not_found');
    const { slug } = await fresh();
    for (const period of ['week', 'all', '']) {
      const res = await t.guest().get(`/api/communities/${slug}/helpers?period=${period}`);
      expect(res.status, period).toBe(400);
      expect(res.body.code).toBe('invalid_input');
    }
  });
});
