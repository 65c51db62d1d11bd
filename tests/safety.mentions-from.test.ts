/**
 * Who may mention a member (users.mentions_from: anyone, staff, nobody), chosen through
 * PUT /api/me/preferences and shown as GET /api/me's user.mentionsFrom. A mention the choice refuses
 * notifies nothing (the post still shows it); what the member watches still tells them as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, reply, scene, setRole, signUp, type SignedIn } from './helpers/factories.js';
import { notificationsOf } from './helpers/notifications.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

async function choosing(member: SignedIn, mentionsFrom: string) {
  const res = await member.put('/api/me/preferences', { mentionsFrom });
  expect(res.status, res.text).toBe(200);
  expect(res.body.user.mentionsFrom).toBe(mentionsFrom);
}

/** Whether a mention of `target` by `writer`, in a topic of someone else, told the target. */
async function mentionTells(writer: SignedIn, target: SignedIn, slug = s.slug): Promise<boolean> {
  const { topic } = await createTopic(writer, slug);
  const before = (await notificationsOf(target)).items.length;
  const post = await reply(writer, topic.id, { body: `Thanks @${target.handle}!` });
  // The text shows the mention either way.
  expect(post.bodyHtml).toContain(`@${target.handle}`);
  return (await notificationsOf(target)).items.length > before;
}

describe('PUT /api/me/preferences {mentionsFrom}', () => {
  it('is anyone by default, stored per member, and leaves the language alone', async () => {
    const me = await signUp(t);
    expect((await me.get('/api/me')).body.user.mentionsFrom).toBe('anyone');
    expect((await me.put('/api/me/preferences', { locale: 'de' })).status).toBe(200);
    await choosing(me, 'staff');
    const got = (await me.get('/api/me')).body.user;
    expect(got).toMatchObject({ mentionsFrom: 'staff', locale: 'de' });
    // Nobody else sees it.
    expect((await t.guest().get(`/api/users/${me.handle}`)).body.user).not.toHaveProperty('mentionsFrom');
  });

  it('refuses anything but the three choices (400 invalid_input), and guests (401)', async () => {
    const me = await signUp(t);
    for (const mentionsFrom of ['everyone', '', null, 3]) expectError(await me.put('/api/me/preferences', { mentionsFrom }), 400, 'invalid_input');
    expectError(await t.guest().put('/api/me/preferences', { mentionsFrom: 'nobody' }), 401, 'not_signed_in');
    expect((await me.get('/api/me')).body.user.mentionsFrom).toBe('anyone');
  });
});

describe('a mention notifies by the choice of the one mentioned', () => {
  it('anyone: a member’s mention notifies', async () => {
    const me = await signUp(t);
    await choosing(me, 'anyone');
    expect(await mentionTells(s.member, me)).toBe(true);
  });

  it('staff: only staff, moderators and admins of the community where it is written', async () => {
    const me = await signUp(t);
    await choosing(me, 'staff');
    expect(await mentionTells(s.member, me)).toBe(false);
    expect(await mentionTells(s.staff, me)).toBe(true);
    expect(await mentionTells(s.moderator, me)).toBe(true);
    expect(await mentionTells(s.admin, me)).toBe(true);

    // Staff elsewhere is a member here.
    const elsewhere = await createCommunity(s.admin);
    await setRole(s.admin, elsewhere.slug, s.member.handle, 'staff');
    expect(await mentionTells(s.member, me)).toBe(false);
    expect(await mentionTells(s.member, me, elsewhere.slug)).toBe(true);
  });

  it('nobody: not even staff; back to anyone, mentions notify again', async () => {
    const me = await signUp(t);
    await choosing(me, 'nobody');
    expect(await mentionTells(s.member, me)).toBe(false);
    expect(await mentionTells(s.staff, me)).toBe(false);
    expect(await mentionTells(s.moderator, me)).toBe(false);
    await choosing(me, 'anyone');
    expect(await mentionTells(s.member, me)).toBe(true);
  });

  it('a refused mention in my own topic still tells me of the reply, as a reply', async () => {
    const me = await signUp(t);
    await choosing(me, 'nobody');
    const { topic } = await createTopic(me, s.slug);
    await reply(s.member, topic.id, { body: `@${me.handle} look` });
    expect((await notificationsOf(me)).items.map((n) => n.kind)).toEqual(['reply']);
  });

  it('an edit that adds a mention is refused the same way', async () => {
    const me = await signUp(t);
    await choosing(me, 'staff');
    const { topic } = await createTopic(s.other, s.slug);
    const post = await reply(s.member, topic.id, { body: 'No mention yet.' });
    const edited = await s.member.patch(`/api/posts/${post.id}`, { body: `Now @${me.handle}.` });
    expect(edited.status, edited.text).toBe(200);
    expect((await notificationsOf(me)).items).toEqual([]);
    const byStaff = await reply(s.staff, topic.id, { body: 'Staff, no mention yet.' });
    expect((await s.staff.patch(`/api/posts/${byStaff.id}`, { body: `Staff: @${me.handle}.` })).status).toBe(200);
    // Edits' mentions are told after the edit commits.
    await expect.poll(async () => (await notificationsOf(me)).items.map((n) => n.kind)).toEqual(['mention']);
  });

  it('the writer gets the same answer whether or not the mention notified', async () => {
    const open = await signUp(t);
    const closed = await signUp(t);
    await choosing(closed, 'nobody');
    const { topic } = await createTopic(s.other, s.slug);
    const a = await s.member.post(`/api/topics/${topic.id}/posts`, { body: `Hi @${open.handle}` });
    const b = await s.member.post(`/api/topics/${topic.id}/posts`, { body: `Hi @${closed.handle}` });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(Object.keys(a.body).sort()).toEqual(Object.keys(b.body).sort());
  });
});
