import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, makeSiteAdmin, scene, signUp, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Scene = Awaited<ReturnType<typeof scene>>;
interface NotificationRow {
  user_id: number;
  actor_id: number | null;
  topic_id: number | null;
  post_id: number | null;
  data: Record<string, unknown>;
}
const ideaNotifications = (topicId: number) =>
  rows<NotificationRow>(
    t.app.parley.ctx.db,
    sql`
  select user_id, actor_id, topic_id, post_id, data from notifications where kind = 'idea_status' and topic_id = ${topicId} order by id`,
  );
const publicUser = async (handle: string) => (await t.guest().get(`/api/users/${handle}`)).body.user;

describe('idea status', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });
  const idea = async () => (await createTopic(s.member, s.slug, { kind: 'idea' })).topic;

  it('starts as null on every topic', async () => {
    const topic = await idea();
    expect(topic.ideaStatus).toBeNull();
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.ideaStatus).toBeNull();
    const { topic: discussion } = await createTopic(s.member, s.slug);
    expect(discussion.ideaStatus).toBeNull();
  });

  it('staff set it with a note; everyone, guests included, sees status, note, when and who', async () => {
    const word = unique('idea');
    const { topic } = await createTopic(s.member, s.slug, { kind: 'idea', body: `Please add ${word}` });
    const res = await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned', note: '  On the roadmap for spring.  ' });
    expect(res.status, res.text).toBe(200);
    const staffUser = await publicUser(s.staff.handle);
    expect(res.body.topic.ideaStatus).toEqual({
      status: 'planned',
      note: 'On the roadmap for spring.',
      changedAt: expect.any(String),
      changedBy: staffUser,
      changedByRole: 'staff',
    });
    expect(Date.now() - new Date(res.body.topic.ideaStatus.changedAt).getTime()).toBeLessThan(60_000);

    for (const reader of [t.guest(), s.other, s.member]) {
      const page = await reader.get(`/api/topics/${topic.id}`);
      expect(page.body.topic.ideaStatus).toEqual(res.body.topic.ideaStatus);
    }
    const listed = (await t.guest().get(`/api/communities/${s.slug}/topics?kind=idea&limit=100`)).body.items.find((x: any) => x.id === topic.id);
    expect(listed.ideaStatus).toEqual(res.body.topic.ideaStatus);
    const found = await t.guest().get(`/api/communities/${s.slug}/search?q=${word}`);
    expect(found.body.items.map((i: any) => i.topic.ideaStatus)).toEqual([res.body.topic.ideaStatus]);
  });

  it.each(['moderator', 'admin'] as const)('lets a %s set it', async (who) => {
    const topic = await idea();
    const res = await s[who].put(`/api/topics/${topic.id}/idea-status`, { status: 'in_progress' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.topic.ideaStatus).toMatchObject({ status: 'in_progress', note: null, changedBy: { handle: s[who].handle }, changedByRole: who });
  });

  it('lets a site admin set it in any community', async () => {
    const topic = await idea();
    const root = await signUp(t);
    await makeSiteAdmin(t, root.userId);
    const res = await root.put(`/api/topics/${topic.id}/idea-status`, { status: 'shipped', note: 'Done in 2.1' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.topic.ideaStatus).toMatchObject({ status: 'shipped', note: 'Done in 2.1', changedBy: { handle: root.handle }, changedByRole: null });
  });

  it('refuses members (the author too) with 403 not_staff, guests with 401, staff of another community with 403', async () => {
    const topic = await idea();
    expectError(await s.member.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned' }), 403, 'not_staff');
    expectError(await s.other.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned' }), 403, 'not_staff');
    expectError(await t.guest().put(`/api/topics/${topic.id}/idea-status`, { status: 'planned' }), 401, 'not_signed_in');
    const elsewhere = await createCommunity(s.member);
    const topicThere = (await createTopic(s.other, elsewhere.slug, { kind: 'idea' })).topic;
    expectError(await s.staff.put(`/api/topics/${topicThere.id}/idea-status`, { status: 'planned' }), 403, 'not_staff');
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.ideaStatus).toBeNull();
  });

  it('answers 409 not_an_idea for other kinds', async () => {
    for (const kind of ['discussion', 'question'] as const) {
      const { topic } = await createTopic(s.member, s.slug, { kind });
      expectError(await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned' }), 409, 'not_an_idea');
    }
  });

  it.each([
    ['an unknown status', { status: 'done' }],
    ['no status', { note: 'hi' }],
    ['a numeric note', { status: 'planned', note: 5 }],
    ['a note over 2000 characters', { status: 'planned', note: 'x'.repeat(2001) }],
  ])('answers 400 for %s', async (_label, body) => {
    const topic = await idea();
    const res = await s.staff.put(`/api/topics/${topic.id}/idea-status`, body);
    expect(res.status, res.text).toBe(400);
    expect(res.body.code).toEqual(expect.any(String));
  });

  it('accepts a note of exactly 2000 characters, and stores a blank or null note as null', async () => {
    const topic = await idea();
    const long = 'y'.repeat(2000);
    expect((await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned', note: long })).body.topic.ideaStatus.note).toBe(long);
    expect((await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned', note: '   \n ' })).body.topic.ideaStatus.note).toBeNull();
    expect((await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'declined', note: null })).body.topic.ideaStatus).toMatchObject({
      status: 'declined',
      note: null,
    });
  });

  it('answers 404 for a hidden idea to staff, who are not moderators', async () => {
    const topic = await idea();
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    expectError(await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned' }), 404, 'topic_not_found');
    expect((await s.moderator.put(`/api/topics/${topic.id}/idea-status`, { status: 'declined', note: 'Spam' })).status).toBe(200);
  });

  it('can be set on a locked idea (ideas are often locked once shipped)', async () => {
    const topic = await idea();
    expect((await s.moderator.post(`/api/topics/${topic.id}/lock`)).status).toBe(200);
    expect((await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'shipped' })).status).toBe(200);
  });

  it('notifies the author and every voter, never the staff member who changed it', async () => {
    const topic = await idea();
    const voters = [s.other, await signUp(t), await signUp(t)];
    for (const v of [...voters, s.staff]) expect((await v.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    const res = await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned', note: 'Soon' });
    expect(res.status).toBe(200);
    const told = await ideaNotifications(topic.id);
    expect(told.map((n) => Number(n.user_id)).sort((a, b) => a - b)).toEqual([s.member.userId, ...voters.map((v) => v.userId)].sort((a, b) => a - b));
    for (const n of told) {
      expect(Number(n.actor_id)).toBe(s.staff.userId);
      expect(n.post_id).toBeNull();
      expect(n.data).toEqual({ status: 'planned', note: 'Soon' });
    }
    // As the voter reads it (the notification routes' shape, from the contract).
    const inbox = await voters[0]!.get('/api/notifications');
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.find((n: any) => n.kind === 'idea_status' && n.topic?.id === topic.id)).toMatchObject({
      kind: 'idea_status',
      read: false,
      topic: { id: topic.id, kind: 'idea' },
      post: null,
      actor: { handle: s.staff.handle },
      data: { status: 'planned', note: 'Soon' },
    });
    expect((await s.staff.get('/api/notifications')).body.items.some((n: any) => n.kind === 'idea_status' && n.topic?.id === topic.id)).toBe(false);
    // A withdrawn vote is no longer a reason to be told.
    expect((await voters[2]!.delete(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    expect((await s.moderator.put(`/api/topics/${topic.id}/idea-status`, { status: 'shipped', note: null })).status).toBe(200);
    const second = (await ideaNotifications(topic.id)).slice(told.length);
    expect(second.map((n) => Number(n.user_id)).sort((a, b) => a - b)).toEqual(
      [s.member.userId, voters[0]!.userId, voters[1]!.userId, s.staff.userId].sort((a, b) => a - b),
    );
    expect(second.every((n) => Number(n.actor_id) === s.moderator.userId && n.data.status === 'shipped' && n.data.note === null)).toBe(true);
  });

  it('does nothing (no event, no notification) when the same status and note are set again', async () => {
    const topic = await idea();
    expect((await s.other.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    const first = await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'under_review', note: 'Looking' });
    const count = async () =>
      Number((await rows<{ n: number }>(t.app.parley.ctx.db, sql`select count(*)::int as n from events where channel = ${`topic:${topic.id}`}`))[0]!.n);
    const events = await count();
    const again = await s.moderator.put(`/api/topics/${topic.id}/idea-status`, { status: 'under_review', note: ' Looking ' });
    expect(again.status).toBe(200);
    // Unchanged, so the answer still names who set it and when.
    expect(again.body.topic.ideaStatus).toEqual(first.body.topic.ideaStatus);
    expect(await count()).toBe(events);
    expect((await ideaNotifications(topic.id)).length).toBe(2);
    // A new note alone is a change.
    expect((await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'under_review', note: 'Still looking' })).status).toBe(200);
    expect(await count()).toBe(events + 1);
    expect((await ideaNotifications(topic.id)).length).toBe(4);
  });

  it('tells nobody who is banned or who may no longer see the idea', async () => {
    const topic = await idea();
    const banned = await signUp(t);
    expect((await banned.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    expect((await s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: banned.handle, reason: 'Rude' })).status).toBe(201);
    expect((await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned' })).status).toBe(200);
    expect((await ideaNotifications(topic.id)).map((n) => Number(n.user_id))).toEqual([s.member.userId]);
  });

  it('reaches guests through the cached page and announces topic.updated on both channels', async () => {
    const topic = await idea();
    const url = `/api/topics/${topic.id}`;
    expect((await t.guest().get(url)).body.topic.ideaStatus).toBeNull();
    for (let i = 0; i < 50 && (await t.guest().get(url)).headers['x-parley-cache'] !== 'hit'; i++) await new Promise((r) => setTimeout(r, 20));
    const note = `Note ${unique()}`;
    expect((await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned', note })).status).toBe(200);
    expect((await t.guest().get(url)).body.topic.ideaStatus).toMatchObject({ status: 'planned', note });
    // The community's list hears it a few milliseconds after the commit (batched, see BumpBatcher).
    for (const channel of [`topic:${topic.id}`, `community:${s.slug}`]) {
      const last = async () =>
        (
          await rows<{ type: string; ref: unknown }>(
            t.app.parley.ctx.db,
            sql`select type, ref from events where channel = ${channel} order by seq desc limit 1`,
          )
        )[0];
      await expect.poll(last, { message: channel, timeout: 2000 }).toEqual({ type: 'topic.updated', ref: { topicId: topic.id } });
    }
  });
});
