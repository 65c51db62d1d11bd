/**
 * Who is told of what. Each test works in a community of its own (so category watchers and
 * levels stay apart) and checks both sides: the people who must hear of something, and the
 * people who must not (the actor, the muted, the banned, those who may not see it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { createReply } from '../server/posts/posts.service.js';
import { userViewer } from '../server/visibility/viewer.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { createCommunity, createTopic, reply, scene, setRole, signUp } from './helpers/factories.js';
import { aboutTopic, notificationsOf, setCategoryLevel, setTopicLevel, unreadCountOf } from './helpers/notifications.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

type Member = Awaited<ReturnType<typeof signUp>>;
const people = async (n: number): Promise<Member[]> => Promise.all(Array.from({ length: n }, () => signUp(t)));

/** A community of its own, moderated by the scene's moderator, with optional moderation settings. */
async function community(moderation?: { flagThreshold?: number; holdFirstPosts?: boolean }) {
  const { slug } = await createCommunity(s.admin);
  await setRole(s.admin, slug, s.moderator.handle, 'moderator');
  if (moderation) expect((await s.admin.patch(`/api/communities/${slug}`, { moderation })).status).toBe(200);
  return slug;
}

const kinds = (items: any[]) => items.map((n) => n.kind);
const nothingAbout = async (client: TestClient, topicId: number) => expect(await aboutTopic(client, topicId)).toEqual([]);

