import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import type { TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, signUp } from './helpers/factories.js';
import { LiveClient, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ t, url, s } = ready));

const connect = async () => {
  const c = await LiveClient.connect(url);
  open.push(c);
  return c;
};
const updated = (channel: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel && m.event === 'topic.updated';
const idea = async () => (await createTopic(s.member, s.slug, { kind: 'idea' })).topic;
const logOf = async (topicId: number) =>
  ((await t.guest().get(`/api/communities/${s.slug}/moderation-log?limit=100`)).body.items as any[]).filter(
    (e) => e.target.type === 'topic' && e.target.id === topicId,
  );
const notifications = async (topicId: number) =>
  Number(
    (await rows<{ n: number }>(t.app.parley.ctx.db, sql`select count(*)::int as n from notifications where kind = 'idea_status' and topic_id = ${topicId}`))[0]!
      .n,
  );

describe('clearing an idea status', () => {
  it('takes the answer back for everyone, logs it in public with the status it had, and tells open pages and lists live', async () => {
    const topic = await idea();
    expect((await s.other.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    expect((await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned', note: 'Spring' })).status).toBe(200);
    const told = await notifications(topic.id);
    const c = await connect();
    await c.subscribe(`topic:${topic.id}`);
    await c.subscribe(`community:${s.slug}`);

    const res = await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: null });
    expect(res.status, res.text).toBe(200);
    expect(res.body.topic).toMatchObject({ id: topic.id, ideaStatus: null, votes: 1 });
    for (const reader of [t.guest(), s.member, s.other]) expect((await reader.get(`/api/topics/${topic.id}`)).body.topic.ideaStatus).toBeNull();
    const listed = (await t.guest().get(`/api/communities/${s.slug}/topics?sort=votes&status=planned&limit=100`)).body.items;
    expect(listed.map((x: any) => x.id)).not.toContain(topic.id);

    // The status set before the reader came may still be announced after it (list events go out in batches).
    for (const channel of [`topic:${topic.id}`, `community:${s.slug}`]) {
      const event = await c.next((m) => updated(channel)(m) && m.data?.ideaStatus === null);
      expect(event.data).toMatchObject({ id: topic.id, ideaStatus: null });
    }
    const [entry, ...more] = await logOf(topic.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      action: 'clear_idea_status',
      moderator: { handle: s.staff.handle },
      automatic: false,
      target: { type: 'topic', id: topic.id, topicId: topic.id, title: topic.title },
      detail: 'planned',
    });
    // Nothing new was decided for the voters: nobody is told.
    expect(await notifications(topic.id)).toBe(told);
  });

  it('can be answered again afterwards, which notifies as any new status does', async () => {
    const topic = await idea();
    expect((await s.moderator.put(`/api/topics/${topic.id}/idea-status`, { status: 'declined' })).status).toBe(200);
    expect((await s.moderator.put(`/api/topics/${topic.id}/idea-status`, { status: null, note: 'ignored' })).body.topic.ideaStatus).toBeNull();
    const again = await s.admin.put(`/api/topics/${topic.id}/idea-status`, { status: 'under_review' });
    expect(again.body.topic.ideaStatus).toMatchObject({ status: 'under_review', note: null, changedBy: { handle: s.admin.handle } });
    expect(await notifications(topic.id)).toBe(2);
    expect((await logOf(topic.id)).map((e) => [e.action, e.moderator.handle, e.detail])).toEqual([['clear_idea_status', s.moderator.handle, 'declined']]);
  });

  it('changes nothing, logs nothing and announces nothing when the idea has no status', async () => {
    const topic = await idea();
    const c = await connect();
    await c.subscribe(`topic:${topic.id}`);
    const res = await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: null });
    expect(res.status, res.text).toBe(200);
    expect(res.body.topic.ideaStatus).toBeNull();
    expect(await c.quiet(updated(`topic:${topic.id}`), 300)).toEqual([]);
    expect(await logOf(topic.id)).toEqual([]);
  });

  it('is for staff, moderators and admins of the community only, on ideas only', async () => {
    const topic = await idea();
    expect((await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'shipped' })).status).toBe(200);
    // The author too: an idea's answer is the organisation's, not theirs.
    expectError(await s.member.put(`/api/topics/${topic.id}/idea-status`, { status: null }), 403, 'not_staff');
    expectError(await s.other.put(`/api/topics/${topic.id}/idea-status`, { status: null }), 403, 'not_staff');
    expectError(await t.guest().put(`/api/topics/${topic.id}/idea-status`, { status: null }), 401, 'not_signed_in');
    const elsewhere = await createCommunity(await signUp(t));
    const foreign = (await createTopic(s.member, elsewhere.slug, { kind: 'idea' })).topic;
    expectError(await s.admin.put(`/api/topics/${foreign.id}/idea-status`, { status: null }), 403, 'not_staff');
    const { topic: discussion } = await createTopic(s.member, s.slug);
    expectError(await s.staff.put(`/api/topics/${discussion.id}/idea-status`, { status: null }), 409, 'not_an_idea');
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.ideaStatus).toMatchObject({ status: 'shipped' });
    expect(await logOf(topic.id)).toEqual([]);
    // A missing status is still bad input (null must be said).
    const missing = await s.staff.put(`/api/topics/${topic.id}/idea-status`, { note: 'x' });
    expect(missing.status, missing.text).toBe(400);
  });
});
