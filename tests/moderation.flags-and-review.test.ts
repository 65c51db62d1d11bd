import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, scene, setRole, signUp, unique } from './helpers/factories.js';
import type { TestClient } from './helpers/client.js';
import { expectError } from './helpers/expect-error.js';
import { LiveClient, liveUrl } from './helpers/live-client.js';

type Member = Awaited<ReturnType<typeof signUp>>;

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
/** Established members (accounts a week old) who flag things; each flags a given post at most once. */
let flaggers: Member[];
const sockets: LiveClient[] = [];

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
  flaggers = [];
  for (let i = 0; i < 5; i++) flaggers.push(await signUp(t));
});
afterAll(async () => {
  sockets.forEach((c) => c.terminate());
  await t?.close();
});

/** A word that cannot appear anywhere by chance. */
const secret = () => `zq${randomBytes(6).toString('hex')}secret`;

/** A community of its own (so its settings and queue are the test's alone), moderated by the scene's moderator. */
async function community(moderation?: { flagThreshold?: number; holdFirstPosts?: boolean }) {
  const { slug } = await createCommunity(s.admin);
  await setRole(s.admin, slug, s.moderator.handle, 'moderator');
  if (moderation) {
    const res = await s.admin.patch(`/api/communities/${slug}`, { moderation });
    expect(res.status, res.text).toBe(200);
  }
  return slug;
}

/** A topic by the admin with one reply by `author`: the reply is what gets flagged. */
async function flaggablePost(slug: string, author: TestClient = s.member, body?: string) {
  const { topic } = await createTopic(s.admin, slug);
  const post = await reply(author, topic.id, body === undefined ? {} : { body });
  return { topic, post };
}

