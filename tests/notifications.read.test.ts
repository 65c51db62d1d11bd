/**
 * Reading notifications: lists, the unread count, marking read, notification levels, bad
 * input, and that what a reader may no longer see (a post or topic hidden after the fact)
 * leaves their list and count and carries no text anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, reply, scene, setRole, signUp } from './helpers/factories.js';
import { aboutTopic, notificationsOf, unreadCountOf } from './helpers/notifications.js';
import { plainExcerpt } from '../server/notifications/notifications.present.js';

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
  return slug;
}

/** A fresh reader told of `n` replies in `n` topics of their own (one notification each, oldest first). */
async function readerWith(n: number) {
  const slug = await community();
  const reader = await signUp(t);
  const topics: number[] = [];
  for (let i = 0; i < n; i++) {
    const { topic } = await createTopic(reader, slug);
    await reply(s.other, topic.id);
    topics.push(topic.id);
  }
  return { reader, slug, topics };
}

const secret = () => `zq${randomBytes(6).toString('hex')}secret`;

describe('GET /api/notifications', () => {
  it('lists newest first by id, pages with a cursor, filters unread, and answers the unread count with every page', async () => {
    const { reader, topics } = await readerWith(5);
    const all = await notificationsOf(reader);
    expect(all.items.map((n) => n.topic.id)).toEqual([...topics].reverse());
    expect(all).toMatchObject({ nextCursor: null, unreadCount: 5 });

    const first = await notificationsOf(reader, '?limit=2');
    expect(first.items.map((n) => n.topic.id)).toEqual([topics[4], topics[3]]);
    expect(first.nextCursor).toBe(String(first.items[1].id));
    const second = await notificationsOf(reader, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((n) => n.topic.id)).toEqual([topics[2], topics[1]]);
    const third = await notificationsOf(reader, `?limit=2&cursor=${second.nextCursor}`);
    expect(third.items.map((n) => n.topic.id)).toEqual([topics[0]]);
    expect(third.nextCursor).toBeNull();

    expect((await reader.post(`/api/notifications/${all.items[1].id}/read`)).status).toBe(200);
    const unread = await notificationsOf(reader, '?unread=true');
    expect(unread.items.map((n) => n.id)).toEqual(all.items.filter((_, i) => i !== 1).map((n) => n.id));
    expect(unread.unreadCount).toBe(4);
  });

  it('is for signed-in readers only, and refuses bad cursors and limits with 400', async () => {
    expectError(await t.guest().get('/api/notifications'), 401, 'not_signed_in');
    expectError(await t.guest().get('/api/notifications/unread-count'), 401, 'not_signed_in');
    expectError(await t.guest().post('/api/notifications/read', {}), 401, 'not_signed_in');
    expectError(await t.guest().post('/api/notifications/1/read'), 401, 'not_signed_in');
    for (const query of ['?cursor=abc', '?cursor=0', '?cursor=99999999999', '?cursor=-1', '?limit=0', '?limit=51', '?limit=x', '?unread=maybe']) {
      expectError(await s.member.get(`/api/notifications${query}`), 400, query.startsWith('?cursor') ? 'invalid_cursor' : 'invalid_input');
    }
  });
});

describe('the unread count', () => {
  it('equals what the unread list shows; marking one read lowers it, and answers the notification as read', async () => {
    const { reader } = await readerWith(3);
    expect(await unreadCountOf(reader)).toBe(3);
    const [newest] = (await notificationsOf(reader)).items;
    const res = await reader.post(`/api/notifications/${newest.id}/read`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ notification: { ...newest, read: true }, unreadCount: 2 });
    // Again: same answer, nothing changes.
    expect((await reader.post(`/api/notifications/${newest.id}/read`)).body).toEqual(res.body);
    expect(await unreadCountOf(reader)).toBe(2);
    expect((await notificationsOf(reader, '?unread=true')).items).toHaveLength(2);
  });

  it('marking all read clears it; with upTo, newer ones stay unread', async () => {
    const { reader } = await readerWith(3);
    const items = (await notificationsOf(reader)).items;
    const upTo = await reader.post('/api/notifications/read', { upTo: items[1].id });
    expect(upTo.status, upTo.text).toBe(200);
    expect(upTo.body).toEqual({ unreadCount: 1 });
    expect((await notificationsOf(reader, '?unread=true')).items.map((n) => n.id)).toEqual([items[0].id]);
    expect((await reader.post('/api/notifications/read', {})).body).toEqual({ unreadCount: 0 });
    expect((await notificationsOf(reader)).items.every((n) => n.read)).toBe(true);
    // No body at all (no content type either) means "all".
    const bare = await t.app.inject({ method: 'POST', url: '/api/notifications/read', headers: { cookie: reader.cookie!, origin: ORIGIN } });
    expect(bare.statusCode, bare.body).toBe(200);
    expect(bare.json()).toEqual({ unreadCount: 0 });
  });

  it('stops at 100 (clients show 99+)', async () => {
    const reader = await signUp(t);
    const slug = await community();
    const { topic } = await createTopic(s.member, slug);
    // 120 mentions of the reader in one post each, stored directly: the cap is what is tested here.
    await t.app.parley.ctx.db.execute(sql`
      WITH c AS (SELECT id FROM communities WHERE slug = ${slug}), p AS (SELECT id FROM posts WHERE topic_id = ${topic.id} AND number = 1)
      INSERT INTO notifications (user_id, kind, community_id, topic_id, post_id, actor_id)
      SELECT ${reader.userId}, 'new_topic', c.id, ${topic.id}, p.id, ${s.member.userId} FROM c, p, generate_series(1, 120)`);
    expect(await unreadCountOf(reader)).toBe(100);
    const page = await notificationsOf(reader, '?limit=50');
    expect(page.items).toHaveLength(50);
    expect(page.unreadCount).toBe(100);
    expect((await reader.post('/api/notifications/read', {})).body).toEqual({ unreadCount: 0 });
  });
});

