import { describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, unique } from './helpers/factories.js';
import type { TestClient } from './helpers/client.js';
import { LiveClient, range, seqsOf, type ConnectOptions, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';
import { pruneEvents } from '../server/maintenance/maintenance.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ t, url, s } = ready));

const connect = async (opts: ConnectOptions = {}) => {
  const c = await LiveClient.connect(url, opts);
  open.push(c);
  return c;
};
const isEvent = (channel: string, event?: string) => (m: LiveMessage) =>
  m.type === 'event' && m.channel === channel && (event === undefined || m.event === event);
const topicPage = async (client: TestClient, topicId: number) => {
  const res = await client.get(`/api/topics/${topicId}?limit=100`);
  expect(res.status).toBe(200);
  return res.body as { topic: any; posts: any[] };
};
/** Replies in parallel, `width` at a time, from several authors. */
const manyReplies = async (topicId: number, count: number, width = 10) => {
  const authors = [s.member, s.other, s.staff, s.moderator];
  const made: any[] = [];
  for (let i = 0; i < count; i += width) {
    const n = Math.min(width, count - i);
    made.push(
      ...(await Promise.all(Array.from({ length: n }, (_, j) => reply(authors[(i + j) % authors.length]!, topicId, { body: `r${i + j} ${unique()}` })))),
    );
  }
  return made;
};
/** Reads a channel's events until `seq` arrives; answers every event seq seen, in order. */
const readUntil = async (c: LiveClient, channel: string, seq: number, timeoutMs = 10_000) => {
  await c.next((m) => m.type === 'event' && m.channel === channel && m.seq >= seq, timeoutMs);
  return seqsOf(c.collect(), channel);
};

describe('stream and order', () => {
  it('subscribe answers the current seq; each reply arrives as post.created, seq +1, data as GET shows it', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    const guest = await connect();
    const member = await connect({ cookie: s.other.cookie });
    expect(await guest.subscribe(channel)).toEqual({ type: 'subscribed', channel, seq: 1 });
    expect(await member.subscribe(channel)).toEqual({ type: 'subscribed', channel, seq: 1 });

    const first = await reply(s.other, topic.id, { body: `first **live** ${unique()}` });
    const second = await reply(s.staff, topic.id);
    for (const c of [guest, member]) {
      const events = await c.take(2, isEvent(channel));
      expect(events).toEqual([
        { type: 'event', channel, seq: 2, event: 'post.created', data: expect.objectContaining({ id: first.id, number: 2, body: first.body }) },
        { type: 'event', channel, seq: 3, event: 'post.created', data: expect.objectContaining({ id: second.id, number: 3, body: second.body }) },
      ]);
    }
    // The data is the post exactly as the same viewer reads it over HTTP.
    const asGuest = await topicPage(t.guest(), topic.id);
    const asMember = await topicPage(s.other, topic.id);
    const guestEvents = guest.collect().filter(isEvent(channel));
    const memberEvents = member.collect().filter(isEvent(channel));
    expect(guestEvents.map((e) => e.data)).toEqual(asGuest.posts.slice(1));
    // Over HTTP a signed-in reader also gets `viewerReactions` (their own reactions): an extension
    // field outside API.md's Post shape that a shared, per-audience live rendering cannot carry.
    expect(memberEvents.map((e) => e.data)).toEqual(asMember.posts.slice(1).map(({ viewerReactions: _, ...post }) => post));
    expect(guestEvents[0]!.data.bodyHtml).toContain('<strong>live</strong>');
  });

  it('20 rapid replies from several users all arrive, in seq order, without gaps or duplicates', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    const c = await connect({ cookie: s.member.cookie });
    expect((await c.subscribe(channel)).seq).toBe(1);
    const authors = [s.other, s.staff, s.moderator, s.admin];
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => reply(authors[i % 4]!, topic.id, { body: `rapid ${i} ${unique()}` })));
    const events = await c.take(20, isEvent(channel), 10_000);
    expect(events.map((e) => e.seq)).toEqual(range(2, 21));
    expect(events.every((e) => e.event === 'post.created')).toBe(true);
    expect(events.map((e) => e.data.id).sort((a, b) => a - b)).toEqual(made.map((p) => p.id).sort((a, b) => a - b));
    expect(events.map((e) => e.data.number).sort((a, b) => a - b)).toEqual(range(2, 21));
    for (const e of events) expect(e.data.body).toBe(made.find((p) => p.id === e.data.id)!.body);
    expect(await c.quiet(isEvent(channel))).toEqual([]);
  });

  it('edits, reactions, the solution and a delete arrive as their events, seq +1 each', async () => {
    const { topic } = await createTopic(s.member, s.slug, { kind: 'question' });
    const channel = `topic:${topic.id}`;
    const answer = await reply(s.other, topic.id);
    const c = await connect();
    expect(await c.subscribe(channel)).toEqual({ type: 'subscribed', channel, seq: 2 });

    expect((await s.other.patch(`/api/posts/${answer.id}`, { body: 'edited *text*' })).status).toBe(200);
    const updated = await c.next(isEvent(channel));
    expect(updated).toMatchObject({ type: 'event', channel, seq: 3, event: 'post.updated' });
    expect(updated.data).toMatchObject({ id: answer.id, number: 2, body: 'edited *text*', deleted: false });
    expect(updated.data.bodyHtml).toContain('<em>text</em>');
    expect(updated.data.editedAt).toEqual(expect.any(String));

    expect((await s.staff.post(`/api/posts/${answer.id}/reactions`, { kind: 'like' })).status).toBe(200);
    expect(await c.next(isEvent(channel))).toEqual({
      type: 'event',
      channel,
      seq: 4,
      event: 'reactions.changed',
      data: { postId: answer.id, reactions: { like: 1, helpful: 0 } },
    });
    expect((await s.member.post(`/api/posts/${answer.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
    expect(await c.next(isEvent(channel))).toEqual({
      type: 'event',
      channel,
      seq: 5,
      event: 'reactions.changed',
      data: { postId: answer.id, reactions: { like: 1, helpful: 1 } },
    });

    expect((await s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).status).toBe(200);
    const solved = await c.next(isEvent(channel));
    expect(solved).toMatchObject({ type: 'event', channel, seq: 6, event: 'topic.updated' });
    expect(solved.data).toMatchObject({ id: topic.id, solutionPostId: answer.id, title: topic.title, community: s.slug });

    expect((await s.other.delete(`/api/posts/${answer.id}`)).status).toBe(204);
    const deleted = await c.next(isEvent(channel));
    expect(deleted).toMatchObject({ type: 'event', channel, seq: 7, event: 'post.deleted' });
    expect(deleted.data).toMatchObject({ id: answer.id, deleted: true, body: null, bodyHtml: null });
    // The deleted post was the answer: the topic says so too.
    const cleared = await c.next(isEvent(channel));
    expect(cleared).toMatchObject({ seq: 8, event: 'topic.updated', data: { id: topic.id, solutionPostId: null } });
    expect(seqsOf(c.collect(), channel)).toEqual(range(3, 8));
  });

  it('the community channel gets topic.created for a new topic and topic.bumped for a reply', async () => {
    const community = await createCommunity(s.admin);
    const channel = `community:${community.slug}`;
    const c = await connect();
    expect(await c.subscribe(channel)).toEqual({ type: 'subscribed', channel, seq: 0 });
    const { topic } = await createTopic(s.member, community.slug);
    const created = await c.next(isEvent(channel));
    expect(created).toMatchObject({ type: 'event', channel, seq: 1, event: 'topic.created' });
    expect(created.data).toEqual(topic);

    await reply(s.other, topic.id);
    const bumped = await c.next(isEvent(channel));
    expect(bumped).toMatchObject({ type: 'event', channel, seq: 2, event: 'topic.bumped' });
    expect(bumped.data).toMatchObject({ id: topic.id, postCount: 2, community: community.slug });
    expect(bumped.data).toEqual((await topicPage(t.guest(), topic.id)).topic);
    // Post events stay on the topic's channel.
    expect(await c.quiet(isEvent(channel))).toEqual([]);
  });

  it('the community channel gets topic.updated when a topic is retitled or its answer is marked, so lists change in place', async () => {
    const community = await createCommunity(s.admin);
    const channel = `community:${community.slug}`;
    const { topic } = await createTopic(s.member, community.slug, { kind: 'question' });
    const answer = await reply(s.other, topic.id);
    const c = await connect();
    await c.subscribe(channel);
    // The reply's own bump may still be on its way: look for the updates only.
    const updated = isEvent(channel, 'topic.updated');

    expect((await s.member.patch(`/api/topics/${topic.id}`, { title: 'A clearer title' })).status).toBe(200);
    const retitled = await c.next(updated);
    expect(retitled).toMatchObject({ event: 'topic.updated', data: { id: topic.id, title: 'A clearer title' } });

    expect((await s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).status).toBe(200);
    const solved = await c.next(updated);
    expect(solved).toMatchObject({ event: 'topic.updated', data: { id: topic.id, solutionPostId: answer.id } });
  });

  it('unsubscribe stops the events and answers unsubscribed', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    const c = await connect();
    await c.subscribe(channel);
    c.send({ type: 'unsubscribe', channel });
    expect(await c.nextOf('unsubscribed')).toEqual({ type: 'unsubscribed', channel });
    await reply(s.other, topic.id);
    expect(await c.quiet(isEvent(channel), 200)).toEqual([]);
  });
});

describe('resume with since', () => {
  it('replays exactly what was missed, in order, then continues live without a duplicate', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    const first = await connect();
    await first.subscribe(channel);
    await manyReplies(topic.id, 3, 1);
    const seen = await readUntil(first, channel, 4);
    expect(seen).toEqual([2, 3, 4]);
    const last = seen.at(-1)!;
    await first.close();

    const missed = await manyReplies(topic.id, 5, 1);
    const again = await connect();
    expect(await again.subscribe(channel, last)).toEqual({ type: 'subscribed', channel, seq: last + 5 });
    const replayed = await again.take(5, isEvent(channel));
    expect(replayed.map((e) => e.seq)).toEqual(range(last + 1, last + 5));
    expect(replayed.map((e) => e.data.id)).toEqual(missed.map((p) => p.id));
    expect(replayed.map((e) => e.event)).toEqual(Array(5).fill('post.created'));

    const live = await reply(s.other, topic.id);
    const next = await again.next(isEvent(channel));
    expect(next).toMatchObject({ seq: last + 6, event: 'post.created', data: { id: live.id } });
    expect(await again.quiet(isEvent(channel))).toEqual([]);
    expect(seqsOf(again.collect(), channel)).toEqual(range(last + 1, last + 6));
  });

  it('replies made while a long replay runs: the stream is exactly 1..max, no gap, no duplicate', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    await manyReplies(topic.id, 199, 20);
    const c = await connect();
    // Subscribe and write at the same moment, and again as soon as the replay starts
    // (on PGlite every query takes turns, so the first wave may land before the subscription reads).
    c.send({ type: 'subscribe', channel, since: 0 });
    const firstWave = manyReplies(topic.id, 15, 15);
    const subscribed = await c.nextOf('subscribed', channel);
    const secondWave = manyReplies(topic.id, 15, 15);
    expect(subscribed.seq).toBeGreaterThanOrEqual(200);
    expect(subscribed.seq).toBeLessThanOrEqual(230);
    await Promise.all([firstWave, secondWave]);
    const seqs = await readUntil(c, channel, 230, 15_000);
    expect(seqs).toEqual(range(1, 230));
    expect(await c.quiet(isEvent(channel))).toEqual([]);
    expect(seqsOf(c.collect(), channel)).toEqual(range(1, 230));
    // Replayed events come after `subscribed`.
    const all = c.collect();
    expect(all.findIndex((m) => m.type === 'subscribed')).toBeLessThan(all.findIndex(isEvent(channel)));
  });

  it('since equal to the current seq replays nothing', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    await manyReplies(topic.id, 4, 4);
    const c = await connect();
    expect(await c.subscribe(channel, 5)).toEqual({ type: 'subscribed', channel, seq: 5 });
    expect(await c.quiet(() => true, 200)).toEqual([]);
    await reply(s.other, topic.id);
    expect(await c.next(isEvent(channel))).toMatchObject({ seq: 6, event: 'post.created' });
  });

  it('since ahead of the channel answers reset with the current seq, then goes live', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    await reply(s.other, topic.id);
    const c = await connect();
    expect(await c.subscribe(channel, 50)).toEqual({ type: 'subscribed', channel, seq: 2 });
    expect(await c.nextOf('reset', channel)).toEqual({ type: 'reset', channel, seq: 2 });
    await reply(s.other, topic.id);
    expect(await c.next(isEvent(channel))).toMatchObject({ seq: 3, event: 'post.created' });
    expect(seqsOf(c.collect(), channel)).toEqual([3]);
  });
});

describe('retention', () => {
  it('past the pruned window: reset, then live with consecutive seq; inside it: exact replay', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    await manyReplies(topic.id, 30, 10);
    // 31 events; keep only the last 10 (22..31).
    await pruneEvents(t.app.parley.ctx.db, 7, 10);

    const behind = await connect();
    expect(await behind.subscribe(channel, 2)).toEqual({ type: 'subscribed', channel, seq: 31 });
    expect(await behind.nextOf('reset', channel)).toEqual({ type: 'reset', channel, seq: 31 });

    const edge = await connect();
    expect(await edge.subscribe(channel, 20)).toEqual({ type: 'subscribed', channel, seq: 31 });
    expect(await edge.nextOf('reset', channel)).toEqual({ type: 'reset', channel, seq: 31 });

    const oldest = await connect();
    await oldest.subscribe(channel, 21);
    expect(await readUntil(oldest, channel, 31)).toEqual(range(22, 31));

    const recent = await connect();
    await recent.subscribe(channel, 26);
    expect(await readUntil(recent, channel, 31)).toEqual(range(27, 31));

    await reply(s.other, topic.id);
    for (const c of [behind, edge, oldest, recent]) await c.next((m) => m.type === 'event' && m.seq === 32);
    expect(seqsOf(behind.collect(), channel)).toEqual([32]);
    expect(seqsOf(edge.collect(), channel)).toEqual([32]);
    expect(seqsOf(oldest.collect(), channel)).toEqual(range(22, 32));
    expect(seqsOf(recent.collect(), channel)).toEqual(range(27, 32));
    expect(behind.collect().filter((m) => m.type === 'reset')).toHaveLength(1);
  });
});
