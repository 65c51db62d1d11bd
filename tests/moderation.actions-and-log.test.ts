import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, scene, setRole, signUp } from './helpers/factories.js';
import type { TestClient } from './helpers/client.js';
import { expectError } from './helpers/expect-error.js';
import { LiveClient, liveUrl, type LiveMessage } from './helpers/live-client.js';

type Member = Awaited<ReturnType<typeof signUp>>;

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
let url: string;
/** Two established members who flag the story's post. */
let flaggers: Member[];
const open: LiveClient[] = [];

beforeAll(async () => {
  t = await startTestApp();
  url = await liveUrl(t.app);
  s = await scene(t);
  flaggers = [await signUp(t), await signUp(t)];
});
afterEach(() => {
  open.splice(0).forEach((c) => c.terminate());
});
afterAll(async () => {
  await t?.close();
});

/** A word that cannot appear anywhere by chance. */
const secret = () => `zq${randomBytes(6).toString('hex')}secret`;
const connect = async (as: TestClient | null = null) => {
  const c = await LiveClient.connect(url, as ? { cookie: as.cookie } : {});
  open.push(c);
  return c;
};
const isEvent = (channel: string, event: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel && m.event === event;
const log = async (slug: string, as: TestClient = t.guest(), query = '') => {
  const res = await as.get(`/api/communities/${slug}/moderation-log${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { items: any[]; nextCursor: string | null };
};
const logSize = async (slug: string) => (await log(slug, t.guest(), '?limit=100')).items.length;

/** A community of its own, moderated by the scene's moderator, so its log is the test's alone. */
async function community() {
  const { slug } = await createCommunity(s.admin);
  await setRole(s.admin, slug, s.moderator.handle, 'moderator');
  return slug;
}

describe('topic actions', () => {
  it('pinning and locking a topic is announced live on the topic and community channels and logged once; repeating does nothing', async () => {
    const slug = await community();
    const { topic } = await createTopic(s.member, slug);
    const topicChannel = `topic:${topic.id}`;
    const communityChannel = `community:${slug}`;
    const guest = await connect();
    expect(await guest.subscribe(topicChannel)).toMatchObject({ type: 'subscribed' });
    expect(await guest.subscribe(communityChannel)).toMatchObject({ type: 'subscribed' });
    const before = await logSize(slug);

    const pinned = await s.moderator.post(`/api/topics/${topic.id}/pin`);
    expect(pinned.status, pinned.text).toBe(200);
    expect(pinned.body.topic).toMatchObject({ id: topic.id, pinned: true, locked: false });
    expect((await guest.next(isEvent(topicChannel, 'topic.updated'))).data).toMatchObject({ id: topic.id, pinned: true });
    expect((await guest.next(isEvent(communityChannel, 'topic.updated'))).data).toMatchObject({ id: topic.id, pinned: true });

    const locked = await s.moderator.post(`/api/topics/${topic.id}/lock`);
    expect(locked.body.topic).toMatchObject({ pinned: true, locked: true });
    expect((await guest.next(isEvent(topicChannel, 'topic.updated'))).data).toMatchObject({ locked: true });
    expect((await guest.next(isEvent(communityChannel, 'topic.updated'))).data).toMatchObject({ locked: true });
    expect(await logSize(slug)).toBe(before + 2);

    // Two moderators clicking the same button: the second click changes nothing.
    expect((await s.admin.post(`/api/topics/${topic.id}/pin`)).body.topic).toMatchObject({ pinned: true });
    expect((await s.moderator.post(`/api/topics/${topic.id}/lock`)).body.topic).toMatchObject({ locked: true });
    expect(await guest.quiet((m) => m.type === 'event', 200)).toEqual([]);
    expect(await logSize(slug)).toBe(before + 2);

    expect((await s.moderator.delete(`/api/topics/${topic.id}/pin`)).body.topic).toMatchObject({ pinned: false, locked: true });
    expect((await guest.next(isEvent(topicChannel, 'topic.updated'))).data).toMatchObject({ pinned: false });
    expect((await s.moderator.delete(`/api/topics/${topic.id}/lock`)).body.topic).toMatchObject({ pinned: false, locked: false });
    expect((await guest.next(isEvent(topicChannel, 'topic.updated'))).data).toMatchObject({ locked: false });
    expect((await s.moderator.delete(`/api/topics/${topic.id}/lock`)).status).toBe(200);

    const { items } = await log(slug);
    expect(items.slice(0, 4).map((e) => e.action)).toEqual(['unlock_topic', 'unpin_topic', 'lock_topic', 'pin_topic']);
    expect(items[3]).toMatchObject({
      moderator: { handle: s.moderator.handle },
      automatic: false,
      reason: null,
      target: { type: 'topic', id: topic.id, topicId: topic.id, postNumber: null, title: topic.title, handle: null },
    });
  });

  it('a pinned topic is listed first in its community', async () => {
    const slug = await community();
    const { topic: older } = await createTopic(s.member, slug);
    await createTopic(s.member, slug);
    await s.moderator.post(`/api/topics/${older.id}/pin`);
    const list = (await t.guest().get(`/api/communities/${slug}/topics`)).body.items;
    expect(list[0]).toMatchObject({ id: older.id, pinned: true });
  });

  it('a locked topic refuses replies and edits from members but not from moderators', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const earlier = await reply(s.other, topic.id);
    await s.moderator.post(`/api/topics/${topic.id}/lock`);
    expectError(await s.other.post(`/api/topics/${topic.id}/posts`, { body: 'one more thing' }), 403, 'topic_locked');
    expectError(await s.member.post(`/api/topics/${topic.id}/posts`, { body: 'my own topic' }), 403, 'topic_locked');
    expectError(await s.staff.post(`/api/topics/${topic.id}/posts`, { body: 'staff too' }), 403, 'topic_locked');
    expectError(await s.other.patch(`/api/posts/${earlier.id}`, { body: 'rewriting history' }), 403, 'topic_locked');
    const closing = await reply(s.moderator, topic.id, { body: 'Locking this: the question is answered.' });
    expect(closing.hidden).toBe(false);
    expect((await reply(s.admin, topic.id)).hidden).toBe(false);

    await s.moderator.delete(`/api/topics/${topic.id}/lock`);
    await reply(s.other, topic.id);
  });

  it('a hidden topic is a 404 for readers; its author and moderators see why; the log keeps its title from guests', async () => {
    const slug = await community();
    const { topic } = await createTopic(s.member, slug);
    const moderator = await connect(s.moderator);
    await moderator.subscribe(`topic:${topic.id}`);

    const hidden = await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Off topic for this community' });
    expect(hidden.status, hidden.text).toBe(200);
    expect(hidden.body.topic).toMatchObject({ hidden: true, hiddenReason: 'Off topic for this community', pendingReview: false });
    expect((await moderator.next(isEvent(`topic:${topic.id}`, 'topic.updated'))).data).toMatchObject({ id: topic.id, hidden: true });
    expectError(await t.guest().get(`/api/topics/${topic.id}`), 404, 'topic_not_found');
    expectError(await s.other.get(`/api/topics/${topic.id}`), 404, 'topic_not_found');
    expect((await s.member.get(`/api/topics/${topic.id}`)).body.topic).toMatchObject({ hidden: true, hiddenReason: 'Off topic for this community' });
    expect((await t.guest().get(`/api/communities/${slug}/topics`)).body.items.map((x: any) => x.id)).not.toContain(topic.id);

    const [forGuest] = (await log(slug)).items;
    expect(forGuest).toMatchObject({ action: 'hide_topic', reason: 'Off topic for this community', target: { type: 'topic', id: topic.id, title: null } });
    expect((await log(slug, s.moderator)).items[0].target.title).toBe(topic.title);

    const restored = await s.moderator.delete(`/api/topics/${topic.id}/hide`);
    expect(restored.body.topic).toMatchObject({ hidden: false, hiddenReason: null });
    expect((await t.guest().get(`/api/topics/${topic.id}`)).status).toBe(200);
    expect((await log(slug)).items[0]).toMatchObject({ action: 'unhide_topic', target: { title: topic.title } });
  });

  it("only moderators and admins of the topic's community may act on it", async () => {
    const { topic } = await createTopic(s.member, s.slug);
    for (const path of ['pin', 'lock']) {
      expectError(await s.staff.post(`/api/topics/${topic.id}/${path}`), 403, 'not_moderator');
      expectError(await s.member.post(`/api/topics/${topic.id}/${path}`), 403, 'not_moderator');
      expectError(await t.guest().post(`/api/topics/${topic.id}/${path}`), 401, 'not_signed_in');
    }
    expectError(await s.other.post(`/api/topics/${topic.id}/hide`, { reason: 'spam' }), 403, 'not_moderator');
    const elsewhere = await community();
    const outsider = await signUp(t);
    await setRole(s.admin, elsewhere, outsider.handle, 'moderator');
    expectError(await outsider.post(`/api/topics/${topic.id}/pin`), 403, 'not_moderator');
    expectError(await s.moderator.post('/api/topics/2000000000/pin'), 404, 'topic_not_found');
    expect((await s.admin.post(`/api/topics/${topic.id}/pin`)).body.topic.pinned).toBe(true);
  });
});

describe('post actions', () => {
  it('pinned posts are announced live and travel with the first page, in number order', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await reply(i % 2 ? s.other : s.staff, topic.id));
    const channel = `topic:${topic.id}`;
    const guest = await connect();
    await guest.subscribe(channel);

    const second = replies[1]!;
    const fourth = replies[3]!;
    const pinned = await s.moderator.post(`/api/posts/${fourth.id}/pin`);
    expect(pinned.status, pinned.text).toBe(200);
    expect(pinned.body.post).toMatchObject({ id: fourth.id, pinned: true });
    expect((await guest.next(isEvent(channel, 'post.pinned'))).data).toMatchObject({ id: fourth.id, pinned: true });
    await s.moderator.post(`/api/posts/${second.id}/pin`);
    await guest.next(isEvent(channel, 'post.pinned'));

    const page = (await t.guest().get(`/api/topics/${topic.id}`)).body;
    expect(page.pinnedPosts.map((p: any) => p.number)).toEqual([second.number, fourth.number]);
    expect(page.posts.find((p: any) => p.id === second.id).pinned).toBe(true);
    expect((await t.guest().get(`/api/topics/${topic.id}?after=2`)).body.pinnedPosts).toBeUndefined();

    // Pinning twice is one pin.
    const size = await logSize(s.slug);
    expect((await s.admin.post(`/api/posts/${fourth.id}/pin`)).body.post.pinned).toBe(true);
    expect(await guest.quiet((m) => m.type === 'event', 200)).toEqual([]);
    expect(await logSize(s.slug)).toBe(size);

    const unpinned = await s.moderator.delete(`/api/posts/${fourth.id}/pin`);
    expect(unpinned.body.post.pinned).toBe(false);
    expect((await guest.next(isEvent(channel, 'post.unpinned'))).data).toMatchObject({ id: fourth.id, pinned: false });
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.pinnedPosts.map((p: any) => p.id)).toEqual([second.id]);
    expect((await log(s.slug)).items.slice(0, 3).map((e) => [e.action, e.target.id])).toEqual([
      ['unpin_post', fourth.id],
      ['pin_post', second.id],
      ['pin_post', fourth.id],
    ]);
    expectError(await s.member.post(`/api/posts/${second.id}/pin`), 403, 'not_moderator');
  });

  it('a hidden or deleted post cannot be pinned', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const hidden = await reply(s.other, topic.id);
    await s.moderator.post(`/api/posts/${hidden.id}/hide`, { reason: 'spam' });
    expectError(await s.moderator.post(`/api/posts/${hidden.id}/pin`), 409, 'post_unavailable');
    const gone = await reply(s.other, topic.id);
    await s.other.delete(`/api/posts/${gone.id}`);
    expectError(await s.moderator.post(`/api/posts/${gone.id}/pin`), 409, 'post_unavailable');
  });

  it('hiding a post leaves a tombstone with the reason, announced live without its text; restoring brings it back', async () => {
    const word = secret();
    const { topic } = await createTopic(s.member, s.slug);
    const bad = await reply(s.other, topic.id, { body: `visit ${word} for deals` });
    const channel = `topic:${topic.id}`;
    const guest = await connect();
    const moderator = await connect(s.moderator);
    await guest.subscribe(channel);
    await moderator.subscribe(channel);

    const hidden = await s.moderator.post(`/api/posts/${bad.id}/hide`, { reason: ' Spam or advertising ' });
    expect(hidden.status, hidden.text).toBe(200);
    expect(hidden.body.post).toMatchObject({
      id: bad.id,
      hidden: true,
      hiddenReason: 'Spam or advertising',
      pendingReview: false,
      body: `visit ${word} for deals`,
    });
    expect((await guest.next(isEvent(channel, 'post.hidden'))).data).toMatchObject({
      id: bad.id,
      hidden: true,
      hiddenReason: 'Spam or advertising',
      body: null,
      bodyHtml: null,
    });
    expect((await moderator.next(isEvent(channel, 'post.hidden'))).data).toMatchObject({ id: bad.id, body: `visit ${word} for deals` });
    const page = await t.guest().get(`/api/topics/${topic.id}`);
    expect(page.body.posts.find((p: any) => p.id === bad.id)).toMatchObject({ hidden: true, hiddenReason: 'Spam or advertising', body: null });
    expect(page.text).not.toContain(word);
    expect((await s.member.get(`/api/posts/${bad.id}`)).body.post.body).toBeNull();

    // The same hide again is nothing new; a better reason is a change worth telling.
    const size = await logSize(s.slug);
    await s.moderator.post(`/api/posts/${bad.id}/hide`, { reason: 'Spam or advertising' });
    expect(await guest.quiet((m) => m.type === 'event', 200)).toEqual([]);
    expect(await logSize(s.slug)).toBe(size);
    await s.moderator.post(`/api/posts/${bad.id}/hide`, { reason: 'Shares personal information' });
    expect((await guest.next(isEvent(channel, 'post.hidden'))).data).toMatchObject({ hiddenReason: 'Shares personal information', body: null });
    expect(await logSize(s.slug)).toBe(size + 1);

    const restored = await s.moderator.delete(`/api/posts/${bad.id}/hide`);
    expect(restored.body.post).toMatchObject({ hidden: false, hiddenReason: null });
    expect((await guest.next(isEvent(channel, 'post.unhidden'))).data).toMatchObject({ id: bad.id, hidden: false, body: `visit ${word} for deals` });
    // Nothing before the restore carried the text; frames after it (its own, or anything later) may.
    const restoredAt = guest.frames.findIndex((frame) => frame.includes('"event":"post.unhidden"'));
    expect(restoredAt).toBeGreaterThan(0);
    for (const frame of guest.frames.slice(0, restoredAt)) expect(frame).not.toContain(word);
    expect((await log(s.slug)).items.slice(0, 3).map((e) => [e.action, e.reason])).toEqual([
      ['unhide_post', null],
      ['hide_post', 'Shares personal information'],
      ['hide_post', 'Spam or advertising'],
    ]);
    expectError(await s.member.post(`/api/posts/${bad.id}/hide`, { reason: 'I do not like it' }), 403, 'not_moderator');
    expectError(await s.staff.delete(`/api/posts/${bad.id}/hide`), 403, 'not_moderator');
  });
});

describe('bans', () => {
  it('a banned member still reads but cannot reply, start topics, edit, react or flag here; other communities are unaffected', async () => {
    const slug = await community();
    const victim = await signUp(t);
    const { topic } = await createTopic(s.admin, slug);
    const own = await reply(victim, topic.id);
    const someone = await reply(s.other, topic.id);

    const banned = await s.moderator.post(`/api/communities/${slug}/bans`, { handle: victim.handle, reason: 'Repeated spam' });
    expect(banned.status, banned.text).toBe(201);
    expect(banned.body.ban).toEqual({
      id: expect.any(Number),
      community: slug,
      user: expect.objectContaining({ handle: victim.handle }),
      reason: 'Repeated spam',
      until: null,
      moderator: expect.objectContaining({ handle: s.moderator.handle }),
      createdAt: expect.any(String),
      liftedAt: null,
    });

    expectError(await victim.post(`/api/topics/${topic.id}/posts`, { body: 'let me back' }), 403, 'banned');
    expectError(await victim.post(`/api/communities/${slug}/topics`, { category: 'general', title: 'A new start', body: 'hi' }), 403, 'banned');
    expectError(await victim.patch(`/api/posts/${own.id}`, { body: 'edited while banned' }), 403, 'banned');
    expectError(await victim.post(`/api/posts/${someone.id}/reactions`, { kind: 'like' }), 403, 'banned');
    expectError(await victim.post(`/api/posts/${someone.id}/flags`, { reason: 'revenge' }), 403, 'banned');
    const refused = expectError(await victim.post(`/api/topics/${topic.id}/posts`, { body: 'why' }), 403, 'banned');
    expect(refused.message).toContain('Repeated spam');

    expect((await victim.get(`/api/topics/${topic.id}`)).status).toBe(200);
    expect((await victim.get(`/api/communities/${slug}/topics`)).status).toBe(200);
    const { topic: elsewhere } = await createTopic(victim, s.slug);
    await reply(victim, elsewhere.id);

    const list = await s.moderator.get(`/api/communities/${slug}/bans`);
    expect(list.body.items.map((b: any) => b.user.handle)).toEqual([victim.handle]);
  });

  it('a ban with an end expires by itself', async () => {
    const slug = await community();
    const victim = await signUp(t);
    const { topic } = await createTopic(s.admin, slug);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const banned = await s.moderator.post(`/api/communities/${slug}/bans`, { handle: victim.handle, reason: 'Cool off', until });
    expect(banned.body.ban.until).toBe(until);
    expect((await log(slug)).items[0]).toMatchObject({
      action: 'ban_user',
      reason: 'Cool off',
      detail: `until ${until}`,
      target: { type: 'user', handle: victim.handle },
    });
    const refused = expectError(await victim.post(`/api/topics/${topic.id}/posts`, { body: 'hello' }), 403, 'banned');
    expect(refused.message).toContain(until);

    await t.app.parley.ctx.db.execute(sql`UPDATE bans SET until = now() - interval '1 second' WHERE id = ${banned.body.ban.id}`);
    await reply(victim, topic.id);
    expect((await s.moderator.get(`/api/communities/${slug}/bans`)).body.items).toEqual([]);
    expectError(await s.moderator.delete(`/api/communities/${slug}/bans/${victim.handle}`), 404, 'ban_not_found');
  });

  it('a second ban replaces the first, and lifting it lets the member write again', async () => {
    const slug = await community();
    const victim = await signUp(t);
    const { topic } = await createTopic(s.admin, slug);
    await s.moderator.post(`/api/communities/${slug}/bans`, { handle: victim.handle, reason: 'Abusive or disrespectful' });
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const second = await s.admin.post(`/api/communities/${slug}/bans`, { handle: victim.handle, reason: 'Shortened on appeal', until });
    expect(second.status, second.text).toBe(201);
    const { items } = (await s.moderator.get(`/api/communities/${slug}/bans`)).body;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: second.body.ban.id, reason: 'Shortened on appeal', until, moderator: { handle: s.admin.handle } });

    const lifted = await s.moderator.delete(`/api/communities/${slug}/bans/${victim.handle}`);
    expect(lifted.status, lifted.text).toBe(200);
    expect(lifted.body.ban).toMatchObject({ id: second.body.ban.id, liftedAt: expect.any(String) });
    await reply(victim, topic.id);
    expect((await s.moderator.get(`/api/communities/${slug}/bans`)).body.items).toEqual([]);
    expectError(await s.moderator.delete(`/api/communities/${slug}/bans/${victim.handle}`), 404, 'ban_not_found');
  });

  it('moderators and admins cannot be banned, and only they may ban or see bans', async () => {
    const ban = (who: TestClient, handle: string) => who.post(`/api/communities/${s.slug}/bans`, { handle, reason: 'no' });
    expectError(await ban(s.admin, s.moderator.handle), 403, 'cannot_ban_moderator');
    expectError(await ban(s.moderator, s.admin.handle), 403, 'cannot_ban_moderator');
    expectError(await ban(s.moderator, s.moderator.handle), 403, 'cannot_ban_moderator');
    expectError(await ban(s.staff, s.member.handle), 403, 'not_moderator');
    expectError(await ban(s.member, s.other.handle), 403, 'not_moderator');
    expectError(await ban(t.guest(), s.other.handle), 401, 'not_signed_in');
    expectError(await ban(s.moderator, 'nobody-by-this-name'), 404, 'user_not_found');
    expectError(
      await s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: s.other.handle, reason: 'late', until: new Date(Date.now() - 60_000).toISOString() }),
      400,
      'invalid_until',
    );
    expectError(await s.member.get(`/api/communities/${s.slug}/bans`), 403, 'not_moderator');
    expectError(await t.guest().get(`/api/communities/${s.slug}/bans`), 401, 'not_signed_in');
    expectError(await s.member.delete(`/api/communities/${s.slug}/bans/${s.other.handle}`), 403, 'not_moderator');
    // Nothing above was a ban: the member writes on.
    await reply(s.member, (await createTopic(s.admin, s.slug)).topic.id);
  });
});

describe('the public moderation log', () => {
  it('tells the story of a thread, in order, with reasons, and never the hidden text', async () => {
    const { slug } = await createCommunity(s.admin);
    await setRole(s.admin, slug, s.moderator.handle, 'moderator');
    await s.admin.patch(`/api/communities/${slug}`, { moderation: { flagThreshold: 2 } });
    const spammer = await signUp(t);
    const newModerator = await signUp(t);
    const word = secret();
    const flagWord = secret();
    const { topic } = await createTopic(s.admin, slug);
    const spam = await reply(spammer, topic.id, { body: `cheap ${word} here` });

    for (const f of flaggers) expect((await f.post(`/api/posts/${spam.id}/flags`, { reason: `it says ${flagWord}` })).status).toBe(201);
    await s.moderator.post(`/api/posts/${spam.id}/hide`, { reason: 'Spam or advertising' });
    await s.moderator.post(`/api/topics/${topic.id}/pin`);
    await s.moderator.post(`/api/topics/${topic.id}/lock`);
    expect((await s.moderator.post(`/api/communities/${slug}/bans`, { handle: spammer.handle, reason: 'Repeated spam' })).status).toBe(201);
    expect((await s.moderator.delete(`/api/communities/${slug}/bans/${spammer.handle}`)).status).toBe(200);
    await setRole(s.admin, slug, newModerator.handle, 'moderator');

    const res = await t.guest().get(`/api/communities/${slug}/moderation-log`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    const story = [...res.body.items].reverse().map((e: any) => ({
      action: e.action,
      by: e.moderator?.handle ?? null,
      automatic: e.automatic,
      target: e.target.type === 'user' ? `@${e.target.handle}` : e.target.type === 'post' ? `post #${e.target.postNumber}` : `topic ${e.target.title}`,
      reason: e.reason,
      reasonCode: e.reasonCode,
      detail: e.detail,
    }));
    const postRef = `post #${spam.number}`;
    expect(story).toEqual([
      {
        action: 'change_role',
        by: s.admin.handle,
        automatic: false,
        target: `@${s.moderator.handle}`,
        reason: null,
        reasonCode: null,
        detail: 'member → moderator',
      },
      // The community's moderation rules are public too: what changed, to what.
      {
        action: 'change_settings',
        by: s.admin.handle,
        automatic: false,
        target: 'topic null',
        reason: null,
        reasonCode: null,
        detail: JSON.stringify({ flagThreshold: 2 }),
      },
      // The system's own reason is stored as a code and put into words when shown.
      {
        action: 'hide_post',
        by: null,
        automatic: true,
        target: postRef,
        reason: expect.stringContaining('members flagged it'),
        reasonCode: 'flagged',
        detail: '2',
      },
      { action: 'hide_post', by: s.moderator.handle, automatic: false, target: postRef, reason: 'Spam or advertising', reasonCode: null, detail: null },
      { action: 'pin_topic', by: s.moderator.handle, automatic: false, target: `topic ${topic.title}`, reason: null, reasonCode: null, detail: null },
      { action: 'lock_topic', by: s.moderator.handle, automatic: false, target: `topic ${topic.title}`, reason: null, reasonCode: null, detail: null },
      {
        action: 'ban_user',
        by: s.moderator.handle,
        automatic: false,
        target: `@${spammer.handle}`,
        reason: 'Repeated spam',
        reasonCode: null,
        detail: 'permanent',
      },
      { action: 'unban_user', by: s.moderator.handle, automatic: false, target: `@${spammer.handle}`, reason: null, reasonCode: null, detail: null },
      {
        action: 'change_role',
        by: s.admin.handle,
        automatic: false,
        target: `@${newModerator.handle}`,
        reason: null,
        reasonCode: null,
        detail: 'member → moderator',
      },
    ]);
    const hides = res.body.items.filter((e: any) => e.action === 'hide_post');
    for (const e of hides) expect(e.target).toMatchObject({ id: spam.id, topicId: topic.id });
    // Moderators read the same log; nobody reads the hidden text or the flaggers' words in it.
    expect(res.text).not.toContain(word);
    expect(res.text).not.toContain(flagWord);
    expect((await log(slug, s.moderator)).items.map((e) => e.id)).toEqual(res.body.items.map((e: any) => e.id));

    // Page by page, the same entries, each once.
    const walked: number[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: { items: any[]; nextCursor: string | null } = await log(slug, t.guest(), `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      walked.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(walked).toEqual(res.body.items.map((e: any) => e.id));
  });

  it('settling queue items is logged with what kind of item it was', async () => {
    const slug = await community();
    const { topic } = await createTopic(s.admin, slug);
    const post = await reply(s.member, topic.id);
    const { flag } = (await s.other.post(`/api/posts/${post.id}/flags`, { reason: 'hmm' })).body;
    await s.moderator.post(`/api/flags/${flag.id}/dismiss`);
    expect((await log(slug)).items[0]).toMatchObject({
      action: 'dismiss_flag',
      moderator: { handle: s.moderator.handle },
      detail: 'flag',
      target: { type: 'post', id: post.id },
    });
    expect(JSON.stringify((await log(slug)).items)).not.toContain('hmm');
  });

  it('offers the canned reasons every client shows', async () => {
    const res = await t.guest().get('/api/moderation/reasons');
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(3);
    expect(res.body.items).toContainEqual({ code: 'spam', label: 'Spam or advertising' });
    for (const r of res.body.items) expect(Object.keys(r).sort()).toEqual(['code', 'label']);
  });
});

describe('bad input never causes a 500', () => {
  it('missing, blank or overlong reasons are refused', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id);
    const bad: Array<{ reason?: any } | undefined> = [undefined, {}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }, { reason: 42 }];
    for (const body of bad) {
      expectError(await s.moderator.post(`/api/topics/${topic.id}/hide`, body), 400, 'invalid_input');
      expectError(await s.moderator.post(`/api/posts/${post.id}/hide`, body), 400, 'invalid_input');
      expectError(await s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: s.other.handle, ...(body ?? {}) }), 400, 'invalid_input');
      // A flag's reason is for moderators only and may run longer (1000).
      if (body?.reason?.length !== 501) expectError(await s.member.post(`/api/posts/${post.id}/flags`, body), 400, 'invalid_input');
    }
    expectError(await s.member.post(`/api/posts/${post.id}/flags`, { reason: 'x'.repeat(1001) }), 400, 'invalid_input');
    expectError(
      await s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: s.other.handle, reason: 'x', until: 'next tuesday' }),
      400,
      'invalid_input',
    );
    expectError(await s.moderator.post(`/api/communities/${s.slug}/bans`, { reason: 'who?' }), 400, 'invalid_input');
    // Nothing was hidden or banned by any of that; exactly 500 characters is fine.
    expect((await t.guest().get(`/api/posts/${post.id}`)).body.post.hidden).toBe(false);
    const long = await s.moderator.post(`/api/posts/${post.id}/hide`, { reason: 'x'.repeat(500) });
    expect(long.status, long.text).toBe(200);
    expect((await s.moderator.get(`/api/communities/${s.slug}/bans`)).body.items).toEqual([]);
  });

  it('a ban end beyond the year 9999 is refused, not a server error', async () => {
    // Valid RFC 3339, but the offset carries it into the year 10000, which PostgreSQL cannot store.
    const res = await s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: s.other.handle, reason: 'spam', until: '9999-12-31T23:59:59-23:59' });
    expect(['invalid_until', 'invalid_input'], res.text).toContain(res.body?.code);
    expectError(res, 400, res.body.code);
    expect((await s.moderator.get(`/api/communities/${s.slug}/bans`)).body.items).toEqual([]);
  });

  it('non-numeric and out-of-range ids are refused', async () => {
    const requests: Array<[TestClient, 'post' | 'delete', string]> = [
      [s.moderator, 'post', '/api/topics/abc/pin'],
      [s.moderator, 'delete', '/api/topics/1.5/lock'],
      [s.moderator, 'post', '/api/topics/0/lock'],
      [s.moderator, 'post', '/api/topics/99999999999/pin'],
      [s.moderator, 'post', '/api/posts/abc/pin'],
      [s.moderator, 'delete', '/api/posts/-3/hide'],
      [s.member, 'post', '/api/posts/1.5/flags'],
      [s.member, 'post', '/api/posts/x/review-request'],
      [s.moderator, 'post', '/api/flags/abc/resolve'],
      [s.moderator, 'post', '/api/flags/99999999999/dismiss'],
    ];
    for (const [who, method, path] of requests) {
      const res = method === 'post' ? await who.post(path, { reason: 'spam' }) : await who.delete(path);
      expectError(res, 400, 'invalid_input');
    }
    expectError(await s.moderator.post('/api/communities/nope-nope/bans', { handle: s.other.handle, reason: 'spam' }), 404, 'community_not_found');
    expectError(await s.moderator.delete(`/api/communities/${s.slug}/bans/${'x'.repeat(40)}`), 400, 'invalid_input');
    expectError(await t.guest().get('/api/communities/nope-nope/moderation-log'), 404, 'community_not_found');
  });

  it('bad cursors, limits and statuses are refused', async () => {
    for (const cursor of ['abc', '0', '-1', '99999999999', '1.5', 'eyJhIjoxfQ']) {
      expectError(await t.guest().get(`/api/communities/${s.slug}/moderation-log?cursor=${cursor}`), 400, 'invalid_cursor');
      expectError(await s.moderator.get(`/api/communities/${s.slug}/flags?cursor=${cursor}`), 400, 'invalid_cursor');
      expectError(await s.moderator.get(`/api/communities/${s.slug}/bans?cursor=${cursor}`), 400, 'invalid_cursor');
    }
    for (const query of ['status=bogus', 'status=', 'limit=0', 'limit=101', 'limit=ten']) {
      expectError(await s.moderator.get(`/api/communities/${s.slug}/flags?${query}`), 400, 'invalid_input');
    }
    expectError(await t.guest().get(`/api/communities/${s.slug}/moderation-log?limit=0`), 400, 'invalid_input');
    expectError(await t.guest().get(`/api/communities/${s.slug}/moderation-log?cursor=${'1'.repeat(600)}`), 400, 'invalid_input');
  });
});
