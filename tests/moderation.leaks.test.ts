/**
 * Hidden text must not leak. A hidden post is a tombstone (`hidden`, `hiddenReason`, no
 * `body`/`bodyHtml`) for everyone but moderators and its author, and a hidden topic is a 404
 * for everyone but moderators and its author, on every channel: topic pages (including the
 * anonymous page cache), single posts, revisions, search, profiles, topic lists, the
 * moderation log, the review queue and the live socket (live and replayed).
 *
 * Method: every hidden text carries unique markers (a word and a link host); each read path is
 * searched for them in the raw response text or the raw WebSocket frames, so a leak in any
 * field, however it is named or nested, fails. Each test also shows the text IS there for
 * the author and moderators (and again after restoring), so it cannot pass by hiding everything.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { TestApp } from './helpers/app.js';
import type { Reply, TestClient } from './helpers/client.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, reply, setRole, signUp } from './helpers/factories.js';
import { LiveClient, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ t, url, s } = ready));

/** A word and a link that cannot appear anywhere by chance. */
const marker = () => {
  const hex = randomBytes(5).toString('hex');
  const word = `zebraquux${hex}`;
  const host = `leak-marker-${hex}.example`;
  return { word, host, body: `Buy ${word} now at https://${host}/ before it is gone` };
};

/** Fails with the surrounding text, so a leak report says where the marker turned up. */
const expectNoLeak = (label: string, text: string, words: string[]) => {
  for (const w of words) {
    const at = text.indexOf(w);
    expect(at, `${label} leaks "${w}": …${text.slice(Math.max(0, at - 160), at + w.length + 80)}…`).toBe(-1);
  }
};
const expectFramesClean = (label: string, c: LiveClient, words: string[]) => {
  expect(c.frames.length, `${label} received nothing`).toBeGreaterThan(0);
  c.frames.forEach((f, i) => expectNoLeak(`${label} frame #${i}`, f, words));
};
const expectMasked = (post: any, id: number, reason: string) =>
  expect(post).toMatchObject({ id, hidden: true, hiddenReason: reason, body: null, bodyHtml: null });

const connect = async (client: TestClient | null) => {
  const c = await LiveClient.connect(url, client ? { cookie: client.cookie } : {});
  open.push(c);
  return c;
};
const isEvent = (channel: string, event?: string) => (m: LiveMessage) =>
  m.type === 'event' && m.channel === channel && (event === undefined || m.event === event);

/** A channel's seq once it stops moving (topic bumps are appended a few ms after a reply commits). */
const settledSeq = async (channel: string) => {
  let seq = await t.app.live.hub.currentSeq(channel);
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 60));
    const now = await t.app.live.hub.currentSeq(channel);
    if (now === seq) return seq;
    seq = now;
  }
  throw new Error(`${channel} kept moving`);
};

/** Subscribes with since 0 and waits until the whole history has arrived. */
const replayAll = async (c: LiveClient, channel: string) => {
  const answer = await c.subscribe(channel, 0);
  expect(answer).toMatchObject({ type: 'subscribed', channel });
  if (answer.seq > 0) await c.next((m) => isEvent(channel)(m) && m.seq === answer.seq, 5000);
  return c.collect().filter(isEvent(channel));
};

/** A community of its own (so settings and channel histories stay apart), with the scene's moderator and staff. */
const freshCommunity = async () => {
  const community = await createCommunity(s.admin);
  await setRole(s.admin, community.slug, s.moderator.handle, 'moderator');
  await setRole(s.admin, community.slug, s.staff.handle, 'staff');
  return community.slug;
};

/**
 * Reads an anonymous page until it is served from the per-process cache, so a later read
 * proves the cache was invalidated. (With PostgreSQL, the NOTIFY of an earlier write can
 * arrive after its local publish and invalidate the page once more: hence the retries.)
 */
