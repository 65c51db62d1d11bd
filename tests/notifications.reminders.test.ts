/**
 * The unanswered-question reminder job: which questions qualify, once per question, and safe to
 * run from several places at once (two calls in one process; on PostgreSQL also two app
 * instances sharing the database, as two server processes would).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { buildApp } from '../server/app.js';
import { createSessionStore } from '../server/auth/session.js';
import { scheduleMaintenance } from '../server/maintenance/maintenance.js';
import { runQuestionReminders } from '../server/notifications/reminders.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { createCommunity, createTopic, reply, scene, setRole, signUp } from './helpers/factories.js';
import { LiveClient, liveUrl, type LiveMessage } from './helpers/live-client.js';
import { aboutTopic } from './helpers/notifications.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
let slug: string;
const sockets: LiveClient[] = [];

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
  slug = (await createCommunity(s.admin)).slug;
  await setRole(s.admin, slug, s.moderator.handle, 'moderator');
});
afterAll(async () => {
  sockets.forEach((c) => c.terminate());
  await t?.close();
});

const DAY = 86_400_000;
/** "Now" as the job sees it: four days on, so questions asked today are three days old and more. */
const later = (days = 4) => new Date(Date.now() + days * DAY);
const run = (app: FastifyInstance = t.app, now = later()) => runQuestionReminders(app.parley.ctx, { afterDays: 3, now });
const remindersAbout = async (asker: TestClient, topicId: number) => (await aboutTopic(asker, topicId)).filter((n) => n.kind === 'reminder');
const storedReminders = async (topicId: number) =>
  Number(
    (await rows<{ n: number }>(t.app.parley.ctx.db, sql`SELECT count(*)::int AS n FROM notifications WHERE kind = 'reminder' AND topic_id = ${topicId}`))[0]!.n,
  );

async function question(over: Record<string, unknown> = {}) {
  const asker = await signUp(t);
  const { topic } = await createTopic(asker, slug, { kind: 'question', title: 'Why does it beep?', ...over });
  return { asker, topic };
}

const onChannel = async (app: FastifyInstance, asker: TestClient & { userId: number }) => {
  const c = await LiveClient.connect(await liveUrl(app), { cookie: asker.cookie });
  sockets.push(c);
  expect(await c.subscribe(`user:${asker.userId}`)).toMatchObject({ type: 'subscribed' });
  return c;
};
const created = (m: LiveMessage) => m.type === 'event' && m.event === 'notification.created';

