import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, unique } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';
import { postPath } from '../server/pages/sitemap.urls.js';
import { escapeXml } from '../server/feeds/xml.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

interface Item {
  title: string;
  link: string;
  guid: string;
  pubDate: string;
  creator: string;
  description: string;
}

const field = (xml: string, name: string) => /<([\w:]+)>([^<]*)<\/\1>/g.exec(xml.match(new RegExp(`<${name}>[^<]*</${name}>`))?.[0] ?? '')?.[2] ?? null;
const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
const items = (xml: string): Item[] =>
  [...xml.matchAll(/<item>(.*?)<\/item>/gs)].map(([, x]) => ({
    title: unescape(field(x!, 'title')!),
    link: unescape(field(x!, 'link')!),
    guid: unescape(x!.match(/<guid[^>]*>([^<]*)<\/guid>/)![1]!),
    pubDate: field(x!, 'pubDate')!,
    creator: field(x!, 'dc:creator')!,
    description: unescape(field(x!, 'description') ?? ''),
  }));
/** The channel's own fields: what precedes the first item. */
const channel = (xml: string) => {
  const head = xml.split('<item>')[0]!;
  return {
    title: unescape(field(head, 'title')!),
    description: unescape(field(head, 'description')!),
    language: field(head, 'language'),
    link: field(head, 'link'),
  };
};

