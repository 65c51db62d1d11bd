import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { runDueTimers } from '../server/safety/calm/topic-timers.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, unique } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';
import { LiveClient, liveUrl, type LiveMessage } from './helpers/live-client.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const later = (ms: number) => new Date(Date.now() + ms);
const run = (at: Date) => runDueTimers(t.app.parley.ctx, at);

interface LogItem {
  action: string;
  moderator: { handle: string } | null;
  automatic: boolean;
  reasonCode: string | null;
  reason: string | null;
  detail: string | null;
  target: { id: number; title: string | null };
}
const logOf = async (topicId: number): Promise<LogItem[]> =>
  (await t.guest().get(`/api/communities/${s.slug}/moderation-log?limit=100`)).body.items.filter((e: LogItem) => e.target.id === topicId);

describe('topic timers', () => {
  it('a close timer locks the topic once due, as the system; it is gone after running', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const at = later(2 * HOUR);
    const set = await s.moderator.put(`/api/topics/${topic.id}/timers/close`, { at: at.toISOString() });
    expect(set.status, set.text).toBe(200);
    expect(set.body.topic.timers).toEqual([{ action: 'close', at: at.toISOString(), idleDays: null, closesAt: at.toISOString(), runsAt: at.toISOString() }]);
    // Every reader sees when it closes.
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.timers).toHaveLength(1);

    // Not yet due: nothing happens.
    await run(later(HOUR));
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.locked).toBe(false);

    const ran = await run(later(3 * HOUR));
    expect(ran).toContainEqual({ topicId: topic.id, action: 'close' });
    const read = (await t.guest().get(`/api/topics/${topic.id}`)).body.topic;
    expect(read.locked).toBe(true);
    expect(read.timers).toEqual([]);
    expectError(await s.member.post(`/api/topics/${topic.id}/posts`, { body: `Late ${unique()}` }), 403, 'topic_locked');

    // Running again does nothing more.
    expect(await run(later(4 * HOUR))).not.toContainEqual({ topicId: topic.id, action: 'close' });

    // The guest's log: who set it, and the system's lock with its reason.
    const log = await logOf(topic.id);
    expect(log.map((e) => e.action)).toEqual(['lock_topic', 'set_topic_timer']);
    expect(log[0]).toMatchObject({ moderator: null, automatic: true, reasonCode: 'topic_timer', target: { title: topic.title } });
    expect(typeof log[0]!.reason).toBe('string');
    expect(JSON.parse(log[0]!.detail!)).toEqual({ action: 'close', at: at.toISOString() });
    expect(log[1]).toMatchObject({ moderator: { handle: s.moderator.handle }, automatic: false });
    expect(JSON.parse(log[1]!.detail!)).toEqual({ action: 'close', at: at.toISOString() });
  });

  it('an open timer unlocks a locked topic at its time', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    expect((await s.moderator.post(`/api/topics/${topic.id}/lock`)).status).toBe(200);
    const at = later(DAY);
    expect((await s.moderator.put(`/api/topics/${topic.id}/timers/open`, { at: at.toISOString() })).body.topic.timers[0]).toMatchObject({
      action: 'open',
      closesAt: null,
      runsAt: at.toISOString(),
    });
    await run(later(DAY + HOUR));
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.locked).toBe(false);
    await reply(s.member, topic.id);
    const log = await logOf(topic.id);
    expect(log[0]).toMatchObject({ action: 'unlock_topic', moderator: null, automatic: true, reasonCode: 'topic_timer' });
  });

  it('an idle timer closes the topic N days after its last reply; a new reply moves it', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const set = await s.moderator.put(`/api/topics/${topic.id}/timers/close`, { idleDays: 3 });
    const timer = set.body.topic.timers[0];
    expect(timer).toMatchObject({ action: 'close', at: null, idleDays: 3 });
    expect(new Date(timer.closesAt).getTime()).toBe(new Date(set.body.topic.lastPostAt).getTime() + 3 * DAY);

    // A reply two days on (moved back in time) keeps it open past the first three days.
    await reply(s.other, topic.id);
    await t.app.parley.ctx.db.execute(sql`UPDATE topics SET last_post_at = now() + interval '2 days' WHERE id = ${topic.id}`);
    await run(later(3 * DAY + HOUR));
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.locked).toBe(false);

    await run(later(5 * DAY + HOUR));
    const read = (await t.guest().get(`/api/topics/${topic.id}`)).body.topic;
    expect(read.locked).toBe(true);
    expect(read.timers).toEqual([]);
    expect(JSON.parse((await logOf(topic.id))[0]!.detail!)).toEqual({ action: 'close', idleDays: 3 });
  });

  it('a live reader hears topic.updated when a timer is set and when it runs', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const guest = await LiveClient.connect(await liveUrl(t.app));
    const updated = (m: LiveMessage) => m.type === 'event' && m.channel === `topic:${topic.id}` && m.event === 'topic.updated';
    try {
      await guest.subscribe(`topic:${topic.id}`);
      const at = later(HOUR);
      await s.moderator.put(`/api/topics/${topic.id}/timers/close`, { at: at.toISOString() });
      expect((await guest.next(updated)).data).toMatchObject({ id: topic.id, locked: false, timers: [{ action: 'close' }] });
      await run(later(2 * HOUR));
      expect((await guest.next(updated)).data).toMatchObject({ id: topic.id, locked: true, timers: [] });
    } finally {
      guest.terminate();
    }
  });

  it('clearing a timer removes it, logged; the topic stays open', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    await s.moderator.put(`/api/topics/${topic.id}/timers/close`, { at: later(HOUR).toISOString() });
    const cleared = await s.moderator.delete(`/api/topics/${topic.id}/timers/close`);
    expect(cleared.status).toBe(200);
    expect(cleared.body.topic.timers).toEqual([]);
    await run(later(2 * HOUR));
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.locked).toBe(false);
    const log = await logOf(topic.id);
    expect(log.map((e) => e.action)).toEqual(['clear_topic_timer', 'set_topic_timer']);
    expect(JSON.parse(log[0]!.detail!)).toEqual({ action: 'close' });
    // Clearing again changes nothing, logs nothing.
    expect((await s.moderator.delete(`/api/topics/${topic.id}/timers/close`)).status).toBe(200);
    expect(await logOf(topic.id)).toHaveLength(2);
  });

  it('refuses a time in the past, both or neither of at and idleDays, idle open timers, and non-moderators', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const url = `/api/topics/${topic.id}/timers/close`;
    expectError(await s.moderator.put(url, { at: new Date(Date.now() - 60_000).toISOString() }), 400, 'timer_in_past');
    expectError(await s.moderator.put(url, { at: later(HOUR).toISOString(), idleDays: 2 }), 400, 'invalid_timer');
    expectError(await s.moderator.put(url, {}), 400, 'invalid_timer');
    expectError(await s.moderator.put(`/api/topics/${topic.id}/timers/open`, { idleDays: 2 }), 400, 'invalid_timer');
    expect((await s.moderator.put(url, { idleDays: 0 })).status).toBe(400);
    expect((await s.moderator.put(url, { idleDays: 366 })).status).toBe(400);
    expect((await s.moderator.put(url, { at: 'tomorrow' })).status).toBe(400);
    expect((await s.moderator.put(`/api/topics/${topic.id}/timers/explode`, { idleDays: 2 })).status).toBe(400);
    expectError(await s.member.put(url, { idleDays: 2 }), 403, 'not_moderator');
    expectError(await t.guest().delete(url), 401, 'not_signed_in');
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.timers).toEqual([]);
  });
});
