/**
 * What the inbox finds: each kind appears under its rule, exactly when the rule says (times are
 * set in the database), and leaves by itself once resolved; hidden content never makes an item
 * (held and flagged content, the review queue's, is there for moderators only).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, reply, scene, setRole, signUp, type SignedIn } from './helpers/factories.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const db = () => t.app.parley.ctx.db;

/** A community of its own (so counts are the test's), with the scene's staff and moderator in their roles. */
async function community(): Promise<string> {
  const { slug } = await createCommunity(s.admin);
  await setRole(s.admin, slug, s.staff.handle, 'staff');
  await setRole(s.admin, slug, s.moderator.handle, 'moderator');
  return slug;
}

/** Moves a topic and all its posts back in time. */
async function age(topicId: number, hours: number) {
  await db().execute(sql`UPDATE posts SET created_at = created_at - make_interval(hours => ${hours}) WHERE topic_id = ${topicId}`);
  await db().execute(
    sql`UPDATE topics SET created_at = created_at - make_interval(hours => ${hours}), last_post_at = last_post_at - make_interval(hours => ${hours}) WHERE id = ${topicId}`,
  );
}

async function inbox(who: SignedIn, slug: string, view = 'open') {
  const res = await who.get(`/api/communities/${slug}/inbox?view=${view}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { items: any[]; counts: Record<string, number>; rules: any[]; nextCheckAt: string | null };
}

const keys = (body: { items: { key: string }[] }) => body.items.map((i) => i.key).sort();

async function topicTimes(id: number) {
  const [row] = await rows<{ created_at: string; last_post_at: string }>(db(), sql`SELECT created_at, last_post_at FROM topics WHERE id = ${id}`);
  return { created: new Date(row!.created_at), last: new Date(row!.last_post_at) };
}
const postTime = async (id: number) => new Date((await rows<{ c: string }>(db(), sql`SELECT created_at AS c FROM posts WHERE id = ${id}`))[0]!.c);
const plusHours = (d: Date, h: number) => new Date(d.getTime() + h * 3_600_000).toISOString();

async function setRules(slug: string, rules: object[]) {
  const res = await s.admin.put(`/api/communities/${slug}/inbox/rules`, { rules });
  expect(res.status, res.text).toBe(200);
  return res.body.rules;
}

describe('no_reply', () => {
  it('a question with no reply from anyone else appears 24 hours after it was opened, and leaves with a visible reply', async () => {
    const slug = await community();
    const { topic, post } = await createTopic(s.member, slug, { kind: 'question', title: 'Printer offline?' });
    await age(topic.id, 23);
    let body = await inbox(s.staff, slug);
    expect(keys(body)).toEqual([]);
    // Not yet: the inbox says when it will be.
    const { created } = await topicTimes(topic.id);
    expect(body.nextCheckAt).toBe(plusHours(created, 24));

    await age(topic.id, 2);
    body = await inbox(s.staff, slug);
    expect(body.items).toEqual([
      {
        key: `no_reply:${topic.id}`,
        kind: 'no_reply',
        since: plusHours((await topicTimes(topic.id)).created, 24),
        topic: { id: topic.id, title: 'Printer offline?', kind: 'question', categorySlug: 'general' },
        post: {
          id: post.id,
          number: 1,
          excerpt: expect.stringContaining('Opening'),
          author: { id: s.member.userId, handle: s.member.handle, displayName: expect.any(String) },
        },
        detail: {},
        claim: null,
      },
    ]);
    expect(body.counts).toEqual({ open: 1, taken: 0, snoozed: 0, done: 0 });

    // The asker's own follow-up is not an answer, and neither is a reply a moderator hid.
    await reply(s.member, topic.id, { body: 'Anyone?' });
    const hidden = await reply(s.other, topic.id, { body: 'Buy my stuff' });
    expect((await s.moderator.post(`/api/posts/${hidden.id}/hide`, { reasonCode: 'spam' })).status).toBe(200);
    expect(keys(await inbox(s.staff, slug))).toEqual([`no_reply:${topic.id}`]);

    await reply(s.other, topic.id, { body: 'Try turning it off and on again.' });
    expect(keys(await inbox(s.staff, slug))).toEqual([]);
  });

  it('ideas, pinned and locked topics wait for no reply; a discussion does', async () => {
    const slug = await community();
    const { topic: idea } = await createTopic(s.member, slug, { kind: 'idea' });
    const { topic: pinned } = await createTopic(s.member, slug, { kind: 'question' });
    const { topic: locked } = await createTopic(s.member, slug, { kind: 'question' });
    const { topic: discussion } = await createTopic(s.member, slug, { kind: 'discussion' });
    expect((await s.moderator.post(`/api/topics/${pinned.id}/pin`)).status).toBe(200);
    expect((await s.moderator.post(`/api/topics/${locked.id}/lock`)).status).toBe(200);
    for (const id of [idea.id, pinned.id, locked.id, discussion.id]) await age(id, 30);
    expect(keys(await inbox(s.staff, slug))).toEqual([`no_reply:${discussion.id}`]);
  });

  it('follows the rule: hours from the rules, and nothing when the rule is off', async () => {
    const slug = await community();
    const { topic } = await createTopic(s.member, slug, { kind: 'question' });
    await age(topic.id, 30);
    expect(keys(await inbox(s.staff, slug))).toEqual([`no_reply:${topic.id}`]);
    await setRules(slug, [{ kind: 'no_reply', enabled: true, hours: 48 }]);
    let body = await inbox(s.staff, slug);
    expect(keys(body)).toEqual([]);
    expect(body.nextCheckAt).toBe(plusHours((await topicTimes(topic.id)).created, 48));
    expect(body.rules.find((r: any) => r.kind === 'no_reply')).toEqual({ kind: 'no_reply', enabled: true, hours: 48 });
    await age(topic.id, 20);
    expect(keys(await inbox(s.staff, slug))).toEqual([`no_reply:${topic.id}`]);
    await setRules(slug, [{ kind: 'no_reply', enabled: false }]);
    body = await inbox(s.staff, slug);
    expect(keys(body)).toEqual([]);
    // Switched off, the threshold is kept for when it is switched on again.
    expect(body.rules.find((r: any) => r.kind === 'no_reply')).toEqual({ kind: 'no_reply', enabled: false, hours: 48 });
  });
});

describe('hidden content', () => {
  it('a hidden topic, a deleted question and a hidden opening post never make an item', async () => {
    const slug = await community();
    const { topic: hiddenTopic } = await createTopic(s.member, slug, { kind: 'question' });
    const { topic: deletedOpening, post: deletedPost } = await createTopic(s.member, slug, { kind: 'question' });
    expect((await s.moderator.post(`/api/topics/${hiddenTopic.id}/hide`, { reasonCode: 'spam' })).status).toBe(200);
    expect((await s.member.delete(`/api/posts/${deletedPost.id}`)).status).toBe(204);
    const { topic: idea, post: ideaPost } = await createTopic(s.member, slug, { kind: 'idea' });
    await setRules(slug, [{ kind: 'popular_idea', enabled: true, votes: 1 }]);
    expect((await s.other.post(`/api/topics/${idea.id}/vote`)).status).toBe(200);
    expect((await s.moderator.post(`/api/posts/${ideaPost.id}/hide`, { reasonCode: 'spam' })).status).toBe(200);
    for (const id of [hiddenTopic.id, deletedOpening.id, idea.id]) await age(id, 24 * 10);
    expect(keys(await inbox(s.staff, slug))).toEqual([]);
    expect(keys(await inbox(s.admin, slug)).filter((k) => !k.startsWith('held:') && !k.startsWith('flagged:'))).toEqual([]);
  });
});

describe('asker_waiting', () => {
  it('an unsolved question whose asker wrote last, after others replied, appears 24 hours after the asker’s post and leaves with a reply', async () => {
    const slug = await community();
    const { topic } = await createTopic(s.member, slug, { kind: 'question' });
    await reply(s.other, topic.id, { body: 'Have you tried the manual?' });
    const follow = await reply(s.member, topic.id, { body: 'Yes, page 12 does not help.' });
    await age(topic.id, 23);
    let body = await inbox(s.staff, slug);
    expect(keys(body)).toEqual([]);
    expect(body.nextCheckAt).toBe(plusHours(await postTime(follow.id), 24));
    await age(topic.id, 2);
    body = await inbox(s.staff, slug);
    expect(body.items).toEqual([
      expect.objectContaining({
        key: `asker_waiting:${topic.id}`,
        since: plusHours(await postTime(follow.id), 24),
        post: expect.objectContaining({ id: follow.id, number: 3, excerpt: 'Yes, page 12 does not help.' }),
        detail: { replies: 2 },
      }),
    ]);
    await reply(s.staff, topic.id, { body: 'Here is what works.' });
    expect(keys(await inbox(s.staff, slug))).toEqual([]);
  });

  it('the asker talking to themselves is no_reply, not asker_waiting; an accepted answer ends it', async () => {
    const slug = await community();
    const { topic: alone } = await createTopic(s.member, slug, { kind: 'question' });
    await reply(s.member, alone.id, { body: 'More details.' });
    await reply(s.member, alone.id, { body: 'Even more.' });
    const { topic: answered } = await createTopic(s.member, slug, { kind: 'question' });
    const answer = await reply(s.other, answered.id);
    await reply(s.member, answered.id, { body: 'Thanks, one more thing' });
    await age(alone.id, 30);
    await age(answered.id, 30);
    expect(keys(await inbox(s.staff, slug))).toEqual([`asker_waiting:${answered.id}`, `no_reply:${alone.id}`]);
    expect((await s.member.post(`/api/topics/${answered.id}/solution`, { postId: answer.id })).status).toBe(200);
    expect(keys(await inbox(s.staff, slug))).toEqual([`no_reply:${alone.id}`]);
  });
});

describe('stale_unsolved', () => {
  it('an unsolved question with replies, quiet for 7 days, appears then and leaves with new activity or an answer', async () => {
    const slug = await community();
    await setRules(slug, [{ kind: 'asker_waiting', enabled: false }]);
    const { topic } = await createTopic(s.member, slug, { kind: 'question' });
    const last = await reply(s.other, topic.id);
    await age(topic.id, 24 * 6);
    let body = await inbox(s.staff, slug);
    expect(keys(body)).toEqual([]);
    expect(body.nextCheckAt).toBe(plusHours(await postTime(last.id), 24 * 7));
    await age(topic.id, 25);
    body = await inbox(s.staff, slug);
    expect(body.items).toEqual([expect.objectContaining({ key: `stale_unsolved:${topic.id}`, since: plusHours(await postTime(last.id), 24 * 7) })]);
    // A question without replies is not stale but unanswered: that is no_reply's.
    const { topic: unanswered } = await createTopic(s.member, slug, { kind: 'question' });
    await age(unanswered.id, 24 * 8);
    expect(keys(await inbox(s.staff, slug))).toEqual([`no_reply:${unanswered.id}`, `stale_unsolved:${topic.id}`]);
    expect((await s.member.post(`/api/topics/${topic.id}/solution`, { postId: last.id })).status).toBe(200);
    expect(keys(await inbox(s.staff, slug))).toEqual([`no_reply:${unanswered.id}`]);
  });
});

describe('popular_idea', () => {
  it('an idea reaching the rule’s votes appears (since its last needed vote) and leaves with a status', async () => {
    const slug = await community();
    await setRules(slug, [{ kind: 'popular_idea', enabled: true, votes: 2 }]);
    const { topic } = await createTopic(s.member, slug, { kind: 'idea' });
    expect((await s.other.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    expect(keys(await inbox(s.staff, slug))).toEqual([]);
    expect((await s.moderator.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    const body = await inbox(s.staff, slug);
    const [second] = await rows<{ c: string }>(db(), sql`SELECT max(created_at) AS c FROM topic_votes WHERE topic_id = ${topic.id}`);
    expect(body.items).toEqual([
      expect.objectContaining({ key: `popular_idea:${topic.id}`, since: new Date(second!.c).toISOString(), detail: { votes: 2, replies: 0 } }),
    ]);
    expect((await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'planned' })).status).toBe(200);
    expect(keys(await inbox(s.staff, slug))).toEqual([]);
  });
});

describe('mentions_staff', () => {
  it('a visible post mentioning someone with an organisation role appears at once and leaves with a reply from the organisation', async () => {
    const slug = await community();
    const { topic } = await createTopic(s.member, slug, { kind: 'discussion' });
    const asking = await reply(s.other, topic.id, { body: `@${s.staff.handle} could you look at this?` });
    // Mentioning a member is no call for the organisation.
    await reply(s.other, topic.id, { body: `@${s.member.handle} thanks` });
    const body = await inbox(s.moderator, slug);
    expect(body.items).toEqual([expect.objectContaining({ key: `mentions_staff:${asking.id}`, post: expect.objectContaining({ id: asking.id }) })]);
    await reply(s.moderator, topic.id, { body: 'On it.' });
    expect(keys(await inbox(s.staff, slug))).toEqual([]);
  });

  it('a hidden post mentioning staff makes no item', async () => {
    const slug = await community();
    const { topic } = await createTopic(s.member, slug, { kind: 'discussion' });
    const asking = await reply(s.other, topic.id, { body: `@${s.staff.handle} look!` });
    expect((await s.moderator.post(`/api/posts/${asking.id}/hide`, { reasonCode: 'spam' })).status).toBe(200);
    expect(keys(await inbox(s.staff, slug))).toEqual([]);
  });
});

describe('held and flagged (moderators only)', () => {
  it('a held first post appears for moderators, not for staff, and leaves when approved', async () => {
    const slug = await community();
    expect((await s.admin.patch(`/api/communities/${slug}`, { moderation: { holdFirstPosts: true } })).status).toBe(200);
    const { topic } = await createTopic(s.staff, slug, { kind: 'discussion' });
    const newcomer = await signUp(t);
    const held = await reply(newcomer, topic.id, { body: 'My first words' });
    const [queued] = await rows<{ id: number }>(db(), sql`SELECT id FROM queue_items WHERE post_id = ${held.id}`);
    const body = await inbox(s.moderator, slug);
    expect(body.items.filter((i) => i.kind === 'held')).toEqual([
      expect.objectContaining({ key: `held:${queued!.id}`, detail: { queueItemId: queued!.id }, post: expect.objectContaining({ excerpt: 'My first words' }) }),
    ]);
    expect(keys(await inbox(s.staff, slug)).filter((k) => k.startsWith('held:'))).toEqual([]);
    expect((await s.moderator.delete(`/api/posts/${held.id}/hide`)).status).toBe(200);
    expect(keys(await inbox(s.moderator, slug)).filter((k) => k.startsWith('held:'))).toEqual([]);
  });

  it('a flagged post appears with its open flags and leaves when the flags are settled', async () => {
    const slug = await community();
    const { topic } = await createTopic(s.member, slug, { kind: 'discussion' });
    const rude = await reply(s.other, topic.id, { body: 'Something rude' });
    const flag = await s.member.post(`/api/posts/${rude.id}/flags`, { reason: 'rude' });
    expect(flag.status).toBe(201);
    const body = await inbox(s.moderator, slug);
    expect(body.items.filter((i) => i.kind === 'flagged')).toEqual([
      expect.objectContaining({ key: `flagged:${rude.id}`, detail: { flags: 1, queueItemId: flag.body.flag.id } }),
    ]);
    expect(keys(await inbox(s.staff, slug)).filter((k) => k.startsWith('flagged:'))).toEqual([]);
    expect((await s.moderator.post(`/api/flags/${flag.body.flag.id}/dismiss`)).status).toBe(200);
    expect(keys(await inbox(s.moderator, slug)).filter((k) => k.startsWith('flagged:'))).toEqual([]);
  });
});

describe('rules', () => {
  it('are readable by anyone, changed by admins only, validated, and each change is a public log entry', async () => {
    const slug = await community();
    const defaults = (await t.guest().get(`/api/communities/${slug}/inbox/rules`)).body.rules;
    expect(defaults).toEqual([
      { kind: 'no_reply', enabled: true, hours: 24 },
      { kind: 'asker_waiting', enabled: true, hours: 24 },
      { kind: 'stale_unsolved', enabled: true, days: 7 },
      { kind: 'popular_idea', enabled: true, votes: 10 },
      { kind: 'mentions_staff', enabled: true, days: 7 },
      { kind: 'held', enabled: true },
      { kind: 'flagged', enabled: true },
    ]);
    const path = `/api/communities/${slug}/inbox/rules`;
    const change = { rules: [{ kind: 'no_reply', enabled: true, hours: 12 }] };
    expectError(await t.guest().put(path, change), 401, 'not_signed_in');
    expectError(await s.staff.put(path, change), 403, 'not_admin');
    expectError(await s.moderator.put(path, change), 403, 'not_admin');
    expectError(await s.admin.put(path, { rules: [{ kind: 'lunch', enabled: true }] }), 400, 'unknown_inbox_rule');
    for (const bad of [
      { kind: 'no_reply', enabled: true, hours: 0 },
      { kind: 'no_reply', enabled: true, hours: 721 },
      { kind: 'stale_unsolved', enabled: true, days: 91 },
      { kind: 'popular_idea', enabled: true, votes: 100_001 },
      { kind: 'no_reply', enabled: true, days: 3 },
      { kind: 'held', enabled: true, hours: 3 },
    ]) {
      expectError(await s.admin.put(path, { rules: [bad] }), 400, 'invalid_inbox_rule');
    }
    expectError(await s.admin.put(path, { rules: [change.rules[0], change.rules[0]] }), 400, 'invalid_inbox_rule');
    expectError(await s.admin.put(path, { rules: [{ kind: 'no_reply', enabled: 'yes' }] }), 400, 'invalid_input');
    expectError(await s.admin.put(path, { rules: [{ kind: 'no_reply', enabled: true, hours: 1.5 }] }), 400, 'invalid_input');
    expect((await s.admin.get(path)).body.rules).toEqual(defaults);

    const saved = await s.admin.put(path, { rules: [change.rules[0], { kind: 'flagged', enabled: false }] });
    expect(saved.status).toBe(200);
    expect(saved.body.rules[0]).toEqual({ kind: 'no_reply', enabled: true, hours: 12 });
    expect(saved.body.rules[6]).toEqual({ kind: 'flagged', enabled: false });
    expect(saved.body.rules.slice(1, 6)).toEqual(defaults.slice(1, 6));
    // The same again changes nothing and logs nothing.
    expect((await s.admin.put(path, change)).status).toBe(200);
    const log = (await t.guest().get(`/api/communities/${slug}/moderation-log`)).body.items.filter((e: any) => e.action === 'change_inbox_rules');
    expect(log).toEqual([
      expect.objectContaining({
        action: 'change_inbox_rules',
        moderator: expect.objectContaining({ handle: s.admin.handle }),
        target: expect.objectContaining({ type: 'community' }),
      }),
    ]);
    expect(JSON.parse(log[0].detail)).toEqual({
      rules: [
        { kind: 'no_reply', enabled: true, hours: 12 },
        { kind: 'flagged', enabled: false },
      ],
    });
  });
});

describe('the weekly summary’s count', () => {
  it('counts open items per kind, held and flagged included', async () => {
    const slug = await community();
    const { topic } = await createTopic(s.member, slug, { kind: 'question' });
    const rude = await reply(s.member, topic.id, { body: 'rude' });
    expect((await s.other.post(`/api/posts/${rude.id}/flags`, { reason: 'rude' })).status).toBe(201);
    await age(topic.id, 30);
    const { countInbox } = await import('../server/inbox/inbox.service.js');
    const [c] = await rows<{ id: number }>(db(), sql`SELECT id FROM communities WHERE slug = ${slug}`);
    expect(await countInbox(db(), c!.id)).toEqual({
      no_reply: 1,
      asker_waiting: 0,
      stale_unsolved: 0,
      popular_idea: 0,
      mentions_staff: 0,
      held: 0,
      flagged: 1,
    });
  });
});