describe('the excerpt', () => {
  it('is plain text of the rendered post, entities decoded, whitespace folded, at most 140 characters with an ellipsis', () => {
    expect(plainExcerpt('<p>Fish &amp; chips &lt;3 &#x1F41F; <strong>now</strong></p>\n<pre><code>x  =  1\n</code></pre>')).toBe(
      'Fish & chips <3 🐟 now x = 1',
    );
    expect(plainExcerpt('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>')).toBe('<script>alert(1)</script>');
    const long = plainExcerpt(`<p>${'🐟'.repeat(200)}</p>`);
    expect(Array.from(long)).toHaveLength(140);
    expect(long.endsWith('…')).toBe(true);
    expect(plainExcerpt('<p>cut mid-tag <a href="https://exa')).toBe('cut mid-tag');
    expect(plainExcerpt('&bogus; &#0; &#99999999;')).toBe('&bogus; &#0; &#99999999;');
    // Inline markup adds no space of its own; block boundaries do.
    expect(plainExcerpt('<p>And <a href="/u/ann" class="mention">@ann</a>, <em>check</em>it.</p><p>Next</p><ul><li>a</li><li>b</li></ul>')).toBe(
      'And @ann, checkit. Next a b',
    );
  });

  it('is the same whether read from the start of a long post or from all of it, wherever that start is cut', () => {
    // The excerpt reads the first 560 characters of markup first, and all of it only when they
    // give too little text. Reading all of it, as this reference does, must give the same excerpt
    // for every place the cut can fall: inside a tag, an entity, a long link.
    const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&#x1F41F;': '🐟' };
    const reference = (html: string) => {
      const text = html
        .replace(/<\/?(?:p|code)\b[^>]*>/g, ' ')
        .replace(/<[^>]*>/g, '')
        .replace(/&amp;|&lt;|&#x1F41F;/g, (e) => entities[e]!)
        .replace(/\s+/g, ' ')
        .trim();
      const chars = Array.from(text);
      return chars.length <= 140 ? text : `${chars.slice(0, 139).join('').trimEnd()}…`;
    };
    let nearTheCut = 0;
    for (let pad = 0; pad < 120; pad++) {
      for (const piece of ['&amp;&lt;&#x1F41F; ', '<a href="https://example.org/a/long/path/to/somewhere">link</a> ', '<code>x&lt;y</code> ']) {
        const html = `<p>${'w'.repeat(pad)} ${piece.repeat(40)}</p>`;
        const headText = Array.from(reference(html.slice(0, 560)).replace(/…$/, '')).length;
        if (headText >= 139 && headText < 160) nearTheCut++;
        expect(plainExcerpt(html), `pad ${pad}, ${piece}`).toBe(reference(html));
      }
    }
    // The cases above do put the cut where the excerpt ends.
    expect(nearTheCut).toBeGreaterThan(10);
  });

  it('comes from the post as the reader may read it, never as HTML', async () => {
    const slug = await community();
    const asker = await signUp(t);
    const { topic } = await createTopic(asker, slug);
    await reply(s.other, topic.id, { body: `# Title\n\n<b>not html</b> and [a link](https://example.org) ${'word '.repeat(60)}` });
    const [n] = await aboutTopic(asker, topic.id);
    expect(n.post.excerpt).toMatch(/^Title <b>not html<\/b> and a link word word/);
    expect(Array.from(n.post.excerpt as string).length).toBeLessThanOrEqual(140);
  });
});

describe("someone else's notification", () => {
  it('is a 404 notification_not_found, and marking all read leaves it alone', async () => {
    const { reader } = await readerWith(1);
    const [mine] = (await notificationsOf(reader)).items;
    expectError(await s.other.post(`/api/notifications/${mine.id}/read`), 404, 'notification_not_found');
    expect((await s.other.post('/api/notifications/read', {})).status).toBe(200);
    expect(await unreadCountOf(reader)).toBe(1);
    expectError(await reader.post('/api/notifications/2147483647/read'), 404, 'notification_not_found');
    expectError(await reader.post('/api/notifications/2147483648/read'), 400, 'invalid_input');
    expectError(await reader.post('/api/notifications/abc/read'), 400, 'invalid_input');
    expectError(await reader.post('/api/notifications/read', { upTo: 'all' }), 400, 'invalid_input');
    expectError(await reader.post('/api/notifications/read', { upTo: 2147483648 }), 400, 'invalid_input');
  });
});

describe('a post hidden after the fact', () => {
  it('takes its notifications out of the list and the count of readers who may not read it; no text anywhere; restored, they come back', async () => {
    const slug = await community();
    const [asker, watcher] = [await signUp(t), await signUp(t)];
    const word = secret();
    const { topic } = await createTopic(asker, slug);
    await t.app.parley.ctx.db.execute(
      sql`INSERT INTO notification_levels (user_id, target_type, target_id, level) VALUES (${watcher.userId}, 'topic', ${topic.id}, 'watching')`,
    );
    const bad = await reply(s.other, topic.id, { body: `@${watcher.handle} buy ${word} now` });
    expect((await aboutTopic(asker, topic.id))[0].post.excerpt).toContain(word);
    expect((await aboutTopic(watcher, topic.id))[0].kind).toBe('mention');
    expect(await unreadCountOf(asker)).toBe(1);

    expect((await s.moderator.post(`/api/posts/${bad.id}/hide`, { reason: 'Spam or advertising' })).status).toBe(200);
    for (const reader of [asker, watcher]) {
      const res = await reader.get('/api/notifications');
      expect(res.body.items.filter((n: any) => n.topic?.id === topic.id)).toEqual([]);
      expect(res.body.unreadCount).toBe(0);
      expect(res.text).not.toContain(word);
      expect((await reader.get('/api/notifications?unread=true')).text).not.toContain(word);
      expect(await unreadCountOf(reader)).toBe(0);
    }
    // Its author still has theirs: the moderation notice, with their own text (they may read it).
    const notice = (await aboutTopic(s.other, topic.id)).find((n) => n.kind === 'moderation');
    expect(notice.post.excerpt).toContain(word);

    expect((await s.moderator.delete(`/api/posts/${bad.id}/hide`)).status).toBe(200);
    expect((await aboutTopic(asker, topic.id)).map((n) => n.kind)).toEqual(['reply']);
    expect(await unreadCountOf(asker)).toBe(1);
  });

  it('a deleted post takes its notifications away too', async () => {
    const slug = await community();
    const asker = await signUp(t);
    const word = secret();
    const { topic } = await createTopic(asker, slug);
    const post = await reply(s.other, topic.id, { body: `oops ${word}` });
    expect(await unreadCountOf(asker)).toBe(1);
    expect((await s.other.delete(`/api/posts/${post.id}`)).status).toBe(204);
    const res = await asker.get('/api/notifications');
    expect(res.body).toMatchObject({ items: [], unreadCount: 0 });
    expect(res.text).not.toContain(word);
  });

  it("a topic hidden after the fact leaves its readers' lists (not its author's); its id is a 404 for them", async () => {
    const slug = await community();
    const [author, watcher] = [await signUp(t), await signUp(t)];
    const title = `Secret ${secret()}`;
    const { topic } = await createTopic(author, slug, { title });
    expect((await watcher.put(`/api/topics/${topic.id}/notification-level`, { level: 'watching' })).status).toBe(200);
    await reply(s.other, topic.id);
    const [theirs] = await aboutTopic(watcher, topic.id);
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    const res = await watcher.get('/api/notifications');
    expect(res.text).not.toContain(title);
    expect(res.body.unreadCount).toBe(0);
    expectError(await watcher.post(`/api/notifications/${theirs.id}/read`), 404, 'notification_not_found');
    expect((await aboutTopic(author, topic.id)).map((n) => n.kind)).toEqual(['moderation', 'reply']);
  });
});

describe('notification levels', () => {
  it('set per topic and per category; the community lists only the categories the reader chose', async () => {
    const slug = await community();
    expect((await s.admin.post(`/api/communities/${slug}/categories`, { slug: 'ideas', name: 'Ideas' })).status).toBe(201);
    const reader = await signUp(t);
    const { topic } = await createTopic(s.member, slug);
    expect((await reader.get(`/api/communities/${slug}/notification-levels`)).body).toEqual({ categories: {} });
    for (const level of ['muted', 'watching', 'normal']) {
      const res = await reader.put(`/api/topics/${topic.id}/notification-level`, { level });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ level });
    }
    expect((await reader.put(`/api/communities/${slug}/categories/ideas/notification-level`, { level: 'watching' })).body).toEqual({ level: 'watching' });
    expect((await reader.put(`/api/communities/${slug}/categories/general/notification-level`, { level: 'muted' })).body).toEqual({ level: 'muted' });
    expect((await reader.put(`/api/communities/${slug}/categories/general/notification-level`, { level: 'normal' })).body).toEqual({ level: 'normal' });
    expect((await reader.get(`/api/communities/${slug}/notification-levels`)).body).toEqual({ categories: { ideas: 'watching', general: 'normal' } });
    // Someone else's choices are theirs.
    expect((await s.other.get(`/api/communities/${slug}/notification-levels`)).body).toEqual({ categories: {} });
  });

  it('refuse guests, bad levels, unknown topics, categories and communities, and hidden topics', async () => {
    const slug = await community();
    const { topic } = await createTopic(s.member, slug);
    expectError(await t.guest().put(`/api/topics/${topic.id}/notification-level`, { level: 'muted' }), 401, 'not_signed_in');
    expectError(await t.guest().put(`/api/communities/${slug}/categories/general/notification-level`, { level: 'muted' }), 401, 'not_signed_in');
    expectError(await t.guest().get(`/api/communities/${slug}/notification-levels`), 401, 'not_signed_in');
    expectError(await s.other.put(`/api/topics/${topic.id}/notification-level`, { level: 'loud' }), 400, 'invalid_input');
    expectError(await s.other.put(`/api/topics/${topic.id}/notification-level`, {}), 400, 'invalid_input');
    expectError(await s.other.put('/api/topics/2147483647/notification-level', { level: 'muted' }), 404, 'topic_not_found');
    expectError(await s.other.put('/api/topics/2147483648/notification-level', { level: 'muted' }), 400, 'invalid_input');
    expectError(await s.other.put(`/api/communities/${slug}/categories/nope/notification-level`, { level: 'muted' }), 404, 'category_not_found');
    expectError(await s.other.put('/api/communities/no-such-place/categories/general/notification-level', { level: 'muted' }), 404, 'community_not_found');
    expectError(await s.other.get('/api/communities/no-such-place/notification-levels'), 404, 'community_not_found');
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    expectError(await s.other.put(`/api/topics/${topic.id}/notification-level`, { level: 'watching' }), 404, 'topic_not_found');
    expect((await s.member.put(`/api/topics/${topic.id}/notification-level`, { level: 'watching' })).status).toBe(200);
  });
});

