/**
 * Ignoring a member (issue 17, personal boundaries): the one ignored can no longer notify the one
 * who ignores them in any way (reply, reply to their post, mention, new topic in a watched
 * category, accepted answer), nor reach their live channel or unread count; they are never told,
 * and every answer they get is the same as before. The topic page tells only the ignoring reader
 * whose posts fold.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { expectError } from './helpers/expect-error.js';
import { createTopic, reply, signUp, type SignedIn } from './helpers/factories.js';
import { LiveClient, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';
import { notificationsOf, setCategoryLevel, unreadCountOf } from './helpers/notifications.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ t, url, s } = ready));

const ignore = (who: TestClient, whom: SignedIn) => who.put(`/api/me/ignored/${whom.handle}`);
const unignore = (who: TestClient, whom: SignedIn) => who.delete(`/api/me/ignored/${whom.handle}`);

async function ignoring(who: TestClient, whom: SignedIn) {
  const res = await ignore(who, whom);
  expect(res.status, res.text).toBe(204);
}

async function pair() {
  const me = await signUp(t);
  const pest = await signUp(t);
  await ignoring(me, pest);
  return { me, pest };
}

const onChannel = (channel: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel;

async function socketOn(client: SignedIn) {
  const socket = await LiveClient.connect(url, { cookie: client.cookie });
  open.push(socket);
  const channel = `user:${client.userId}`;
  expect(await socket.subscribe(channel)).toMatchObject({ type: 'subscribed', channel });
  return { socket, channel };
}

describe('PUT, GET and DELETE /api/me/ignored', () => {
  it('lists whom I ignore with the date, idempotently; stopping restores the list', async () => {
    const me = await signUp(t);
    const a = await signUp(t);
    const b = await signUp(t);
    await ignoring(me, a);
    await ignoring(me, a);
    await ignoring(me, b);
    const list = await me.get('/api/me/ignored');
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: any) => i.user.handle).sort()).toEqual([a.handle, b.handle].sort());
    expect(list.body.items[0]).toEqual({ user: expect.objectContaining({ id: expect.any(Number), handle: expect.any(String) }), since: expect.any(String) });
    expect(list.body.items[0].user).not.toHaveProperty('email');

    expect((await unignore(me, a)).status).toBe(204);
    expect((await unignore(me, a)).status).toBe(204);
    expect((await me.get('/api/me/ignored')).body.items.map((i: any) => i.user.handle)).toEqual([b.handle]);
    // Handles match whatever their case.
    expect((await me.put(`/api/me/ignored/${a.handle.toUpperCase()}`)).status).toBe(204);
    expect((await me.get('/api/me/ignored')).body.items).toHaveLength(2);
  });

  it('refuses oneself (400 cannot_ignore_self), an unknown handle (404 user_not_found) and guests (401)', async () => {
    const me = await signUp(t);
    expectError(await ignore(me, me), 400, 'cannot_ignore_self');
    expectError(await me.put('/api/me/ignored/nobody_by_that_name'), 404, 'user_not_found');
    expectError(await me.delete('/api/me/ignored/nobody_by_that_name'), 404, 'user_not_found');
    expectError(await t.guest().put(`/api/me/ignored/${me.handle}`), 401, 'not_signed_in');
    expectError(await t.guest().get('/api/me/ignored'), 401, 'not_signed_in');
    expect((await me.get('/api/me/ignored')).body.items).toEqual([]);
  });

  it('stops at 1,000 with 409 too_many_ignores (one already ignored still answers 204)', async () => {
    const me = await signUp(t);
    const first = await signUp(t);
    await ignoring(me, first);
    const db = t.app.parley.ctx.db;
    const tag = `cap${me.userId}x`;
    await db.execute(sql`INSERT INTO users (handle, display_name, email)
      SELECT ${tag} || g, 'Cap ' || g, ${tag} || g || '@example.org' FROM generate_series(1, 999) g`);
    await db.execute(sql`INSERT INTO user_ignores (user_id, ignored_id) SELECT ${me.userId}::int, id FROM users WHERE handle LIKE ${tag + '%'}`);
    const one = await signUp(t);
    const body = expectError(await ignore(me, one), 409, 'too_many_ignores');
    expect(body.details).toEqual({ max: 1000 });
    expect((await ignore(me, first)).status).toBe(204);
    expect((await me.get('/api/me/ignored')).body.items).toHaveLength(1000);
    await unignore(me, first);
    await ignoring(me, one);
  });

  it('allows staff and moderators to be ignored', async () => {
    const me = await signUp(t);
    await ignoring(me, s.moderator);
    await ignoring(me, s.staff);
    expect((await me.get('/api/me/ignored')).body.items).toHaveLength(2);
  });
});

describe('someone I ignore cannot notify me', () => {
  it('not by replying in my topic, replying to my post, quoting or mentioning me; a reply from anyone else still does', async () => {
    const { me, pest } = await pair();
    const { topic, post } = await createTopic(me, s.slug);
    await reply(pest, topic.id, { body: 'In your topic.' });
    await reply(pest, topic.id, { body: `> quoted\n\n@${me.handle} answering you`, replyToId: post.id });
    const { topic: theirs } = await createTopic(pest, s.slug, { body: `Hey @${me.handle}, look.` });
    await reply(pest, theirs.id, { body: `Still @${me.handle}.` });
    expect((await notificationsOf(me)).items).toEqual([]);
    expect(await unreadCountOf(me)).toBe(0);

    await reply(s.other, topic.id, { body: `Someone else, @${me.handle}.` });
    // Mentioned in a reply in my topic: told once, as a mention.
    expect((await notificationsOf(me)).items.map((n) => [n.kind, n.actor?.id])).toEqual([['mention', s.other.userId]]);
  });

  it('not by a new topic in a category I watch, nor by accepting my answer', async () => {
    const { me, pest } = await pair();
    await setCategoryLevel(me, s.slug, 'general', 'watching');
    const { topic } = await createTopic(pest, s.slug, { kind: 'question' });
    const answer = await reply(me, topic.id, { body: 'The answer.' });
    expect((await pest.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).status).toBe(200);
    expect((await notificationsOf(me)).items).toEqual([]);

    // Someone else's new topic in the same category still tells me.
    await createTopic(s.other, s.slug);
    expect((await notificationsOf(me)).items.map((n) => n.kind)).toEqual(['new_topic']);
    await setCategoryLevel(me, s.slug, 'general', 'normal');
  });

  it('sends nothing on my live channel and leaves my unread count alone; other people’s replies still arrive', async () => {
    const { me, pest } = await pair();
    const { topic } = await createTopic(me, s.slug);
    const { socket, channel } = await socketOn(me);
    await reply(pest, topic.id, { body: `Live, @${me.handle}.` });
    expect(await socket.quiet(onChannel(channel), 300)).toEqual([]);

    await reply(s.other, topic.id);
    const event = await socket.next(onChannel(channel));
    expect(event).toMatchObject({ event: 'notification.created', data: { unreadCount: 1, notification: { actor: { id: s.other.userId } } } });
  });

  it('still lets a moderator’s action on my own post reach me when I ignore the moderator', async () => {
    const me = await signUp(t);
    await ignoring(me, s.moderator);
    const { topic } = await createTopic(me, s.slug);
    const mine = await reply(me, topic.id);
    const hid = await s.moderator.post(`/api/posts/${mine.id}/hide`, { reason: 'Off topic here.' });
    expect(hid.status, hid.text).toBe(200);
    expect((await notificationsOf(me)).items.map((n) => n.kind)).toEqual(['moderation']);
  });

  it('still tells me the organisation’s status of my idea when I ignore the staff member who set it', async () => {
    const me = await signUp(t);
    await ignoring(me, s.staff);
    const { topic } = await createTopic(me, s.slug, { kind: 'idea' });
    const set = await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned' });
    expect(set.status, set.text).toBe(200);
    expect((await notificationsOf(me)).items.map((n) => n.kind)).toEqual(['idea_status']);
  });

  it('tells me again once I stop ignoring them (what was said meanwhile is not sent after)', async () => {
    const { me, pest } = await pair();
    const { topic } = await createTopic(me, s.slug);
    await reply(pest, topic.id);
    expect((await unignore(me, pest)).status).toBe(204);
    expect((await notificationsOf(me)).items).toEqual([]);
    await reply(pest, topic.id, { body: `Back, @${me.handle}.` });
    expect((await notificationsOf(me)).items.map((n) => n.kind)).toEqual(['mention']);
    await reply(pest, topic.id);
    expect((await notificationsOf(me)).items.map((n) => n.kind).sort()).toEqual(['mention', 'reply']);
  });
});

describe('the one ignored is not told', () => {
  it('gets the same answers as someone not ignored: their reply, the topic page, my profile', async () => {
    const me = await signUp(t);
    const ignored = await signUp(t);
    const notIgnored = await signUp(t);
    await ignoring(me, ignored);
    const { topic } = await createTopic(me, s.slug);

    const a = await ignored.post(`/api/topics/${topic.id}/posts`, { body: `Hello @${me.handle}` });
    const b = await notIgnored.post(`/api/topics/${topic.id}/posts`, { body: `Hello @${me.handle}` });
    expect(a.status).toBe(b.status);
    const shape = (post: any) => ({ ...post, id: 0, number: 0, author: null, createdAt: null, updatedAt: null });
    expect(shape(a.body.post ?? a.body)).toEqual(shape(b.body.post ?? b.body));

    const pageOf = async (c: TestClient) => {
      const res = await c.get(`/api/topics/${topic.id}`);
      expect(res.status).toBe(200);
      return { ...res.body, posts: res.body.posts.map((p: any) => ({ ...p, viewerReactions: undefined })) };
    };
    expect(await pageOf(ignored)).toEqual(await pageOf(notIgnored));
    expect((await pageOf(ignored)).viewerState.ignoredUserIds).toEqual([]);

    const profile = async (c: TestClient) => (await c.get(`/api/users/${me.handle}`)).body;
    expect(await profile(ignored)).toEqual(await profile(t.guest()));
    expect(JSON.stringify(await ignored.get('/api/me'))).not.toContain('ignor');
  });
});

describe('the topic page marks whom I ignore for me alone', () => {
  it('gives me their ids (cached page or not, live authors too); a guest and a third member see the page unchanged', async () => {
    const { me, pest } = await pair();
    const third = await signUp(t);
    const { topic } = await createTopic(s.other, s.slug);
    await reply(pest, topic.id);
    const guestBefore = (await t.guest().get(`/api/topics/${topic.id}`)).text;
    const thirdBefore = (await third.get(`/api/topics/${topic.id}`)).body;

    const mine = await me.get(`/api/topics/${topic.id}`);
    expect(mine.body.viewerState.ignoredUserIds).toEqual([pest.userId]);
    // A second read comes from the cache with my overlay: the same.
    expect((await me.get(`/api/topics/${topic.id}`)).body.viewerState.ignoredUserIds).toEqual([pest.userId]);
    // As a moderator reads it (rendered for them alone), too.
    await ignoring(s.moderator, pest);
    expect((await s.moderator.get(`/api/topics/${topic.id}`)).body.viewerState.ignoredUserIds).toContain(pest.userId);
    await unignore(s.moderator, pest);

    expect((await t.guest().get(`/api/topics/${topic.id}`)).text).toBe(guestBefore);
    const thirdAfter = (await third.get(`/api/topics/${topic.id}`)).body;
    expect(thirdAfter).toEqual(thirdBefore);
    expect(thirdAfter.viewerState.ignoredUserIds).toEqual([]);

    await unignore(me, pest);
    expect((await me.get(`/api/topics/${topic.id}`)).body.viewerState.ignoredUserIds).toEqual([]);
  });

  it('is in the embed thread for the signed-in reader (viewerIgnoredUserIds)', async () => {
    const { me, pest } = await pair();
    const { topic } = await createTopic(s.other, s.slug);
    await reply(pest, topic.id);
    const res = await me.get(`/api/embed/${s.slug}/thread?topic=${topic.id}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.viewerIgnoredUserIds).toEqual([pest.userId]);
    const guest = await t.guest().get(`/api/embed/${s.slug}/thread?topic=${topic.id}`);
    expect(guest.body).not.toHaveProperty('viewerIgnoredUserIds');
  });
});
