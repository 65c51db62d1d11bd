/**
 * The inbox, live, over real sockets: only the organisation's people may listen to a community's
 * inbox channel, and they hear `inbox.changed` when a colleague takes an item and when something
 * new arrives or something is resolved (after the write commits).
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { createCommunity, createTopic, makeSiteAdmin, reply, setRole, signUp, unique } from './helpers/factories.js';
import { LiveClient, type LiveMessage } from './helpers/live-client.js';
import type { BusNote } from '../server/live/bus.js';
import { InboxSignals } from '../server/inbox/inbox.signals.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ t, url, s } = ready));

const connect = async (cookie?: string | null) => {
  const c = await LiveClient.connect(url, cookie ? { cookie } : {});
  open.push(c);
  return c;
};
const changed = (channel: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel && m.event === 'inbox.changed';

async function community(): Promise<string> {
  const { slug } = await createCommunity(s.admin);
  await setRole(s.admin, slug, s.staff.handle, 'staff');
  await setRole(s.admin, slug, s.moderator.handle, 'moderator');
  return slug;
}

describe('the inbox channel', () => {
  it('refuses guests, members and other communities’ staff as if it did not exist; lets staff, moderators, admins and site admins in', async () => {
    const slug = await community();
    const channel = `inbox:${slug}`;
    const elsewhere = await signUp(t);
    const { slug: theirs } = await createCommunity(elsewhere);
    for (const cookie of [null, s.member.cookie, s.other.cookie, elsewhere.cookie]) {
      const c = await connect(cookie);
      expect(await c.subscribe(channel)).toMatchObject({ type: 'error', code: 'channel_not_found', channel });
    }
    expect(await (await connect(elsewhere.cookie)).subscribe(`inbox:${theirs}`)).toMatchObject({ type: 'subscribed' });
    expect(await (await connect(s.staff.cookie)).subscribe('inbox:no-such-community')).toMatchObject({ type: 'error', code: 'channel_not_found' });
    const operator = await signUp(t);
    await makeSiteAdmin(t, operator.userId);
    for (const who of [s.staff, s.moderator, s.admin, operator]) {
      expect(await (await connect(who.cookie)).subscribe(channel)).toMatchObject({ type: 'subscribed', channel });
    }
  });

  it('staff hear a colleague take an item (with its key) and a new question arrive; a member on the community channel hears nothing of it', async () => {
    const slug = await community();
    const channel = `inbox:${slug}`;
    const staff = await connect(s.staff.cookie);
    expect(await staff.subscribe(channel)).toMatchObject({ type: 'subscribed' });
    const member = await connect(s.member.cookie);
    await member.subscribe(`community:${slug}`);

    const { topic } = await createTopic(s.member, slug, { kind: 'question' });
    const db = t.app.parley.ctx.db;
    await db.execute(sql`UPDATE topics SET created_at = created_at - interval '30 hours' WHERE id = ${topic.id}`);
    const key = `no_reply:${topic.id}`;
    // The topic's creation is announced a fold window later; it is heard before anything below.
    expect((await staff.next(changed(channel), 5000)).data).toEqual({});
    await staff.quiet(() => true, 300);
    staff.drain();

    expect((await s.moderator.put(`/api/communities/${slug}/inbox/items/${key}`, { state: 'taken' })).status).toBe(200);
    expect((await staff.next(changed(channel))).data).toEqual({ key });

    await createTopic(s.member, slug, { kind: 'question', title: 'A new question' });
    expect((await staff.next(changed(channel))).data).toEqual({});

    // A reply resolves the item: told after it commits, with the community's other writes of the moment.
    staff.drain();
    await reply(s.other, topic.id);
    expect((await staff.next(changed(channel), 5000)).data).toEqual({});

    expect(member.collect().filter((m) => m.channel === channel)).toEqual([]);
  });

  it('a flag, which the community channel does not announce, reaches moderators’ inbox', async () => {
    const slug = await community();
    const channel = `inbox:${slug}`;
    const { topic } = await createTopic(s.member, slug);
    const post = await reply(s.other, topic.id);
    const moderator = await connect(s.moderator.cookie);
    await moderator.subscribe(channel);
    await moderator.quiet(() => true, 600);
    moderator.drain();
    expect((await s.member.post(`/api/posts/${post.id}/flags`, { reason: 'rude' })).status).toBe(201);
    expect((await moderator.next(changed(channel))).data).toEqual({ key: `flagged:${post.id}` });
  });

  it('a reply a watched word flags and a reply held for review reach moderators’ inbox', async () => {
    const slug = await community();
    const channel = `inbox:${slug}`;
    const { topic } = await createTopic(s.member, slug);
    expect((await s.moderator.post(`/api/communities/${slug}/watched-words`, { pattern: 'zorblax', action: 'flag' })).status).toBe(201);
    const moderator = await connect(s.moderator.cookie);
    await moderator.subscribe(channel);
    // Quiet for longer than the inbox folds a community's writes (1 s): nothing earlier arrives late.
    const heard = async () => {
      await moderator.quiet(() => true, 1500);
      moderator.drain();
    };
    await heard();

    const flagged = await s.other.post(`/api/topics/${topic.id}/posts`, { body: 'Try zorblax for that' });
    expect(flagged.status, flagged.text).toBe(201);
    expect(flagged.body.post.hidden).toBe(false);
    await moderator.next(changed(channel));

    expect((await s.admin.patch(`/api/communities/${slug}`, { moderation: { holdFirstPosts: true } })).status).toBe(200);
    await heard();
    const held = await (await signUp(t)).post(`/api/topics/${topic.id}/posts`, { body: 'My first words here' });
    expect(held.status, held.text).toBe(201);
    expect(held.body.post.hidden).toBe(true);
    await moderator.next(changed(channel));
  });

  it('a member whose staff role is taken away is dropped from the channel', async () => {
    const slug = await community();
    const channel = `inbox:${slug}`;
    const colleague = await signUp(t);
    await setRole(s.admin, slug, colleague.handle, 'staff');
    const c = await connect(colleague.cookie);
    await c.subscribe(`user:${colleague.userId}`);
    expect(await c.subscribe(channel)).toMatchObject({ type: 'subscribed' });
    await setRole(s.admin, slug, colleague.handle, 'member');
    expect(await c.next((m) => m.type === 'error' && m.channel === channel)).toMatchObject({ code: 'channel_not_found' });
  });

  it('folds what a community’s writes of a moment announce into one event per community', async () => {
    const { db, bus } = t.app.parley.ctx;
    const published: BusNote[] = [];
    const log = { warn: () => {} } as unknown as ConstructorParameters<typeof InboxSignals>[1];
    const signals = new InboxSignals({ db, bus: { ...bus, publishLocal: (notes) => published.push(...notes) } }, log, 50);
    const [a, b] = [unique('a'), unique('b')];
    signals.noted([
      { channel: `community:${a}`, seq: 1 },
      { channel: 'topic:1', seq: 7 },
      { channel: `community:${a}`, seq: 2 },
      { channel: `community:${b}`, seq: 1 },
      { channel: 'user:1', seq: 3 },
    ]);
    await signals.close();
    expect(published.map((n) => [n.channel, n.seq]).sort()).toEqual([
      [`inbox:${a}`, 1],
      [`inbox:${b}`, 1],
    ]);
  });
});