describe('replies', () => {
  it('tell the author of the post replied to and the topic author (who watches by default), never the one who replied', async () => {
    const slug = await community();
    const [asker, helper, third] = await people(3);
    const { topic, post: opening } = await createTopic(asker!, slug, { title: 'How do I reset it?' });
    const first = await reply(helper!, topic.id, { body: 'Hold the **button** for five seconds.', replyToId: opening.id });

    const [toAsker] = await aboutTopic(asker!, topic.id);
    expect(toAsker).toEqual({
      id: expect.any(Number),
      kind: 'reply',
      read: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      count: 1,
      // Replied to, and watching the topic they started: the more personal reason.
      reason: 'own_post',
      community: { slug, name: `Community ${slug}` },
      category: 'general',
      topic: { id: topic.id, title: 'How do I reset it?', kind: 'discussion' },
      post: { id: first.id, number: 2, excerpt: 'Hold the button for five seconds.' },
      actor: { id: helper!.userId, handle: helper!.handle, displayName: helper!.handle, avatarUrl: null, createdAt: expect.any(String) },
      data: {},
    });
    await nothingAbout(helper!, topic.id);

    // A direct reply to the helper's post tells the helper (level normal) as well.
    await reply(third!, topic.id, { replyToId: first.id });
    expect(kinds(await aboutTopic(helper!, topic.id))).toEqual(['reply']);
    await nothingAbout(third!, topic.id);
    // A reply to nobody in particular does not tell the helper again.
    await reply(third!, topic.id);
    expect((await aboutTopic(helper!, topic.id))[0].count).toBe(1);
  });

  it('coalesce while unread: one notification per topic whose count rises; once read, the next reply starts a new one', async () => {
    const slug = await community();
    const [asker, a, b] = await people(3);
    const { topic } = await createTopic(asker!, slug);
    await reply(a!, topic.id);
    const second = await reply(b!, topic.id);
    await reply(a!, topic.id);
    let mine = await aboutTopic(asker!, topic.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'reply', count: 3, read: false, actor: { id: a!.userId } });
    // The link stays on the first unread reply.
    expect(mine[0].post.number).toBe(2);
    expect(Date.parse(mine[0].updatedAt)).toBeGreaterThanOrEqual(Date.parse(mine[0].createdAt));
    expect(second.number).toBe(3);

    expect((await asker!.post(`/api/notifications/${mine[0].id}/read`)).status).toBe(200);
    await reply(b!, topic.id);
    mine = await aboutTopic(asker!, topic.id);
    expect(mine.map((n) => [n.count, n.read])).toEqual([
      [1, false],
      [3, true],
    ]);
  });

  it('tell everyone watching the topic or its category; a topic setting wins over the category one', async () => {
    const slug = await community();
    const [asker, topicWatcher, categoryWatcher, categoryWatcherButNormalHere, bystander, replier] = await people(6);
    const { topic } = await createTopic(asker!, slug);
    await setTopicLevel(topicWatcher!, topic.id, 'watching');
    await setCategoryLevel(categoryWatcher!, slug, 'general', 'watching');
    await setCategoryLevel(categoryWatcherButNormalHere!, slug, 'general', 'watching');
    await setTopicLevel(categoryWatcherButNormalHere!, topic.id, 'normal');
    await reply(replier!, topic.id);
    for (const who of [asker, topicWatcher, categoryWatcher]) expect(kinds(await aboutTopic(who!, topic.id))).toEqual(['reply']);
    for (const who of [categoryWatcherButNormalHere, bystander, replier]) await nothingAbout(who!, topic.id);
  });

  it('tell nobody who muted the topic or its category (muted beats being its author or being replied to)', async () => {
    const slug = await community();
    const [asker, mutedCategory, replier] = await people(3);
    const { topic, post: opening } = await createTopic(asker!, slug);
    await setTopicLevel(asker!, topic.id, 'muted');
    await setCategoryLevel(mutedCategory!, slug, 'general', 'muted');
    const theirs = await reply(mutedCategory!, topic.id);
    await reply(replier!, topic.id, { replyToId: opening.id });
    await reply(replier!, topic.id, { replyToId: theirs.id });
    await nothingAbout(asker!, topic.id);
    await nothingAbout(mutedCategory!, topic.id);
    // Unmuting (back to watching) lets the next reply through.
    await setTopicLevel(asker!, topic.id, 'watching');
    await reply(replier!, topic.id);
    expect(kinds(await aboutTopic(asker!, topic.id))).toEqual(['reply']);
  });

  it("tell a banned member nothing, but a moderator's action on their post still reaches them", async () => {
    const slug = await community();
    const [asker, replier] = await people(2);
    const { topic } = await createTopic(asker!, slug);
    const own = await reply(asker!, topic.id);
    expect((await s.admin.post(`/api/communities/${slug}/bans`, { handle: asker!.handle, reason: 'cooling off' })).status).toBe(201);
    await reply(replier!, topic.id, { body: `@${asker!.handle} look`, replyToId: own.id });
    await nothingAbout(asker!, topic.id);
    expect((await s.moderator.post(`/api/posts/${own.id}/hide`, { reason: 'Off topic' })).status).toBe(200);
    expect(await aboutTopic(asker!, topic.id)).toEqual([expect.objectContaining({ kind: 'moderation', data: { action: 'hide_post', reason: 'Off topic' } })]);
  });

  it('in a hidden topic tell only those who may see it: its author and moderators, not a mentioned member', async () => {
    const slug = await community();
    const [asker, mentioned] = await people(2);
    const { topic } = await createTopic(asker!, slug);
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    await reply(s.moderator, topic.id, { body: `@${mentioned!.handle} and @${s.admin.handle}, have a look` });
    await nothingAbout(mentioned!, topic.id);
    expect(kinds(await aboutTopic(asker!, topic.id))).toEqual(['reply', 'moderation']);
    expect(kinds(await aboutTopic(s.admin, topic.id))).toEqual(['mention']);
  });
});