describe('runQuestionReminders', () => {
  it('reminds the asker of an unsolved question with a reply from someone else, from the system, once', async () => {
    const { asker, topic } = await question();
    await reply(s.other, topic.id);
    expect(await run()).toBeGreaterThanOrEqual(1);
    expect(await remindersAbout(asker, topic.id)).toEqual([
      expect.objectContaining({
        kind: 'reminder',
        actor: null,
        post: null,
        data: {},
        read: false,
        topic: { id: topic.id, title: 'Why does it beep?', kind: 'question' },
      }),
    ]);
    // Again, even after it was read: still only the one.
    expect((await asker.post('/api/notifications/read', {})).status).toBe(200);
    await run();
    await run(t.app, later(30));
    expect(await storedReminders(topic.id)).toBe(1);
  });

  it('leaves alone answered, unreplied, self-replied-only, too recent, freshly replied, long quiet, hidden, hidden-reply-only and non-question topics', async () => {
    const answered = await question();
    const answer = await reply(s.other, answered.topic.id);
    expect((await answered.asker.post(`/api/topics/${answered.topic.id}/solution`, { postId: answer.id })).status).toBe(200);

    const unreplied = await question();

    const selfReplied = await question();
    await reply(selfReplied.asker, selfReplied.topic.id);

    const hidden = await question();
    await reply(s.other, hidden.topic.id);
    expect((await s.moderator.post(`/api/topics/${hidden.topic.id}/hide`, { reason: 'Spam' })).status).toBe(200);

    const hiddenReply = await question();
    const onlyReply = await reply(s.other, hiddenReply.topic.id);
    expect((await s.moderator.post(`/api/posts/${onlyReply.id}/hide`, { reason: 'Spam' })).status).toBe(200);

    const deletedReply = await question();
    const gone = await reply(s.other, deletedReply.topic.id);
    expect((await s.other.delete(`/api/posts/${gone.id}`)).status).toBe(204);

    const discussion = await question({ kind: 'discussion' });
    await reply(s.other, discussion.topic.id);

    const recent = await question();
    await reply(s.other, recent.topic.id);

    // An old question whose first reply only just came in: the asker gets days to try it first.
    const lateReply = await question();
    await t.app.parley.ctx.db.execute(sql`UPDATE topics SET created_at = now() - interval '10 days' WHERE id = ${lateReply.topic.id}`);
    await reply(s.other, lateReply.topic.id);

    // Forty days on, the conversation has gone quiet for a month: it is not nudged back.
    const stale = await question();
    await reply(s.other, stale.topic.id);
    await run(t.app, later(40));
    expect(await storedReminders(stale.topic.id)).toBe(0);

    await run(t.app, new Date());
    expect(await storedReminders(lateReply.topic.id)).toBe(0);
    await run(t.app, later(2));
    expect(await storedReminders(recent.topic.id)).toBe(0);
    await run();
    for (const q of [answered, unreplied, selfReplied, hidden, hiddenReply, deletedReply, discussion]) {
      expect(await storedReminders(q.topic.id), `topic ${q.topic.title}`).toBe(0);
    }
    // The recent one qualifies once it is old enough.
    expect(await storedReminders(recent.topic.id)).toBe(1);
  });

  it('run twice at once stores one reminder and announces it once', async () => {
    const { asker, topic } = await question();
    await reply(s.other, topic.id);
    const socket = await onChannel(t.app, asker);
    const counts = await Promise.all([run(), run()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(await storedReminders(topic.id)).toBe(1);
    await socket.next(created);
    expect(await socket.quiet(created, 300)).toEqual([]);
    expect(socket.collect().filter(created)).toHaveLength(1);
  });

  it('is run by the maintenance schedule, which waits for a run in progress when stopped', async () => {
    const { asker, topic } = await question();
    await reply(s.other, topic.id);
    const { db } = t.app.parley.ctx;
    const stop = scheduleMaintenance(db, createSessionStore(db, 30, { bus: t.app.parley.bus, cacheSeconds: 0 }), t.config.live, t.app.log, {
      everyMs: 50,
      jobs: [{ name: 'question reminders', run: () => run() }],
    });
    try {
      const deadline = Date.now() + 5000;
      while (!(await remindersAbout(asker, topic.id)).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await stop();
    }
    expect(await remindersAbout(asker, topic.id)).toHaveLength(1);
  });
});

// Two app instances share a database only on PostgreSQL (PGlite is one process by design).
describe.skipIf(!process.env.DATABASE_URL)('runQuestionReminders on two app instances sharing a PostgreSQL database', () => {
  let second: FastifyInstance;
  beforeAll(async () => {
    second = await buildApp({ ...t.config });
  });
  afterAll(async () => {
    await second?.close();
  });

  it('stores one reminder and announces it once, to readers on either instance', async () => {
    const { asker, topic } = await question();
    await reply(s.other, topic.id);
    const here = await onChannel(t.app, asker);
    const there = await onChannel(second, asker);
    await Promise.all([run(t.app), run(second), run(t.app), run(second)]);
    expect(await storedReminders(topic.id)).toBe(1);
    for (const socket of [here, there]) {
      await socket.next(created, 5000);
      expect(await socket.quiet(created, 400)).toEqual([]);
      expect(socket.collect().filter(created)).toHaveLength(1);
    }
  });
});