const flag = (who: TestClient, postId: number, reason = `looks wrong ${unique()}`) => who.post(`/api/posts/${postId}/flags`, { reason });
const queue = async (slug: string, query = '') => {
  const res = await s.moderator.get(`/api/communities/${slug}/flags${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { items: any[]; nextCursor: string | null };
};
const log = async (slug: string) => {
  const res = await t.guest().get(`/api/communities/${slug}/moderation-log`);
  expect(res.status, res.text).toBe(200);
  return res.body.items as any[];
};
const guestPost = async (postId: number) => (await t.guest().get(`/api/posts/${postId}`)).body.post;

describe('flagging a post', () => {
  it('a reader flags a post and gets their open flag back; flagging again answers the same flag', async () => {
    const { topic, post } = await flaggablePost(s.slug);
    const first = await flag(s.other, post.id, '  selling something  ');
    expect(first.status, first.text).toBe(201);
    expect(first.body.flag).toEqual({
      id: expect.any(Number),
      kind: 'flag',
      postId: post.id,
      topicId: topic.id,
      reason: 'selling something',
      status: 'open',
      createdAt: expect.any(String),
    });
    const again = await flag(s.other, post.id, 'a different complaint');
    expect(again.status, again.text).toBe(200);
    expect(again.body.flag).toEqual(first.body.flag);
    // Staff are participants: they report like anyone else.
    expect((await flag(s.staff, post.id)).status).toBe(201);
    expect((await guestPost(post.id)).hidden).toBe(false);
  });

  it('refuses flags on your own post, on deleted posts, on posts already hidden from you, and from guests', async () => {
    const { post } = await flaggablePost(s.slug);
    expectError(await flag(s.member, post.id), 403, 'own_post');
    expectError(await flag(t.guest(), post.id), 401, 'not_signed_in');
    expectError(await flag(s.other, 2_000_000_000), 404, 'post_not_found');

    const { post: gone } = await flaggablePost(s.slug);
    expect((await s.member.delete(`/api/posts/${gone.id}`)).status).toBeLessThan(300);
    expectError(await flag(s.other, gone.id), 409, 'post_deleted');

    const { post: hidden } = await flaggablePost(s.slug);
    expect((await s.moderator.post(`/api/posts/${hidden.id}/hide`, { reason: 'spam' })).status).toBe(200);
    expectError(await flag(s.other, hidden.id), 409, 'post_hidden');
  });

  it('a flag is one per member per post for good: after a dismissal, flagging again answers the dismissed flag', async () => {
    const slug = await community();
    const { post } = await flaggablePost(slug);
    const { flag: first } = (await flag(s.other, post.id)).body;
    const dismissed = await s.moderator.post(`/api/flags/${first.id}/dismiss`);
    expect(dismissed.status, dismissed.text).toBe(200);
    expect(dismissed.body.flag).toMatchObject({ id: first.id, status: 'dismissed' });

    const again = await flag(s.other, post.id, 'I really mean it');
    expect(again.status).toBe(200);
    expect(again.body.flag).toMatchObject({ id: first.id, status: 'dismissed', reason: first.reason });
    expect((await queue(slug)).items).toEqual([]);
  });
});

describe('the automatic flag threshold', () => {
  it('communities start at three flags with held first posts and verified addresses off; only an admin changes that', async () => {
    const slug = await community();
    expect((await t.guest().get(`/api/communities/${slug}`)).body.community.moderation).toEqual({
      flagThreshold: 3,
      holdFirstPosts: false,
      requireVerifiedEmail: false,
      holdNewMemberLinks: false,
      keepAcceptedAnswers: true,
    });
    expectError(await s.moderator.patch(`/api/communities/${slug}`, { moderation: { flagThreshold: 1 } }), 403, 'not_community_admin');
    expectError(await s.member.patch(`/api/communities/${slug}`, { moderation: { flagThreshold: 1 } }), 403, 'not_community_admin');

    const changed = await s.admin.patch(`/api/communities/${slug}`, { moderation: { flagThreshold: 5 } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.community.moderation).toEqual({
      flagThreshold: 5,
      holdFirstPosts: false,
      requireVerifiedEmail: false,
      holdNewMemberLinks: false,
      keepAcceptedAnswers: true,
    });
    await s.admin.patch(`/api/communities/${slug}`, { moderation: { holdFirstPosts: true } });
    expect((await t.guest().get(`/api/communities/${slug}`)).body.community.moderation).toEqual({
      flagThreshold: 5,
      holdFirstPosts: true,
      requireVerifiedEmail: false,
      holdNewMemberLinks: false,
      keepAcceptedAnswers: true,
    });
    expectError(await s.admin.patch(`/api/communities/${slug}`, { moderation: { flagThreshold: -1 } }), 400, 'invalid_input');
  });

  it('the third member to flag a post hides it pending review: tombstone for guests, a live post.hidden, an automatic log entry', async () => {
    const word = secret();
    const { topic, post } = await flaggablePost(s.slug, s.member, `buy ${word} today`);
    const channel = `topic:${topic.id}`;
    const guest = await LiveClient.connect(await liveUrl(t.app));
    sockets.push(guest);
    expect(await guest.subscribe(channel)).toMatchObject({ type: 'subscribed', channel });

    expect((await flag(flaggers[0]!, post.id)).status).toBe(201);
    expect((await flag(flaggers[1]!, post.id)).status).toBe(201);
    // Two flags are not enough: nothing happens in public yet.
    expect(await guestPost(post.id)).toMatchObject({ hidden: false, body: `buy ${word} today` });

    expect((await flag(flaggers[2]!, post.id)).status).toBe(201);
    const hidden = await guestPost(post.id);
    expect(hidden).toMatchObject({ id: post.id, hidden: true, pendingReview: true, body: null, bodyHtml: null });
    // Stored as a code, shown in words; the log entry says how many flags it took.
    expect(hidden).toMatchObject({ hiddenReasonCode: 'flagged', hiddenReason: expect.stringContaining('flagged') });
    const event = await guest.next((m) => m.type === 'event' && m.channel === channel && m.event === 'post.hidden');
    expect(event.data).toMatchObject({ id: post.id, hidden: true, body: null });
    for (const frame of guest.frames) expect(frame).not.toContain(word);

    // The author still reads their own text, and why it went.
    expect((await s.member.get(`/api/posts/${post.id}`)).body.post).toMatchObject({ hidden: true, pendingReview: true, body: `buy ${word} today` });

    const [latest] = await log(s.slug);
    expect(latest).toMatchObject({
      action: 'hide_post',
      automatic: true,
      moderator: null,
      reason: hidden.hiddenReason,
      reasonCode: 'flagged',
      detail: '3',
      target: { type: 'post', id: post.id, topicId: topic.id, postNumber: post.number },
    });
    expect(JSON.stringify(latest)).not.toContain(word);
  });

  it('flags from brand-new accounts are recorded for moderators but do not count towards hiding', async () => {
    const slug = await community({ flagThreshold: 2 });
    const { post } = await flaggablePost(slug);
    const newcomers = [await signUp(t, { newAccount: true }), await signUp(t, { newAccount: true })];
    for (const n of newcomers) expect((await flag(n, post.id)).status).toBe(201);
    expect((await flag(flaggers[0]!, post.id)).status).toBe(201);
    expect((await guestPost(post.id)).hidden).toBe(false);
    const { items } = await queue(slug);
    expect(items).toHaveLength(3);
    expect(items.every((i) => i.openFlags === 3)).toBe(true);

    // A second established member makes two that count.
    expect((await flag(flaggers[1]!, post.id)).status).toBe(201);
    expect(await guestPost(post.id)).toMatchObject({ hidden: true, pendingReview: true });
    expect((await log(slug))[0]).toMatchObject({ action: 'hide_post', automatic: true, reasonCode: 'flagged', detail: '2' });
  });

  it('a threshold of 0 never hides a post by itself', async () => {
    const slug = await community({ flagThreshold: 0 });
    const { post } = await flaggablePost(slug);
    for (const f of flaggers) expect((await flag(f, post.id)).status).toBe(201);
    expect((await guestPost(post.id)).hidden).toBe(false);
    expect((await log(slug)).filter((e) => e.action === 'hide_post')).toEqual([]);
    expect((await queue(slug)).items).toHaveLength(flaggers.length);
  });

  it('once a moderator restores an auto-hidden post, the same flaggers cannot hide it again; new ones can', async () => {
    const slug = await community({ flagThreshold: 2 });
    const { post } = await flaggablePost(slug);
    await flag(flaggers[0]!, post.id);
    await flag(flaggers[1]!, post.id);
    expect((await guestPost(post.id)).hidden).toBe(true);

    const restored = await s.moderator.delete(`/api/posts/${post.id}/hide`);
    expect(restored.status, restored.text).toBe(200);
    expect(restored.body.post).toMatchObject({ hidden: false, pendingReview: false, hiddenReason: null });
    // Restoring says the flags were wrong: they are dismissed, by this moderator.
    const dismissed = (await queue(slug, '?status=dismissed')).items;
    expect(dismissed).toHaveLength(2);
    for (const item of dismissed)
      expect(item).toMatchObject({ status: 'dismissed', resolvedBy: { handle: s.moderator.handle }, resolvedAt: expect.any(String) });

    expect((await flag(flaggers[0]!, post.id)).status).toBe(200);
    expect((await flag(flaggers[1]!, post.id)).status).toBe(200);
    expect((await flag(flaggers[2]!, post.id)).status).toBe(201);
    expect((await guestPost(post.id)).hidden).toBe(false);
    expect((await flag(flaggers[3]!, post.id)).status).toBe(201);
    expect((await guestPost(post.id)).hidden).toBe(true);
  });
});

describe('the review queue', () => {
  it('moderators see open items newest first, with the reporter, the full post, its topic and the open flag count', async () => {
    const slug = await community({ flagThreshold: 0 });
    const word = secret();
    const { topic, post } = await flaggablePost(slug, s.member, `text ${word}`);
    const { post: second } = await flaggablePost(slug);
    await flag(s.other, post.id, 'rude');
    await flag(flaggers[0]!, post.id, 'spam');
    await flag(s.other, second.id, 'off topic');

    const { items, nextCursor } = await queue(slug);
    expect(nextCursor).toBeNull();
    expect(items.map((i) => i.reason)).toEqual(['off topic', 'spam', 'rude']);
    expect(items[2]).toMatchObject({
      kind: 'flag',
      targetType: 'post',
      status: 'open',
      postId: post.id,
      topicId: topic.id,
      reporter: { handle: s.other.handle },
      openFlags: 2,
      resolvedBy: null,
      resolvedAt: null,
      post: { id: post.id, body: `text ${word}` },
      topic: { id: topic.id, title: topic.title, hidden: false, locked: false },
    });
    expect(items[0]).toMatchObject({ postId: second.id, openFlags: 1 });

    // Admins moderate too; staff, members and guests do not see who reported what.
    expect((await s.admin.get(`/api/communities/${slug}/flags`)).status).toBe(200);
    expectError(await s.staff.get(`/api/communities/${s.slug}/flags`), 403, 'not_moderator');
    expectError(await s.member.get(`/api/communities/${slug}/flags`), 403, 'not_moderator');
    expectError(await t.guest().get(`/api/communities/${slug}/flags`), 401, 'not_signed_in');
  });

  it('a moderator settles one item without touching the post; hiding the post then resolves the rest', async () => {
    const slug = await community({ flagThreshold: 0 });
    const { post } = await flaggablePost(slug);
    const a = (await flag(s.other, post.id)).body.flag;
    const b = (await flag(flaggers[0]!, post.id)).body.flag;

    const resolved = await s.moderator.post(`/api/flags/${a.id}/resolve`);
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body.flag).toMatchObject({ id: a.id, status: 'resolved' });
    expect((await guestPost(post.id)).hidden).toBe(false);
    // Saying it twice is harmless; changing your mind afterwards is a conflict.
    expect((await s.moderator.post(`/api/flags/${a.id}/resolve`)).body.flag.status).toBe('resolved');
    expectError(await s.moderator.post(`/api/flags/${a.id}/dismiss`), 409, 'flag_settled');
    expect((await log(slug)).filter((e) => e.action === 'resolve_flag')).toHaveLength(1);
    expect((await log(slug))[0]).toMatchObject({ action: 'resolve_flag', moderator: { handle: s.moderator.handle }, target: { type: 'post', id: post.id } });

    expect((await queue(slug)).items.map((i) => i.id)).toEqual([b.id]);
    expect((await queue(slug)).items[0].openFlags).toBe(1);

    expect((await s.moderator.post(`/api/posts/${post.id}/hide`, { reason: 'Spam or advertising' })).status).toBe(200);
    expect((await queue(slug)).items).toEqual([]);
    const done = (await queue(slug, '?status=resolved')).items;
    expect(done.map((i) => i.id)).toEqual([b.id, a.id]);
    expect(done[0]).toMatchObject({ status: 'resolved', resolvedBy: { handle: s.moderator.handle }, openFlags: 0 });
    expect(done[0].post).toMatchObject({ hidden: true, hiddenReason: 'Spam or advertising' });
    expect((await queue(slug, '?status=all')).items).toHaveLength(2);
  });

  it('members cannot settle queue items, and unknown items are a 404', async () => {
    const { post } = await flaggablePost(s.slug);
    const { flag: f } = (await flag(s.other, post.id)).body;
    expectError(await s.other.post(`/api/flags/${f.id}/dismiss`), 403, 'not_moderator');
    expectError(await s.staff.post(`/api/flags/${f.id}/resolve`), 403, 'not_moderator');
    expectError(await t.guest().post(`/api/flags/${f.id}/resolve`), 401, 'not_signed_in');
    expectError(await s.moderator.post('/api/flags/2000000000/resolve'), 404, 'flag_not_found');
    // A moderator of another community has no say here.
    const elsewhere = await community();
    const outsider = await signUp(t);
    await setRole(s.admin, elsewhere, outsider.handle, 'moderator');
    expectError(await outsider.post(`/api/flags/${f.id}/resolve`), 403, 'not_moderator');
  });

  it('pages through the queue with limit and cursor, newest first, each item once', async () => {
    const slug = await community({ flagThreshold: 0 });
    const { post } = await flaggablePost(slug);
    const ids: number[] = [];
    for (const f of flaggers) ids.push((await flag(f, post.id)).body.flag.id);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: any[]; nextCursor: string | null } = await queue(slug, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);
  });
});

describe('asking for a review', () => {
  it('the author of a hidden post sees why, may still edit it, and may ask for a review once per hiding', async () => {
    const slug = await community();
    const { topic, post } = await flaggablePost(slug);
    expectError(await s.member.post(`/api/posts/${post.id}/review-request`, {}), 409, 'post_not_hidden');
    await s.moderator.post(`/api/posts/${post.id}/hide`, { reason: 'Off topic for this community' });

    const mine = (await s.member.get(`/api/posts/${post.id}`)).body.post;
    expect(mine).toMatchObject({ hidden: true, hiddenReason: 'Off topic for this community', pendingReview: false, body: post.body });
    const word = secret();
    const edited = await s.member.patch(`/api/posts/${post.id}`, { body: `now on topic ${word}` });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body.post).toMatchObject({ hidden: true, body: `now on topic ${word}` });
    const seenByGuest = await t.guest().get(`/api/topics/${topic.id}`);
    expect(seenByGuest.text).not.toContain(word);

    const asked = await s.member.post(`/api/posts/${post.id}/review-request`, { message: 'I fixed it, please look again' });
    expect(asked.status, asked.text).toBe(201);
    expect(asked.body.flag).toEqual({
      id: expect.any(Number),
      kind: 'review_request',
      postId: post.id,
      topicId: topic.id,
      reason: 'I fixed it, please look again',
      status: 'open',
      createdAt: expect.any(String),
    });
    expectError(await s.member.post(`/api/posts/${post.id}/review-request`, { message: 'please?' }), 409, 'review_already_requested');
    expectError(await s.other.post(`/api/posts/${post.id}/review-request`, {}), 403, 'not_post_author');
    expect((await queue(slug)).items[0]).toMatchObject({
      id: asked.body.flag.id,
      kind: 'review_request',
      reporter: { handle: s.member.handle },
      post: { body: `now on topic ${word}` },
    });

    // Restoring the post grants the request.
    await s.moderator.delete(`/api/posts/${post.id}/hide`);
    expect((await queue(slug, '?status=resolved')).items.map((i) => i.id)).toEqual([asked.body.flag.id]);
    expectError(await s.member.post(`/api/posts/${post.id}/review-request`, {}), 409, 'post_not_hidden');

    // A new hiding is a new decision, which the author may contest again (without a message).
    await s.moderator.post(`/api/posts/${post.id}/hide`, { reason: 'Abusive or disrespectful' });
    const again = await s.member.post(`/api/posts/${post.id}/review-request`, {});
    expect(again.status, again.text).toBe(201);
    expect(again.body.flag.reason.length).toBeGreaterThan(0);
  });

  it('a moderator confirming an automatic hide gives their own reason, ends pending review and declines the review request', async () => {
    const slug = await community({ flagThreshold: 2 });
    const { post } = await flaggablePost(slug);
    await flag(flaggers[0]!, post.id);
    await flag(flaggers[1]!, post.id);
    const request = (await s.member.post(`/api/posts/${post.id}/review-request`, { message: 'not spam' })).body.flag;
    expect(request).toMatchObject({ kind: 'review_request', status: 'open' });

    const confirmed = await s.moderator.post(`/api/posts/${post.id}/hide`, { reason: 'Spam or advertising' });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.post).toMatchObject({ hidden: true, pendingReview: false, hiddenReason: 'Spam or advertising' });
    expect(await guestPost(post.id)).toMatchObject({ hidden: true, pendingReview: false, hiddenReason: 'Spam or advertising', body: null });

    const all = (await queue(slug, '?status=all')).items;
    expect(all.find((i) => i.id === request.id)).toMatchObject({ status: 'dismissed' });
    expect(all.filter((i) => i.kind === 'flag').map((i) => i.status)).toEqual(['resolved', 'resolved']);
    // A confirmation is the same hiding, so the author's one request is spent.
    expectError(await s.member.post(`/api/posts/${post.id}/review-request`, {}), 409, 'review_already_requested');

    const entries = await log(slug);
    expect(entries.slice(0, 2).map((e) => [e.action, e.automatic, e.moderator?.handle ?? null, e.reason, e.detail])).toEqual([
      ['hide_post', false, s.moderator.handle, 'Spam or advertising', null],
      ['hide_post', true, null, expect.stringContaining('members flagged it'), '2'],
    ]);
  });
});

describe('held first posts', () => {
  it("a member's first reply waits hidden for approval; once approved, their next reply goes straight through", async () => {
    const slug = await community({ holdFirstPosts: true });
    const { topic } = await createTopic(s.moderator, slug);
    const newcomer = await signUp(t);
    const word = secret();
    const held = await reply(newcomer, topic.id, { body: `hello ${word}` });
    expect(held).toMatchObject({ hidden: true, pendingReview: true, body: `hello ${word}` });
    expect(held.hiddenReason).toEqual(expect.any(String));

    const page = await t.guest().get(`/api/topics/${topic.id}`);
    expect(page.body.posts.find((p: any) => p.id === held.id)).toMatchObject({ hidden: true, pendingReview: true, body: null });
    expect(page.text).not.toContain(word);
    // Still held: a second reply before approval waits too.
    const second = await reply(newcomer, topic.id);
    expect(second).toMatchObject({ hidden: true, pendingReview: true });

    const items = (await queue(slug)).items;
    expect(items.map((i) => [i.kind, i.targetType, i.postId])).toEqual([
      ['first_post', 'post', second.id],
      ['first_post', 'post', held.id],
    ]);
    expect(items[1]).toMatchObject({ reporter: null, post: { body: `hello ${word}` } });
    expect((await log(slug)).slice(0, 2).map((e) => [e.action, e.automatic, e.moderator, e.target.id])).toEqual([
      ['hold_post', true, null, second.id],
      ['hold_post', true, null, held.id],
    ]);

    const approved = await s.moderator.delete(`/api/posts/${held.id}/hide`);
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body.post).toMatchObject({ hidden: false, pendingReview: false });
    expect(await guestPost(held.id)).toMatchObject({ hidden: false, body: `hello ${word}` });
    const all = (await queue(slug, '?status=all')).items;
    expect(all.find((i) => i.postId === held.id)).toMatchObject({ status: 'resolved', resolvedBy: { handle: s.moderator.handle } });
    expect(all.find((i) => i.postId === second.id)).toMatchObject({ status: 'open' });

    const free = await reply(newcomer, topic.id);
    expect(free).toMatchObject({ hidden: false, pendingReview: false });
    const fresh = await createTopic(newcomer, slug);
    expect(fresh.topic).toMatchObject({ hidden: false, pendingReview: false });
  });

  it("a member's first topic is hidden until approved: a 404 and absent from the list for guests", async () => {
    const slug = await community({ holdFirstPosts: true });
    const newcomer = await signUp(t);
    const { topic } = await createTopic(newcomer, slug);
    expect(topic).toMatchObject({ hidden: true, pendingReview: true });
    expectError(await t.guest().get(`/api/topics/${topic.id}`), 404, 'topic_not_found');
    expectError(await s.other.get(`/api/topics/${topic.id}`), 404, 'topic_not_found');
    expect((await newcomer.get(`/api/topics/${topic.id}`)).status).toBe(200);
    const listed = (await t.guest().get(`/api/communities/${slug}/topics`)).body.items;
    expect(listed.map((x: any) => x.id)).not.toContain(topic.id);

    const [item] = (await queue(slug)).items;
    expect(item).toMatchObject({ kind: 'first_post', targetType: 'topic', topicId: topic.id, topic: { id: topic.id, hidden: true }, reporter: null });
    expect((await log(slug))[0]).toMatchObject({ action: 'hold_topic', automatic: true, moderator: null, target: { type: 'topic', id: topic.id } });

    const approved = await s.moderator.delete(`/api/topics/${topic.id}/hide`);
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body.topic).toMatchObject({ hidden: false, pendingReview: false });
    expect((await t.guest().get(`/api/topics/${topic.id}`)).status).toBe(200);
    expect((await queue(slug, '?status=resolved')).items.map((i) => i.id)).toEqual([item.id]);
    expect((await createTopic(newcomer, slug)).topic.hidden).toBe(false);
  });

  it('rejecting a held post or topic keeps it hidden with the reason and the member stays held', async () => {
    const slug = await community({ holdFirstPosts: true });
    const { topic } = await createTopic(s.moderator, slug);
    const newcomer = await signUp(t);
    const held = await reply(newcomer, topic.id);
    const rejected = await s.moderator.post(`/api/posts/${held.id}/hide`, { reason: 'Spam or advertising' });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body.post).toMatchObject({ hidden: true, pendingReview: false, hiddenReason: 'Spam or advertising' });
    expect((await queue(slug, '?status=dismissed')).items.map((i) => i.postId)).toEqual([held.id]);
    expect((await reply(newcomer, topic.id)).hidden).toBe(true);

    const { topic: heldTopic } = await createTopic(newcomer, slug);
    expect((await s.moderator.post(`/api/topics/${heldTopic.id}/hide`, { reason: 'Duplicate of another post' })).body.topic).toMatchObject({
      hidden: true,
      pendingReview: false,
      hiddenReason: 'Duplicate of another post',
    });
    const item = (await queue(slug, '?status=all')).items.find((i) => i.targetType === 'topic');
    expect(item).toMatchObject({ topicId: heldTopic.id, status: 'dismissed' });
    expectError(await t.guest().get(`/api/topics/${heldTopic.id}`), 404, 'topic_not_found');
  });

  it('staff, moderators and admins are never held', async () => {
    const slug = await community({ holdFirstPosts: true });
    await setRole(s.admin, slug, s.staff.handle, 'staff');
    const { topic } = await createTopic(s.admin, slug);
    expect(topic.hidden).toBe(false);
    expect((await reply(s.staff, topic.id)).hidden).toBe(false);
    expect((await reply(s.moderator, topic.id)).hidden).toBe(false);
    expect((await createTopic(s.staff, slug)).topic.hidden).toBe(false);
    expect((await queue(slug, '?status=all')).items).toEqual([]);
  });
});
