/**
 * Every notification says why its reader was told: a mention, their post, their topic, a topic or
 * a category they watch, an idea they voted for, a moderator's action. A coalesced reply keeps the
 * strongest of its replies' reasons; notifications stored before reasons still read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, scene, setRole, signUp, type SignedIn } from './helpers/factories.js';
import { aboutTopic, notificationsOf, setCategoryLevel, setTopicLevel } from './helpers/notifications.js';
import { runQuestionReminders } from '../server/notifications/reminders.js';
import { strongerReason } from '../server/notifications/notifications.reasons.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

async function community() {
  const { slug } = await createCommunity(s.admin);
  await setRole(s.admin, slug, s.moderator.handle, 'moderator');
  await setRole(s.admin, slug, s.staff.handle, 'staff');
  return slug;
}

/** The reader's one unread notification of `kind` about the topic. */
async function told(reader: SignedIn, topicId: number, kind: string) {
  const found = (await aboutTopic(reader, topicId)).filter((n) => n.kind === kind && !n.read);
  expect(found, `${reader.handle}: ${kind} about ${topicId}`).toHaveLength(1);
  return found[0];
}

describe('why a reply tells each reader', () => {
  it('says own_topic, own_post, watching_topic, watching_category and mention, one per reader', async () => {
    const slug = await community();
    const [asker, helper, topicWatcher, categoryWatcher, mentioned, replier] = [
      await signUp(t),
      await signUp(t),
      await signUp(t),
      await signUp(t),
      await signUp(t),
      await signUp(t),
    ];
    await setCategoryLevel(categoryWatcher, slug, 'general', 'watching');
    const { topic } = await createTopic(asker, slug);
    const helped = await reply(helper, topic.id);
    await setTopicLevel(topicWatcher, topic.id, 'watching');
    // Read what came before, so the reply below starts a fresh notification for each.
    for (const reader of [asker, categoryWatcher]) expect((await reader.post('/api/notifications/read', {})).status).toBe(200);

    await reply(replier, topic.id, { replyToId: helped.id, body: `Following up, @${mentioned.handle}` });

    expect((await told(asker, topic.id, 'reply')).reason).toBe('own_topic');
    expect((await told(helper, topic.id, 'reply')).reason).toBe('own_post');
    expect((await told(topicWatcher, topic.id, 'reply')).reason).toBe('watching_topic');
    expect((await told(categoryWatcher, topic.id, 'reply')).reason).toBe('watching_category');
    const mention = await told(mentioned, topic.id, 'mention');
    expect(mention.reason).toBe('mention');
    // The API names the topic's category, for the link to its setting.
    expect(mention.category).toBe('general');
  });

  it('a category watcher hears of a new topic because of the category', async () => {
    const slug = await community();
    const watcher = await signUp(t);
    await setCategoryLevel(watcher, slug, 'general', 'watching');
    const { topic } = await createTopic(s.member, slug);
    expect(await told(watcher, topic.id, 'new_topic')).toMatchObject({ reason: 'watching_category', category: 'general' });
  });

  it('the topic’s own setting wins over the category’s, as for whether to tell at all', async () => {
    const slug = await community();
    const reader = await signUp(t);
    await setCategoryLevel(reader, slug, 'general', 'watching');
    const { topic } = await createTopic(s.member, slug);
    await setTopicLevel(reader, topic.id, 'watching');
    await reply(s.other, topic.id);
    expect((await told(reader, topic.id, 'reply')).reason).toBe('watching_topic');
  });
});

describe('a coalesced reply notification', () => {
  it('keeps the strongest reason of its replies, whichever came first', async () => {
    const slug = await community();
    const reader = await signUp(t);
    await setCategoryLevel(reader, slug, 'general', 'watching');
    const { topic } = await createTopic(s.member, slug);
    const mine = await reply(reader, topic.id);

    await reply(s.other, topic.id);
    expect(await told(reader, topic.id, 'reply')).toMatchObject({ count: 1, reason: 'watching_category' });
    await reply(s.other, topic.id, { replyToId: mine.id });
    expect(await told(reader, topic.id, 'reply')).toMatchObject({ count: 2, reason: 'own_post' });
    // A weaker reason after it does not take its place.
    await reply(s.staff, topic.id);
    expect(await told(reader, topic.id, 'reply')).toMatchObject({ count: 3, reason: 'own_post' });
  });

  it('orders the reasons from the most personal', () => {
    expect(strongerReason('watching_category', 'own_post')).toBe('own_post');
    expect(strongerReason('own_post', 'own_topic')).toBe('own_post');
    expect(strongerReason('watching_topic', 'own_topic')).toBe('own_topic');
    expect(strongerReason('watching_category', 'watching_topic')).toBe('watching_topic');
    expect(strongerReason(null, 'watching_category')).toBe('watching_category');
    expect(strongerReason('own_topic', null)).toBe('own_topic');
  });
});

describe('the other kinds', () => {
  it('an accepted answer is about your post, a moderator’s action says so, an idea tells its author and voters apart', async () => {
    const slug = await community();
    const asker = await signUp(t);
    const helper = await signUp(t);
    const { topic } = await createTopic(asker, slug, { kind: 'question' });
    const answer = await reply(helper, topic.id);
    await asker.api.setSolution(topic.id, answer.id);
    expect((await told(helper, topic.id, 'solution')).reason).toBe('own_post');

    expect((await s.moderator.post(`/api/posts/${answer.id}/hide`, { reason: 'Off topic' })).status).toBe(200);
    expect((await told(helper, topic.id, 'moderation')).reason).toBe('moderation');

    const author = await signUp(t);
    const voter = await signUp(t);
    const { topic: idea } = await createTopic(author, slug, { kind: 'idea' });
    await voter.api.vote(idea.id);
    expect((await s.staff.put(`/api/topics/${idea.id}/idea-status`, { status: 'planned' })).status).toBe(200);
    expect((await told(author, idea.id, 'idea_status')).reason).toBe('own_topic');
    expect((await told(voter, idea.id, 'idea_status')).reason).toBe('voted');
  });

  it('a reminder is about your own question', async () => {
    const slug = await community();
    const asker = await signUp(t);
    const { topic } = await createTopic(asker, slug, { kind: 'question' });
    await reply(s.other, topic.id);
    await runQuestionReminders(t.app.parley.ctx, { afterDays: 3, now: new Date(Date.now() + 4 * 86_400_000) });
    expect((await told(asker, topic.id, 'reminder')).reason).toBe('own_topic');
  });
});

describe('the API field', () => {
  it('is stored per notification; older rows without one say what their kind implies, or null', async () => {
    const slug = await community();
    const asker = await signUp(t);
    const mentioned = await signUp(t);
    const { topic } = await createTopic(asker, slug);
    await reply(s.other, topic.id, { body: `Hello @${mentioned.handle}` });
    const stored = await rows<{ reason: string }>(t.app.parley.ctx.db, sql`SELECT reason FROM notifications WHERE topic_id = ${topic.id}`);
    expect(stored.map((r) => r.reason).sort()).toEqual(['mention', 'own_topic']);

    await t.app.parley.ctx.db.execute(sql`UPDATE notifications SET reason = NULL WHERE topic_id = ${topic.id}`);
    expect((await told(asker, topic.id, 'reply')).reason).toBeNull();
    expect((await told(mentioned, topic.id, 'mention')).reason).toBe('mention');
    // Every item of a page carries the field.
    for (const n of (await notificationsOf(asker)).items) expect(n).toHaveProperty('reason');
  });
});
