/**
 * Notification mail costs a job per notification only when someone told may get mail at all: a
 * reply read only by members without a proven address (most replies' readers on a busy forum
 * that mails little) queues nothing, so posting does not pay for mail nobody gets.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { FANOUT_JOB, type FanoutData } from '../server/mail/notify/notify.queue.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene } from './helpers/factories.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;

beforeAll(async () => {
  // Jobs stay queued where the test can see them.
  t = await startTestApp({ jobs: { pollingIntervalSeconds: 3600 } });
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

const fanoutsFor = async (topicId: number) =>
  (
    await rows<{ data: FanoutData | string }>(
      t.app.parley.ctx.db,
      sql`SELECT data FROM pgboss.job WHERE name = ${FANOUT_JOB} AND (data->>'topicId')::int = ${topicId} ORDER BY created_on`,
    )
  ).map((r) => (typeof r.data === 'string' ? (JSON.parse(r.data) as FanoutData) : r.data));

it('a reply whose readers have no proven address queues no mail job; once one has, it queues one for them alone', async () => {
  const { topic } = await createTopic(s.member, s.slug);
  // The topic's author watches it; the one replied to hears of it too. Neither has proven an address.
  const first = await reply(s.other, topic.id);
  await reply(s.staff, topic.id, { replyToId: first.id });
  expect(await fanoutsFor(topic.id)).toEqual([]);

  await t.app.parley.ctx.db.execute(sql`UPDATE users SET email_verified_at = now() WHERE id = ${s.member.userId}`);
  await reply(s.other, topic.id, { replyToId: first.id });
  expect(await fanoutsFor(topic.id)).toEqual([{ kind: 'reply', topicId: topic.id, userIds: [s.member.userId] }]);
});
