import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, scene, signUp } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Scene = Awaited<ReturnType<typeof scene>>;
const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);
const votesRows = async (topicId: number) =>
  Number((await rows<{ n: number }>(t.app.parley.ctx.db, sql`select count(*)::int as n from topic_votes where topic_id = ${topicId}`))[0]!.n);
const eventsOn = async (channel: string) =>
  await rows<{ type: string; ref: { topicId?: number } }>(t.app.parley.ctx.db, sql`select type, ref from events where channel = ${channel} order by seq`);

describe('voting for ideas', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene(t);
  });
  const idea = async () => (await createTopic(s.member, s.slug, { kind: 'idea' })).topic;
  /** The tally as a guest reads it. */
  const votesSeen = async (topicId: number) => (await t.guest().api.getTopic(topicId)).topic.votes;

  it('POST /vote answers {votes, voted: true}, idempotently; DELETE answers {votes, voted: false}, idempotently', async () => {
    const topic = await idea();
    expect(topic.votes).toBe(0);
    expect(await s.other.api.vote(topic.id)).toEqual({ votes: 1, voted: true });
    expect(s.other.lastStatus).toBe(200);
    expect(await s.other.api.vote(topic.id)).toEqual({ votes: 1, voted: true });
    expect(await s.staff.api.vote(topic.id)).toEqual({ votes: 2, voted: true });
    expect(await votesSeen(topic.id)).toBe(2);
    expect(await votesRows(topic.id)).toBe(2);

    expect(await s.other.api.unvote(topic.id)).toEqual({ votes: 1, voted: false });
    expect(s.other.lastStatus).toBe(200);
    expect(await s.other.api.unvote(topic.id)).toEqual({ votes: 1, voted: false });
    // Withdrawing a vote you never cast changes nothing either.
    expect(await s.moderator.api.unvote(topic.id)).toEqual({ votes: 1, voted: false });
    expect(await s.staff.api.unvote(topic.id)).toEqual({ votes: 0, voted: false });
    expect(await s.staff.api.unvote(topic.id)).toEqual({ votes: 0, voted: false });
    expect(await votesRows(topic.id)).toBe(0);
    expect(await votesSeen(topic.id)).toBe(0);
  });

  it("lets an idea's author vote for it like anyone else", async () => {
    const topic = await idea();
    expect(await s.member.api.vote(topic.id)).toEqual({ votes: 1, voted: true });
  });

  it('counts the same member voting several times at once as one vote', async () => {
    const topic = await idea();
    const results = await Promise.all(Array.from({ length: 6 }, () => s.other.post(`/api/topics/${topic.id}/vote`)));
    for (const r of results) expect(r.status, r.text).toBe(200);
    expect(results.every((r) => r.body.voted === true)).toBe(true);
    expect(await votesSeen(topic.id)).toBe(1);
    expect(await votesRows(topic.id)).toBe(1);

    const removals = await Promise.all(Array.from({ length: 6 }, () => s.other.delete(`/api/topics/${topic.id}/vote`)));
    for (const r of removals) expect(r.status, r.text).toBe(200);
    expect(await votesSeen(topic.id)).toBe(0);
  });

  it('counts every one of many members voting at once', async () => {
    const topic = await idea();
    const voters = await Promise.all(Array.from({ length: 8 }, () => signUp(t)));
    const results = await Promise.all(voters.map((v) => v.post(`/api/topics/${topic.id}/vote`)));
    for (const r of results) expect(r.status, r.text).toBe(200);
    expect(results.map((r) => r.body.votes).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await votesSeen(topic.id)).toBe(8);
    expect(await votesRows(topic.id)).toBe(8);

    const removals = await Promise.all(voters.slice(0, 5).map((v) => v.delete(`/api/topics/${topic.id}/vote`)));
    for (const r of removals) expect(r.status, r.text).toBe(200);
    expect(await votesSeen(topic.id)).toBe(3);
  });

  it('answers 409 not_an_idea for discussions and questions', async () => {
    for (const kind of ['discussion', 'question'] as const) {
      const { topic } = await createTopic(s.member, s.slug, { kind });
      expectError(await s.other.post(`/api/topics/${topic.id}/vote`), 409, 'not_an_idea');
      expectError(await s.other.delete(`/api/topics/${topic.id}/vote`), 409, 'not_an_idea');
      expect(await votesRows(topic.id)).toBe(0);
    }
  });

  it('answers 401 to guests and 404 for a missing topic', async () => {
    const topic = await idea();
    expectError(await t.guest().post(`/api/topics/${topic.id}/vote`), 401, 'not_signed_in');
    expectError(await t.guest().delete(`/api/topics/${topic.id}/vote`), 401, 'not_signed_in');
    expectError(await s.other.post('/api/topics/2147483647/vote'), 404, 'topic_not_found');
    expect((await s.other.post('/api/topics/2147483648/vote')).status).toBe(400);
    expect((await s.other.post('/api/topics/abc/vote')).status).toBe(400);
  });

  it('answers 404 for a hidden idea to those who may not see it; its moderators still can', async () => {
    const topic = await idea();
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Duplicate' })).status).toBe(200);
    expectError(await s.other.post(`/api/topics/${topic.id}/vote`), 404, 'topic_not_found');
    expectError(await s.other.delete(`/api/topics/${topic.id}/vote`), 404, 'topic_not_found');
    expect((await s.moderator.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
  });

  it('refuses a banned member with 403 banned, both ways', async () => {
    const topic = await idea();
    const victim = await signUp(t);
    expect((await victim.api.vote(topic.id)).votes).toBe(1);
    await s.moderator.api.banUser(s.slug, { handle: victim.handle, reason: 'Spam' });
    expect(s.moderator.lastStatus).toBe(201);
    expectError(await victim.post(`/api/topics/${topic.id}/vote`), 403, 'banned');
    expectError(await victim.delete(`/api/topics/${topic.id}/vote`), 403, 'banned');
    expect(await votesSeen(topic.id)).toBe(1);
    // A ban here is not a ban elsewhere.
    const elsewhere = await createCommunity(s.admin);
    const other = (await createTopic(s.member, elsewhere.slug, { kind: 'idea' })).topic;
    expect((await victim.post(`/api/topics/${other.id}/vote`)).status).toBe(200);
  });

  it("closes a locked idea's tally for everyone, moderators included, until it is unlocked", async () => {
    const topic = await idea();
    expect((await s.other.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    expect((await s.moderator.post(`/api/topics/${topic.id}/lock`)).status).toBe(200);
    for (const who of [s.staff, s.moderator, s.admin]) expectError(await who.post(`/api/topics/${topic.id}/vote`), 403, 'topic_locked');
    expectError(await s.other.delete(`/api/topics/${topic.id}/vote`), 403, 'topic_locked');
    expect(await votesSeen(topic.id)).toBe(1);
    expect((await s.moderator.delete(`/api/topics/${topic.id}/lock`)).status).toBe(200);
    expect(await s.staff.api.vote(topic.id)).toEqual({ votes: 2, voted: true });
  });

  it('announces topic.updated on the topic and community channels, only when something changed', async () => {
    const topic = await idea();
    const channels = [`topic:${topic.id}`, `community:${s.slug}`];
    // The community's list hears it a few milliseconds after the commit (batched, see BumpBatcher).
    const settled = async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return Promise.all(channels.map(eventsOn));
    };
    const before = await settled();
    expect((await s.other.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    const afterVote = await settled();
    for (const [i, list] of afterVote.entries()) {
      expect(list.length, channels[i]).toBe(before[i]!.length + 1);
      expect(list.at(-1)).toEqual({ type: 'topic.updated', ref: { topicId: topic.id } });
    }
    // Repeats change nothing and announce nothing.
    expect((await s.other.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    expect((await s.staff.delete(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    expect((await settled()).map((l) => l.length)).toEqual(afterVote.map((l) => l.length));
    expect((await s.other.delete(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    expect((await settled()).map((l) => l.length)).toEqual(afterVote.map((l) => l.length + 1));
  });

  it('reaches the cached anonymous page: a vote shows to the next guest', async () => {
    const topic = await idea();
    const url = `/api/topics/${topic.id}`;
    expect((await t.guest().get(url)).body.topic.votes).toBe(0);
    // Let the page settle into the cache (PostgreSQL's NOTIFY of the topic's creation may still be on its way).
    for (let i = 0; i < 50 && (await t.guest().get(url)).headers['x-parley-cache'] !== 'hit'; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await s.other.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    const after = await t.guest().get(url);
    expect(after.body.topic.votes).toBe(1);
    // The vote is the voter's own business: a guest's page carries no viewer state, cached or not.
    expect(after.body.viewerState).toBeUndefined();
    expect((await t.guest().get(url)).body.viewerState).toBeUndefined();
  });

  it('shows a signed-in reader whether they voted, on the topic page and in lists', async () => {
    const { slug } = await createCommunity(s.admin);
    const topic = (await createTopic(s.member, slug, { kind: 'idea' })).topic;
    const votedOnPage = async (who: TestClient) => (await who.api.getTopic(topic.id)).viewerState?.voted;
    const votedInList = async (who: TestClient) => (await who.api.listTopics(slug)).items[0]?.viewer?.voted;
    expect(await votedOnPage(s.other)).toBe(false);
    expect((await s.other.api.vote(topic.id)).voted).toBe(true);
    expect(s.other.lastStatus).toBe(200);
    expect(await votedOnPage(s.other)).toBe(true);
    expect(await votedOnPage(s.staff)).toBe(false);
    expect(await votedInList(s.other)).toBe(true);
    expect(await votedInList(s.staff)).toBe(false);
  });

  it('never goes below zero even if the counter was off', async () => {
    const topic = await idea();
    expect((await s.other.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    await exec(sql`update topics set votes = 0 where id = ${topic.id}`);
    expect(await s.other.api.unvote(topic.id)).toEqual({ votes: 0, voted: false });
  });
});
