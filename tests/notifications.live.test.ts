/**
 * Notifications on the live socket: a signed-in reader's own channel `user:<id>` (nobody
 * else's), with events rendered through the same presenter and visibility rules as HTTP.
 */
import { describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { createCommunity, createTopic, reply, setRole, signUp } from './helpers/factories.js';
import { LiveClient, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';
import { aboutTopic, notificationsOf } from './helpers/notifications.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ t, url, s } = ready));

const connect = async (client: TestClient | null) => {
  const c = await LiveClient.connect(url, client?.cookie ? { cookie: client.cookie } : {});
  open.push(c);
  return c;
};
const secret = () => `zq${randomBytes(6).toString('hex')}secret`;
const isEvent = (channel: string, event?: string) => (m: LiveMessage) =>
  m.type === 'event' && m.channel === channel && (event === undefined || m.event === event);

/** A signed-in reader with a topic of their own (so replies to it notify them) and a socket on their channel. */
async function readerOnline() {
  const reader = await signUp(t);
  const { topic } = await createTopic(reader, s.slug);
  const channel = `user:${reader.userId}`;
  const socket = await connect(reader);
  expect(await socket.subscribe(channel)).toEqual({ type: 'subscribed', channel, seq: 0 });
  return { reader, topic, channel, socket };
}

describe("the reader's own channel", () => {
  it('carries notification.created with the notification as HTTP presents it and the unread count; a coalesced reply is notification.updated', async () => {
    const { reader, topic, channel, socket } = await readerOnline();
    await reply(s.other, topic.id, { body: 'First *answer*' });
    const created = await socket.next(isEvent(channel));
    expect(created).toMatchObject({ seq: 1, event: 'notification.created' });
    const [overHttp] = (await notificationsOf(reader)).items;
    expect(created.data).toEqual({ notification: overHttp, unreadCount: 1 });
    expect(created.data.notification.post.excerpt).toBe('First answer');

    await reply(s.member, topic.id);
    const updated = await socket.next(isEvent(channel));
    expect(updated).toMatchObject({
      seq: 2,
      event: 'notification.updated',
      data: { unreadCount: 1, notification: { id: overHttp.id, count: 2, actor: { id: s.member.userId } } },
    });
  });

  it('is refused to guests and to anyone but its owner (channel_not_found), and must be a well-formed id', async () => {
    const { reader, channel } = await readerOnline();
    const guest = await connect(null);
    expect(await guest.subscribe(channel)).toMatchObject({ type: 'error', code: 'channel_not_found', channel });
    const someoneElse = await connect(s.other);
    expect(await someoneElse.subscribe(channel)).toMatchObject({ type: 'error', code: 'channel_not_found', channel });
    const admin = await connect(s.admin);
    expect(await admin.subscribe(channel)).toMatchObject({ type: 'error', code: 'channel_not_found', channel });
    expect(await someoneElse.subscribe('user:9999999999')).toMatchObject({ type: 'error', code: 'channel_not_found' });
    for (const bad of ['user:0', 'user:abc', `user:${reader.userId}x`, 'user:12345678901']) {
      someoneElse.send({ type: 'subscribe', channel: bad });
      expect(await someoneElse.next((m) => m.type === 'error')).toMatchObject({ code: 'invalid_message' });
    }
    // Nothing about the reader reached the others.
    await reply(s.member, (await createTopic(reader, s.slug)).topic.id);
    expect(await guest.quiet(isEvent(channel))).toEqual([]);
    expect(await someoneElse.quiet(isEvent(channel))).toEqual([]);
  });

  it('tells every tab when notifications are marked read (one: ids; all: upTo), with the new count', async () => {
    const { reader, topic, channel, socket } = await readerOnline();
    const otherTab = await connect(reader);
    await otherTab.subscribe(channel);
    const { topic: second } = await createTopic(reader, s.slug);
    await reply(s.other, topic.id);
    await reply(s.other, second.id);
    await socket.take(2, isEvent(channel, 'notification.created'));
    await otherTab.take(2, isEvent(channel, 'notification.created'));
    const [newest, older] = (await notificationsOf(reader)).items;

    expect((await reader.post(`/api/notifications/${older.id}/read`)).status).toBe(200);
    for (const tab of [socket, otherTab]) {
      expect((await tab.next(isEvent(channel))).data).toEqual({ ids: [older.id], upTo: null, unreadCount: 1 });
    }
    expect((await reader.post('/api/notifications/read', {})).status).toBe(200);
    for (const tab of [socket, otherTab]) {
      expect(await tab.next(isEvent(channel))).toMatchObject({ event: 'notifications.read', data: { ids: null, upTo: newest.id, unreadCount: 0 } });
    }
    // Nothing left to mark: no event.
    expect((await reader.post('/api/notifications/read', {})).status).toBe(200);
    expect(await socket.quiet(isEvent(channel))).toEqual([]);
  });

  it('sends a notification the reader may no longer see with data null (replayed after a hide), and no frame carries its text', async () => {
    const community = await createCommunity(s.admin);
    await setRole(s.admin, community.slug, s.moderator.handle, 'moderator');
    const word = secret();
    const title = `About ${secret()}`;
    const watcher = await signUp(t);
    const { topic } = await createTopic(s.member, community.slug, { title });
    expect((await watcher.put(`/api/topics/${topic.id}/notification-level`, { level: 'watching' })).status).toBe(200);
    const channel = `user:${watcher.userId}`;
    const bad = await reply(s.other, topic.id, { body: `buy ${word}` });
    expect((await s.moderator.post(`/api/posts/${bad.id}/hide`, { reason: 'Spam' })).status).toBe(200);

    // Replayed after the hide: the creation is rendered as of now.
    const late = await connect(watcher);
    expect(await late.subscribe(channel, 0)).toMatchObject({ type: 'subscribed', seq: 1 });
    expect(await late.next(isEvent(channel))).toMatchObject({ seq: 1, event: 'notification.created', data: null });

    // The next reply coalesces into the same unread notification, which now points at a post the watcher may read.
    const good = await reply(s.staff, topic.id, { body: 'A proper answer' });
    const updated = await late.next(isEvent(channel));
    expect(updated).toMatchObject({
      seq: 2,
      event: 'notification.updated',
      data: { unreadCount: 1, notification: { count: 2, post: { id: good.id, excerpt: 'A proper answer' }, topic: { title } } },
    });

    // Hidden topic: gone from the watcher's list, and the old events replay as null.
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    expect(await aboutTopic(watcher, topic.id)).toEqual([]);
    const later = await connect(watcher);
    await later.subscribe(channel, 0);
    expect((await later.take(2, isEvent(channel))).map((m) => m.data)).toEqual([null, null]);
    for (const c of [late, later]) for (const frame of c.frames) expect(frame).not.toContain(word);
    for (const frame of later.frames) expect(frame).not.toContain(title);
  });

  it("still carries roles.changed (data null); only that, not a notification, re-decides the account's other subscriptions", async () => {
    const community = await createCommunity(s.admin);
    const reader = await signUp(t);
    const { topic } = await createTopic(reader, s.slug);
    const channel = `user:${reader.userId}`;
    const socket = await connect(reader);
    await socket.subscribe(channel);
    await socket.subscribe(`topic:${topic.id}`);
    const mine = [...t.app.live.connections].filter((c) => c.userId === reader.userId);
    expect(mine).toHaveLength(1);
    const refresh = vi.spyOn(mine[0]!, 'refreshAudiences');

    await reply(s.other, topic.id);
    await socket.next(isEvent(channel, 'notification.created'));
    await new Promise((r) => setTimeout(r, 200));
    expect(refresh).not.toHaveBeenCalled();

    await setRole(s.admin, community.slug, reader.handle, 'staff');
    expect(await socket.next(isEvent(channel))).toMatchObject({ event: 'roles.changed', data: null });
    await vi.waitFor(() => expect(refresh).toHaveBeenCalled());
  });
});
