import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { axeViolations, describeViolations } from './axe.js';
import { createTestDatabase } from '../helpers/database.js';
import { siteApi } from './site-api.js';

/**
 * The public pages as the server sends them (issue 12): readable and pageable with JavaScript
 * off, hydrated without a node replaced or a reply fetched again, in the community's language
 * from the first byte, noindex where nobody should find them, and clean for axe.
 */
describe('server-rendered public pages in a browser', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let dropDatabase: () => Promise<void>;
  let call: ReturnType<typeof siteApi>['call'];
  let signUp: ReturnType<typeof siteApi>['signUp'];
  let cookies: Record<string, string>;

  /** A post's text, unique in the thread: n007 is not a part of n070 or n107. */
  const note = (n: number) => `Kettle note n${String(n).padStart(3, '0')} about limescale.`;
  const HIDDEN_NUMBER = 5;
  /** The German community's accent colour. */
  const ACCENT = '#8a3ffc';

  let longTopic: { id: number; path: string };
  let shortTopic: { id: number; path: string };
  let germanTopic: { id: number; path: string };

  /** A topic's canonical path, where its bare address redirects. */
  async function topicPath(slug: string, id: number): Promise<string> {
    const res = await fetch(`${url}/c/${slug}/t/${id}`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    return res.headers.get('location')!;
  }

  beforeAll(async () => {
    const database = await createTestDatabase();
    dropDatabase = database.drop;
    ({ app, url } = await startServer({ seedDemo: false, databaseUrl: database.url }));
    ({ call, signUp, cookies } = siteApi(app, url));
    browser = await launchBrowser();

    await signUp('wren', 'Wren Admin');
    await signUp('pip', 'Pip Reader');
    await call('POST', '/api/communities', 'wren', { slug: 'kettles', name: 'Kettle Club', description: 'Everything about kettles' });
    await call('POST', '/api/communities/kettles/categories', 'wren', { slug: 'descaling', name: 'Descaling' });

    // A thread of 120 posts: three pages of 50, 50 and 20.
    const long = (
      await call('POST', '/api/communities/kettles/topics', 'wren', {
        category: 'general',
        title: 'A very long kettle thread',
        body: note(1),
        kind: 'discussion',
      })
    ).json.topic;
    const ids: number[] = [];
    for (let n = 2; n <= 120; n++) {
      ids[n] = (await call('POST', `/api/topics/${long.id}/posts`, n % 2 ? 'wren' : 'pip', { body: note(n) })).json.post.id;
    }
    await call('POST', `/api/posts/${ids[HIDDEN_NUMBER]}/hide`, 'wren', { reasonCode: 'off_topic' });
    longTopic = { id: long.id, path: await topicPath('kettles', long.id) };

    const short = (
      await call('POST', '/api/communities/kettles/topics', 'wren', {
        category: 'descaling',
        title: 'Descaling with citric acid',
        body: 'How much citric acid per litre?',
        kind: 'discussion',
      })
    ).json.topic;
    for (const body of ['Two tablespoons.', 'Rinse twice afterwards.', 'Vinegar smells, citric acid does not.']) {
      await call('POST', `/api/topics/${short.id}/posts`, 'pip', { body });
    }
    shortTopic = { id: short.id, path: await topicPath('kettles', short.id) };

    await call('POST', '/api/communities', 'wren', { slug: 'lampen', name: 'Lampenfreunde', description: 'Alles über Lampen' });
    await call('PATCH', '/api/communities/lampen', 'wren', { language: 'de', accentColor: ACCENT });
    const german = (
      await call('POST', '/api/communities/lampen/topics', 'wren', {
        category: 'general',
        title: 'Warmes Licht',
        body: 'Welche Birne für warmes Licht?',
        kind: 'discussion',
      })
    ).json.topic;
    await call('POST', `/api/topics/${german.id}/posts`, 'pip', { body: 'Eine mit 2700 Kelvin.' });
    germanTopic = { id: german.id, path: await topicPath('lampen', german.id) };
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await dropDatabase?.();
  });

  /** The HTML the server sent, as any crawler gets it. */
  const raw = async (path: string, as: string | null = null) => {
    const res = await fetch(`${url}${path}`, { headers: as ? { cookie: cookies[as]! } : {}, redirect: 'manual' });
    return { status: res.status, html: await res.text(), headers: res.headers };
  };

  const mainText = (page: Page) => page.locator('main').innerText();

  /**
   * The server's HTML with its module script taken out: the DOM a reader without JavaScript gets,
   * in a page Playwright can still evaluate in (it cannot when JavaScript is off).
   */
  async function openWithoutScripts(page: Page, address: string) {
    await page.route(address, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(/<script type="module"[^>]*><\/script>/g, '');
      await route.fulfill({ response, body });
    });
    await page.goto(address);
    expect(await page.evaluate(`document.querySelectorAll('script[type="module"]').length`)).toBe(0);
  }

  describe('with JavaScript off', () => {
    let context: BrowserContext;
    beforeAll(async () => {
      context = await browser.newContext({ javaScriptEnabled: false });
    });
    afterAll(async () => context?.close());

    it('reads a thread of 120 posts and pages through it by its links', async () => {
      const page = await context.newPage();
      const res = await page.goto(`${url}${longTopic.path}`);
      expect(res?.status()).toBe(200);
      await page.getByRole('heading', { level: 1, name: 'A very long kettle thread' }).waitFor();
      let text = await mainText(page);
      expect(text).toContain(note(1));
      expect(text).toContain(note(2));
      expect(text).toContain(note(50));
      expect(text).not.toContain(note(51));
      // The hidden post is a tombstone: its text is nowhere in the document, its data block included.
      expect(await page.content()).not.toContain(note(HIDDEN_NUMBER));
      const pagination = page.locator('nav.pagination');
      expect(await pagination.innerText()).toMatch(/Page 1[\s\S]*Page 2[\s\S]*Page 3/);
      expect(await pagination.locator('[aria-current="page"]').innerText()).toBe('Page 1');
      expect(await pagination.locator('a[rel="prev"]').count()).toBe(0);

      await pagination.locator('a[rel="next"]').click();
      await page.waitForURL(`${url}${longTopic.path}?page=2`);
      text = await mainText(page);
      expect(text).toContain(note(51));
      expect(text).toContain(note(100));
      expect(text).not.toContain(note(1));
      expect(text).not.toContain(note(101));
      expect(await page.locator('nav.pagination [aria-current="page"]').innerText()).toBe('Page 2');

      await page.locator('nav.pagination a[rel="next"]').click();
      await page.waitForURL(`${url}${longTopic.path}?page=3`);
      text = await mainText(page);
      expect(text).toContain(note(101));
      expect(text).toContain(note(120));
      expect(text).not.toContain(note(100));
      expect(await page.locator('nav.pagination a[rel="next"]').count()).toBe(0);

      await page.locator('nav.pagination a[rel="prev"]').click();
      await page.waitForURL(`${url}${longTopic.path}?page=2`);
      expect(await mainText(page)).toContain(note(51));
      // Back to the first page: the bare URL, not ?page=1.
      await page.locator('nav.pagination a[rel="prev"]').click();
      await page.waitForURL(`${url}${longTopic.path}`);
      expect(await mainText(page)).toContain(note(1));
      await page.close();
    });

    it('lists a community’s topics and filters them by its category links', async () => {
      const page = await context.newPage();
      const res = await page.goto(`${url}/c/kettles`);
      expect(res?.status()).toBe(200);
      await page.getByRole('heading', { level: 1, name: 'Kettle Club' }).waitFor();
      await page.getByRole('link', { name: 'A very long kettle thread' }).waitFor();
      await page.getByRole('link', { name: 'Descaling with citric acid' }).waitFor();

      await page.getByRole('link', { name: 'Descaling', exact: true }).first().click();
      await page.waitForURL(`${url}/c/kettles?category=descaling`);
      await page.getByRole('link', { name: 'Descaling with citric acid' }).waitFor();
      expect(await page.getByRole('link', { name: 'A very long kettle thread' }).count()).toBe(0);

      // And from the list into a topic.
      await page.getByRole('link', { name: 'Descaling with citric acid' }).click();
      await page.waitForURL(`${url}${shortTopic.path}`);
      expect(await mainText(page)).toContain('Rinse twice afterwards.');
      await page.close();
    });

    it('answers a missing topic with 404 and a readable page', async () => {
      const page = await context.newPage();
      const res = await page.goto(`${url}/c/kettles/t/999999-no-such-topic`);
      expect(res?.status()).toBe(404);
      expect(await page.locator('main').innerText()).toMatch(/not found/i);
      // A page past the end of the thread is missing too.
      expect((await raw(`${longTopic.path}?page=4`)).status).toBe(404);
      await page.close();
    });
  });

  /**
   * Installed before any of the page's scripts: at readyState "interactive" (after parsing, before
   * deferred module scripts) it keeps the server's #post-3 and counts every post node removed later.
   */
  const WATCH_HYDRATION = `
    window.__removedPosts = 0;
    window.__marker = 'first load';
    document.addEventListener('readystatechange', () => {
      if (document.readyState !== 'interactive') return;
      window.__first = document.querySelector('#post-3');
      window.__serverText = document.querySelector('main') ? document.querySelector('main').textContent : null;
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.removedNodes) {
          if (n.nodeType === 1 && (n.matches('li.post') || n.querySelector('li.post'))) window.__removedPosts++;
        }
      }).observe(document.documentElement, { childList: true, subtree: true });
    });
  `;

  interface Opened {
    page: Page;
    context: BrowserContext;
    problems: string[];
    consoleMessages: string[];
    apiGets: string[];
  }

  async function openHydrated(path: string, as: string | null = null, locale = 'en-US'): Promise<Opened> {
    const context = await browser.newContext({ locale, viewport: { width: 1200, height: 900 } });
    if (as) await context.addCookies([{ name: 'parley_session', value: cookies[as]!.split('=')[1]!, url }]);
    await context.addInitScript(WATCH_HYDRATION);
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const consoleMessages: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'warning' || msg.type() === 'error') consoleMessages.push(`${msg.type()}: ${msg.text()}`);
    });
    const apiGets: string[] = [];
    page.on('request', (request) => {
      const u = new URL(request.url());
      if (request.method() === 'GET' && u.pathname.startsWith('/api/')) apiGets.push(u.pathname + u.search);
    });
    const res = await page.goto(`${url}${path}`);
    expect(res?.status()).toBe(200);
    await page.waitForLoadState('networkidle');
    return { page, context, problems, consoleMessages, apiGets };
  }

  /**
   * The replies the page was rendered from must not be asked for again. One read is by design: once
   * the live subscription is confirmed, the thread asks for the posts after the last one shown (a
   * reply may have come between the render, perhaps cached, and the subscription); that is not a
   * second fetch of the page's data.
   */
  async function refetched(page: Page, apiGets: string[], slug: string, topicId: number) {
    const last = await page.evaluate<number>(`Math.max(0, ...[...document.querySelectorAll('li.post[id^="post-"]')].map((li) => Number(li.id.slice(5))))`);
    const catchUp = `/api/topics/${topicId}?after=${last}&limit=50`;
    return apiGets.filter((u) => {
      const path = u.split('?')[0];
      if (u === catchUp) return false;
      return path === `/api/topics/${topicId}` || path === `/api/communities/${slug}` || path === '/api/auth/session' || path === '/api/me';
    });
  }

  /** Problems other than the inline-style CSP reports, which their own test below covers. */
  const otherThanInlineStyle = (problems: string[]) => problems.filter((p) => !p.includes('Applying inline style violates'));

  const hydrationKeptNodes = async (page: Page) => {
    expect(await page.evaluate(`window.__first !== null && window.__first !== undefined`)).toBe(true);
    expect(await page.evaluate(`window.__first === document.querySelector('#post-3')`)).toBe(true);
    expect(await page.evaluate(`window.__first.isConnected`)).toBe(true);
    expect(await page.evaluate(`window.__removedPosts`)).toBe(0);
  };

  describe('with JavaScript on', () => {
    it('hydrates a guest’s topic page on the server’s DOM, fetches nothing again, and carries on as the app', async () => {
      const { page, context, problems, consoleMessages, apiGets } = await openHydrated(shortTopic.path);
      await hydrationKeptNodes(page);
      expect(await refetched(page, apiGets, 'kettles', shortTopic.id)).toEqual([]);
      // Same words before and after hydration (relative times included: the server's "now" is used).
      expect(await page.evaluate<string>(`window.__serverText`)).toBe(await page.evaluate<string>(`document.querySelector('main').textContent`));

      // The app is live: a reply posted elsewhere appears without a reload.
      await call('POST', `/api/topics/${shortTopic.id}/posts`, 'wren', { body: 'Posted while you were reading.' });
      await page.getByText('Posted while you were reading.').waitFor({ timeout: 5000 });
      // The guests' cached rendering was dropped with it: the next crawler gets the reply too.
      await expect.poll(async () => (await raw(shortTopic.path)).html, { timeout: 5000 }).toContain('Posted while you were reading.');

      // And it navigates as the app: no second document load.
      await page
        .getByRole('navigation', { name: /breadcrumb/i })
        .getByRole('link', { name: 'Kettle Club' })
        .click();
      await page.waitForURL(`${url}/c/kettles`);
      await page.getByRole('link', { name: 'A very long kettle thread' }).waitFor();
      await page.getByRole('link', { name: 'A very long kettle thread' }).click();
      await page.getByRole('heading', { level: 1, name: 'A very long kettle thread' }).waitFor();
      expect(await page.evaluate<string>(`window.__marker`)).toBe('first load');
      expect(await page.evaluate<number>(`performance.getEntriesByType('navigation').length`)).toBe(1);

      expect(consoleMessages.filter((m) => /hydrat/i.test(m))).toEqual([]);
      expect(otherThanInlineStyle(problems)).toEqual([]);
      await context.close();
    });

    it('hydrates the first page of a long thread without replacing a post', async () => {
      const { page, context, problems, apiGets } = await openHydrated(longTopic.path);
      await hydrationKeptNodes(page);
      expect(await refetched(page, apiGets, 'kettles', longTopic.id)).toEqual([]);
      expect(await page.locator('li.post').count()).toBe(50);
      expect(await page.content()).not.toContain(note(HIDDEN_NUMBER));
      expect(otherThanInlineStyle(problems)).toEqual([]);
      await context.close();
    });

    it('renders a signed-in reader’s own view on the server, and hydrates it without asking again', async () => {
      const html = (await raw(shortTopic.path, 'pip')).html;
      // The header names them and the reply composer is there, in the HTML the server sent.
      expect(html).toContain('@pip');
      expect(html).toMatch(/id="reply"/);
      expect(html).toContain('Reply text');

      // A moderator's rendering shows the hidden post's text; the guests' (cached) rendering still does not.
      expect((await raw(longTopic.path, 'wren')).html).toContain(note(HIDDEN_NUMBER));
      expect((await raw(longTopic.path)).html).not.toContain(note(HIDDEN_NUMBER));

      const { page, context, problems, consoleMessages, apiGets } = await openHydrated(shortTopic.path, 'pip');
      // The context's own request (its cookies) gets the same personal rendering.
      expect(await (await page.request.get(`${url}${shortTopic.path}`)).text()).toContain('@pip');
      await hydrationKeptNodes(page);
      expect(await refetched(page, apiGets, 'kettles', shortTopic.id)).toEqual([]);
      await page.getByRole('textbox', { name: 'Reply text' }).waitFor();
      expect(consoleMessages.filter((m) => /hydrat/i.test(m))).toEqual([]);
      expect(otherThanInlineStyle(problems)).toEqual([]);
      await context.close();
    });

    it('renders a German community in German from the first byte, and hydration changes no word', async () => {
      const { html } = await raw(germanTopic.path);
      expect(html).toMatch(/<html lang="de"/);
      expect(html).toContain('Communitys');
      expect(html).toContain('Eine mit 2700 Kelvin.');

      const { page, context, problems, consoleMessages, apiGets } = await openHydrated(germanTopic.path, null, 'de-DE');
      expect(await page.evaluate('document.documentElement.lang')).toBe('de');
      expect(await page.evaluate<string>(`window.__serverText`)).toBe(await page.evaluate<string>(`document.querySelector('main').textContent`));
      expect(await refetched(page, apiGets, 'lampen', germanTopic.id)).toEqual([]);
      expect(consoleMessages.filter((m) => /hydrat/i.test(m))).toEqual([]);
      expect(otherThanInlineStyle(problems)).toEqual([]);
      await context.close();
    });
    it('paints a community’s accent colour from the server’s HTML, not only once hydrated', async () => {
      const accentOf = (page: Page) => page.evaluate<string>(`getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()`);
      const context = await browser.newContext();
      const hydrated = await context.newPage();
      await hydrated.goto(`${url}${germanTopic.path}`);
      await hydrated.waitForLoadState('networkidle');
      expect(await accentOf(hydrated)).toBe(ACCENT);
      const serverOnly = await context.newPage();
      await openWithoutScripts(serverOnly, `${url}${germanTopic.path}`);
      expect(await accentOf(serverOnly)).toBe(ACCENT);
      await context.close();
    });
  });

  describe('what search engines are told', () => {
    it('marks private pages noindex, and gives a topic page its canonical URL and no noindex', async () => {
      const noindex = '<meta name="robots" content="noindex">';
      for (const path of ['/login', '/c/kettles/settings', '/c/kettles/search?q=x']) {
        const { status, html } = await raw(path);
        expect(status, path).toBe(200);
        expect(html, path).toContain(noindex);
      }
      const topic = await raw(shortTopic.path);
      expect(topic.html).not.toContain(noindex);
      expect(topic.html).toContain(`<link rel="canonical" href="${url}${shortTopic.path}">`);
      const first = await raw(`${longTopic.path}?page=1`);
      expect(first.status).toBe(301);
      expect(first.headers.get('location')).toBe(longTopic.path);
      const second = await raw(`${longTopic.path}?page=2`);
      expect(second.html).toContain(`<link rel="canonical" href="${url}${longTopic.path}?page=2">`);
    });
  });

  describe('the content security policy', () => {
    /**
     * The CSP allows no inline style (style-src 'self'). The browser app sets style directives
     * through the CSSOM, which the CSP allows, but the server writes them as style="" attributes,
     * which the browser refuses while parsing: each one is a console error and a lost style.
     */
    it('holds for the server’s HTML: no inline style attribute in a rendered page, no violation reported', async () => {
      const { html } = await raw(shortTopic.path);
      const app = html.slice(html.indexOf('<div id="app">'), html.indexOf('<script id="parley-data"'));
      expect.soft(app.match(/<[^>]+\sstyle="[^"]*"[^>]*>/g) ?? []).toEqual([]);

      for (const hydrated of [false, true]) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const violations: string[] = [];
        page.on('console', (msg) => {
          if (/Content Security Policy/.test(msg.text())) violations.push(msg.text());
        });
        if (hydrated) await page.goto(`${url}${shortTopic.path}`);
        else await openWithoutScripts(page, `${url}${shortTopic.path}`);
        await page.waitForLoadState('networkidle');
        expect.soft(violations, `hydrated: ${hydrated}`).toEqual([]);
        // What the refused attribute costs: a post's avatar keeps the size it is drawn at.
        expect.soft(await page.evaluate(`getComputedStyle(document.querySelector('li.post .avatar')).width`), `hydrated: ${hydrated}`).toBe('36px');
        await context.close();
      }
    });
  });

  describe('axe', () => {
    // Without JavaScript: the server's HTML with its script taken out (openWithoutScripts).
    it.each([false, true])('finds nothing on a server-rendered topic page (the app hydrated: %s)', async (hydrated) => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      const page = await context.newPage();
      const problems = watchForProblems(page);
      const address = `${url}${longTopic.path}?page=2`;
      if (hydrated) await page.goto(address);
      else await openWithoutScripts(page, address);
      await page.locator('li.post').first().waitFor();
      await page.waitForLoadState('networkidle');
      const violations = await axeViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);
      expect(otherThanInlineStyle(problems)).toEqual([]);
      await context.close();
    });
  });
});
