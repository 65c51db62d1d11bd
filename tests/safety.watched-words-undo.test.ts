/**
 * Every automatic action (a watched-word rule's hold or flag, a held first post, a hide at the
 * flag threshold) stands in the public log and a moderator undoes it in one step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, scene, setRole, signUp } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

async function community(moderation?: Record<string, unknown>) {
  const { slug } = await createCommunity(s.admin);
  await setRole(s.admin, slug, s.moderator.handle, 'moderator');
  if (moderation) expect((await s.admin.patch(`/api/communities/${slug}`, { moderation })).status).toBe(200);
  const { topic } = await createTopic(s.admin, slug);
  return { slug, topicId: topic.id };
}
const addRule = async (slug: string, pattern: string, action: string) => {
  const res = await s.moderator.post(`/api/communities/${slug}/watched-words`, { pattern, action });
  expect(res.status, res.text).toBe(201);
  return res.body.rule.id as number;
};
const log = async (slug: string, who = t.guest()) => {
  const res = await who.get(`/api/communities/${slug}/moderation-log`);
  expect(res.status, res.text).toBe(200);
  return res.body.items as any[];
};
const undo = (slug: string, entryId: number, who = s.moderator) => who.post(`/api/communities/${slug}/moderation-log/${entryId}/undo`);
const guestPost = async (postId: number) => (await t.guest().get(`/api/posts/${postId}`)).body.post;
const queue = async (slug: string) => (await s.moderator.get(`/api/communities/${slug}/flags?status=all`)).body.items as any[];

describe('undoing an automatic action', () => {
  it('a rule’s hold: released in one step, logged, shown as undone; a second undo is 409', async () => {
    const { slug, topicId } = await community();
    const ruleId = await addRule(slug, 'casino', 'hold');
    const post = await reply(s.member, topicId, { body: 'my c.a.s.i.n.o' });
    expect(post.hidden).toBe(true);
    const [held] = await log(slug);
    expect(held).toMatchObject({ action: 'hold_post', automatic: true, ruleId, undone: false, undoable: false });
    expect((await log(slug, s.moderator))[0]).toMatchObject({ id: held.id, undoable: true });

    const res = await undo(slug, held.id);
    expect(res.status, res.text).toBe(200);
    expect(res.body.entryId).toBe(held.id);
    expect(await guestPost(post.id)).toMatchObject({ hidden: false, body: 'my c.a.s.i.n.o' });
    const [undoEntry, original] = await log(slug);
    expect(undoEntry).toMatchObject({ id: res.body.undoneByLogId, action: 'unhide_post', moderator: { handle: s.moderator.handle }, automatic: false });
    expect(original).toMatchObject({ id: held.id, undone: true, ruleId });
    expect((await log(slug, s.moderator))[1]).toMatchObject({ undone: true, undoable: false });
    // The queue item is settled: the post was approved.
    expect((await queue(slug)).find((i) => i.postId === post.id)).toMatchObject({ kind: 'watched_word', status: 'resolved' });

    expectError(await undo(slug, held.id), 409, 'already_undone');
  });

  it('a rule’s flag: the rule’s queue item is dismissed, the post untouched', async () => {
    const { slug, topicId } = await community();
    const ruleId = await addRule(slug, 'pills', 'flag');
    const post = await reply(s.member, topicId, { body: 'about pills' });
    const [flagged] = await log(slug);
    expect(flagged).toMatchObject({ action: 'flag_post', ruleId, target: { type: 'post', id: post.id } });
    // A member's flag on the same post, dismissed, leaves the rule's flag standing.
    expect((await s.other.post(`/api/posts/${post.id}/flags`, { reason: 'also odd' })).status).toBe(201);
    const memberFlag = (await queue(slug)).find((i) => i.postId === post.id && i.reporter !== null);
    expect((await s.moderator.post(`/api/flags/${memberFlag.id}/dismiss`)).status).toBe(200);
    expect((await log(slug)).find((e) => e.id === flagged.id)).toMatchObject({ undone: false });
    expect((await undo(slug, flagged.id)).status).toBe(200);
    expect((await queue(slug)).find((i) => i.postId === post.id)).toMatchObject({ kind: 'flag', status: 'dismissed' });
    expect(await guestPost(post.id)).toMatchObject({ hidden: false, body: 'about pills' });
    const [undoEntry] = await log(slug);
    expect(undoEntry).toMatchObject({ action: 'dismiss_flag', detail: 'flag', moderator: { handle: s.moderator.handle } });
    expect((await log(slug)).find((e) => e.id === flagged.id)).toMatchObject({ undone: true });
    expectError(await undo(slug, flagged.id), 409, 'already_undone');
  });

  it('a held first topic and a hide at the flag threshold are undone the same way', async () => {
    const { slug } = await community({ holdFirstPosts: true, flagThreshold: 1 });
    const newcomer = await signUp(t);
    const { topic } = await createTopic(newcomer, slug);
    const [heldTopic] = await log(slug);
    expect(heldTopic).toMatchObject({ action: 'hold_topic', automatic: true, reasonCode: 'held_first_topic', ruleId: null });
    expect((await undo(slug, heldTopic.id)).status).toBe(200);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).status).toBe(200);

    // Flagged by an established member: hidden at the threshold of one.
    const post = await reply(newcomer, topic.id, { body: 'a reply some dislike' });
    const flagger = await signUp(t);
    await t.app.parley.ctx.db.execute(sql`UPDATE users SET created_at = now() - interval '30 days' WHERE id = ${flagger.userId}`);
    expect((await flagger.post(`/api/posts/${post.id}/flags`, { reason: 'rude' })).status).toBe(201);
    const [hidden] = await log(slug);
    expect(hidden).toMatchObject({ action: 'hide_post', automatic: true, reasonCode: 'flagged' });
    expect((await guestPost(post.id)).hidden).toBe(true);
    expect((await undo(slug, hidden.id)).status).toBe(200);
    expect((await guestPost(post.id)).hidden).toBe(false);
    expectError(await undo(slug, hidden.id), 409, 'already_undone');
  });

  it('approving in the queue the existing way counts as the undo; a moderator’s rejection is not overruled', async () => {
    const { slug, topicId } = await community();
    await addRule(slug, 'casino', 'hold');
    const approved = await reply(s.member, topicId, { body: 'casino one' });
    const [first] = await log(slug);
    expect((await s.moderator.delete(`/api/posts/${approved.id}/hide`)).status).toBe(200);
    expect((await log(slug)).find((e) => e.id === first.id)).toMatchObject({ undone: true });
    expectError(await undo(slug, first.id), 409, 'already_undone');

    const rejected = await reply(s.member, topicId, { body: 'casino two' });
    const [second] = await log(slug);
    expect((await s.moderator.post(`/api/posts/${rejected.id}/hide`, { reasonCode: 'spam' })).status).toBe(200);
    expectError(await undo(slug, second.id), 409, 'undo_superseded');
    expect((await guestPost(rejected.id)).hidden).toBe(true);
  });

  it('only moderators undo, only automatic holds, hides and flags, only in their community', async () => {
    const { slug, topicId } = await community();
    await addRule(slug, 'casino', 'hold');
    await reply(s.member, topicId, { body: 'casino' });
    const [held] = await log(slug);
    expectError(await t.guest().post(`/api/communities/${slug}/moderation-log/${held.id}/undo`), 401, 'not_signed_in');
    expectError(await undo(slug, held.id, s.member), 403, 'not_moderator');
    expectError(await undo(slug, held.id, s.staff), 403, 'not_moderator');
    const other = await community();
    expectError(await undo(other.slug, held.id), 404, 'log_entry_not_found');
    expectError(await undo(slug, 2_000_000), 404, 'log_entry_not_found');
    // A moderator's own action is changed by acting again, not undone here.
    const [roleChange] = (await log(slug)).filter((e) => e.action === 'change_role');
    expectError(await undo(slug, roleChange.id), 400, 'not_undoable');
    expect((await undo(slug, held.id, s.admin)).status).toBe(200);
  });
});
