import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, scene, signUp, unique, type SignedIn } from './helpers/factories.js';

/**
 * A reply (or a new topic) is checked against the topic's lock and hiding and the author's ban
 * before it is stored; a moderator acting in between must still win. The window is held open
 * deterministically: `shouldHold` is asked in the last phase before the store (the order
 * tests/posts.pipeline.test.ts holds), so a post stopped there has passed every check.
 */
const window = vi.hoisted(() => {
  let waiting: { reached: () => void; release: Promise<void> } | null = null;
  return {
    /** The next post stops after its checks, before it is stored, until `open()`; `reached` settles when it got there. */
    hold() {
      let open!: () => void;
      let reached!: () => void;
      const atWindow = new Promise<void>((r) => (reached = r));
      waiting = { reached, release: new Promise<void>((r) => (open = r)) };
      return { reached: atWindow, open };
    },
    async pass() {
      const w = waiting;
      if (!w) return;
      waiting = null;
      w.reached();
      await w.release;
    },
  };
});

vi.mock('../server/moderation/hold.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../server/moderation/hold.js')>();
  return {
    ...real,
    shouldHold: async (...args: Parameters<typeof real.shouldHold>) => {
      await window.pass();
      return real.shouldHold(...args);
    },
  };
});

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

/** What a moderator reading the topic sees of it: every reply, hidden or not. */
async function repliesIn(topicId: number) {
  const page = await s.moderator.get(`/api/topics/${topicId}`);
  expect(page.status, page.text).toBe(200);
  return { postCount: page.body.topic.postCount as number, bodies: (page.body.posts as { body: string }[]).map((p) => p.body) };
}

/** Sends a reply that stops after its checks while `act` runs, then lets it go on. */
async function replyAround(author: SignedIn, topicId: number, body: string, act: () => Promise<void>) {
  const held = window.hold();
  const sent = author.post(`/api/topics/${topicId}/posts`, { body });
  await held.reached;
  await act();
  held.open();
  return sent;
}

describe('a moderator acting between a reply’s checks and its insert', () => {
  it('a lock committed in between refuses the reply with 403 topic_locked, and its author does not join', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const newcomer = await signUp(t);
    const body = `Slipped in ${unique()}`;
    const res = await replyAround(newcomer, topic.id, body, async () => {
      expect((await s.moderator.post(`/api/topics/${topic.id}/lock`)).status).toBe(200);
    });
    expectError(res, 403, 'topic_locked');
    expect(await repliesIn(topic.id)).toEqual({ postCount: 1, bodies: [expect.not.stringContaining(body)] });
    const members = await s.admin.get(`/api/communities/${s.slug}/members?role=member`);
    expect(members.status, members.text).toBe(200);
    expect(JSON.stringify(members.body)).not.toContain(newcomer.handle);
  });

  it('a hide committed in between refuses the reply with 404 topic_not_found', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const body = `Into the hidden ${unique()}`;
    const res = await replyAround(s.other, topic.id, body, async () => {
      expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Off topic' })).status).toBe(200);
    });
    expectError(res, 404, 'topic_not_found');
    expect((await repliesIn(topic.id)).postCount).toBe(1);
  });

  it('a ban committed in between refuses the reply with 403 banned', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const author = await signUp(t);
    const res = await replyAround(author, topic.id, `Before my ban ${unique()}`, async () => {
      expect((await s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: author.handle, reason: 'Spam' })).status).toBe(201);
    });
    expectError(res, 403, 'banned');
    expect((await repliesIn(topic.id)).postCount).toBe(1);
  });

  it('a held first reply is refused the same way, and nothing waits in the queue', async () => {
    const holding = await createCommunity(s.admin);
    expect((await s.admin.patch(`/api/communities/${holding.slug}`, { moderation: { holdFirstPosts: true } })).status).toBe(200);
    const { topic } = await createTopic(s.admin, holding.slug);
    const newcomer = await signUp(t);
    const res = await replyAround(newcomer, topic.id, `Held and locked ${unique()}`, async () => {
      expect((await s.admin.post(`/api/topics/${topic.id}/lock`)).status).toBe(200);
    });
    expectError(res, 403, 'topic_locked');
    const queue = await s.admin.get(`/api/communities/${holding.slug}/flags?status=all`);
    expect(queue.status, queue.text).toBe(200);
    expect(queue.body.items).toEqual([]);
  });

  it('a moderator still replies to a topic locked in between', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const res = await replyAround(s.moderator, topic.id, 'Closing words', async () => {
      expect((await s.admin.post(`/api/topics/${topic.id}/lock`)).status).toBe(200);
    });
    expect(res.status, res.text).toBe(201);
  });

  it('a ban committed between a new topic’s checks and its insert refuses it with 403 banned', async () => {
    const author = await signUp(t);
    const title = `Started while banned ${unique()}`;
    const held = window.hold();
    const sent = author.post(`/api/communities/${s.slug}/topics`, { category: 'general', title, body: 'Hello' });
    await held.reached;
    expect((await s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: author.handle, reason: 'Spam' })).status).toBe(201);
    held.open();
    expectError(await sent, 403, 'banned');
    const list = await s.moderator.get(`/api/communities/${s.slug}/topics?limit=100`);
    expect(JSON.stringify(list.body)).not.toContain(title);
  });
});

/**
 * On PostgreSQL a lock or hide can also be in flight while the reply's statement waits for the
 * topic row; the reply must see it once it commits. (PGlite runs one statement at a time, so
 * there a write cannot wait on another's open transaction: the cases above cover it.)
 */
describe.skipIf(!process.env.DATABASE_URL)('a lock or hide still open while the reply is stored (PostgreSQL)', () => {
  async function whileOpen(change: string, send: (topicId: number) => Promise<{ status: number; body: { code?: string } }>) {
    const { topic } = await createTopic(s.member, s.slug);
    const other = new pg.Client({ connectionString: t.config.databaseUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`UPDATE topics SET ${change} WHERE id = $1`, [topic.id]);
      const sent = send(topic.id);
      // The reply has passed its checks (the change is not committed yet) and waits for the topic row.
      await expect
        .poll(
          async () =>
            (await other.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0].n,
          { timeout: 5000 },
        )
        .toBe(1);
      await other.query('COMMIT');
      return { res: await sent, topicId: topic.id };
    } finally {
      await other.end();
    }
  }

  it('a lock committed while the reply waits for the topic row refuses it with 403 topic_locked', async () => {
    const { res, topicId } = await whileOpen('locked = true', (id) => s.other.post(`/api/topics/${id}/posts`, { body: 'Just in time?' }));
    expectError(res as never, 403, 'topic_locked');
    expect((await repliesIn(topicId)).postCount).toBe(1);
  });

  it('a hide committed while the reply waits for the topic row refuses it with 404 topic_not_found', async () => {
    const { res, topicId } = await whileOpen(`hidden = true, hidden_reason = 'Spam'`, (id) =>
      s.other.post(`/api/topics/${id}/posts`, { body: 'Just in time?' }),
    );
    expectError(res as never, 404, 'topic_not_found');
    expect((await repliesIn(topicId)).postCount).toBe(1);
  });
});
