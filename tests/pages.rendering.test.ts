import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, startPagesApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, signUp, unique } from './helpers/factories.js';

// Server-rendered public pages as a crawler, a link preview or a reader without scripts gets them:
// the content, the status, the one canonical address, and the data the browser hydrates from.

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;

beforeAll(async () => {
  t = await startPagesApp();
  s = await scene(t);
});
afterAll(() => t.close());

const get = (url: string, client = t.guest()) => client.request('GET', url, undefined, { accept: 'text/html' });

/** The JSON the page embeds for the browser to hydrate from. */
function pageData(html: string): { locale: string; now: number; replies: Record<string, unknown>; notFound?: boolean } {
  const match = /<script id="parley-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  expect(match, 'the page carries its data block').toBeTruthy();
  return JSON.parse(match![1]!);
}

function jsonLd(html: string): Record<string, unknown>[] {
  return [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[1]!));
}

const canonicalOf = (html: string) => /<link rel="canonical" href="([^"]+)">/.exec(html)?.[1];
const robotsOf = (html: string) => /<meta name="robots" content="([^"]+)">/.exec(html)?.[1];

describe('a topic page', () => {
  it('is complete HTML with the thread, its address, previews and a QAPage once a question has an answer', async () => {
    const { topic, post } = await createTopic(s.member, s.slug, { kind: 'question', title: 'Lamp flickers & buzzes', body: 'My **lamp** flickers at night.' });
    const answer = await reply(s.other, topic.id, { body: 'Swap the dimmer for a trailing-edge one.' });
    await reply(s.staff, topic.id, { body: 'Also check the bulb rating.' });
    expect((await s.member.post(`/api/topics/${topic.id}/solution`, { postId: answer.id })).status).toBe(200);

    const url = `/c/${s.slug}/t/${topic.id}-lamp-flickers-buzzes`;
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const html = res.text;
    expect(html).toContain('<html lang="en" dir="ltr">');
    expect(html).toMatch(/<h1>Lamp flickers &amp; buzzes<\/h1>/);
    expect(html).toContain('<strong>lamp</strong> flickers at night.');
    expect(html).toContain('Swap the dimmer for a trailing-edge one.');
    expect(html).toContain(`id="post-${post.number}"`);
    expect(canonicalOf(html)).toBe(`${ORIGIN}${url}`);
    expect(html).toContain(`<meta property="og:url" content="${ORIGIN}${url}">`);
    expect(html).toContain('<meta property="og:title" content="Lamp flickers &amp; buzzes">');
    expect(html).toMatch(/<meta name="description" content="My lamp flickers at night\.">/);
    expect(robotsOf(html)).toBeUndefined();
    // One title only: the components' (they keep it current after hydration).
    expect(html.match(/<title>/g)).toHaveLength(1);

    const qa = jsonLd(html).find((d) => d['@type'] === 'QAPage') as {
      mainEntity: { answerCount: number; acceptedAnswer: { text: string }; suggestedAnswer: unknown[] };
    };
    expect(qa.mainEntity.answerCount).toBe(2);
    expect(qa.mainEntity.acceptedAnswer.text).toContain('trailing-edge');
    expect(qa.mainEntity.suggestedAnswer).toHaveLength(1);
    expect(jsonLd(html).some((d) => d['@type'] === 'BreadcrumbList')).toBe(true);

    // The replies the browser's API client will ask for, under the URLs it will ask with.
    const data = pageData(html);
    expect(Object.keys(data.replies).sort()).toEqual([`/api/auth/session`, `/api/communities/${s.slug}`, `/api/topics/${topic.id}?limit=50`].sort());
    expect(data.locale).toBe('en');
  });

  it('has one address: a wrong or missing title slug and ?page=1 are moved permanently', async () => {
    const { topic } = await createTopic(s.member, s.slug, { title: 'Where is the fuse' });
    const canonical = `/c/${s.slug}/t/${topic.id}-where-is-the-fuse`;
    for (const wrong of [`/c/${s.slug}/t/${topic.id}`, `/c/${s.slug}/t/${topic.id}-old-title`, `${canonical}?page=1`]) {
      const res = await get(wrong);
      expect(res.status, wrong).toBe(301);
      expect(res.headers.location, wrong).toBe(canonical);
    }
    // Reached through another community's address: moved to its own.
    const elsewhere = unique('x');
    expect((await s.admin.post('/api/communities', { slug: elsewhere, name: 'Elsewhere', description: '' })).status).toBe(201);
    const moved = await get(`/c/${elsewhere}/t/${topic.id}-where-is-the-fuse`);
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe(canonical);
  });

  it('answers 404 with a readable page for a missing topic, a hidden one (for guests) and a page past the end', async () => {
    const { topic } = await createTopic(s.member, s.slug, { title: 'Soon hidden' });
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'spam' })).status).toBe(200);
    const { topic: short } = await createTopic(s.member, s.slug, { title: 'Short one' });

    for (const url of [
      `/c/${s.slug}/t/999999-nothing`,
      `/c/${s.slug}/t/${topic.id}-soon-hidden`,
      `/c/${s.slug}/t/${short.id}-short-one?page=2`,
      `/c/nope-${unique()}`,
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(res.text, url).toContain('<h1>Page not found</h1>');
      expect(robotsOf(res.text), url).toBe('noindex');
      expect(res.text, url).not.toContain('Soon hidden');
      expect(pageData(res.text).notFound).toBe(true);
    }
    // The moderator gets their own rendering of the hidden topic, never the guests' cached one.
    const mod = await get(`/c/${s.slug}/t/${topic.id}-soon-hidden`, s.moderator);
    expect(mod.status).toBe(200);
    expect(mod.text).toContain('<h1>Soon hidden</h1>');
    expect(mod.headers['cache-control']).toContain('private');
  });

  it('pages a long thread by 50 posts with plain links, each page its own canonical address', async () => {
    const { topic } = await createTopic(s.member, s.slug, { title: 'A long thread', body: 'post one text' });
    for (let i = 2; i <= 120; i++) await reply(i % 2 ? s.other : s.member, topic.id, { body: `post number ${i} text` });
    const base = `/c/${s.slug}/t/${topic.id}-a-long-thread`;

    const first = (await get(base)).text;
    expect(first).toContain('post one text');
    expect(first).toContain('post number 50 text');
    expect(first).not.toContain('post number 51 text');
    expect(first).toContain(`<a rel="next" href="${base}?page=2">`);

    const second = await get(`${base}?page=2`);
    expect(second.status).toBe(200);
    expect(second.text).toContain('post number 51 text');
    expect(second.text).toContain('post number 100 text');
    expect(second.text).not.toContain('post one text');
    expect(second.text).toContain(`<a rel="prev" href="${base}">`);
    expect(second.text).toContain(`<a rel="next" href="${base}?page=3">`);
    expect(canonicalOf(second.text)).toBe(`${ORIGIN}${base}?page=2`);
    expect(Object.keys(pageData(second.text).replies)).toContain(`/api/topics/${topic.id}?after=50&limit=50`);

    const third = (await get(`${base}?page=3`)).text;
    expect(third).toContain('post number 120 text');
    expect(third).not.toContain('rel="next"');
    expect((await get(`${base}?page=4`)).status).toBe(404);
  });

  it('never shows a hidden post’s text to guests, in the page, its data or its head; a change reaches the cached page', async () => {
    const { topic } = await createTopic(s.member, s.slug, { title: 'Cache and hide' });
    const bad = await reply(s.other, topic.id, { body: 'buy cheap watches here' });
    const url = `/c/${s.slug}/t/${topic.id}-cache-and-hide`;

    expect((await get(url)).headers['x-parley-cache']).toBe('miss');
    // The reply's own live event may still be on its way (and drop the first render): kept once it has passed.
    await expect.poll(async () => (await get(url)).headers['x-parley-cache']).toBe('hit');
    const cached = await get(url);
    expect(cached.headers['x-parley-cache']).toBe('hit');
    expect(cached.text).toContain('buy cheap watches here');
    // Browsers and crawlers get the same page compressed (kept compressed, not packed per reader).
    const zip = () => t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    await expect.poll(async () => (await zip()).headers['content-encoding']).toBe('br');
    const zipped = await zip();
    expect(zipped.headers['x-parley-cache']).toBe('hit');
    expect(zipped.headers.vary).toContain('accept-encoding');
    const unzipped = brotliDecompressSync(zipped.rawPayload).toString();
    expect(unzipped).toContain('buy cheap watches here');
    expect(unzipped.length).toBe(cached.text.length);

    expect((await s.moderator.post(`/api/posts/${bad.id}/hide`, { reason: 'spam' })).status).toBe(200);
    const after = await get(url);
    expect(after.headers['x-parley-cache']).toBe('miss');
    expect(after.text).not.toContain('cheap watches');

    await reply(s.staff, topic.id, { body: 'a fresh staff reply' });
    expect((await get(url)).text).toContain('a fresh staff reply');
  });

  it('a cached page follows its community: a new name or language is served at once', async () => {
    const { topic } = await createTopic(s.member, s.slug, { title: 'Follows the community' });
    const url = `/c/${s.slug}/t/${topic.id}-follows-the-community`;
    await expect.poll(async () => (await get(url)).headers['x-parley-cache']).toBe('hit');
    expect((await s.admin.patch(`/api/communities/${s.slug}`, { name: 'Renamed place', language: 'de' })).status).toBe(200);
    const after = await get(url);
    expect(after.headers['x-parley-cache']).toBe('miss');
    expect(after.text).toContain('<html lang="de" dir="ltr">');
    expect(after.text).toContain('Renamed place');
    expect((await s.admin.patch(`/api/communities/${s.slug}`, { language: 'en' })).status).toBe(200);
  });

  it('renders for a signed-in reader their own view: their name, their composer, nothing cached', async () => {
    const { topic } = await createTopic(s.member, s.slug, { title: 'Signed in view' });
    const res = await get(`/c/${s.slug}/t/${topic.id}-signed-in-view`, s.other);
    expect(res.status).toBe(200);
    expect(res.headers['x-parley-cache']).toBeUndefined();
    expect(res.text).toContain(`@${s.other.handle}`);
    expect(res.text).not.toContain('Sign in to reply');
    const session = pageData(res.text).replies['/api/auth/session'] as { user: { handle: string } };
    expect(session.user.handle).toBe(s.other.handle);
  });
});

