import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { computeReputation, reputationOf } from '../server/reputation/reputation.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, signUp, type SignedIn } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.app.parley.ctx.db;
const exec = (q: ReturnType<typeof sql>) => db().execute(q);
const ok = (res: { status: number; text?: string }, status = 200) => expect(res.status, res.text).toBe(status);

/** What a profile shows of each member, read twice (the second read is the stored rollup's), against the definition. */
async function expectRollupEqualsDefinition(people: SignedIn[]) {
  for (const p of people) {
    const definition = await computeReputation(db(), p.userId);
    expect(await reputationOf(db(), p.userId), `${p.handle}, first read`).toEqual(definition);
    expect(await reputationOf(db(), p.userId), `${p.handle}, kept`).toEqual(definition);
    const res = await t.guest().get(`/api/users/${p.handle}`);
    ok(res);
    const { badges: _, ...shown } = res.body.reputation;
    const { posts, ...rest } = definition;
    expect(shown, p.handle).toEqual(rest);
    expect(res.body.stats, p.handle).toEqual({ posts, helpful: definition.helpfulReceived, solutions: definition.solutions });
  }
  const [stale] = await rows<{ n: number }>(
    db(),
    sql`SELECT count(*)::int AS n FROM member_reputation WHERE user_id IN (${sql.join(
      people.map((p) => sql`${p.userId}`),
      sql`, `,
    )}) AND computed_version <> version`,
  );
  expect(Number(stale!.n)).toBe(0);
}

describe('the reputation rollup', () => {
  it('stays equal to the definition through every write that changes a reputation', async () => {
    const s = await scene(t);
    const ann = await signUp(t);
    const bob = await signUp(t);
    const people = [ann, bob, s.member, s.other, s.staff];
    const helpful = async (giver: SignedIn, postId: number) => ok(await giver.post(`/api/posts/${postId}/reactions`, { kind: 'helpful' }));

    // Questions by two askers, answered by ann and bob; profiles read (and stored) before each change.
    const q1 = await createTopic(s.member, s.slug, { kind: 'question' });
    const q2 = await createTopic(s.other, s.slug, { kind: 'question' });
    const a1 = await reply(ann, q1.topic.id);
    const a2 = await reply(ann, q2.topic.id);
    const b1 = await reply(bob, q1.topic.id);
    await expectRollupEqualsDefinition(people);

    await helpful(s.member, a1.id);
    await helpful(s.staff, a1.id);
    await helpful(s.other, b1.id);
    await expectRollupEqualsDefinition(people);

    ok(await s.member.post(`/api/topics/${q1.topic.id}/solution`, { postId: a1.id }));
    ok(await s.other.post(`/api/topics/${q2.topic.id}/solution`, { postId: a2.id }));
    await expectRollupEqualsDefinition(people);

    // The accepted answer changes hands, then is cleared.
    ok(await s.member.post(`/api/topics/${q1.topic.id}/solution`, { postId: b1.id }));
    await expectRollupEqualsDefinition(people);
    ok(await s.member.delete(`/api/topics/${q1.topic.id}/solution`));
    await expectRollupEqualsDefinition(people);

    // A helpful mark taken back; a like, which counts for nothing.
    ok(await s.staff.delete(`/api/posts/${a1.id}/reactions/helpful`));
    ok(await s.staff.post(`/api/posts/${a1.id}/reactions`, { kind: 'like' }));
    await expectRollupEqualsDefinition(people);

    // Hiding and showing a post, deleting one, hiding a whole topic and showing it again.
    ok(await s.moderator.post(`/api/posts/${a1.id}/hide`, { reason: 'Rude' }));
    await expectRollupEqualsDefinition(people);
    ok(await s.moderator.delete(`/api/posts/${a1.id}/hide`));
    await expectRollupEqualsDefinition(people);
    ok(await bob.delete(`/api/posts/${b1.id}`), 204);
    await expectRollupEqualsDefinition(people);
    ok(await s.moderator.post(`/api/topics/${q2.topic.id}/hide`, { reason: 'Spam' }));
    await expectRollupEqualsDefinition(people);
    ok(await s.moderator.delete(`/api/topics/${q2.topic.id}/hide`));
    await expectRollupEqualsDefinition(people);

    // Writes no route makes today, by SQL: a post moved to another topic, a topic changing
    // author, a post changing author, a reaction turned into another kind, a topic deleted.
    const { topic: other } = await createTopic(bob, s.slug);
    await exec(sql`UPDATE posts SET topic_id = ${other.id}, number = 99 WHERE id = ${a2.id}`);
    await expectRollupEqualsDefinition(people);
    await exec(sql`UPDATE topics SET solution_post_id = ${a2.id} WHERE id = ${other.id}`);
    await exec(sql`UPDATE topics SET author_id = ${s.staff.userId} WHERE id = ${other.id}`);
    await expectRollupEqualsDefinition(people);
    await exec(sql`UPDATE posts SET author_id = ${bob.userId} WHERE id = ${a1.id}`);
    await expectRollupEqualsDefinition(people);
    await exec(sql`UPDATE reactions SET kind = 'like' WHERE post_id = ${a1.id} AND user_id = ${s.member.userId} AND kind = 'helpful'`);
    await expectRollupEqualsDefinition(people);
    await exec(sql`DELETE FROM topics WHERE id = ${q1.topic.id}`);
    await expectRollupEqualsDefinition(people);
  });

  it("is filled by the migration's backfill with the definition's figures", async () => {
    const s = await scene(t);
    const ann = await signUp(t);
    const q = await createTopic(s.member, s.slug, { kind: 'question' });
    const answer = await reply(ann, q.topic.id);
    await reply(ann, q.topic.id);
    ok(await s.other.post(`/api/posts/${answer.id}/reactions`, { kind: 'helpful' }));
    ok(await s.member.post(`/api/topics/${q.topic.id}/solution`, { postId: answer.id }));
    const hidden = await createTopic(ann, s.slug);
    ok(await s.moderator.post(`/api/topics/${hidden.topic.id}/hide`, { reason: 'Spam' }));
    // Self-marks, written by SQL (the API refuses them), count for nothing.
    await exec(sql`INSERT INTO reactions (post_id, user_id, kind) VALUES (${answer.id}, ${ann.userId}, 'helpful')`);

    const migration = readFileSync(new URL('../migrations/0013_member_reputation.sql', import.meta.url), 'utf8');
    const backfill = migration.split('--> statement-breakpoint').find((st) => /INSERT INTO member_reputation \(user_id, version, computed_version/.test(st));
    expect(backfill).toBeDefined();
    await exec(sql`DELETE FROM member_reputation`);
    await exec(sql.raw(backfill!));

    const people = [ann, s.member, s.other, s.moderator];
    for (const p of people) {
      const [stored] = await rows<Record<string, number>>(
        db(),
        sql`SELECT posts, helpful_received, solutions, topics_started, people_helped FROM member_reputation WHERE user_id = ${p.userId} AND computed_version = version`,
      );
      const d = await computeReputation(db(), p.userId);
      const figures = stored
        ? {
            posts: Number(stored.posts),
            helpfulReceived: Number(stored.helpful_received),
            solutions: Number(stored.solutions),
            topicsStarted: Number(stored.topics_started),
            peopleHelped: Number(stored.people_helped),
          }
        : { posts: 0, helpfulReceived: 0, solutions: 0, topicsStarted: 0, peopleHelped: 0 };
      expect(figures, p.handle).toEqual(d);
    }
    expect((await computeReputation(db(), ann.userId)).solutions).toBe(1);
    await expectRollupEqualsDefinition(people);
  });
});
