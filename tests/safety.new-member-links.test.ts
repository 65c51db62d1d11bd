import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, setRole, signUp, unique, type SignedIn } from './helpers/factories.js';
import { aboutTopic } from './helpers/notifications.js';

let t: TestApp;
let admin: SignedIn;
let slug: string;

beforeAll(async () => {
  t = await startTestApp();
  admin = await signUp(t);
  slug = (await createCommunity(admin)).slug;
  const on = await admin.patch(`/api/communities/${slug}`, { moderation: { holdNewMemberLinks: true } });
  expect(on.status, on.text).toBe(200);
  expect(on.body.community.moderation.holdNewMemberLinks).toBe(true);
});
afterAll(async () => {
  await t?.close();
});

const withLink = () => `Have a look at https://shop.example/${unique()} please`;

interface LogItem {
  action: string;
  moderator: { handle: string } | null;
  automatic: boolean;
  reasonCode: string | null;
  detail: string | null;
  target: { type: string; id: number };
}
const log = async (): Promise<LogItem[]> => (await t.guest().get(`/api/communities/${slug}/moderation-log?limit=100`)).body.items;

describe("new members' links wait for review", () => {
  it("a new account's reply with a link is held: hidden from readers, in the queue, in the public log as the system's", async () => {
    const asker = await signUp(t);
    const { topic } = await createTopic(asker, slug);
    const newbie = await signUp(t, { newAccount: true });
    const post = await reply(newbie, topic.id, { body: withLink() });
    expect(post).toMatchObject({ hidden: true, pendingReview: true, hiddenReasonCode: 'held_links' });

    const seen = await t.guest().get(`/api/topics/${topic.id}`);
    const asGuest = seen.body.posts.find((p: { id: number }) => p.id === post.id);
    expect(asGuest).toMatchObject({ hidden: true, body: null, bodyHtml: null });

    const queue = await admin.get(`/api/communities/${slug}/flags?status=open`);
    const item = queue.body.items.find((i: { post: { id: number } }) => i.post.id === post.id);
    // Approved like a held first post, and the queue says why it waits.
    expect(item).toMatchObject({ kind: 'first_post', targetType: 'post', reasonCode: 'held_links', reason: expect.stringMatching(/new members/i) });

    const held = (await log()).find((e) => e.action === 'hold_post' && e.target.id === post.id);
    expect(held).toMatchObject({ moderator: null, automatic: true, reasonCode: 'held_links' });

    // Nobody hears of it while it waits.
    expect(await aboutTopic(asker, topic.id)).toEqual([]);

    // Approving it in the queue shows it to everyone, and tells whom posting would have told, as for a held first post.
    const approved = await admin.delete(`/api/posts/${post.id}/hide`);
    expect(approved.status, approved.text).toBe(200);
    const after = await t.guest().get(`/api/topics/${topic.id}`);
    expect(after.body.posts.find((p: { id: number }) => p.id === post.id)).toMatchObject({ hidden: false, body: expect.stringContaining('shop.example') });
    expect((await admin.get(`/api/communities/${slug}/flags?status=open`)).body.items.some((i: { post: { id: number } }) => i.post.id === post.id)).toBe(false);
    expect((await aboutTopic(asker, topic.id)).map((n: { kind: string }) => n.kind)).toEqual(['reply']);
  });

  it("a new account's topic with a link is held as a whole topic", async () => {
    const newbie = await signUp(t, { newAccount: true });
    const { topic } = await createTopic(newbie, slug, { body: withLink() });
    expect(topic).toMatchObject({ hidden: true, pendingReview: true, hiddenReasonCode: 'held_links' });
    expect((await t.guest().get(`/api/topics/${topic.id}`)).status).toBe(404);
    const held = (await log()).find((e) => e.action === 'hold_topic' && e.target.id === topic.id);
    expect(held).toMatchObject({ moderator: null, automatic: true, reasonCode: 'held_links' });
    expect((await admin.delete(`/api/topics/${topic.id}/hide`)).status).toBe(200);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).status).toBe(200);
  });

  it('posts without links, older accounts and the organisation’s people are not held', async () => {
    const { topic } = await createTopic(admin, slug);
    const newbie = await signUp(t, { newAccount: true });
    expect((await reply(newbie, topic.id, { body: `No links here ${unique()}` })).hidden).toBe(false);
    const regular = await signUp(t);
    expect((await reply(regular, topic.id, { body: withLink() })).hidden).toBe(false);
    const newStaff = await signUp(t, { newAccount: true });
    await setRole(admin, slug, newStaff.handle, 'staff');
    expect((await reply(newStaff, topic.id, { body: withLink() })).hidden).toBe(false);
  });

  it('with the switch off, new accounts post links at once', async () => {
    const other = await createCommunity(admin);
    const { topic } = await createTopic(admin, other.slug);
    const newbie = await signUp(t, { newAccount: true });
    expect((await reply(newbie, topic.id, { body: withLink() })).hidden).toBe(false);
  });

  it('changing moderation settings is a public log entry with what changed; only admins may', async () => {
    const community = await createCommunity(admin);
    const res = await admin.patch(`/api/communities/${community.slug}`, {
      moderation: { holdNewMemberLinks: true, holdFirstPosts: false, flagThreshold: 5, requireVerifiedEmail: true },
    });
    expect(res.status).toBe(200);
    // holdFirstPosts was off already: not a change.
    const entries = (await t.guest().get(`/api/communities/${community.slug}/moderation-log`)).body.items.filter(
      (e: LogItem) => e.action === 'change_settings',
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ moderator: { handle: admin.handle }, automatic: false, target: { type: 'community' } });
    expect(JSON.parse(entries[0].detail)).toEqual({ holdNewMemberLinks: true, flagThreshold: 5, requireVerifiedEmail: true });
    // The same again, or a change of the name only, logs nothing more.
    await admin.patch(`/api/communities/${community.slug}`, { name: 'Renamed', moderation: { holdNewMemberLinks: true } });
    expect(
      (await t.guest().get(`/api/communities/${community.slug}/moderation-log`)).body.items.filter((e: LogItem) => e.action === 'change_settings'),
    ).toHaveLength(1);
    const member = await signUp(t);
    expect((await member.patch(`/api/communities/${community.slug}`, { moderation: { holdNewMemberLinks: false } })).status).toBe(403);
  });
});