const warmCache = async (path: string) => {
  for (let i = 0; i < 40; i++) {
    const res = await t.guest().get(path);
    expect(res.status, res.text).toBe(200);
    if (res.headers['x-parley-cache'] === 'hit') return res;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${path} never came from the anonymous page cache`);
};

const searchFor = (who: TestClient, slug: string, q: string) => who.get(`/api/communities/${slug}/search?q=${encodeURIComponent(q)}`);
const logEntry = (res: Reply, action: string, targetId: number) => {
  expect(res.status, res.text).toBe(200);
  const entry = res.body.items.find((e: any) => e.action === action && e.target.id === targetId);
  expect(entry, `${action} of ${targetId} in the log`).toBeDefined();
  return entry;
};

/**
 * The HTTP reads about one hidden post that anyone but its author and moderators makes:
 * each must show the tombstone and no marker.
 */
async function expectPostMaskedOverHttp(
  label: string,
  who: TestClient,
  o: {
    slug: string;
    topicId: number;
    postId: number;
    reason: string;
    words: string[];
    queries: string[];
    authorHandle: string;
    replyId?: number;
    signedIn: boolean;
  },
) {
  const page = await who.get(`/api/topics/${o.topicId}`);
  expect(page.status, page.text).toBe(200);
  expectMasked(
    page.body.posts.find((p: any) => p.id === o.postId),
    o.postId,
    o.reason,
  );
  expectNoLeak(`${label} GET /api/topics/:id`, page.text, o.words);

  const rest = await who.get(`/api/topics/${o.topicId}?after=1&limit=1`);
  expect(rest.status, rest.text).toBe(200);
  expectNoLeak(`${label} GET /api/topics/:id?after=1`, rest.text, o.words);

  const single = await who.get(`/api/posts/${o.postId}`);
  expect(single.status, single.text).toBe(200);
  expectMasked(single.body.post, o.postId, o.reason);
  expectNoLeak(`${label} GET /api/posts/:id`, single.text, o.words);

  // Earlier versions are for the author and moderators only.
  const revisions = await who.get(`/api/posts/${o.postId}/revisions`);
  if (o.signedIn) expectError(revisions, 403, 'not_allowed');
  else expectError(revisions, 401, 'not_signed_in');
  expectNoLeak(`${label} GET /api/posts/:id/revisions`, revisions.text, o.words);

  if (o.replyId !== undefined) {
    // A reply to the hidden post points at it by id and carries none of its text.
    const answer = await who.get(`/api/posts/${o.replyId}`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.post.replyToId).toBe(o.postId);
    expectNoLeak(`${label} GET /api/posts/:replyId`, answer.text, o.words);
  }

  for (const q of o.queries) {
    const found = await searchFor(who, o.slug, q);
    expect(found.status, found.text).toBe(200);
    expect(
      found.body.items.map((i: any) => i.post.id),
      `${label} search "${q}"`,
    ).not.toContain(o.postId);
    expectNoLeak(`${label} search "${q}"`, found.text, o.words);
  }

  const list = await who.get(`/api/communities/${o.slug}/topics`);
  expect(list.status).toBe(200);
  expectNoLeak(`${label} topic list`, list.text, o.words);

  const profile = await who.get(`/api/users/${o.authorHandle}`);
  expect(profile.status).toBe(200);
  expectNoLeak(`${label} author's profile`, profile.text, o.words);

  // The public log names the action and its reason, never the text.
  const log = await who.get(`/api/communities/${o.slug}/moderation-log`);
  expect(logEntry(log, 'hide_post', o.postId).reason).toBe(o.reason);
  expectNoLeak(`${label} moderation log`, log.text, o.words);

  // The review queue carries posts as moderators see them: closed to everyone else.
  const queue = await who.get(`/api/communities/${o.slug}/flags?status=all`);
  if (o.signedIn) expectError(queue, 403, 'not_moderator');
  else expectError(queue, 401, 'not_signed_in');
  expectNoLeak(`${label} review queue`, queue.text, o.words);
}

describe('a post a moderator hid', () => {
  it('shows guests, members and staff only a tombstone with the reason on every HTTP read; its author and moderators still read it', async () => {
    const first = marker();
    const edited = marker();
    const words = [first.word, first.host, edited.word, edited.host];
    const reason = 'Spam or advertising';
    const { topic } = await createTopic(s.member, s.slug, { kind: 'question' });
    await reply(s.staff, topic.id);
    const bad = await reply(s.other, topic.id, { body: first.body });
    // Its life before the hide: an edit (so a revision holds the first text), an answer to it,
    // a reaction, marked as the solution and pinned (both travel with every topic page).
    expect((await s.other.patch(`/api/posts/${bad.id}`, { body: `${edited.body} (was: ${first.word})` })).status).toBe(200);
    const answer = await reply(s.member, topic.id, { body: 'Is that a real offer?', replyToId: bad.id });
    expect((await s.member.post(`/api/posts/${bad.id}/reactions`, { kind: 'like' })).status).toBe(200);
    expect((await s.member.post(`/api/topics/${topic.id}/solution`, { postId: bad.id })).status).toBe(200);
    expect((await s.moderator.post(`/api/posts/${bad.id}/pin`)).status).toBe(200);

    // The anonymous page cache is warm, and the markers are findable: the checks below can fail.
    for (const path of [`/api/topics/${topic.id}`, `/api/topics/${topic.id}?after=1&limit=1`]) {
      const warm = await warmCache(path);
      expect(warm.text).toContain(edited.word);
      expect(warm.text).toContain(edited.host);
    }
    for (const q of [edited.word, edited.host]) {
      expect(
        (await searchFor(t.guest(), s.slug, q)).body.items.map((i: any) => i.post.id),
        `search "${q}" before hiding`,
      ).toContain(bad.id);
    }

    const hidden = await s.moderator.post(`/api/posts/${bad.id}/hide`, { reason });
    expect(hidden.status, hidden.text).toBe(200);
    expect(hidden.body.post).toMatchObject({
      id: bad.id,
      hidden: true,
      hiddenReason: reason,
      pendingReview: false,
      body: expect.stringContaining(edited.word),
    });

    const o = {
      slug: s.slug,
      topicId: topic.id,
      postId: bad.id,
      reason,
      words,
      queries: [first.word, edited.word, edited.host, first.host],
      authorHandle: s.other.handle,
      replyId: answer.id,
    };
    // Guests twice: the first read after the hide must not be the cached page from before.
    await expectPostMaskedOverHttp('guest', t.guest(), { ...o, signedIn: false });
    await expectPostMaskedOverHttp('guest (again, cached)', t.guest(), { ...o, signedIn: false });
    // The topic's author, who answered, reacted and picked it as the solution, is still just a reader of it.
    await expectPostMaskedOverHttp('member', s.member, { ...o, signedIn: true });
    await expectPostMaskedOverHttp('staff', s.staff, { ...o, signedIn: true });

    // The solution shows the same tombstone; the pinned list drops the post rather than hold up a tombstone.
    for (const who of [t.guest(), s.member, s.staff]) {
      const page = (await who.get(`/api/topics/${topic.id}`)).body;
      expectMasked(page.solution, bad.id, reason);
      expect(page.pinnedPosts.map((p: any) => p.id)).not.toContain(bad.id);
    }

    // Its author and moderators (admins too) still read the text and its history.
    for (const who of [s.other, s.moderator, s.admin]) {
      const page = await who.get(`/api/topics/${topic.id}`);
      expect(page.body.posts.find((p: any) => p.id === bad.id)).toMatchObject({
        hidden: true,
        hiddenReason: reason,
        body: expect.stringContaining(edited.word),
      });
      expect(page.body.solution.bodyHtml).toContain(edited.host);
      expect(page.body.pinnedPosts.map((p: any) => p.id)).toContain(bad.id);
      const single = await who.get(`/api/posts/${bad.id}`);
      expect(single.body.post.bodyHtml).toContain(`https://${edited.host}/`);
      const revisions = await who.get(`/api/posts/${bad.id}/revisions`);
      expect(revisions.status).toBe(200);
      expect(revisions.body.items[0].body).toBe(first.body);
    }

    // Restored: everyone reads it again, guests included (no stale tombstone from the cache).
    expect((await s.moderator.delete(`/api/posts/${bad.id}/hide`)).status).toBe(200);
    const restored = await t.guest().get(`/api/topics/${topic.id}`);
    expect(restored.body.posts.find((p: any) => p.id === bad.id)).toMatchObject({
      hidden: false,
      hiddenReason: null,
      body: expect.stringContaining(edited.word),
    });
    expect(restored.text).toContain(edited.host);
    expect((await t.guest().get(`/api/topics/${topic.id}?after=1&limit=1`)).text).toContain(edited.word);
    expect((await searchFor(t.guest(), s.slug, edited.word)).body.items.map((i: any) => i.post.id)).toContain(bad.id);
  });

  it('live: guests, members and staff get post.hidden without the text, and a replay from 0 never shows it; its author and moderators get the text', async () => {
    const first = marker();
    const edited = marker();
    const words = [first.word, first.host, edited.word, edited.host];
    const reason = 'Off topic for this community';
    const { topic } = await createTopic(s.member, s.slug);
    const channel = `topic:${topic.id}`;
    const bad = await reply(s.other, topic.id, { body: first.body });
    expect((await s.other.patch(`/api/posts/${bad.id}`, { body: edited.body })).status).toBe(200);
    await reply(s.member, topic.id, { body: 'What is this?', replyToId: bad.id });

    // Subscribed while the post is still visible.
    const outsiders = { guest: await connect(null), member: await connect(s.member), staff: await connect(s.staff) };
    const insiders = { author: await connect(s.other), moderator: await connect(s.moderator) };
    for (const c of [...Object.values(outsiders), ...Object.values(insiders)]) expect((await c.subscribe(channel)).type).toBe('subscribed');
    expect((await s.staff.post(`/api/posts/${bad.id}/reactions`, { kind: 'helpful' })).status).toBe(200);

    expect((await s.moderator.post(`/api/posts/${bad.id}/hide`, { reason })).status).toBe(200);
    for (const [name, c] of Object.entries(outsiders)) {
      const e = await c.next(isEvent(channel, 'post.hidden'));
      expectMasked(e.data, bad.id, reason);
      expectFramesClean(name, c, words);
    }
    for (const c of Object.values(insiders)) {
      const e = await c.next(isEvent(channel, 'post.hidden'));
      expect(e.data).toMatchObject({ id: bad.id, hidden: true, hiddenReason: reason, body: edited.body });
      expect(e.data.bodyHtml).toContain(edited.host);
    }

    // A reader arriving now replays everything: post.created, post.updated, reactions.changed and post.hidden all show the tombstone.
    for (const [name, who] of [
      ['guest', null],
      ['member', s.member],
      ['staff', s.staff],
    ] as const) {
      const c = await connect(who);
      const events = await replayAll(c, channel);
      expect(events.map((e) => e.event)).toEqual(['post.created', 'post.created', 'post.updated', 'post.created', 'reactions.changed', 'post.hidden']);
      for (const e of events.filter((e) => e.data?.id === bad.id)) expectMasked(e.data, bad.id, reason);
      expectFramesClean(`${name} replay`, c, words);
    }
    for (const who of [s.other, s.moderator]) {
      const events = await replayAll(await connect(who), channel);
      const about = events.filter((e) => e.data?.id === bad.id);
      expect(about.map((e) => e.event)).toEqual(['post.created', 'post.updated', 'post.hidden']);
      for (const e of about) expect(e.data.body).toBe(edited.body);
    }

    // Its author edits it while it is hidden: the new text reaches only the author and moderators.
    const later = marker();
    await warmCache(`/api/topics/${topic.id}`);
    expect((await s.other.patch(`/api/posts/${bad.id}`, { body: later.body })).status).toBe(200);
    for (const [name, c] of Object.entries(outsiders)) {
      expectMasked((await c.next(isEvent(channel, 'post.updated'))).data, bad.id, reason);
      expectFramesClean(`${name} after an edit while hidden`, c, [...words, later.word, later.host]);
    }
    for (const c of Object.values(insiders)) expect((await c.next(isEvent(channel, 'post.updated'))).data.body).toBe(later.body);
    expectNoLeak('guest page after an edit while hidden', (await t.guest().get(`/api/topics/${topic.id}`)).text, [later.word, later.host]);
    expect((await searchFor(t.guest(), s.slug, later.word)).body.items).toEqual([]);

    // Restored: guests get the text live again.
    expect((await s.moderator.delete(`/api/posts/${bad.id}/hide`)).status).toBe(200);
    const back = await outsiders.guest.next(isEvent(channel, 'post.unhidden'));
    expect(back.data).toMatchObject({ id: bad.id, hidden: false, body: later.body });
  });
  it('a moderator demoted while their socket is open no longer gets hidden text on it', async () => {
    // Roles are looked up when a socket subscribes; the rule is about who the reader is when the event goes out.
    const slug = await freshCommunity();
    const deputy = await signUp(t);
    await setRole(s.admin, slug, deputy.handle, 'moderator');
    const m = marker();
    const reason = 'Abusive or disrespectful';
    const { topic } = await createTopic(s.member, slug);
    const channel = `topic:${topic.id}`;
    const bad = await reply(s.other, topic.id, { body: m.body });
    const socket = await connect(deputy);
    expect((await socket.subscribe(channel)).type).toBe('subscribed');

    await setRole(s.admin, slug, deputy.handle, 'member');
    expect((await s.moderator.post(`/api/posts/${bad.id}/hide`, { reason })).status).toBe(200);
    // Over HTTP they are a member now and read the tombstone…
    expectMasked((await deputy.get(`/api/posts/${bad.id}`)).body.post, bad.id, reason);
    // …and the socket they opened as a moderator must say the same.
    expectMasked((await socket.next(isEvent(channel, 'post.hidden'))).data, bad.id, reason);
    expectFramesClean('demoted moderator', socket, [m.word, m.host]);
  });

  it("a demoted moderator loses a hidden topic's channel; a promoted member starts reading hidden text on the socket they have open", async () => {
    const slug = await freshCommunity();
    const deputy = await signUp(t);
    const newcomer = await signUp(t);
    await setRole(s.admin, slug, deputy.handle, 'moderator');
    const { topic } = await createTopic(s.member, slug);
    const hiddenTopic = (await createTopic(s.member, slug)).topic;
    const m = marker();
    const bad = await reply(s.other, topic.id, { body: m.body });
    expect((await s.moderator.post(`/api/topics/${hiddenTopic.id}/hide`, { reason: 'duplicate' })).status).toBe(200);

    const deputySocket = await connect(deputy);
    expect((await deputySocket.subscribe(`topic:${hiddenTopic.id}`)).type).toBe('subscribed');
    const newcomerSocket = await connect(newcomer);
    expect((await newcomerSocket.subscribe(`topic:${topic.id}`)).type).toBe('subscribed');

    await setRole(s.admin, slug, deputy.handle, 'member');
    const dropped = await deputySocket.next((msg) => msg.type === 'error' && msg.channel === `topic:${hiddenTopic.id}`);
    expect(dropped.code).toBe('channel_not_found');

    await setRole(s.admin, slug, newcomer.handle, 'moderator');
    // The role change queued the socket's re-decision before the reply came back; a ping queues behind it.
    newcomerSocket.send({ type: 'ping' });
    await newcomerSocket.nextOf('pong');
    expect((await s.moderator.post(`/api/posts/${bad.id}/hide`, { reason: 'spam' })).status).toBe(200);
    const event = await newcomerSocket.next(isEvent(`topic:${topic.id}`, 'post.hidden'));
    expect(event.data).toMatchObject({ id: bad.id, hidden: true, body: expect.stringContaining(m.word) });
  });
});

describe('a topic a moderator hid', () => {
  it('is a 404 like a missing id for guests, members and staff, gone from lists, search and the live channels; its author and moderators still read it', async () => {
    const slug = await freshCommunity();
    const inTitle = marker();
    const inBody = marker();
    const inReply = marker();
    const words = [inTitle.word, inBody.word, inBody.host, inReply.word, inReply.host];
    const reason = 'Shares personal information';
    const { topic, post: opening } = await createTopic(s.member, slug, { title: `Deal on ${inTitle.word}`, body: inBody.body });
    const answer = await reply(s.other, topic.id, { body: inReply.body, replyToId: opening.id });
    const topicChannel = `topic:${topic.id}`;
    const communityChannel = `community:${slug}`;
    await settledSeq(communityChannel);

    // Warm the anonymous cache and check the markers are findable before the hide.
    expect((await warmCache(`/api/topics/${topic.id}`)).text).toContain(inTitle.word);
    for (const q of [inTitle.word, inBody.word, inReply.host]) {
      expect((await searchFor(t.guest(), slug, q)).body.items.length, `search "${q}" before hiding`).toBeGreaterThan(0);
    }
    const outsiders = { guest: await connect(null), member: await connect(s.other), staff: await connect(s.staff) };
    const insiders = { author: await connect(s.member), moderator: await connect(s.moderator) };
    for (const c of [...Object.values(outsiders), ...Object.values(insiders)]) {
      expect((await c.subscribe(topicChannel)).type).toBe('subscribed');
      expect((await c.subscribe(communityChannel)).type).toBe('subscribed');
    }

    const hidden = await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason });
    expect(hidden.status, hidden.text).toBe(200);
    expect(hidden.body.topic).toMatchObject({ id: topic.id, hidden: true, hiddenReason: reason });

    const missingTopic = await t.guest().get('/api/topics/2147483000');
    const missingPost = await t.guest().get('/api/posts/2147483000');
    for (const [label, who] of [
      ['guest', t.guest()],
      ['guest (again)', t.guest()],
      ['member', s.other],
      ['staff', s.staff],
    ] as const) {
      const read = await who.get(`/api/topics/${topic.id}`);
      expectError(read, 404, 'topic_not_found');
      expect(read.body, `${label}: a hidden topic reads like a missing one`).toEqual(missingTopic.body);
      expectError(await who.get(`/api/topics/${topic.id}?after=1&limit=1`), 404, 'topic_not_found');
      for (const id of [opening.id, answer.id]) {
        const post = await who.get(`/api/posts/${id}`);
        expectError(post, 404, 'post_not_found');
        expect(post.body).toEqual(missingPost.body);
        expectError(await who.get(`/api/posts/${id}/revisions`), 404, 'post_not_found');
      }
      const list = await who.get(`/api/communities/${slug}/topics`);
      expect(
        list.body.items.map((i: any) => i.id),
        `${label} topic list`,
      ).not.toContain(topic.id);
      expectNoLeak(`${label} topic list`, list.text, words);
      for (const q of [inTitle.word, inBody.word, inBody.host, inReply.word, inReply.host]) {
        const found = await searchFor(who, slug, q);
        expect(found.body.items, `${label} search "${q}"`).toEqual([]);
        expectNoLeak(`${label} search "${q}"`, found.text, words);
      }
      const log = await who.get(`/api/communities/${slug}/moderation-log`);
      const entry = logEntry(log, 'hide_topic', topic.id);
      expect(entry).toMatchObject({ reason, target: { type: 'topic', id: topic.id, title: null } });
      expectNoLeak(`${label} moderation log`, log.text, words);
      expectNoLeak(`${label} replier's profile`, (await who.get(`/api/users/${s.other.handle}`)).text, words);
    }

    // The author and moderators still have it all, title in the log included.
    for (const who of [s.member, s.moderator]) {
      const page = await who.get(`/api/topics/${topic.id}`);
      expect(page.status).toBe(200);
      expect(page.body.topic).toMatchObject({ hidden: true, hiddenReason: reason, title: `Deal on ${inTitle.word}` });
      expect(page.body.posts.map((p: any) => p.body)).toEqual([inBody.body, inReply.body]);
      expect((await who.get(`/api/posts/${answer.id}`)).body.post.body).toBe(inReply.body);
      const log = await who.get(`/api/communities/${slug}/moderation-log`);
      expect(logEntry(log, 'hide_topic', topic.id).target.title).toBe(`Deal on ${inTitle.word}`);
    }
    const modList = await s.moderator.get(`/api/communities/${slug}/topics`);
    expect(modList.body.items.map((i: any) => i.id)).toContain(topic.id);

    // Live, already subscribed: topic.updated on both channels carries nothing for outsiders.
    for (const [name, c] of Object.entries(outsiders)) {
      for (const channel of [topicChannel, communityChannel]) {
        const e = await c.next(isEvent(channel, 'topic.updated'));
        expect(e.data, `${name} ${channel}`).toBeNull();
      }
      expectFramesClean(name, c, words);
    }
    for (const c of Object.values(insiders)) {
      for (const channel of [topicChannel, communityChannel]) {
        const e = await c.next(isEvent(channel, 'topic.updated'));
        expect(e.data).toMatchObject({ id: topic.id, hidden: true, title: `Deal on ${inTitle.word}` });
      }
    }
    // Arriving now: the topic channel does not exist for them, the community's history holds nothing of it.
    for (const [name, who] of [
      ['guest', null],
      ['member', s.other],
      ['staff', s.staff],
    ] as const) {
      const c = await connect(who);
      expect(await c.subscribe(topicChannel, 0)).toMatchObject({ type: 'error', code: 'channel_not_found', channel: topicChannel });
      const events = await replayAll(c, communityChannel);
      expect(events.length).toBeGreaterThanOrEqual(2);
      for (const e of events) expect(e.data, `${name} ${e.event} #${e.seq}`).toBeNull();
      expectFramesClean(`${name} replay`, c, words);
    }
    const authorReplay = await replayAll(await connect(s.member), topicChannel);
    expect(authorReplay.filter((e) => e.event === 'post.created').map((e) => e.data.body)).toEqual([inBody.body, inReply.body]);

    // Restored: guests read it again, past the cache.
    expect((await s.moderator.delete(`/api/topics/${topic.id}/hide`)).status).toBe(200);
    const back = await t.guest().get(`/api/topics/${topic.id}`);
    expect(back.status).toBe(200);
    expect(back.text).toContain(inTitle.word);
    expect(back.text).toContain(inReply.host);
  });
});