describe('a reply and its notifications', () => {
  /**
   * The app's database, watching every statement it prepares (raw, built or named, outside a
   * transaction), refusing those `refuse` picks when they run, and counting the transactions begun.
   */
  function watchedDb(refuse: (text: string) => boolean = () => false) {
    const { ctx } = t.app.parley;
    const texts: string[] = [];
    let transactions = 0;
    const real = (ctx.db as any).session;
    const session = new Proxy(real, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'prepareQuery') return value;
        return (query: { sql: string }, ...rest: unknown[]) => {
          texts.push(query.sql);
          const prepared = value.call(receiver, query, ...rest);
          if (!refuse(query.sql)) return prepared;
          return Object.assign(Object.create(prepared), { execute: () => Promise.reject(new Error('database said no')) });
        };
      },
    });
    const db = new Proxy(ctx.db, {
      get: (target, prop, receiver) => {
        if (prop === 'transaction') transactions += 1;
        if (prop === 'session') return session;
        return Reflect.get(target, prop, receiver);
      },
    });
    return { db, texts, transactions: () => transactions };
  }

  async function viewerOf(userId: number) {
    const [row] = await rows<any>(
      t.app.parley.ctx.db,
      sql`SELECT id, handle, display_name, avatar_url, created_at, is_site_admin FROM users WHERE id = ${userId}`,
    );
    return userViewer({
      id: row.id,
      handle: row.handle,
      displayName: row.display_name,
      avatarUrl: row.avatar_url,
      createdAt: new Date(row.created_at),
      isSiteAdmin: row.is_site_admin,
    });
  }

  it('commit together: a reply the database refuses leaves no notification, and a refused notification leaves no reply', async () => {
    const slug = await community();
    const [asker, replier] = await people(2);
    const { topic } = await createTopic(asker!, slug);
    const { ctx } = t.app.parley;
    const watched = watchedDb((text) => text.includes('INSERT INTO notifications'));
    const attempt = createReply({ ...ctx, db: watched.db, postingLimits: { enabled: false } }, await viewerOf(replier!.userId), topic.id, {
      body: `hello @${asker!.handle}`,
    });
    await expect(attempt).rejects.toThrow('database said no');
    const [{ n }] = await rows<any>(ctx.db, sql`SELECT count(*)::int AS n FROM posts WHERE topic_id = ${topic.id} AND author_id = ${replier!.userId}`);
    expect(n).toBe(0);
    await nothingAbout(asker!, topic.id);
    // Sent again, it is stored once, with its notification.
    const stored = await reply(replier!, topic.id, { body: `hello @${asker!.handle}` });
    expect((await aboutTopic(asker!, topic.id)).map((x: any) => [x.kind, x.post?.id])).toEqual([['mention', stored.id]]);
  });

  it('commit once: one statement stores the reply, its notifications and their events, outside any transaction', async () => {
    const slug = await community();
    const [asker, replier, watcher] = await people(3);
    const { topic } = await createTopic(asker!, slug);
    await setTopicLevel(watcher!, topic.id, 'watching');
    const { ctx } = t.app.parley;
    const watched = watchedDb();
    const result = await createReply({ ...ctx, db: watched.db, postingLimits: { enabled: false } }, await viewerOf(replier!.userId), topic.id, {
      body: 'a reply two watchers hear of',
    });
    const writes = watched.texts.filter((text) => /INSERT INTO|UPDATE /.test(text));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toContain('INSERT INTO posts');
    expect(writes[0]).toContain('INSERT INTO notifications');
    expect(watched.texts.filter((text) => text.includes('parley_notify'))).toHaveLength(1);
    expect(watched.transactions()).toBe(0);
    for (const member of [asker!, watcher!]) {
      expect((await aboutTopic(member, topic.id)).find((x: any) => x.kind === 'reply')).toMatchObject({ post: { id: result.post.id } });
    }
  });
});

