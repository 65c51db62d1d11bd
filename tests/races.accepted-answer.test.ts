import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createTopic, reply, scene } from './helpers/factories.js';
import { overlapping } from './helpers/write-gate.js';

/**
 * Choosing an accepted answer and deleting (or hiding) that post can happen at the same moment;
 * whichever commits last must see the other. The overlap is held open deterministically: one
 * service waits just before its write, having made every check it makes before it, until the other
 * action is done (tests/helpers/write-gate.ts).
 */
vi.mock('../server/write/unit-of-work.js', async (importOriginal) => (await import('./helpers/write-gate.js')).gatedWrites(await importOriginal()));

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

/** A question by the member with one answer by the other member. */
async function question() {
  const { topic } = await createTopic(s.member, s.slug, { kind: 'question' });
  const answer = await reply(s.other, topic.id);
  return { topic, answer };
}

const solutionOf = async (topicId: number) => (await s.moderator.get(`/api/topics/${topicId}`)).body.topic.solutionPostId as number | null;

describe('accepting an answer while its post goes away', () => {
  it('refuses with 409 post_unavailable when the post is deleted after the checks and before the choice is stored', async () => {
    const { topic, answer } = await question();
    const res = await overlapping(
      'setSolution',
      () => s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id }),
      async () => expect((await s.other.delete(`/api/posts/${answer.id}`)).status).toBe(204),
    );
    expectError(res, 409, 'post_unavailable');
    expect(await solutionOf(topic.id)).toBeNull();
  });

  it('refuses with 409 post_unavailable when the post is hidden after the checks and before the choice is stored', async () => {
    const { topic, answer } = await question();
    const res = await overlapping(
      'setSolution',
      () => s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id }),
      async () => expect((await s.moderator.post(`/api/posts/${answer.id}/hide`, { reason: 'Off topic' })).status).toBe(200),
    );
    expectError(res, 409, 'post_unavailable');
    expect(await solutionOf(topic.id)).toBeNull();
  });
});

describe('deleting a post chosen as the answer meanwhile', () => {
  it('clears the answer (and its time) that was chosen after the delete read the topic', async () => {
    const { topic, answer } = await question();
    const res = await overlapping(
      'deletePost',
      () => s.other.delete(`/api/posts/${answer.id}`),
      async () => expect((await s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).status).toBe(200),
    );
    expect(res.status, res.text).toBe(204);
    expect(await solutionOf(topic.id)).toBeNull();
    // The month's top helpers and the digest date accepted answers by this time: an unsolved question keeps none.
    const { rows } = (await t.app.parley.ctx.db.execute(sql`SELECT solved_at FROM topics WHERE id = ${topic.id}`)) as { rows: { solved_at: unknown }[] };
    expect(rows[0]!.solved_at).toBeNull();
  });
});

/**
 * On PostgreSQL the other action can still be open, uncommitted, while this one runs: the two
 * must wait for each other instead of each reading the state before the other.
 */
describe.skipIf(!process.env.DATABASE_URL)('with the other action still open (PostgreSQL)', () => {
  async function whileOpen<T>(statements: [string, unknown[]][], send: () => Promise<T>): Promise<T> {
    const other = new pg.Client({ connectionString: t.config.databaseUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      for (const [statement, params] of statements) await other.query(statement, params);
      const sent = send();
      await expect
        .poll(
          async () =>
            (await other.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0].n,
          {
            timeout: 5000,
          },
        )
        .toBe(1);
      await other.query('COMMIT');
      return await sent;
    } finally {
      await other.end();
    }
  }

  it('a choice made while the post’s delete is uncommitted waits for it and refuses the post', async () => {
    const { topic, answer } = await question();
    const res = await whileOpen([['UPDATE posts SET deleted = true WHERE id = $1', [answer.id]]], () =>
      s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id }),
    );
    expectError(res, 409, 'post_unavailable');
    expect(await solutionOf(topic.id)).toBeNull();
  });

  it('a delete made while the choice of its post is uncommitted waits for it and clears it', async () => {
    const { topic, answer } = await question();
    // The choice's own statements: the post checked under its lock, then the topic.
    const choosing: [string, unknown[]][] = [
      ['SELECT deleted, hidden FROM posts WHERE id = $1 FOR SHARE', [answer.id]],
      ['UPDATE topics SET solution_post_id = $1, solved_at = now() WHERE id = $2', [answer.id, topic.id]],
    ];
    const res = await whileOpen(choosing, () => s.other.delete(`/api/posts/${answer.id}`));
    expect(res.status, res.text).toBe(204);
    expect(await solutionOf(topic.id)).toBeNull();
  });
});
