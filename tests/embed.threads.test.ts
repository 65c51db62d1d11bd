/**
 * The embed's threads: one topic per host page (by canonical URL), created by the first comment,
 * never by a read; only for the community's allowed origins; every normal posting rule applies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, ORIGIN, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, scene, signUp, unique } from './helpers/factories.js';
import type { TestClient } from './helpers/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Scene = Awaited<ReturnType<typeof scene>>;
const HOST = 'https://blog.example';
const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);
const page = () => `${HOST}/posts/${unique('p')}`;
const q = (url: string) => encodeURIComponent(url);
const countTopics = async (slug: string) => {
  const res = await exec(sql`SELECT count(*)::int AS n FROM topics t JOIN communities c ON c.id = t.community_id WHERE c.slug = ${slug}`);
  return (res as { rows: { n: number }[] }).rows[0]!.n;
};

async function embedScene(origins = [HOST, 'http://localhost:5173']) {
  const s = await scene(t);
  const res = await s.admin.patch(`/api/communities/${s.slug}`, { embed: { allowedOrigins: origins } });
  expect(res.status, res.text).toBe(200);
  return s;
}

const comment = (client: TestClient, slug: string, url: string, over: Record<string, unknown> = {}) =>
  client.post(`/api/embed/${slug}/thread/posts`, { url, title: 'A post on the blog', body: `Comment ${unique()}`, ...over });

describe('GET /api/embed/:community/config', () => {
  it('answers the community, its allowed origins and whether SSO is set up, to anyone', async () => {
    const s = await embedScene();
    const before = await t.guest().get(`/api/embed/${s.slug}/config`);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      community: { slug: s.slug, name: `Community ${s.slug}`, accentColor: null },
      allowedOrigins: [HOST, 'http://localhost:5173'],
      sso: false,
    });
    expect((await s.admin.post(`/api/communities/${s.slug}/sso-secret`)).status).toBe(201);
    const after = await t.guest().get(`/api/embed/${s.slug}/config`);
    expect(after.body.sso).toBe(true);
    expect(JSON.stringify(after.body)).not.toMatch(/secret/i);
  });

  it('is 404 community_not_found for an unknown community', async () => {
    expectError(await t.guest().get('/api/embed/no-such-community/config'), 404, 'community_not_found');
  });
});

describe('reading a page thread', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await embedScene();
  });

  it('answers topic null and no posts while nobody has posted, and creates nothing', async () => {
    const url = page();
    const before = await countTopics(s.slug);
    for (const client of [t.guest(), s.member, s.admin]) {
      const res = await client.get(`/api/embed/${s.slug}/thread?url=${q(`${url}/?utm_source=x#top`)}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ topic: null, posts: [], nextCursor: null, url, forumUrl: null });
    }
    expect(await countTopics(s.slug)).toBe(before);
    const cats = await t.guest().get(`/api/communities/${s.slug}`);
    expect(cats.body.community.categories.map((c: { slug: string }) => c.slug)).not.toContain('comments');
  });

  it('refuses a page on an origin the community has not allowed, 403 origin_not_allowed', async () => {
    for (const url of ['https://evil.example/a', 'http://blog.example/a', 'https://blog.example:8443/a', 'https://sub.blog.example/a']) {
      expectError(await t.guest().get(`/api/embed/${s.slug}/thread?url=${q(url)}`), 403, 'origin_not_allowed');
    }
  });

  it('refuses URLs that are not absolute http(s), 400 invalid_url', async () => {
    for (const url of ['javascript:alert(1)', '/posts/1', 'not a url', 'ftp://blog.example/a', 'data:text/html,x']) {
      expectError(await t.guest().get(`/api/embed/${s.slug}/thread?url=${q(url)}`), 400, 'invalid_url');
    }
  });

  it('needs exactly one of url or topic', async () => {
    expectError(await t.guest().get(`/api/embed/${s.slug}/thread`), 400, 'invalid_thread_query');
    expectError(await t.guest().get(`/api/embed/${s.slug}/thread?url=${q(page())}&topic=1`), 400, 'invalid_thread_query');
  });

  it('is 404 community_not_found for an unknown community', async () => {
    expectError(await t.guest().get(`/api/embed/nope-${unique()}/thread?url=${q(page())}`), 404, 'community_not_found');
  });
});

describe('posting on a page', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await embedScene();
  });

  it('the first post creates the page topic in a "comments" category; the second is a reply', async () => {
    const url = page();
    const first = await comment(s.member, s.slug, url, { title: '  How we ship  ', body: 'First!' });
    expect(first.status, first.text).toBe(201);
    expect(first.body.topic).toMatchObject({ community: s.slug, category: 'comments', title: 'How we ship', postCount: 1, kind: 'discussion' });
    expect(first.body.post).toMatchObject({ number: 1, body: 'First!', author: { handle: s.member.handle } });

    const second = await comment(s.other, s.slug, url, { title: 'Another title', replyToId: first.body.post.id, body: 'Second' });
    expect(second.status, second.text).toBe(201);
    expect(second.body.topic).toMatchObject({ id: first.body.topic.id, title: 'How we ship', postCount: 2 });
    expect(second.body.post).toMatchObject({ number: 2, replyToId: first.body.post.id, topicId: first.body.topic.id });

    const read = await t.guest().get(`/api/embed/${s.slug}/thread?url=${q(url)}`);
    expect(read.status).toBe(200);
    expect(read.body.topic.id).toBe(first.body.topic.id);
    expect(read.body.posts.map((p: { body: string }) => p.body)).toEqual(['First!', 'Second']);
    expect(read.body.url).toBe(url);
    expect(read.body.forumUrl).toBe(`${ORIGIN}/c/${s.slug}/t/${first.body.topic.id}`);

    // The same topic is an ordinary forum topic.
    const forum = await t.guest().get(`/api/topics/${first.body.topic.id}`);
    expect(forum.body.posts).toHaveLength(2);
  });

  it('titles the topic from the URL path when the title is too short', async () => {
    const url = `${HOST}/notes/${unique('n')}`;
    const res = await comment(s.member, s.slug, url, { title: 'x' });
    expect(res.status, res.text).toBe(201);
    expect(res.body.topic.title).toBe(new URL(url).pathname);
    const noTitle = await s.member.post(`/api/embed/${s.slug}/thread/posts`, { url: page(), body: `untitled ${unique()}` });
    expect(noTitle.status, noTitle.text).toBe(201);
    expect(noTitle.body.topic.title).toMatch(/^\/posts\//);
  });

  it('treats fragment, tracking parameters, trailing slash, host case and default port as one page', async () => {
    const url = page();
    const variants = [
      url,
      `${url}/`,
      `${url}#comment-1`,
      `${url}?utm_source=newsletter&utm_medium=email`,
      url.replace('blog.example', 'BLOG.Example'),
      url.replace('blog.example', 'blog.example:443'),
      `${url}?fbclid=abc&gclid=def&ref=hn`,
    ];
    const topicIds = new Set<number>();
    for (const [i, v] of variants.entries()) {
      const res = await comment(i % 2 ? s.member : s.other, s.slug, v, { body: `variant ${i} ${unique()}` });
      expect(res.status, res.text).toBe(201);
      topicIds.add(res.body.topic.id);
    }
    expect(topicIds.size).toBe(1);
    for (const v of variants) {
      const res = await t.guest().get(`/api/embed/${s.slug}/thread?url=${q(v)}&limit=100`);
      expect(res.body.posts).toHaveLength(variants.length);
      expect(res.body.url).toBe(url);
    }
  });

  it('two first posts at once still make one topic', async () => {
    const url = page();
    const writers = [s.member, s.other, s.staff, await signUp(t), await signUp(t)];
    const results = await Promise.all(writers.map((w, i) => comment(w, s.slug, i % 2 ? `${url}/` : url, { body: `race ${i} ${unique()}` })));
    for (const r of results) expect(r.status, r.text).toBe(201);
    const topicIds = new Set(results.map((r) => r.body.topic.id));
    expect(topicIds.size).toBe(1);
    const numbers = results.map((r) => r.body.post.number).sort((a, b) => a - b);
    expect(numbers).toEqual([1, 2, 3, 4, 5]);
    const read = await t.guest().get(`/api/embed/${s.slug}/thread?url=${q(url)}`);
    expect(read.body.topic.postCount).toBe(5);
  });

  it('a repeated clientId answers 200 with the first post, on the first post and on replies', async () => {
    const url = page();
    const first = await comment(s.member, s.slug, url, { clientId: 'embed-c1', body: 'once' });
    expect(first.status).toBe(201);
    const again = await comment(s.member, s.slug, url, { clientId: 'embed-c1', body: 'once' });
    expect(again.status, again.text).toBe(200);
    expect(again.body.post.id).toBe(first.body.post.id);
    expect(again.body.topic.id).toBe(first.body.topic.id);

    const both = await Promise.all([1, 2].map(() => comment(s.other, s.slug, url, { clientId: 'embed-c2', body: 'twice at once' })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(both[0]!.body.post.id).toBe(both[1]!.body.post.id);

    // The same clientId on another page is a conflict, not a new post.
    expectError(await comment(s.member, s.slug, page(), { clientId: 'embed-c1' }), 409, 'client_id_conflict');
  });

  it('needs a signed-in user, 401', async () => {
    expectError(await comment(t.guest(), s.slug, page()), 401, 'not_signed_in');
  });

  it('refuses disallowed origins (403) and bad URLs (400), creating nothing', async () => {
    const before = await countTopics(s.slug);
    expectError(await comment(s.member, s.slug, 'https://evil.example/post'), 403, 'origin_not_allowed');
    expectError(await comment(s.member, s.slug, 'javascript:alert(1)//https://blog.example/'), 400, 'invalid_url');
    expectError(await comment(s.member, s.slug, 'blog.example/post'), 400, 'invalid_url');
    expect(await countTopics(s.slug)).toBe(before);
  });

  it('a community with no allowed origins refuses every page', async () => {
    const admin = await signUp(t);
    const c = await createCommunity(admin);
    expectError(await t.guest().get(`/api/embed/${c.slug}/thread?url=${q(page())}`), 403, 'origin_not_allowed');
    expectError(await comment(admin, c.slug, page()), 403, 'origin_not_allowed');
  });

  it('applies the normal rules: bans, locks, body limits and the CSRF Origin rule', async () => {
    const url = page();
    const first = await comment(s.member, s.slug, url);
    expect(first.status).toBe(201);

    const banned = await signUp(t);
    expect((await s.admin.post(`/api/communities/${s.slug}/bans`, { handle: banned.handle, reason: 'spam' })).status).toBe(201);
    expectError(await comment(banned, s.slug, url), 403, 'banned');
    expectError(await comment(banned, s.slug, page()), 403, 'banned');

    expect((await s.moderator.post(`/api/topics/${first.body.topic.id}/lock`)).status).toBe(200);
    expectError(await comment(s.other, s.slug, url), 403, 'topic_locked');

    expect((await comment(s.member, s.slug, page(), { body: '' })).status).toBe(400);
    expect((await comment(s.member, s.slug, page(), { body: 'x'.repeat(50_001) })).status).toBe(400);
    // A cookie session from another site's page is refused, as everywhere.
    const forged = await s.member.post(`/api/embed/${s.slug}/thread/posts`, { url: page(), body: 'forged' }, { origin: 'https://blog.example' });
    expectError(forged, 403, 'csrf_origin_mismatch');
  });
});

describe('what a page thread shows', () => {
  let s: Scene;
  beforeAll(async () => {
    s = await embedScene();
  });

  it('hidden posts are tombstones for guests and members, with their text for moderators and the author', async () => {
    const url = page();
    const first = await comment(s.member, s.slug, url, { body: 'Fine opening' });
    const bad = await comment(s.other, s.slug, url, { body: 'zebraquux-hidden-text' });
    expect((await s.moderator.post(`/api/posts/${bad.body.post.id}/hide`, { reason: 'Off topic' })).status).toBe(200);
    for (const client of [t.guest(), s.member]) {
      const res = await client.get(`/api/embed/${s.slug}/thread?url=${q(url)}`);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('zebraquux-hidden-text');
      expect(res.body.posts[1]).toMatchObject({ id: bad.body.post.id, hidden: true, hiddenReason: 'Off topic', body: null, bodyHtml: null });
      expect(res.body.posts[0].body).toBe('Fine opening');
    }
    for (const client of [s.moderator, s.other]) {
      const res = await client.get(`/api/embed/${s.slug}/thread?url=${q(url)}`);
      expect(res.body.posts[1]).toMatchObject({ hidden: true, body: 'zebraquux-hidden-text' });
    }
    expect(first.status).toBe(201);
  });

  it('a hidden topic reads as no thread by URL (for those who may not see it), and its page takes no new topic', async () => {
    const url = page();
    const first = await comment(s.member, s.slug, url, { body: 'zebraquux-topic-text' });
    const topicId = first.body.topic.id;
    expect((await s.moderator.post(`/api/topics/${topicId}/hide`, { reason: 'Spam' })).status).toBe(200);
    const guest = await t.guest().get(`/api/embed/${s.slug}/thread?url=${q(url)}`);
    expect(guest.status).toBe(200);
    expect(guest.body).toMatchObject({ topic: null, posts: [], forumUrl: null, url });
    expect(guest.text).not.toContain('zebraquux-topic-text');
    const moderator = await s.moderator.get(`/api/embed/${s.slug}/thread?url=${q(url)}`);
    expect(moderator.body.topic).toMatchObject({ id: topicId, hidden: true });
    const author = await s.member.get(`/api/embed/${s.slug}/thread?url=${q(url)}`);
    expect(author.body.topic.id).toBe(topicId);
    // Posting on that page neither opens a second topic nor reaches the hidden one.
    expectError(await comment(s.other, s.slug, url), 404, 'topic_not_found');
    expect(((await exec(sql`SELECT count(*)::int AS n FROM topics WHERE embed_url = ${url}`)) as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
    // By topic id it is a 404, like a topic that does not exist.
    expectError(await t.guest().get(`/api/embed/${s.slug}/thread?topic=${topicId}`), 404, 'topic_not_found');
  });

  it('reads by topic id (any topic of the community), with the canonical URL when it has one', async () => {
    const url = page();
    const made = await comment(s.member, s.slug, url, { body: 'by id' });
    const byId = await t.guest().get(`/api/embed/${s.slug}/thread?topic=${made.body.topic.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ topic: { id: made.body.topic.id }, url, forumUrl: `${ORIGIN}/c/${s.slug}/t/${made.body.topic.id}` });
    const forumTopic = await createTopic(s.member, s.slug);
    const plain = await t.guest().get(`/api/embed/${s.slug}/thread?topic=${forumTopic.topic.id}`);
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ topic: { id: forumTopic.topic.id }, url: null });
    expect(plain.body.posts).toHaveLength(1);
  });

  it('?topic= of another community is 404 topic_not_found', async () => {
    const elsewhere = await scene(t);
    const foreign = await createTopic(elsewhere.member, elsewhere.slug);
    expectError(await t.guest().get(`/api/embed/${s.slug}/thread?topic=${foreign.topic.id}`), 404, 'topic_not_found');
    expectError(await t.guest().get(`/api/embed/${s.slug}/thread?topic=2147483647`), 404, 'topic_not_found');
  });

  it('pages like GET /api/topics/:id (after, limit, nextCursor)', async () => {
    const url = page();
    for (let i = 0; i < 5; i++) expect((await comment(i % 2 ? s.member : s.other, s.slug, url, { body: `paged ${i} ${unique()}` })).status).toBe(201);
    const one = await t.guest().get(`/api/embed/${s.slug}/thread?url=${q(url)}&limit=2`);
    expect(one.body.posts.map((p: { number: number }) => p.number)).toEqual([1, 2]);
    expect(one.body.nextCursor).toBe('2');
    const two = await t.guest().get(`/api/embed/${s.slug}/thread?url=${q(url)}&limit=2&after=${one.body.nextCursor}`);
    expect(two.body.posts.map((p: { number: number }) => p.number)).toEqual([3, 4]);
    expect((await t.guest().get(`/api/embed/${s.slug}/thread?url=${q(url)}&limit=500`)).status).toBe(400);
  });

  it('a held first post makes a held topic: the author sees it, guests see no thread yet', async () => {
    const held = await embedScene();
    expect((await held.admin.patch(`/api/communities/${held.slug}`, { moderation: { holdFirstPosts: true } })).status).toBe(200);
    const url = page();
    const res = await comment(held.member, held.slug, url, { body: 'please approve' });
    expect(res.status, res.text).toBe(201);
    expect(res.body.topic).toMatchObject({ hidden: true, pendingReview: true });
    expect((await t.guest().get(`/api/embed/${held.slug}/thread?url=${q(url)}`)).body.topic).toBeNull();
    expect((await held.member.get(`/api/embed/${held.slug}/thread?url=${q(url)}`)).body.topic.id).toBe(res.body.topic.id);
    expect((await held.moderator.delete(`/api/topics/${res.body.topic.id}/hide`)).status).toBe(200);
    expect((await t.guest().get(`/api/embed/${held.slug}/thread?url=${q(url)}`)).body.posts[0].body).toBe('please approve');
  });
});

describe('the embed category', () => {
  it('admins choose it; it falls back to "comments" when unset', async () => {
    const s = await embedScene();
    const chosen = await s.admin.patch(`/api/embed/${s.slug}/settings`, { categorySlug: 'general' });
    expect(chosen.status, chosen.text).toBe(200);
    expect(chosen.body).toEqual({ categorySlug: 'general' });
    const res = await comment(s.member, s.slug, page());
    expect(res.body.topic.category).toBe('general');
    expectError(await s.admin.patch(`/api/embed/${s.slug}/settings`, { categorySlug: 'missing' }), 404, 'category_not_found');
    expectError(await s.moderator.patch(`/api/embed/${s.slug}/settings`, { categorySlug: null }), 403, 'not_community_admin');
    expect((await s.admin.patch(`/api/embed/${s.slug}/settings`, { categorySlug: null })).status).toBe(200);
    expect((await comment(s.member, s.slug, page())).body.topic.category).toBe('comments');
  });
});