describe('mentions', () => {
  it('tell each mentioned user once, as a mention and not also as a reply; unknown handles and the author are skipped', async () => {
    const slug = await community();
    const [asker, helper, friend] = await people(3);
    const { topic, post: opening } = await createTopic(asker!, slug);
    const post = await reply(helper!, topic.id, {
      body: `@${asker!.handle} @${friend!.handle.toUpperCase()} @${helper!.handle} @nobody-by-that-name and again @${friend!.handle}`,
      replyToId: opening.id,
    });
    for (const who of [asker, friend]) {
      expect(await aboutTopic(who!, topic.id)).toEqual([
        expect.objectContaining({
          kind: 'mention',
          count: 1,
          post: expect.objectContaining({ id: post.id }),
          actor: expect.objectContaining({ id: helper!.userId }),
        }),
      ]);
    }
    await nothingAbout(helper!, topic.id);
  });

  it('tell at most 10 distinct people per post', async () => {
    const slug = await community();
    const crowd = await people(12);
    const { topic } = await createTopic(s.member, slug);
    await reply(s.other, topic.id, { body: crowd.map((c) => `@${c.handle}`).join(' ') });
    const told = await Promise.all(crowd.map(async (c) => (await aboutTopic(c, topic.id)).length));
    expect(told).toEqual([...Array(10).fill(1), 0, 0]);
  });

  it('added by an edit tell only the newly mentioned, once however often the post is edited', async () => {
    const slug = await community();
    const [asker, early, late] = await people(3);
    const { topic } = await createTopic(asker!, slug);
    const post = await reply(s.other, topic.id, { body: `hello @${early!.handle}` });
    expect(kinds(await aboutTopic(early!, topic.id))).toEqual(['mention']);
    expect((await s.other.patch(`/api/posts/${post.id}`, { body: `hello @${early!.handle} and @${late!.handle}` })).status).toBe(200);
    expect((await s.other.patch(`/api/posts/${post.id}`, { body: `hello @${late!.handle}` })).status).toBe(200);
    expect((await s.other.patch(`/api/posts/${post.id}`, { body: `hello @${late!.handle} @${early!.handle}!` })).status).toBe(200);
    expect(kinds(await aboutTopic(early!, topic.id))).toEqual(['mention']);
    expect(kinds(await aboutTopic(late!, topic.id))).toEqual(['mention']);
    // The asker heard of the reply once; edits are not replies.
    expect((await aboutTopic(asker!, topic.id)).map((n) => [n.kind, n.count])).toEqual([['reply', 1]]);
  });

  it('in a new topic tell the mentioned (as a mention, not as new_topic)', async () => {
    const slug = await community();
    const [author, mentioned] = await people(2);
    await setCategoryLevel(mentioned!, slug, 'general', 'watching');
    const { topic } = await createTopic(author!, slug, { body: `Thoughts, @${mentioned!.handle}?` });
    expect(kinds(await aboutTopic(mentioned!, topic.id))).toEqual(['mention']);
  });
});

describe('new topics', () => {
  it("tell the category's watchers (not those with normal or muted, not the author)", async () => {
    const slug = await community();
    const [watcher, normal, muted, author] = await people(4);
    await setCategoryLevel(watcher!, slug, 'general', 'watching');
    await setCategoryLevel(normal!, slug, 'general', 'normal');
    await setCategoryLevel(muted!, slug, 'general', 'muted');
    await setCategoryLevel(author!, slug, 'general', 'watching');
    const { topic, post } = await createTopic(author!, slug, { title: 'Fresh idea', body: 'What if **we** did this', kind: 'idea' });
    expect(await aboutTopic(watcher!, topic.id)).toEqual([
      expect.objectContaining({
        kind: 'new_topic',
        topic: { id: topic.id, title: 'Fresh idea', kind: 'idea' },
        post: { id: post.id, number: 1, excerpt: 'What if we did this' },
        actor: expect.objectContaining({ id: author!.userId }),
      }),
    ]);
    for (const who of [normal, muted, author]) await nothingAbout(who!, topic.id);
    // Watching the category also means hearing every reply in its topics.
    await reply(normal!, topic.id);
    expect(kinds(await aboutTopic(watcher!, topic.id))).toEqual(['reply', 'new_topic']);
  });
});

describe('large audiences', () => {
  it('a new topic reaches every one of 1,200 category watchers (statements go a thousand recipients at a time)', async () => {
    const slug = await community();
    const { db } = t.app.parley.ctx;
    const tag = `w${Date.now().toString(36)}`;
    await db.execute(sql`INSERT INTO users (handle, display_name) SELECT ${tag} || '_' || g, 'Watcher' FROM generate_series(1, 1200) g`);
    await db.execute(sql`
      INSERT INTO notification_levels (user_id, target_type, target_id, level)
      SELECT u.id, 'category', c.id, 'watching' FROM users u, categories c JOIN communities m ON m.id = c.community_id
      WHERE u.handle LIKE ${`${tag}\\_%`} AND m.slug = ${slug} AND c.slug = 'general'`);
    const { topic } = await createTopic(s.member, slug);
    const [told] = await rows<{ n: number; events: number }>(
      db,
      sql`
      SELECT count(*)::int AS n,
        (SELECT count(*)::int FROM events e JOIN users u ON e.channel = 'user:' || u.id WHERE u.handle LIKE ${`${tag}\\_%`}) AS events
      FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.topic_id = ${topic.id} AND n.kind = 'new_topic' AND u.handle LIKE ${`${tag}\\_%`}`,
    );
    expect(told).toEqual({ n: 1200, events: 1200 });
  });
});