describe('a post hidden automatically by member flags', () => {
  it('is a tombstone pending review for guests, members and staff everywhere, live included; its author and moderators still read it', async () => {
    const slug = await freshCommunity();
    expect((await s.admin.patch(`/api/communities/${slug}`, { moderation: { flagThreshold: 2 } })).status).toBe(200);
    const poster = await signUp(t);
    const m = marker();
    const words = [m.word, m.host];
    const { topic } = await createTopic(s.member, slug);
    const channel = `topic:${topic.id}`;
    const bad = await reply(poster, topic.id, { body: m.body });
    const answer = await reply(s.member, topic.id, { body: 'Please stop.', replyToId: bad.id });

    expect((await warmCache(`/api/topics/${topic.id}`)).text).toContain(m.word);
    const outsiders = { guest: await connect(null), member: await connect(s.other), staff: await connect(s.staff) };
    const insiders = { author: await connect(poster), moderator: await connect(s.moderator) };
    for (const c of [...Object.values(outsiders), ...Object.values(insiders)]) expect((await c.subscribe(channel)).type).toBe('subscribed');

    expect((await s.member.post(`/api/posts/${bad.id}/flags`, { reason: 'spam link' })).status).toBe(201);
    // One flag is below the threshold: still readable by all.
    expect((await t.guest().get(`/api/posts/${bad.id}`)).body.post.body).toBe(m.body);
    expect((await s.other.post(`/api/posts/${bad.id}/flags`, { reason: 'advertising' })).status).toBe(201);

    const auto = (await s.moderator.get(`/api/posts/${bad.id}`)).body.post;
    expect(auto).toMatchObject({ hidden: true, pendingReview: true, body: m.body });
    const reason = auto.hiddenReason as string;
    expect(reason).toEqual(expect.any(String));

    const o = { slug, topicId: topic.id, postId: bad.id, reason, words, queries: [m.word, m.host], authorHandle: poster.handle, replyId: answer.id };
    await expectPostMaskedOverHttp('guest', t.guest(), { ...o, signedIn: false });
    await expectPostMaskedOverHttp('member', s.other, { ...o, signedIn: true });
    await expectPostMaskedOverHttp('staff', s.staff, { ...o, signedIn: true });
    expect((await t.guest().get(`/api/posts/${bad.id}`)).body.post.pendingReview).toBe(true);
    const log = await t.guest().get(`/api/communities/${slug}/moderation-log`);
    expect(logEntry(log, 'hide_post', bad.id)).toMatchObject({ automatic: true, moderator: null, reason });
    // A further flag is refused, without echoing the text.
    const late = await s.staff.post(`/api/posts/${bad.id}/flags`, { reason: 'me too' });
    expectError(late, 409, 'post_hidden');
    expectNoLeak('late flag', late.text, words);

    // Its author and moderators: the text, and for moderators the queue with it.
    expect((await poster.get(`/api/topics/${topic.id}`)).body.posts.find((p: any) => p.id === bad.id)).toMatchObject({ pendingReview: true, body: m.body });
    const queue = await s.moderator.get(`/api/communities/${slug}/flags`);
    expect(queue.status).toBe(200);
    const flagged = queue.body.items.filter((i: any) => i.postId === bad.id);
    expect(flagged).toHaveLength(2);
    for (const item of flagged) expect(item.post).toMatchObject({ hidden: true, pendingReview: true, body: m.body });

    // Live and replayed.
    for (const [name, c] of Object.entries(outsiders)) {
      const e = await c.next(isEvent(channel, 'post.hidden'));
      expectMasked(e.data, bad.id, reason);
      expect(e.data.pendingReview).toBe(true);
      expectFramesClean(name, c, words);
    }
    for (const c of Object.values(insiders)) {
      expect((await c.next(isEvent(channel, 'post.hidden'))).data).toMatchObject({ id: bad.id, pendingReview: true, body: m.body });
    }
    for (const [name, who] of [
      ['guest', null],
      ['member', s.other],
      ['staff', s.staff],
    ] as const) {
      const c = await connect(who);
      const events = await replayAll(c, channel);
      expect(events.filter((e) => e.data?.id === bad.id).map((e) => e.event)).toEqual(['post.created', 'post.hidden']);
      expectFramesClean(`${name} replay`, c, words);
    }

    // A moderator confirming it keeps it a tombstone (no longer pending); restoring shows it to all.
    expect((await s.moderator.post(`/api/posts/${bad.id}/hide`, { reason: 'Spam or advertising' })).status).toBe(200);
    const confirmed = await t.guest().get(`/api/topics/${topic.id}`);
    expect(confirmed.body.posts.find((p: any) => p.id === bad.id)).toMatchObject({ hidden: true, pendingReview: false, body: null });
    expectNoLeak('guest after confirmation', confirmed.text, words);
    expect((await s.moderator.delete(`/api/posts/${bad.id}/hide`)).status).toBe(200);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).text).toContain(m.host);
  });
});

