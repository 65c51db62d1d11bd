import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { axeViolations, describeViolations } from './axe.js';
import { startHostSite } from './host-page.js';
import { TestClient } from '../helpers/client.js';
import { readCatalogues } from '../../server/i18n/catalogues.js';
import { sql } from 'drizzle-orm';

/**
 * The main pages in German and in the pseudo-locales, as a guest, a member, a moderator and an
 * admin: every word on screen comes from the catalogue (in en-XA any plain ASCII letter is a
 * string left out of it; in German no English sentence of the catalogue may show), nothing
 * overflows the page, and axe finds nothing. ar-XB lays the pages out right to left.
 * The community's own content is written without Latin letters, so it cannot hide a miss.
 */
describe('every reader’s language', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let topicPath: string;
  const cookies: Record<string, string> = {};
  const clients: Record<string, TestClient> = {};
  /** Display names without Latin letters: the members' own words, which no catalogue covers. */
  const NAMES: Record<string, string> = { sprachadmin: 'Ωμέγα Διαχειριστής', sprachmitglied: 'Μέλος Ένα', sprachmod: 'Φύλακας' };
  const HANDLES = ['sprachadmin', 'sprachmitglied', 'sprachmod'];
  const catalogues = readCatalogues();
  const english = catalogues.get('en')!;
  const german = catalogues.get('de')!;
  /** English sentences that German says differently: none of these may be on a German page. */
  const englishOnly = Object.entries(english)
    .filter(([key, text]) => german[key] !== text && !/[{}]/.test(text) && text.split(' ').length >= 3)
    .map(([, text]) => text);

  const signUp = async (handle: string) => {
    const client = new TestClient(app, { origin: new URL(url).origin });
    const res = await client.post(
      '/api/auth/signup',
      { handle, email: `${handle}@example.org`, password: 'correct horse battery', displayName: NAMES[handle] },
      host(),
    );
    expect(res.status, res.text).toBe(201);
    cookies[handle] = client.cookie!;
    clients[handle] = client;
    return client;
  };
  const host = () => ({ host: new URL(url).host });
  const session = (handle: string) => cookies[handle]!.slice(cookies[handle]!.indexOf('=') + 1);

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: false }));
    browser = await launchBrowser();
    const admin = await signUp('sprachadmin');
    const member = await signUp('sprachmitglied');
    await signUp('sprachmod');
    // Created by a German-speaking admin: the community and its first category start out in German.
    const created = await admin.post(
      '/api/communities',
      { slug: 'sprache', name: 'Φώτα', description: 'Λάμπες και φως' },
      { ...host(), 'accept-language': 'de' },
    );
    expect(created.status).toBe(201);
    expect(created.body.community.language).toBe('de');
    expect(created.body.community.categories[0].name).toBe('Allgemein');
    await admin.put('/api/communities/sprache/members/sprachmod', { role: 'moderator' }, host());
    const topic = (
      await admin.post(
        '/api/communities/sprache/topics',
        { category: 'general', title: 'Ποια λάμπα ταιριάζει;', body: 'Χρειάζομαι **ζεστό** φως.', kind: 'question' },
        host(),
      )
    ).body.topic;
    const answer = (await member.post(`/api/topics/${topic.id}/posts`, { body: 'Μία E14, 2700 K.' }, host())).body.post;
    await admin.post(`/api/posts/${answer.id}/hide`, { reasonCode: 'off_topic' }, host());
    await member.post(`/api/topics/${topic.id}/posts`, { body: 'Ευχαριστώ @sprachadmin!' }, host());
    await admin.post(`/api/topics/${topic.id}/posts`, { body: 'Παρακαλώ @sprachmitglied.' }, host());
    topicPath = `/c/sprache/t/${topic.id}`;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const pages: { name: string; path: () => string; as: string | null; ready: string }[] = [
    { name: 'home', path: () => '/', as: null, ready: 'h1' },
    { name: 'community', path: () => '/c/sprache', as: null, ready: 'li.topic' },
    { name: 'topic', path: () => topicPath, as: null, ready: 'article' },
    { name: 'topic-member', path: () => topicPath, as: 'sprachmitglied', ready: 'article' },
    { name: 'topic-moderator', path: () => topicPath, as: 'sprachmod', ready: 'article' },
    { name: 'profile', path: () => '/u/sprachadmin', as: null, ready: 'h1' },
    { name: 'notifications', path: () => '/notifications', as: 'sprachmitglied', ready: 'ol li' },
    { name: 'search', path: () => '/c/sprache/search?q=λάμπα', as: null, ready: 'h1' },
    { name: 'login', path: () => '/login', as: null, ready: 'h1' },
    { name: 'signup', path: () => '/signup', as: null, ready: 'h1' },
    { name: 'new-topic', path: () => '/c/sprache/new', as: 'sprachmitglied', ready: 'h1' },
    { name: 'moderation-log', path: () => '/c/sprache/log', as: null, ready: 'h1' },
    { name: 'queue', path: () => '/c/sprache/queue', as: 'sprachmod', ready: 'h1' },
    { name: 'bans', path: () => '/c/sprache/bans', as: 'sprachmod', ready: 'h1' },
    { name: 'settings', path: () => '/c/sprache/settings', as: 'sprachadmin', ready: 'h1' },
    { name: 'new-community', path: () => '/new-community', as: 'sprachmitglied', ready: 'h1' },
    { name: 'not-found', path: () => '/no/such/page', as: null, ready: 'h1' },
  ];

  async function open(locale: string, as: string | null, path: string, ready: string): Promise<{ page: Page; context: BrowserContext; problems: string[] }> {
    const context = await browser.newContext({ locale, viewport: { width: 1200, height: 900 } });
    if (as) await context.addCookies([{ name: 'parley_session', value: session(as), url }]);
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${url}${path}`);
    await page.locator(ready).first().waitFor();
    await page.waitForLoadState('networkidle');
    return { page, context, problems };
  }

  /**
   * Waits for the page's language. Polled from here: Playwright's waitForFunction evaluates its
   * string in the page, which the strict CSP (no eval) refuses once it has to poll.
   */
  const langBecomes = (target: Page | Frame, lang: string) =>
    expect.poll(() => target.evaluate<string>('document.documentElement.lang'), { timeout: 10_000 }).toBe(lang);

  /** Every piece of text a reader sees or hears: text nodes, and the labels and titles of elements. */
  const visibleText = (page: Page) =>
    page.evaluate<string[]>(`(() => {
      const out = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        // Text marked with a language of its own (a language's own name in a picker) is not the page's.
        if (!el || el.closest('code, pre, script, style, noscript, [hidden], body [lang]')) continue;
        const text = n.textContent.trim();
        if (text) out.push(text);
      }
      for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
        if (el.closest('body [lang]')) continue;
        for (const a of ['aria-label', 'title', 'placeholder', 'alt']) { const v = el.getAttribute(a); if (v) out.push(v); }
      }
      out.push(document.title);
      return out;
    })()`);

  /**
   * Handles are Latin by rule, and numbers in the content (E14, 2700 K) are the members' own, as
   * are their e-mail addresses (the verify banner names where the link went).
   */
  const withoutContent = (text: string) =>
    HANDLES.reduce((t, h) => t.replace(/[\w.+-]+@example\.org/g, '').replaceAll(h, ''), text)
      // The first category's name and description are the community's own content (in German).
      .replace(/E14|2700 K|Parley|Allgemein|Alles, was sonst nirgends hinpasst\./g, '')
      .replace(/https?:\/\/\S+/g, '');

  /**
   * A community's language comes before the reader's browser, so the community is put in the
   * language under test. Pseudo-locales are not languages an admin may choose (the API refuses
   * them), so the test writes those into the row itself.
   */
  const communityLanguage = async (language: string) => {
    if (language.includes('-X')) await app.parley.ctx.db.execute(sql`UPDATE communities SET language = ${language} WHERE slug = 'sprache'`);
    else expect((await clients.sprachadmin!.patch('/api/communities/sprache', { language }, host())).status).toBe(200);
  };

  it.each(pages)('$name in en-XA: every word comes from the catalogue, nothing overflows, axe is clean', async ({ path, as, ready }) => {
    await communityLanguage('en-XA');
    const { page, context, problems } = await open('en-XA', as, path(), ready);
    expect(await page.evaluate('document.documentElement.lang')).toBe('en-XA');
    const plain = (await visibleText(page)).map(withoutContent).filter((t) => /[A-Za-z]{2,}/.test(t));
    expect(plain, JSON.stringify(plain)).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    expect(problems.filter((p) => !/status of 40[134]/.test(p))).toEqual([]);
    await context.close();
  });

  it.each(pages)('$name in German: no English sentence left, axe is clean', async ({ path, as, ready }) => {
    await communityLanguage('de');
    const { page, context, problems } = await open('de-DE', as, path(), ready);
    expect(await page.evaluate('document.documentElement.lang')).toBe('de');
    const text = (await visibleText(page)).join('\n');
    const left = englishOnly.filter((sentence) => text.includes(sentence));
    expect(left, JSON.stringify(left)).toEqual([]);
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    expect(problems.filter((p) => !/status of 40[134]/.test(p))).toEqual([]);
    await context.close();
  });

  it('lays pages out right to left in ar-XB: the header starts on the right, axe is clean', async () => {
    await communityLanguage('ar-XB');
    for (const [path, as] of [
      [topicPath, 'sprachmitglied'],
      ['/c/sprache', null],
    ] as const) {
      const { page, context } = await open('ar-XB', as, path, path === topicPath ? 'article' : 'li.topic');
      expect(await page.evaluate('document.documentElement.dir')).toBe('rtl');
      const [brandX, width] = await page.evaluate<[number, number]>(`[document.querySelector('header a').getBoundingClientRect().left, window.innerWidth]`);
      expect(brandX).toBeGreaterThan(width / 2);
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
      const violations = await axeViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);
      await page.screenshot({ path: `tests/e2e/screenshots/rtl-${as ? 'topic' : 'community'}.png`, fullPage: true });
      await context.close();
    }
  });

  it('a member’s own choice wins over the browser, and a community’s language over the browser', async () => {
    await communityLanguage('en');
    const member = clients.sprachmitglied!;
    expect((await member.put('/api/me/preferences', { locale: 'de' }, host())).status).toBe(200);
    let { page, context } = await open('en-US', 'sprachmitglied', '/', 'h1');
    expect(await page.evaluate('document.documentElement.lang')).toBe('de');
    await context.close();
    expect((await member.put('/api/me/preferences', { locale: null }, host())).status).toBe(200);

    await communityLanguage('de');
    ({ page, context } = await open('en-US', null, '/c/sprache', 'li.topic'));
    await langBecomes(page, 'de');
    expect(await page.locator('h1').first().isVisible()).toBe(true);
    // Leaving the community for the list of all communities goes back to the browser's language.
    await page.goto(`${url}/`);
    await page.locator('h1').first().waitFor();
    await langBecomes(page, 'en');
    // In the app, without a reload: from a topic of the community to a page of no community.
    await page.goto(`${url}${topicPath}`);
    await page.locator('article').first().waitFor();
    await langBecomes(page, 'de');
    await page.locator('header a[href^="/login"]').click();
    await page.locator('form').first().waitFor();
    await langBecomes(page, 'en');
    await context.close();
    await communityLanguage('en');
  });

  it('the widget speaks its host page’s language, or the one data-parley-locale names', async () => {
    await communityLanguage('en');
    const admin = clients.sprachadmin!;
    let hostOrigin = '';
    const hostPages = await startHostSite({
      '/de': {
        type: 'text/html',
        body: () =>
          `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Ω</title></head><body><div data-parley-community="sprache" data-parley-url="${hostOrigin}/de"></div><script async src="${url}/embed.js"></script></body></html>`,
      },
      '/xa': {
        type: 'text/html',
        body: () =>
          `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Ω</title></head><body><div data-parley-community="sprache" data-parley-locale="en-XA" data-parley-url="${hostOrigin}/xa"></div><script async src="${url}/embed.js"></script></body></html>`,
      },
    });
    hostOrigin = hostPages.origin;
    expect((await admin.patch('/api/communities/sprache', { embed: { allowedOrigins: [hostOrigin] } }, host())).status).toBe(200);
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    for (const [path, lang] of [
      ['/de', 'de'],
      ['/xa', 'en-XA'],
    ] as const) {
      await page.goto(`${hostOrigin}${path}`);
      const frame = await (await page.waitForSelector('iframe[src*="/embed/sprache"]')).contentFrame();
      if (!frame) throw new Error('no widget frame');
      await frame.waitForSelector('main');
      await langBecomes(frame, lang);
      await frame.waitForLoadState('networkidle');
      const text = await frame.evaluate<string>('document.body.innerText');
      if (lang === 'de') expect(englishOnly.filter((s) => text.includes(s))).toEqual([]);
      else expect(withoutContent(text).match(/[A-Za-z]{2,}/g)).toBeNull();
    }
    await context.close();
    await hostPages.close();
  });
});
