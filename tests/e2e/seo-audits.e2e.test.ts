import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer } from './browser.js';
import { createTestDatabase } from '../helpers/database.js';
import { siteApi } from './site-api.js';

/**
 * Lighthouse's SEO category (12.x), run by hand in Chromium so the project needs no Lighthouse:
 * each public page must pass every audit that counts towards the score, plus the two mobile
 * audits Lighthouse has since moved or dropped (legible font sizes; tap targets, now axe's
 * `target-size` in its accessibility category). Checked on the server's HTML as a crawler reads
 * it and again once the app has hydrated, since the app may rewrite the head.
 */
describe('SEO audits of the server-rendered public pages', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let dropDatabase: () => Promise<void>;
  let call: ReturnType<typeof siteApi>['call'];
  let signUp: ReturnType<typeof siteApi>['signUp'];
  const pages: Record<'topic' | 'community' | 'profile', string> = { topic: '', community: '/c/kettles', profile: '/u/pip' };

  beforeAll(async () => {
    const database = await createTestDatabase();
    dropDatabase = database.drop;
    ({ app, url } = await startServer({ seedDemo: false, databaseUrl: database.url }));
    ({ call, signUp } = siteApi(app, url));
    browser = await launchBrowser();

    await signUp('wren', 'Wren Admin');
    await signUp('pip', 'Pip Reader');
    await call('POST', '/api/communities', 'wren', { slug: 'kettles', name: 'Kettle Club', description: 'Everything about kettles' });
    await call('POST', '/api/communities/kettles/categories', 'wren', { slug: 'descaling', name: 'Descaling' });
    // A solved question with an image and a link in its text: QAPage data, image-alt and link-text have something to check.
    const { topic } = (
      await call('POST', '/api/communities/kettles/topics', 'pip', {
        category: 'descaling',
        title: 'How much citric acid per litre?',
        body: `My kettle is white inside.\n\n![Limescale on the kettle's element](${url}/favicon.svg)\n\nThe [manufacturer's descaling guide](https://example.org/descaling) gives no amount.`,
        kind: 'question',
      })
    ).json;
    const answer = (await call('POST', `/api/topics/${topic.id}/posts`, 'wren', { body: 'Two tablespoons per litre, then rinse twice.' })).json.post;
    await call('POST', `/api/topics/${topic.id}/posts`, 'pip', { body: 'That worked, thank you.' });
    await call('POST', `/api/topics/${topic.id}/solution`, 'pip', { postId: answer.id });
    await call('POST', `/api/posts/${answer.id}/reactions`, 'pip', { kind: 'helpful' });
    const bare = await fetch(`${url}/c/kettles/t/${topic.id}`, { redirect: 'manual' });
    pages.topic = bare.headers.get('location')!;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await dropDatabase?.();
  });

  // -- robots.txt (Lighthouse's robots-txt audit, and the robots.txt half of is-crawlable) ------------

  const DIRECTIVES = new Set(['user-agent', 'disallow', 'allow', 'sitemap', 'crawl-delay', 'clean-param', 'host', 'request-rate', 'visit-time', 'noindex']);

  /** Lighthouse's robots.txt validation: the lines that would fail it, with the reason. */
  function robotsTxtErrors(text: string): string[] {
    const errors: string[] = [];
    let inGroup = false;
    for (const [index, raw] of text.split(/\r\n|\r|\n/).entries()) {
      const line = raw.replace(/#.*$/, '').trim();
      if (!line) continue;
      const colon = line.indexOf(':');
      const where = `line ${index + 1} "${raw}"`;
      if (colon < 0) {
        errors.push(`${where}: syntax not understood`);
        continue;
      }
      const directive = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (!DIRECTIVES.has(directive)) errors.push(`${where}: unknown directive`);
      if (directive === 'user-agent') {
        inGroup = true;
        if (!value) errors.push(`${where}: no user-agent specified`);
      }
      if (directive === 'allow' || directive === 'disallow') {
        if (!inGroup) errors.push(`${where}: rule before any user-agent`);
        if (value && !/^[/*]/.test(value)) errors.push(`${where}: pattern must start with "/" or "*"`);
        if (value.slice(0, -1).includes('$')) errors.push(`${where}: "$" only at the end of a pattern`);
      }
      if (directive === 'sitemap') {
        try {
          if (!['http:', 'https:', 'ftp:'].includes(new URL(value).protocol)) errors.push(`${where}: invalid sitemap protocol`);
        } catch {
          errors.push(`${where}: invalid sitemap URL`);
        }
      }
    }
    return errors;
  }

  /** The group for every crawler: does its longest matching rule allow the path? Allow wins a tie. */
  function robotsAllows(text: string, path: string): boolean {
    const rules: { allow: boolean; pattern: string }[] = [];
    let forEveryone = false;
    let lastWasAgent = false;
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.replace(/#.*$/, '').trim();
      const [directive = '', ...rest] = line.split(':');
      const key = directive.trim().toLowerCase();
      const value = rest.join(':').trim();
      if (key === 'user-agent') {
        forEveryone = (lastWasAgent && forEveryone) || value === '*';
        lastWasAgent = true;
        continue;
      }
      lastWasAgent = false;
      if (forEveryone && (key === 'allow' || key === 'disallow') && value) rules.push({ allow: key === 'allow', pattern: value });
    }
    const matches = (pattern: string) => {
      const anchored = pattern.endsWith('$');
      const body = (anchored ? pattern.slice(0, -1) : pattern).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
      return new RegExp(`^${body}${anchored ? '$' : ''}`).test(path);
    };
    const best = rules.filter((r) => matches(r.pattern)).sort((a, b) => b.pattern.length - a.pattern.length || Number(b.allow) - Number(a.allow))[0];
    return best?.allow ?? true;
  }

  it('serves a valid robots.txt that names the sitemap and lets crawlers reach every public page', async () => {
    const res = await fetch(`${url}/robots.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(robotsTxtErrors(text)).toEqual([]);
    const sitemaps = text.match(/^sitemap:\s*(\S+)/gim)?.map((l) => l.replace(/^sitemap:\s*/i, '')) ?? [];
    expect(sitemaps).toEqual([`${url}/sitemap.xml`]);
    expect((await fetch(sitemaps[0]!)).status).toBe(200);
    for (const path of Object.values(pages)) expect(robotsAllows(text, path), path).toBe(true);
    // The parser is not vacuous: it does read the rules it was given.
    expect(robotsAllows(text, '/api/topics/1')).toBe(false);
  });

  // -- the page audits ---------------------------------------------------------------------------

  interface PageFacts {
    location: string;
    title: string;
    titles: number;
    descriptions: string[];
    htmlLang: string;
    viewports: string[];
    robots: string[];
    canonicals: string[];
    hreflangs: { lang: string; href: string }[];
    anchors: { rawHref: string | null; href: string; text: string; lang: string; rel: string; role: string; id: string; name: string }[];
    images: { src: string; hasAlt: boolean; role: string; label: string }[];
    plugins: number;
    jsonLd: string[];
    legibleChars: number;
    textChars: number;
  }

  /**
   * What Lighthouse's gatherers collect, read in the page. A string, not a function: it runs in
   * the browser, where the test's transpiled helpers do not exist.
   */
  const GATHER = `(() => {
    const attr = (sel, name) => [...document.querySelectorAll(sel)].map((el) => el.getAttribute(name) ?? '');
    const langOf = (el) => (el.closest('[lang]')?.getAttribute('lang') ?? '').toLowerCase();
    const anchors = [...document.querySelectorAll('a')].map((a) => ({
      rawHref: a.getAttribute('href'), href: a.href, text: a.innerText ?? '', lang: langOf(a),
      rel: a.rel ?? '', role: a.getAttribute('role') ?? '', id: a.id ?? '', name: a.getAttribute('name') ?? '',
    }));
    const images = [...document.querySelectorAll('img')].map((img) => ({
      src: img.currentSrc || img.src, hasAlt: img.hasAttribute('alt'), role: img.getAttribute('role') ?? '',
      label: img.getAttribute('aria-label') ?? img.getAttribute('aria-labelledby') ?? img.getAttribute('title') ?? '',
    }));
    // Lighthouse's font-size: characters of visible text, legible at 12 CSS pixels or more.
    let legibleChars = 0, textChars = 0;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const length = node.textContent.trim().length;
      if (!parent || !length || parent.closest('script, style, noscript, template')) continue;
      const style = getComputedStyle(parent);
      if (style.visibility === 'hidden' || parent.getClientRects().length === 0) continue;
      textChars += length;
      if (parseFloat(style.fontSize) >= 12) legibleChars += length;
    }
    return {
      location: location.href, title: document.title, titles: document.querySelectorAll('head > title').length,
      descriptions: attr('meta[name="description" i]', 'content'),
      htmlLang: document.documentElement.getAttribute('lang') ?? '',
      viewports: attr('meta[name="viewport" i]', 'content'),
      robots: attr('meta[name="robots" i], meta[name="googlebot" i]', 'content'),
      canonicals: attr('link[rel~="canonical" i]', 'href'),
      hreflangs: [...document.querySelectorAll('link[rel~="alternate" i][hreflang]')].map((l) => ({ lang: l.getAttribute('hreflang'), href: l.getAttribute('href') })),
      anchors, images,
      plugins: document.querySelectorAll('object, embed, applet').length,
      jsonLd: [...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => s.textContent),
      legibleChars, textChars,
    };
  })()`;

  /** Lighthouse's list of link texts that say nothing, in the languages Parley has. */
  const GENERIC_LINK_TEXTS: Record<string, Set<string>> = {
    en: new Set([
      'click here',
      'click this',
      'go',
      'here',
      'information',
      'learn more',
      'more',
      'more info',
      'more information',
      'right here',
      'read more',
      'see more',
      'start',
      'this',
    ]),
    de: new Set(['klicke hier', 'hier klicken', 'hier', 'mehr', 'siehe', 'dies', 'das', 'weiterlesen']),
  };
  const isGeneric = (text: string, lang: string) => {
    const term = text.trim().toLowerCase();
    const lists = GENERIC_LINK_TEXTS[lang.split('-')[0]!] ? [GENERIC_LINK_TEXTS[lang.split('-')[0]!]!] : Object.values(GENERIC_LINK_TEXTS);
    return !!term && lists.some((list) => list.has(term));
  };

  const withoutFragment = (address: string) => address.replace(/#.*$/, '');

  /** Every failed audit as "audit: why", so one run names them all. */
  function auditFailures(facts: PageFacts, expectedUrl: string): string[] {
    const failures: string[] = [];
    const fail = (audit: string, why: string) => failures.push(`${audit}: ${why}`);

    if (!facts.title.trim()) fail('document-title', 'empty <title>');
    if (facts.titles !== 1) fail('document-title', `${facts.titles} <title> elements`);
    if (facts.descriptions.length !== 1 || !facts.descriptions[0]!.trim()) fail('meta-description', `${JSON.stringify(facts.descriptions)}`);

    if (!facts.htmlLang) fail('html-has-lang', 'no lang on <html>');
    else {
      try {
        if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(facts.htmlLang)) throw new Error('not a language tag');
        Intl.getCanonicalLocales(facts.htmlLang);
      } catch {
        fail('html-lang-valid', facts.htmlLang);
      }
    }

    const viewport = facts.viewports[0] ?? '';
    if (facts.viewports.length !== 1 || !/width\s*=\s*device-width|initial-scale/i.test(viewport)) fail('viewport', JSON.stringify(facts.viewports));
    if (/user-scalable\s*=\s*(no|0)/i.test(viewport)) fail('meta-viewport', viewport);

    for (const content of facts.robots) if (/\b(noindex|none)\b/i.test(content)) fail('is-crawlable', `meta robots "${content}"`);

    if (facts.canonicals.length !== 1) fail('canonical', `${facts.canonicals.length} canonical links`);
    for (const href of facts.canonicals) {
      if (!/^https?:\/\//.test(href)) fail('canonical', `not absolute: ${href}`);
      else if (new URL(href).origin !== new URL(expectedUrl).origin) fail('canonical', `another origin: ${href}`);
      else if (href !== expectedUrl) fail('canonical', `points to ${href}, not to the page itself (${expectedUrl})`);
    }

    for (const { lang, href } of facts.hreflangs) {
      if (!/^(x-default|[a-z]{2,3}(-[a-z0-9]{2,8})*)$/i.test(lang)) fail('hreflang', `invalid language "${lang}"`);
      if (!/^https?:\/\//.test(href)) fail('hreflang', `not absolute: ${href}`);
    }

    // crawlable-anchors, as Lighthouse decides it.
    for (const a of facts.anchors) {
      const raw = (a.rawHref ?? '').replace(/\s/g, '');
      if (a.role.trim() || raw.startsWith('mailto:') || (raw === '' && a.id)) continue;
      const problem = raw.startsWith('file:')
        ? 'file: link'
        : a.name.trim()
          ? null
          : a.rawHref === null
            ? null
            : raw === ''
              ? 'empty href'
              : /^javascript:/i.test(raw)
                ? 'javascript: link'
                : null;
      if (problem) fail('crawlable-anchors', `${problem} "${a.text.trim()}" (${a.rawHref})`);
    }

    // link-text: links to other pages whose text says nothing.
    for (const a of facts.anchors) {
      if (!a.href || a.rel.split(/\s+/).includes('nofollow') || /^(javascript|mailto):/i.test(a.href)) continue;
      if (withoutFragment(a.href) === withoutFragment(facts.location)) continue;
      if (isGeneric(a.text, a.lang)) fail('link-text', `"${a.text.trim()}" → ${a.href}`);
    }

    for (const img of facts.images) {
      if (!img.hasAlt && !['none', 'presentation'].includes(img.role) && !img.label) fail('image-alt', img.src);
    }
    if (facts.plugins > 0) fail('plugins', `${facts.plugins} <object>/<embed>/<applet>`);

    for (const text of facts.jsonLd) {
      try {
        const data = JSON.parse(text) as Record<string, unknown>;
        if (!/^https?:\/\/schema\.org\/?$/.test(String(data['@context']))) fail('structured-data', `@context ${String(data['@context'])}`);
        if (!data['@type']) fail('structured-data', 'no @type');
      } catch (err) {
        fail('structured-data', `not JSON: ${(err as Error).message}`);
      }
    }

    const legible = facts.textChars ? facts.legibleChars / facts.textChars : 0;
    if (legible < 0.6) fail('font-size', `${Math.round(legible * 100)}% of ${facts.textChars} characters at 12px or more`);
    return failures;
  }

  const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

  /** Lighthouse 12's tap target audit is axe's target-size (WCAG 2.2): 24 by 24 pixels, or spaced so. */
  async function tapTargetFailures(page: Page): Promise<string[]> {
    await page.evaluate(AXE_SOURCE);
    return page.evaluate<string[]>(`(async () => {
      const result = await window.axe.run(document, { runOnly: { type: 'rule', values: ['target-size'] } });
      return result.violations.flatMap((v) => v.nodes.map((n) => 'target-size: ' + n.target.join(' ') + ' ' + n.html.slice(0, 120)));
    })()`);
  }

  /** The page as Lighthouse's mobile run sees it (a Moto G Power). */
  const MOBILE = { viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true };

  /**
   * The server's HTML with its module script taken out: what a crawler that does not run
   * JavaScript reads, in a page Playwright can still evaluate in.
   */
  async function openServerHtml(page: Page, address: string) {
    await page.route(address, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(/<script type="module"[^>]*><\/script>/g, '');
      await route.fulfill({ response, body });
    });
    return page.goto(address);
  }

  describe.each(['topic', 'community', 'profile'] as const)('the %s page', (name) => {
    let context: BrowserContext;
    beforeAll(async () => {
      context = await browser.newContext(MOBILE);
    });
    afterAll(async () => context?.close());

    it('answers 200, indexable, to a crawler’s plain GET', async () => {
      const res = await fetch(`${url}${pages[name]}`, { redirect: 'manual' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('x-robots-tag') ?? '').not.toMatch(/noindex|none/i);
      const html = await res.text();
      expect(html).toMatch(/<title>\s*\S[^<]*<\/title>/);
      expect(html).not.toMatch(/<meta name="robots" content="[^"]*noindex/);
    });

    it.each([
      ['the server’s HTML', false],
      ['the hydrated app', true],
    ] as const)('passes every SEO audit in %s', async (_label, hydrated) => {
      const page = await context.newPage();
      const address = `${url}${pages[name]}`;
      const res = hydrated ? await page.goto(address) : await openServerHtml(page, address);
      expect(res?.status()).toBe(200);
      await page.waitForLoadState('networkidle');
      const facts = await page.evaluate<PageFacts>(GATHER);
      expect([...auditFailures(facts, address), ...(await tapTargetFailures(page))]).toEqual([]);

      // Not vacuous: the page has the content the audits looked at.
      expect(facts.anchors.length).toBeGreaterThan(3);
      expect(facts.textChars).toBeGreaterThan(100);
      const types = facts.jsonLd.map((text) => (JSON.parse(text) as { '@type': string })['@type']);
      const expected = { topic: ['QAPage', 'BreadcrumbList'], community: ['BreadcrumbList'], profile: ['ProfilePage'] }[name];
      expect(types).toEqual(expect.arrayContaining(expected));
      if (name === 'topic') {
        expect(facts.images.length).toBeGreaterThan(0);
        expect(facts.anchors.some((a) => /descaling guide$/.test(a.text.trim()))).toBe(true);
      }
      await page.close();
    });
  });

  it('would catch what it checks: a page with the usual mistakes fails each audit', () => {
    const broken: PageFacts = {
      location: `${url}/x`,
      title: ' ',
      titles: 2,
      descriptions: [],
      htmlLang: 'english',
      viewports: [],
      robots: ['noindex, nofollow'],
      canonicals: ['/x', `${url}/`],
      hreflangs: [{ lang: 'english', href: '/en' }],
      anchors: [
        { rawHref: 'javascript:void(0)', href: 'javascript:void(0)', text: 'Open', lang: 'en', rel: '', role: '', id: '', name: '' },
        { rawHref: '', href: `${url}/x`, text: 'Empty', lang: 'en', rel: '', role: '', id: '', name: '' },
        { rawHref: '/y', href: `${url}/y`, text: 'Click here', lang: 'en', rel: '', role: '', id: '', name: '' },
      ],
      images: [{ src: `${url}/a.png`, hasAlt: false, role: '', label: '' }],
      plugins: 1,
      jsonLd: ['{"@context":"https://example.org","@type":"Thing"}', '{oops'],
      legibleChars: 10,
      textChars: 100,
    };
    const audits = new Set(auditFailures(broken, `${url}/x`).map((f) => f.split(':')[0]));
    expect([...audits].sort()).toEqual(
      [
        'canonical',
        'crawlable-anchors',
        'document-title',
        'font-size',
        'hreflang',
        'html-lang-valid',
        'image-alt',
        'is-crawlable',
        'link-text',
        'meta-description',
        'plugins',
        'structured-data',
        'viewport',
      ].sort(),
    );
    expect(robotsTxtErrors('Disallow: /private\nUser-agent: *\nAllow: private\nSitemap: /sitemap.xml\nNoise here')).toHaveLength(4);
  });
});