describe('a held first post', () => {
  it('waits unseen: guests, members and staff see a tombstone pending approval (HTTP and live); its author and moderators read it; approval shows it to all', async () => {
    const slug = await freshCommunity();
    // The topic exists before holding starts (its author would be held too otherwise).
    const { topic } = await createTopic(s.member, slug);
    const channel = `topic:${topic.id}`;
    expect((await s.admin.patch(`/api/communities/${slug}`, { moderation: { holdFirstPosts: true } })).status).toBe(200);
    const newcomer = await signUp(t, { newAccount: true });
    const m = marker();
    const words = [m.word, m.host];

    await warmCache(`/api/topics/${topic.id}`);
    const outsiders = { guest: await connect(null), member: await connect(s.other), staff: await connect(s.staff) };
    const insiders = { moderator: await connect(s.moderator) };
    for (const c of [...Object.values(outsiders), ...Object.values(insiders)]) expect((await c.subscribe(channel)).type).toBe('subscribed');

    const held = await newcomer.post(`/api/topics/${topic.id}/posts`, { body: m.body });
    expect(held.status, held.text).toBe(201);
    // The author sees their own post as it waits.
    expect(held.body.post).toMatchObject({ hidden: true, pendingReview: true, body: m.body });
    const postId = held.body.post.id as number;
    const reason = held.body.post.hiddenReason as string;
    expect(reason).toEqual(expect.any(String));

    for (const [label, who, signedIn] of [
      ['guest', t.guest(), false],
      ['member', s.other, true],
      ['staff', s.staff, true],
    ] as const) {
      const page = await who.get(`/api/topics/${topic.id}`);
      const post = page.body.posts.find((p: any) => p.id === postId);
      expectMasked(post, postId, reason);
      expect(post.pendingReview).toBe(true);
      expectNoLeak(`${label} topic page`, page.text, words);
      const single = await who.get(`/api/posts/${postId}`);
      expectMasked(single.body.post, postId, reason);
      expectNoLeak(`${label} GET /api/posts/:id`, single.text, words);
      for (const q of words) {
        const found = await searchFor(who, slug, q);
        expect(found.body.items, `${label} search "${q}"`).toEqual([]);
        expectNoLeak(`${label} search`, found.text, words);
      }
      const log = await who.get(`/api/communities/${slug}/moderation-log`);
      expect(logEntry(log, 'hold_post', postId)).toMatchObject({ automatic: true, moderator: null });
      expectNoLeak(`${label} moderation log`, log.text, words);
      expectNoLeak(`${label} newcomer's profile`, (await who.get(`/api/users/${newcomer.handle}`)).text, words);
      const queue = await who.get(`/api/communities/${slug}/flags`);
      if (signedIn) expectError(queue, 403, 'not_moderator');
      else expectError(queue, 401, 'not_signed_in');
    }
    for (const who of [newcomer, s.moderator]) {
      const page = await who.get(`/api/topics/${topic.id}`);
      expect(page.body.posts.find((p: any) => p.id === postId)).toMatchObject({ hidden: true, pendingReview: true, body: m.body });
    }
    const queue = await s.moderator.get(`/api/communities/${slug}/flags`);
    expect(queue.body.items.find((i: any) => i.postId === postId)).toMatchObject({ kind: 'first_post', post: { body: m.body } });

    // Live: the post.created outsiders get is already the tombstone; replays too.
    for (const [name, c] of Object.entries(outsiders)) {
      const e = await c.next(isEvent(channel, 'post.created'));
      expectMasked(e.data, postId, reason);
      expectFramesClean(name, c, words);
    }
    expect((await insiders.moderator.next(isEvent(channel, 'post.created'))).data).toMatchObject({ id: postId, body: m.body });
    for (const [name, who] of [
      ['guest', null],
      ['member', s.other],
      ['staff', s.staff],
    ] as const) {
      const c = await connect(who);
      await replayAll(c, channel);
      expectFramesClean(`${name} replay`, c, words);
    }
    const own = (await replayAll(await connect(newcomer), channel)).find((e) => e.data?.id === postId);
    expect(own?.data).toMatchObject({ hidden: true, body: m.body });

    // Approved: everyone reads it, guests past the cache and live.
    expect((await s.moderator.delete(`/api/posts/${postId}/hide`)).status).toBe(200);
    const approved = await t.guest().get(`/api/topics/${topic.id}`);
    expect(approved.body.posts.find((p: any) => p.id === postId)).toMatchObject({ hidden: false, pendingReview: false, body: m.body });
    expect((await outsiders.guest.next(isEvent(channel, 'post.unhidden'))).data).toMatchObject({ id: postId, body: m.body });
  });

  it("a newcomer's held first topic is a 404 for guests, members and staff, absent from lists, search and the community channel; its author and moderators read it", async () => {
    const slug = await freshCommunity();
    expect((await s.admin.patch(`/api/communities/${slug}`, { moderation: { holdFirstPosts: true } })).status).toBe(200);
    const communityChannel = `community:${slug}`;
    const starter = await signUp(t, { newAccount: true });
    const m = marker();
    const words = [m.word, m.host];
    const outsiders = { guest: await connect(null), member: await connect(s.other), staff: await connect(s.staff) };
    const moderator = await connect(s.moderator);
    for (const c of [...Object.values(outsiders), moderator]) expect((await c.subscribe(communityChannel)).type).toBe('subscribed');

    const created = await starter.post(`/api/communities/${slug}/topics`, { category: 'general', title: `Offer on ${m.word}`, body: m.body });
    expect(created.status, created.text).toBe(201);
    expect(created.body.topic).toMatchObject({ hidden: true, pendingReview: true, title: `Offer on ${m.word}` });
    expect(created.body.post.body).toBe(m.body);
    const topicId = created.body.topic.id as number;
    const postId = created.body.post.id as number;

    for (const [label, who] of [
      ['guest', t.guest()],
      ['member', s.other],
      ['staff', s.staff],
    ] as const) {
      expectError(await who.get(`/api/topics/${topicId}`), 404, 'topic_not_found');
      expectError(await who.get(`/api/posts/${postId}`), 404, 'post_not_found');
      const list = await who.get(`/api/communities/${slug}/topics`);
      expect(list.body.items.map((i: any) => i.id)).not.toContain(topicId);
      expectNoLeak(`${label} topic list`, list.text, words);
      for (const q of words) {
        const found = await searchFor(who, slug, q);
        expect(found.body.items, `${label} search "${q}"`).toEqual([]);
        expectNoLeak(`${label} search`, found.text, words);
      }
      const log = await who.get(`/api/communities/${slug}/moderation-log`);
      expect(logEntry(log, 'hold_topic', topicId)).toMatchObject({ automatic: true, target: { title: null } });
      expectNoLeak(`${label} moderation log`, log.text, words);
    }
    for (const [name, c] of Object.entries(outsiders)) {
      expect((await c.next(isEvent(communityChannel, 'topic.created'))).data, name).toBeNull();
      expectFramesClean(name, c, words);
    }
    expect((await moderator.next(isEvent(communityChannel, 'topic.created'))).data).toMatchObject({ id: topicId, title: `Offer on ${m.word}` });
    for (const who of [starter, s.moderator]) {
      const page = await who.get(`/api/topics/${topicId}`);
      expect(page.status).toBe(200);
      expect(page.body.posts[0].body).toBe(m.body);
    }
    const queue = await s.moderator.get(`/api/communities/${slug}/flags`);
    expect(queue.body.items.find((i: any) => i.topicId === topicId)).toMatchObject({ kind: 'first_post', targetType: 'topic', post: { body: m.body } });

    // Approved: the topic exists for everyone.
    expect((await s.moderator.delete(`/api/topics/${topicId}/hide`)).status).toBe(200);
    expect((await t.guest().get(`/api/topics/${topicId}`)).text).toContain(m.host);
  });
});