describe('reading the topic reads its notifications', () => {
  it('clears a mention once the reader has read that post, and the coalesced reply notice only at the end of the topic', async () => {
    const slug = await community();
    const asker = await signUp(t);
    const { topic } = await createTopic(asker, slug);
    const first = await reply(s.other, topic.id); // #2: a reply notice for the asker
    const mention = await reply(s.member, topic.id, { body: `@${asker.handle} have a look` }); // #3: a mention
    await reply(s.other, topic.id); // #4: raises the reply notice's count
    expect(first.number).toBe(2);
    expect(mention.number).toBe(3);
    expect(await unreadCountOf(asker)).toBe(2);

    const readTo = async (number: number) => {
      const res = await asker.put(`/api/topics/${topic.id}/read`, { number });
      expect(res.status, res.text).toBe(200);
    };
    await readTo(2);
    // The reply notice points at #2 but stands for #4 too; the mention is further down.
    expect((await aboutTopic(asker, topic.id)).map((n) => [n.kind, n.read])).toEqual([
      ['mention', false],
      ['reply', false],
    ]);
    await readTo(3);
    expect((await aboutTopic(asker, topic.id)).map((n) => [n.kind, n.read])).toEqual([
      ['mention', true],
      ['reply', false],
    ]);
    await readTo(4);
    expect((await aboutTopic(asker, topic.id)).map((n) => [n.kind, n.read])).toEqual([
      ['mention', true],
      ['reply', true],
    ]);
    expect(await unreadCountOf(asker)).toBe(0);

    // Reading someone else's position changes nothing of anyone else's.
    const another = await reply(s.member, topic.id, { body: `@${s.other.handle} thanks` });
    await readTo(another.number);
    expect((await aboutTopic(s.other, topic.id)).find((n) => n.kind === 'mention')?.read).toBe(false);
  });
});
