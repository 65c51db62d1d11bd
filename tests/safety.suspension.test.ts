import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { TestApp } from './helpers/app.js';
import { createCommunity, createTopic, makeSiteAdmin, PASSWORD, reply, signUp, type SignedIn } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';
import { TestClient } from './helpers/client.js';
import { LiveClient, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';
import { compose, deliverByHttp, INBOUND_SECRET, mailCount, postsIn, replyKeyAddress } from './helpers/mail-inbound.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({ mail: { inboundSecret: INBOUND_SECRET } }, (ready) => ({ t, url, s } = ready));

/** A word that cannot appear anywhere by chance. */
const secret = () => `zq${randomBytes(6).toString('hex')}spam`;
const isEvent = (channel: string, event: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel && m.event === event;
const searchFor = (slug: string, q: string) => t.guest().get(`/api/communities/${slug}/search?q=${encodeURIComponent(q)}`);
const logOf = async (slug: string) => (await t.guest().get(`/api/communities/${slug}/moderation-log`)).body.items as any[];

async function siteAdmin(): Promise<SignedIn> {
  const admin = await signUp(t);
  await makeSiteAdmin(t, admin.userId);
  return admin;
}

describe('suspending an account and removing everything it posted', () => {
  it('ends its sessions and tokens at once, refuses sign-in with the reason, and hides its posts and topics everywhere, live, in lists and in search', async () => {
    const admin = await siteAdmin();
    const spammer = await signUp(t);
    const word = secret();
    const other = await createCommunity(s.admin);

    // Its own topic in one community, replies in someone else's topic there and in another community.
    const own = await createTopic(spammer, s.slug, { title: `Cheap ${word} here`, body: `Buy ${word} today` });
    const { topic: victim } = await createTopic(s.member, s.slug);
    const spamReply = await reply(spammer, victim.id, { body: `Also ${word} for you` });
    const honest = await reply(s.member, victim.id, { body: 'An honest answer' });
    const { topic: elsewhere } = await createTopic(s.member, other.slug);
    const farReply = await reply(spammer, elsewhere.id, { body: `More ${word}` });

    // Everything a guest reads is warm in the caches, and the spammer's sessions are cached too.
    expect((await searchFor(s.slug, word)).body.items.length).toBeGreaterThan(0);
    expect((await t.guest().get(`/api/topics/${victim.id}`)).text).toContain(word);
    expect((await t.guest().get(`/api/communities/${s.slug}/topics`)).text).toContain(word);
    const bearer = await new TestClient(t.app, { origin: null }).post('/api/auth/token', { login: spammer.handle, password: PASSWORD });
    expect(bearer.status).toBe(201);
    const api = new TestClient(t.app, { origin: null });
    api.bearer = bearer.body.token;
    expect((await api.get('/api/me')).status).toBe(200);
    expect((await spammer.get('/api/me')).status).toBe(200);

    const guest = await LiveClient.connect(url);
    open.push(guest);
    await guest.subscribe(`topic:${victim.id}`);
    await guest.subscribe(`community:${s.slug}`);

    const res = await admin.post(`/api/admin/users/${spammer.handle}/suspension`, { reason: 'Spam wave', removeContent: true });
    expect(res.status, res.text).toBe(200);
    expect(res.body.user).toMatchObject({ handle: spammer.handle, suspended: true, suspendedReason: 'Spam wave' });
    expect(res.body.removed).toEqual({ posts: 3, topics: 1, communities: 2 });

    // Dead at once: the cookie, the bearer token, any write.
    expectError(await spammer.get('/api/me'), 401, 'not_signed_in');
    expectError(await api.get('/api/me'), 401, 'invalid_token');
    expect((await spammer.post(`/api/topics/${victim.id}/posts`, { body: 'one more' })).status).toBe(401);
    const signIn = expectError(await t.guest().post('/api/auth/login', { login: spammer.handle, password: PASSWORD }), 403, 'account_suspended');
    expect(signIn.message).toContain('Spam wave');
    expectError(await t.guest().post('/api/auth/token', { login: spammer.handle, password: PASSWORD }), 403, 'account_suspended');

    // Open pages drop the post, masked for the guest.
    const hidden = await guest.next(isEvent(`topic:${victim.id}`, 'post.hidden'));
    expect(hidden.data).toMatchObject({ id: spamReply.id, hidden: true, body: null });
    await guest.next(isEvent(`community:${s.slug}`, 'topic.updated'));
    for (const frame of guest.frames) expect(frame).not.toContain(word);

    // Topic reads, lists and search, caches and all.
    const page = await t.guest().get(`/api/topics/${victim.id}`);
    expect(page.text).not.toContain(word);
    const shown = page.body.posts.find((p: any) => p.id === spamReply.id);
    expect(shown).toMatchObject({ hidden: true, body: null, hiddenReasonCode: 'account_suspended' });
    expect(page.body.posts.find((p: any) => p.id === honest.id).body).toBe('An honest answer');
    expect((await t.guest().get(`/api/topics/${own.topic.id}`)).status).toBe(404);
    expect((await t.guest().get(`/api/topics/${elsewhere.id}`)).text).not.toContain(word);
    await expect.poll(async () => (await t.guest().get(`/api/communities/${s.slug}/topics`)).text).not.toContain(word);
    expect((await searchFor(s.slug, word)).body.items).toEqual([]);
    expect((await searchFor(other.slug, word)).body.items).toEqual([]);

    // A public log entry in each community it touched, by the site admin, saying what went.
    const here = (await logOf(s.slug)).find((e) => e.action === 'suspend_user');
    expect(here).toMatchObject({ moderator: { handle: admin.handle }, reason: 'Spam wave', target: { handle: spammer.handle } });
    expect(JSON.parse(here.detail)).toEqual({ removed: true, posts: 2, topics: 1 });
    const there = (await logOf(other.slug)).find((e) => e.action === 'suspend_user');
    expect(JSON.parse(there.detail)).toEqual({ removed: true, posts: 1, topics: 0 });

    // Moderators still see what went, and can restore any of it.
    const restored = await s.moderator.delete(`/api/posts/${spamReply.id}/hide`);
    expect(restored.status, restored.text).toBe(200);
    expect((await t.guest().get(`/api/topics/${victim.id}`)).text).toContain(word);
    expect(farReply.id).toBeGreaterThan(0);
  });

  it('lifting it lets the member sign in again; what was removed stays hidden', async () => {
    const admin = await siteAdmin();
    const member = await signUp(t);
    const { topic } = await createTopic(member, s.slug);
    await admin.post(`/api/admin/users/${member.handle}/suspension`, { reason: 'Cooling off', removeContent: true });
    expect((await admin.get(`/api/admin/users/${member.handle}/suspension`)).body.user).toMatchObject({ suspended: true, suspendedReason: 'Cooling off' });

    const lifted = await admin.delete(`/api/admin/users/${member.handle}/suspension`);
    expect(lifted.status, lifted.text).toBe(200);
    expect(lifted.body.user).toMatchObject({ suspended: false, suspendedAt: null, suspendedReason: null });
    expect((await t.guest().post('/api/auth/login', { login: member.handle, password: PASSWORD })).status).toBe(200);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).status).toBe(404);
    expect((await logOf(s.slug)).some((e) => e.action === 'unsuspend_user' && e.target.handle === member.handle)).toBe(true);
  });

  it('without removal, sessions end and the content stays', async () => {
    const admin = await siteAdmin();
    const member = await signUp(t);
    const { topic } = await createTopic(member, s.slug);
    const res = await admin.post(`/api/admin/users/${member.handle}/suspension`, { reason: 'Account shared' });
    expect(res.body.removed).toEqual({ posts: 0, topics: 0, communities: 0 });
    expectError(await member.get('/api/me'), 401, 'not_signed_in');
    expect((await t.guest().get(`/api/topics/${topic.id}`)).status).toBe(200);
    const entry = (await logOf(s.slug)).find((e) => e.action === 'suspend_user' && e.target.handle === member.handle);
    expect(JSON.parse(entry.detail)).toEqual({ removed: false });
  });

  it('a reply by e-mail from a suspended account posts nothing and is not answered', async () => {
    const admin = await siteAdmin();
    const member = await signUp(t, { verified: true });
    const { topic } = await createTopic(s.member, s.slug);
    const to = await replyKeyAddress(t, member.userId, topic.id);
    await admin.post(`/api/admin/users/${member.handle}/suspension`, { reason: 'Spam wave' });
    const before = { posts: (await postsIn(t, topic.id)).length, mails: await mailCount(t) };
    const raw = await compose({ from: `${member.handle}@example.org`, to, subject: 'Re: your topic', text: 'Buy my lamps' });
    expect((await deliverByHttp(t, raw)).statusCode).toBeLessThan(300);
    expect((await postsIn(t, topic.id)).length).toBe(before.posts);
    expect(await mailCount(t)).toBe(before.mails);
  });

  it('is for site admins only, never on oneself or another site admin', async () => {
    const admin = await siteAdmin();
    const otherAdmin = await siteAdmin();
    const target = await signUp(t);
    const body = { reason: 'x', removeContent: true };
    // A community admin or moderator is no site admin.
    expectError(await s.admin.post(`/api/admin/users/${target.handle}/suspension`, body), 403, 'not_site_admin');
    expectError(await s.moderator.delete(`/api/admin/users/${target.handle}/suspension`), 403, 'not_site_admin');
    expectError(await t.guest().post(`/api/admin/users/${target.handle}/suspension`, body), 401, 'not_signed_in');
    expectError(await admin.post(`/api/admin/users/${admin.handle}/suspension`, body), 400, 'cannot_suspend_self');
    expectError(await admin.post(`/api/admin/users/${otherAdmin.handle}/suspension`, body), 403, 'cannot_suspend_site_admin');
    expectError(await admin.post(`/api/admin/users/nobody-here/suspension`, body), 404, 'user_not_found');
    expectError(await admin.post(`/api/admin/users/${target.handle}/suspension`, { reason: '   ' }), 400, 'suspension_reason_required');
    expectError(await admin.post(`/api/admin/users/${target.handle}/suspension`, {}), 400, 'invalid_input');
    // None of it touched the target.
    expect((await target.get('/api/me')).status).toBe(200);
  });
});