async function feed(url: string, headers: Record<string, string> = {}) {
  const res = await t.guest().get(url, headers);
  if (res.status === 200) {
    expect(res.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(res.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<rss version="2.0"/);
  }
  if (res.status === 200 || res.status === 304) expect(res.headers['x-robots-tag']).toBe('noindex');
  return res;
}

describe("a community's feed", () => {
  it('lists the latest public topics, newest first, with canonical links, authors and a plain-text excerpt', async () => {
    const { member, other, moderator, slug, community } = await scene(t);
    const first = await createTopic(member, slug, { title: 'Printer & scanner <setup>', body: 'My **printer** needs a _driver_ & more.' });
    const hidden = await createTopic(other, slug, { title: 'Hidden spam topic', body: 'buy things' });
    await moderator.api.hideTopic(hidden.topic.id, 'spam');
    const secret = `secret ${unique()}`;
    const withHiddenOpener = await createTopic(other, slug, { title: 'Opening post hidden', body: secret });
    await moderator.api.hidePost(withHiddenOpener.post.id, 'spam');
    await createTopic(other, slug, { title: 'Newest', body: 'x'.repeat(1000), kind: 'question' });

    const res = await feed(`/c/${slug}/feed.rss`);
    expect(res.status).toBe(200);
    expect(channel(res.text)).toEqual({ title: community.name, description: community.description, language: 'en', link: `${ORIGIN}/c/${slug}` });
    expect(res.text).toContain(`<atom:link href="${ORIGIN}/c/${slug}/feed.rss" rel="self" type="application/rss+xml"/>`);
    const got = items(res.text);
    expect(got.map((i) => i.title)).toEqual(['Newest', 'Opening post hidden', 'Printer & scanner <setup>']);
    expect(got[2]).toEqual({
      title: 'Printer & scanner <setup>',
      link: `${ORIGIN}/c/${slug}/t/${first.topic.id}-printer-scanner-setup`,
      guid: `${ORIGIN}/c/${slug}/t/${first.topic.id}`,
      pubDate: new Date(first.topic.createdAt).toUTCString(),
      creator: member.handle,
      description: 'My printer needs a driver & more.',
    });
    expect(Array.from(got[0]!.description).length).toBeLessThanOrEqual(300);
    expect(got[1]!.description).toBe('');
    expect(res.text).not.toContain(secret);
    expect(res.text).not.toContain('Hidden spam topic');
    expect(res.text).not.toContain('buy things');
  });

  it('leaves out unlisted categories, whose own feed still answers; speaks the community language', async () => {
    const { admin, member, slug, community } = await scene(t);
    await admin.api.updateCommunity(slug, { language: 'de' });
    await admin.api.createCategory(slug, { slug: 'intern', name: 'Intern' });
    await admin.api.updateCategory(slug, 'intern', { unlisted: true });
    const open = (await createTopic(member, slug, { title: 'Öffentlich' })).topic;
    await createTopic(member, slug, { category: 'intern', title: 'Nur intern' });

    const all = await feed(`/c/${slug}/feed.rss`);
    expect(items(all.text).map((i) => i.title)).toEqual(['Öffentlich']);
    expect(channel(all.text).language).toBe('de');

    const internal = await feed(`/c/${slug}/feed.rss?category=intern`);
    expect(items(internal.text).map((i) => i.title)).toEqual(['Nur intern']);
    expect(channel(internal.text)).toMatchObject({ title: `Intern · ${community.name}`, link: `${ORIGIN}/c/${slug}?category=intern` });

    await reply(member, open.id);
    const replies = await feed(`/c/${slug}/t/${open.id}/feed.rss`);
    expect(channel(replies.text).title).toBe('Antworten auf „Öffentlich“');
    expect(items(replies.text)[0]!.title).toBe('Antwort 2 auf „Öffentlich“');
  });

  it('answers 404 for an unknown community or category', async () => {
    const { slug } = await scene(t);
    expectError(await feed('/c/nowhere-at-all/feed.rss'), 404, 'community_not_found');
    expectError(await feed(`/c/${slug}/feed.rss?category=nope`), 404, 'category_not_found');
  });
});

describe("a topic's feed", () => {
  it("lists the latest visible replies, linked to their place in the thread; hidden and deleted replies' text never appears", async () => {
    const { member, other, moderator, slug, community } = await scene(t);
    const { topic } = await createTopic(member, slug, { title: 'Why does X fail?', kind: 'question' });
    const one = await reply(other, topic.id, { body: 'Try turning it off and on.' });
    const hiddenText = `hidden ${unique()}`;
    await moderator.api.hidePost((await reply(other, topic.id, { body: hiddenText })).id, 'spam');
    const deletedText = `deleted ${unique()}`;
    await other.api.deletePost((await reply(other, topic.id, { body: deletedText })).id);
    const two = await reply(member, topic.id, { body: 'That worked, thanks!' });

    const res = await feed(`/c/${slug}/t/${topic.id}/feed.rss`);
    expect(res.status).toBe(200);
    expect(channel(res.text)).toMatchObject({ title: 'Replies to “Why does X fail?”', link: `${ORIGIN}/c/${slug}/t/${topic.id}-why-does-x-fail` });
    expect(channel(res.text).description).toContain(community.name);
    expect(items(res.text)).toEqual([
      {
        title: `Reply ${two.number} to “Why does X fail?”`,
        link: `${ORIGIN}/c/${slug}/t/${topic.id}-why-does-x-fail#post-${two.number}`,
        guid: `${ORIGIN}/c/${slug}/t/${topic.id}#post-${two.number}`,
        pubDate: new Date(two.createdAt).toUTCString(),
        creator: member.handle,
        description: 'That worked, thanks!',
      },
      expect.objectContaining({
        description: 'Try turning it off and on.',
        creator: other.handle,
        link: expect.stringMatching(new RegExp(`#post-${one.number}$`)),
      }),
    ]);
    expect(res.text).not.toContain(hiddenText);
    expect(res.text).not.toContain(deletedText);
    // A slug in the topic segment is fine too, as in page URLs.
    expect((await feed(`/c/${slug}/t/${topic.id}-anything/feed.rss`)).status).toBe(200);
  });

  it('links a reply past the first 50 posts to the page that holds it', () => {
    expect(postPath('acme', { id: 42, title: 'Why does X fail?' }, 50)).toBe('/c/acme/t/42-why-does-x-fail#post-50');
    expect(postPath('acme', { id: 42, title: 'Why does X fail?' }, 51)).toBe('/c/acme/t/42-why-does-x-fail?page=2#post-51');
    expect(postPath('acme', { id: 42, title: '???' }, 101)).toBe('/c/acme/t/42?page=3#post-101');
  });

  it('answers 404 for a hidden topic, a topic of another community, or no topic', async () => {
    const { member, moderator, slug } = await scene(t);
    const elsewhere = await scene(t);
    const { topic } = await createTopic(member, slug);
    expectError(await feed(`/c/${elsewhere.slug}/t/${topic.id}/feed.rss`), 404, 'topic_not_found');
    expectError(await feed(`/c/${slug}/t/99999999/feed.rss`), 404, 'topic_not_found');
    expectError(await feed(`/c/${slug}/t/abc/feed.rss`), 404, 'topic_not_found');
    await moderator.api.hideTopic(topic.id, 'off topic');
    expectError(await feed(`/c/${slug}/t/${topic.id}/feed.rss`), 404, 'topic_not_found');
    // Not even the moderator's cookie makes a feed show what guests cannot read.
    expectError(await moderator.get(`/c/${slug}/t/${topic.id}/feed.rss`), 404, 'topic_not_found');
  });
});

describe('conditional requests', () => {
  it('answers 304 to a matching ETag or an unchanged date, and 200 with a new ETag once something changed', async () => {
    const { member, other, slug } = await scene(t);
    const { topic } = await createTopic(member, slug);
    await reply(other, topic.id);
    const url = `/c/${slug}/t/${topic.id}/feed.rss`;
    const first = await feed(url);
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);

    const notModified = await feed(url, { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
    expect(notModified.headers.etag).toBe(etag);
    expect((await feed(url, { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await feed(url, { 'if-modified-since': lastModified })).status).toBe(304);
    expect((await feed(url, { 'if-modified-since': new Date(Date.parse(lastModified) - 1000).toUTCString() })).status).toBe(200);
    // The ETag decides when both are sent.
    expect((await feed(url, { 'if-none-match': '"stale"', 'if-modified-since': lastModified })).status).toBe(200);

    await reply(other, topic.id, { body: 'Something new' });
    const changed = await feed(url, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.text).toContain('Something new');
  });

  it('the community feed changes its ETag when a topic is hidden', async () => {
    const { member, moderator, slug } = await scene(t);
    const { topic } = await createTopic(member, slug, { title: 'Soon hidden' });
    const before = await feed(`/c/${slug}/feed.rss`);
    await moderator.api.hideTopic(topic.id, 'spam');
    const after = await feed(`/c/${slug}/feed.rss`, { 'if-none-match': String(before.headers.etag) });
    expect(after.status).toBe(200);
    expect(after.text).not.toContain('Soon hidden');
  });
});

describe('XML text', () => {
  it('escapes markup and drops characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">Tom & 'Jerry'</a>\u0001\uFFFF\uD800ok 😀`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;ok 😀');
  });
});