describe('accepted answers', () => {
  it("tell the answer's author (not when they chose it themselves) and stamp solvedAt, cleared with the answer", async () => {
    const slug = await community();
    const [asker, helper] = await people(2);
    const { topic } = await createTopic(asker!, slug, { kind: 'question' });
    const answer = await reply(helper!, topic.id, { body: 'Try turning it off and on.' });
    const own = await reply(asker!, topic.id);
    const solvedAt = async () =>
      (await rows<{ solved_at: unknown }>(t.app.parley.ctx.db, sql`SELECT solved_at FROM topics WHERE id = ${topic.id}`))[0]!.solved_at;

    expect((await asker!.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).status).toBe(200);
    expect(await aboutTopic(helper!, topic.id)).toEqual([
      expect.objectContaining({
        kind: 'solution',
        post: { id: answer.id, number: 2, excerpt: 'Try turning it off and on.' },
        actor: expect.objectContaining({ id: asker!.userId }),
      }),
    ]);
    const first = await solvedAt();
    expect(first).not.toBeNull();
    // Choosing it again neither tells them twice nor moves the time.
    expect((await asker!.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).status).toBe(200);
    expect(await aboutTopic(helper!, topic.id)).toHaveLength(1);
    expect(String(await solvedAt())).toBe(String(first));

    expect((await asker!.post(`/api/topics/${topic.id}/solution`, { postId: own.id })).status).toBe(200);
    expect(kinds(await aboutTopic(asker!, topic.id))).toEqual(['reply']);
    expect((await asker!.delete(`/api/topics/${topic.id}/solution`)).status).toBe(200);
    expect(await solvedAt()).toBeNull();
  });
});

describe('moderation notices', () => {
  it("tell a post's author it was hidden (with the reason) and restored, naming the moderator; nobody else hears", async () => {
    const slug = await community();
    const [asker, author] = await people(2);
    const { topic } = await createTopic(asker!, slug);
    const post = await reply(author!, topic.id, { body: 'something rude' });
    expect((await s.moderator.post(`/api/posts/${post.id}/hide`, { reason: 'Abusive or disrespectful' })).status).toBe(200);
    expect((await s.moderator.delete(`/api/posts/${post.id}/hide`)).status).toBe(200);
    const notices = await aboutTopic(author!, topic.id);
    expect(notices.map((n) => n.data)).toEqual([
      { action: 'unhide_post', reason: null },
      { action: 'hide_post', reason: 'Abusive or disrespectful' },
    ]);
    for (const n of notices) {
      expect(n).toMatchObject({ kind: 'moderation', actor: { id: s.moderator.userId }, post: { id: post.id, number: 2 } });
    }
    // Only the reply notice reached the asker.
    expect(kinds(await aboutTopic(asker!, topic.id))).toEqual(['reply']);
  });

  it("tell a topic's author it was hidden and restored", async () => {
    const slug = await community();
    const [author] = await people(1);
    const { topic } = await createTopic(author!, slug);
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Duplicate of another post' })).status).toBe(200);
    // Hiding again with the same reason changes nothing and tells nothing.
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Duplicate of another post' })).status).toBe(200);
    expect((await s.moderator.delete(`/api/topics/${topic.id}/hide`)).status).toBe(200);
    expect((await aboutTopic(author!, topic.id)).map((n) => [n.kind, n.data, n.post])).toEqual([
      ['moderation', { action: 'unhide_topic', reason: null }, null],
      ['moderation', { action: 'hide_topic', reason: 'Duplicate of another post' }, null],
    ]);
  });

  it('an automatic hide after enough flags tells the author, from the system (actor null)', async () => {
    const slug = await community({ flagThreshold: 2 });
    const [author, f1, f2] = await people(3);
    const { topic } = await createTopic(s.member, slug);
    const post = await reply(author!, topic.id);
    expect((await f1!.post(`/api/posts/${post.id}/flags`, { reason: 'spam' })).status).toBe(201);
    await nothingAbout(author!, topic.id);
    expect((await f2!.post(`/api/posts/${post.id}/flags`, { reason: 'spam' })).status).toBe(201);
    expect(await aboutTopic(author!, topic.id)).toEqual([
      expect.objectContaining({
        kind: 'moderation',
        actor: null,
        data: { action: 'hide_post', reason: expect.stringContaining('members flagged it'), reasonCode: 'flagged' },
        // The author may read their own hidden post, so they keep its excerpt.
        post: expect.objectContaining({ id: post.id, excerpt: expect.stringMatching(/^Reply /) }),
      }),
    ]);
  });
});

