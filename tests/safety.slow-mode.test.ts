import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { appendReply } from '../server/posts/posts.append.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, makeSiteAdmin, reply, scene, signUp, unique } from './helpers/factories.js';
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

const slowTopic = async (seconds: number) => {
  const { topic } = await createTopic(s.member, s.slug);
  const res = await s.moderator.put(`/api/topics/${topic.id}/slow-mode`, { seconds });
  expect(res.status, res.text).toBe(200);
  expect(res.body.topic.slowModeSeconds).toBe(seconds);
  return topic.id;
};

/** Moves a member's replies in a topic back in time, as if they had waited. */
const waited = (topicId: number, userId: number, seconds: number) =>
  t.app.parley.ctx.db.execute(
    sql`UPDATE posts SET created_at = created_at - make_interval(secs => ${seconds}) WHERE topic_id = ${topicId} AND author_id = ${userId}`,
  );

describe('slow mode', () => {
  it('a member replying again too soon gets 429 slow_mode with the seconds left; after the wait they may reply', async () => {
    const id = await slowTopic(120);
    await reply(s.other, id);
    const refused = await s.other.post(`/api/topics/${id}/posts`, { body: `Again ${unique()}` });
    const error = expectError(refused, 429, 'slow_mode');
    const details = error.details as { retryAfter: number; seconds: number };
    expect(details.seconds).toBe(120);
    expect(details.retryAfter).toBeGreaterThan(100);
    expect(details.retryAfter).toBeLessThanOrEqual(120);
    expect(Number(refused.headers['retry-after'])).toBe(details.retryAfter);
    // The message says how long, in the reader's words.
    expect(error.message).toMatch(/second/);

    // Another member is not held back by someone else's pace.
    await reply(s.member, id);

    await waited(id, s.other.userId, 121);
    await reply(s.other, id);
  });

  it('everyone reads the pace on the topic; guests too', async () => {
    const id = await slowTopic(300);
    const read = await t.guest().get(`/api/topics/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.topic.slowModeSeconds).toBe(300);
  });

  it('moderators, admins and site admins are exempt; staff keep the pace', async () => {
    const id = await slowTopic(600);
    for (const who of [s.moderator, s.admin]) {
      await reply(who, id);
      await reply(who, id);
    }
    const siteAdmin = await signUp(t);
    await makeSiteAdmin(t, siteAdmin.userId);
    await reply(siteAdmin, id);
    await reply(siteAdmin, id);

    await reply(s.staff, id);
    expectError(await s.staff.post(`/api/topics/${id}/posts`, { body: `Staff again ${unique()}` }), 429, 'slow_mode');
  });

  it('five replies sent at once by one member: exactly one is stored', async () => {
    const id = await slowTopic(60);
    const racer = await signUp(t);
    const sent = await Promise.all(Array.from({ length: 5 }, (_, i) => racer.post(`/api/topics/${id}/posts`, { body: `Burst ${i} ${unique()}` })));
    const statuses = sent.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 429, 429, 429, 429]);
    const read = await t.guest().get(`/api/topics/${id}?limit=100`);
    expect(read.body.posts.filter((p: { author: { handle: string } }) => p.author.handle === racer.handle)).toHaveLength(1);
  });

  it('a reply checked before slow mode came on is refused by its own statement (the pipeline then checks again)', async () => {
    const id = await slowTopic(60);
    const [community] = await rows<{ community_id: number }>(t.app.parley.ctx.db, sql`SELECT community_id FROM topics WHERE id = ${id}`);
    const reply = {
      topicId: id,
      communityId: Number(community!.community_id),
      authorId: s.other.userId,
      authorRole: 'member',
      joins: false,
      replyToId: null,
      body: 'Raced in',
      bodyHtml: '<p>Raced in</p>',
      clientId: null,
      passesLock: false,
      seesHidden: false,
    } as const;
    expect(await appendReply(t.app.parley.ctx.db, reply)).toBeNull();
    expect(await appendReply(t.app.parley.ctx.db, { ...reply, slowModeChecked: 60 })).not.toBeNull();
    expect(await appendReply(t.app.parley.ctx.db, { ...reply, passesSlowMode: true })).not.toBeNull();
  });

  it('deleting the reply does not skip the wait', async () => {
    const id = await slowTopic(90);
    const post = await reply(s.other, id);
    expect((await s.other.delete(`/api/posts/${post.id}`)).status).toBe(204);
    expectError(await s.other.post(`/api/topics/${id}/posts`, { body: `Again ${unique()}` }), 429, 'slow_mode');
  });

  it('off again (0): replies flow at any pace', async () => {
    const id = await slowTopic(3600);
    await reply(s.other, id);
    expectError(await s.other.post(`/api/topics/${id}/posts`, { body: `Again ${unique()}` }), 429, 'slow_mode');
    const off = await s.moderator.put(`/api/topics/${id}/slow-mode`, { seconds: 0 });
    expect(off.body.topic.slowModeSeconds).toBe(0);
    await reply(s.other, id);
    await reply(s.other, id);
  });

  it('only moderators set it, within 0..86400 seconds', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    expectError(await t.guest().put(`/api/topics/${topic.id}/slow-mode`, { seconds: 60 }), 401, 'not_signed_in');
    expectError(await s.member.put(`/api/topics/${topic.id}/slow-mode`, { seconds: 60 }), 403, 'not_moderator');
    expectError(await s.staff.put(`/api/topics/${topic.id}/slow-mode`, { seconds: 60 }), 403, 'not_moderator');
    expect((await s.moderator.put(`/api/topics/${topic.id}/slow-mode`, { seconds: 86_401 })).status).toBe(400);
    expect((await s.moderator.put(`/api/topics/${topic.id}/slow-mode`, { seconds: -1 })).status).toBe(400);
    expect((await s.moderator.put(`/api/topics/${topic.id}/slow-mode`, {})).status).toBe(400);
    expectError(await s.moderator.put(`/api/topics/2000000/slow-mode`, { seconds: 60 }), 404, 'topic_not_found');
  });

  it('setting it is in the public log, and open pages hear topic.updated', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const guest = await LiveClient.connect(await liveUrl(t.app));
    try {
      await guest.subscribe(`topic:${topic.id}`);
      expect((await s.moderator.put(`/api/topics/${topic.id}/slow-mode`, { seconds: 45 })).status).toBe(200);
      const event = await guest.next((m: LiveMessage) => m.type === 'event' && m.event === 'topic.updated');
      expect(event.data).toMatchObject({ id: topic.id, slowModeSeconds: 45 });
    } finally {
      guest.terminate();
    }
    // The same again changes nothing and logs nothing.
    expect((await s.moderator.put(`/api/topics/${topic.id}/slow-mode`, { seconds: 45 })).status).toBe(200);
    const log = await t.guest().get(`/api/communities/${s.slug}/moderation-log`);
    const entries = log.body.items.filter((e: { action: string; target: { id: number } }) => e.action === 'set_slow_mode' && e.target.id === topic.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      moderator: { handle: s.moderator.handle },
      automatic: false,
      detail: '45',
      target: { type: 'topic', title: topic.title },
    });
  });
});