describe('the other public pages', () => {
  it('a community page lists its topics in its language, with numbered pages for readers without scripts', async () => {
    const admin = await signUp(t);
    const slug = unique('de');
    expect((await admin.post('/api/communities', { slug, name: 'Lampen', description: 'Hilfe zu Lampen' })).status).toBe(201);
    expect((await admin.patch(`/api/communities/${slug}`, { language: 'de' })).status).toBe(200);
    for (let i = 1; i <= 31; i++) await createTopic(admin, slug, { title: `Thema Nummer ${i}` });

    const res = await get(`/c/${slug}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<html lang="de" dir="ltr">');
    expect(res.text).toContain('Thema Nummer 31');
    expect(res.text).not.toContain('Thema Nummer 1<');
    expect(res.text).toContain(`<a rel="next" href="/c/${slug}?page=2">`);
    expect(canonicalOf(res.text)).toBe(`${ORIGIN}/c/${slug}`);
    expect(res.text).toContain(`href="${ORIGIN}/c/${slug}/feed.rss"`);

    const second = await get(`/c/${slug}?page=2`);
    expect(second.status).toBe(200);
    expect(second.text).toContain('Thema Nummer 1<');
    expect(canonicalOf(second.text)).toBe(`${ORIGIN}/c/${slug}?page=2`);
    expect((await get(`/c/${slug}?page=3`)).status).toBe(404);
    expect((await get(`/c/${slug}?page=1`)).headers.location).toBe(`/c/${slug}`);
    expect((await get(`/c/${slug}?category=nope`)).status).toBe(404);
  });

  it('the community list, a profile and the moderation log are rendered; an unknown handle is 404', async () => {
    const list = await get('/');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`href="/c/${s.slug}"`);
    expect(canonicalOf(list.text)).toBe(`${ORIGIN}/`);

    const profile = await get(`/u/${s.member.handle}`);
    expect(profile.status).toBe(200);
    expect(profile.text).toContain(`@${s.member.handle}`);
    expect(jsonLd(profile.text).some((d) => d['@type'] === 'ProfilePage')).toBe(true);
    // A page loaded on demand in the app brings its own stylesheet link (none in the source template).
    expect((await get(`/u/nobody-${unique()}`)).status).toBe(404);

    const log = await get(`/c/${s.slug}/log`);
    expect(log.status).toBe(200);
    expect(log.text).toContain('<h1');
    expect(Object.keys(pageData(log.text).replies)).toContain(`/api/communities/${s.slug}/moderation-log`);
  });

  it('pages that are nobody’s to find are the app’s shell, marked noindex, in the reader’s language', async () => {
    for (const url of ['/login', `/c/${s.slug}/settings`, `/c/${s.slug}/search?q=lamp`, '/notifications', `/c/${s.slug}/new`]) {
      const res = await t.guest().request('GET', url, undefined, { 'accept-language': 'de-DE,de;q=0.9' });
      expect(res.status, url).toBe(200);
      expect(robotsOf(res.text), url).toBe('noindex');
      expect(res.text, url).toContain('<html lang="de" dir="ltr">');
      expect(res.text, url).toContain('<div id="app"></div>');
      expect(res.text, url).not.toContain('parley-data');
    }
    const unknown = await get(`/no/such/page`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('<h1>Page not found</h1>');
  });
});