describe('held first posts', () => {
  it('a held reply tells nobody until a moderator approves it; then the topic author and the mentioned hear of it', async () => {
    const slug = await community({ holdFirstPosts: true });
    const [newcomer, friend] = await people(2);
    const { topic } = await createTopic(s.admin, slug);
    const res = await newcomer!.post(`/api/topics/${topic.id}/posts`, { body: `hi @${friend!.handle} and @${s.moderator.handle}` });
    expect(res.status, res.text).toBe(201);
    expect(res.body.post.pendingReview).toBe(true);
    for (const who of [s.admin, friend!, s.moderator]) await nothingAbout(who, topic.id);

    expect((await s.moderator.delete(`/api/posts/${res.body.post.id}/hide`)).status).toBe(200);
    expect(kinds(await aboutTopic(s.admin, topic.id))).toEqual(['reply']);
    expect(kinds(await aboutTopic(friend!, topic.id))).toEqual(['mention']);
    expect(kinds(await aboutTopic(s.moderator, topic.id))).toEqual(['mention']);
    expect(await aboutTopic(newcomer!, topic.id)).toEqual([expect.objectContaining({ kind: 'moderation', data: { action: 'unhide_post', reason: null } })]);
    // Restoring it again after a later hide is not a second approval.
    expect((await s.moderator.post(`/api/posts/${res.body.post.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    expect((await s.moderator.delete(`/api/posts/${res.body.post.id}/hide`)).status).toBe(200);
    expect((await aboutTopic(s.admin, topic.id)).map((n) => n.count)).toEqual([1]);
  });

  it('a rejected held reply tells only its author, why', async () => {
    const slug = await community({ holdFirstPosts: true });
    const [newcomer] = await people(1);
    const { topic } = await createTopic(s.admin, slug);
    const post = (await newcomer!.post(`/api/topics/${topic.id}/posts`, { body: 'buy now' })).body.post;
    expect((await s.moderator.post(`/api/posts/${post.id}/hide`, { reason: 'Spam or advertising' })).status).toBe(200);
    await nothingAbout(s.admin, topic.id);
    expect((await aboutTopic(newcomer!, topic.id)).map((n) => n.data)).toEqual([{ action: 'hide_post', reason: 'Spam or advertising' }]);
  });

  it("a held topic tells its category's watchers only once approved", async () => {
    const slug = await community({ holdFirstPosts: true });
    const [newcomer, watcher] = await people(2);
    await setCategoryLevel(watcher!, slug, 'general', 'watching');
    const { topic } = await createTopic(newcomer!, slug);
    expect(topic.pendingReview).toBe(true);
    await nothingAbout(watcher!, topic.id);
    expect((await s.moderator.delete(`/api/topics/${topic.id}/hide`)).status).toBe(200);
    expect(kinds(await aboutTopic(watcher!, topic.id))).toEqual(['new_topic']);
    expect((await aboutTopic(newcomer!, topic.id)).map((n) => n.data)).toEqual([{ action: 'unhide_topic', reason: null }]);
  });
});

describe('the badge', () => {
  it('counts one per notification, whatever its count', async () => {
    const slug = await community();
    const [asker] = await people(1);
    const { topic } = await createTopic(asker!, slug);
    await reply(s.other, topic.id);
    await reply(s.member, topic.id);
    expect(await unreadCountOf(asker!)).toBe(1);
    expect((await notificationsOf(asker!)).unreadCount).toBe(1);
  });
});
