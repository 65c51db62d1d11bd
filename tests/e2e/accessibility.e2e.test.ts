import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { axeViolations, describeViolations } from './axe.js';
import { TestClient } from '../helpers/client.js';

/**
 * axe-core over the main pages, as a guest, as a member, as a moderator and as an admin, in light
 * and dark colour schemes and on a phone-sized screen: no violations at all, no console errors.
 * Each page also gets a screenshot for the README.
 */
describe('the main pages are accessible', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let origin: string;
  let topicPath: string;
  let ideaPath: string;
  const cookies: Record<string, string> = {};

  const signUp = async (handle: string) => {
    const client = new TestClient(app, { origin });
    const res = await client.post(
      '/api/auth/signup',
      { handle, email: `${handle}@example.org`, password: 'correct horse battery' },
      { host: new URL(url).host },
    );
    expect(res.status, res.text).toBe(201);
    cookies[handle] = client.cookie!;
    return client;
  };

  const sessionValue = (handle: string) => cookies[handle]!.slice(cookies[handle]!.indexOf('=') + 1);

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: true }));
    origin = new URL(url).origin;
    browser = await launchBrowser();
    const host = { host: new URL(url).host };
    const admin = await signUp('axeadmin');
    await signUp('axemember');
    await signUp('axemod');
    expect((await admin.post('/api/communities', { slug: 'axe', name: 'Axe Lamps', description: 'Lamps, checked for accessibility' }, host)).status).toBe(201);
    await admin.put('/api/communities/axe/members/axemod', { role: 'moderator' }, host);
    const topic = (
      await admin.post(
        '/api/communities/axe/topics',
        { category: 'general', title: 'Which bulb fits the desk lamp?', body: 'I need a **warm** bulb.', kind: 'question' },
        host,
      )
    ).body.topic;
    const answer = (await admin.post(`/api/topics/${topic.id}/posts`, { body: 'An E14 one, 2700 K.' }, host)).body.post;
    await admin.post(`/api/posts/${answer.id}/hide`, { reason: 'Off topic for this community' }, host);
    await admin.post(`/api/topics/${topic.id}/posts`, { body: 'Thanks, that worked.' }, host);
    topicPath = `/c/axe/t/${topic.id}`;
    // An idea with votes and a status from the team, and notifications for the member.
    const idea = (
      await admin.post(
        '/api/communities/axe/topics',
        { category: 'general', title: 'A lamp with a timer', body: 'Off after an hour, @axemember?', kind: 'idea' },
        host,
      )
    ).body.topic;
    await admin.put(`/api/topics/${idea.id}/idea-status`, { status: 'planned', note: 'Next year’s model.' }, host);
    await admin.post(`/api/topics/${topic.id}/posts`, { body: 'Thanks @axemember, noted.' }, host);
    ideaPath = `/c/axe/t/${idea.id}`;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const pages: { name: string; path: () => string; as: string | null; ready: string }[] = [
    { name: 'home', path: () => '/', as: null, ready: 'h1' },
    { name: 'community', path: () => '/c/axe', as: null, ready: 'h1' },
    { name: 'topic', path: () => topicPath, as: null, ready: 'article' },
    { name: 'topic-member', path: () => topicPath, as: 'axemember', ready: 'article' },
    { name: 'topic-moderator', path: () => topicPath, as: 'axemod', ready: 'article' },
    { name: 'profile', path: () => '/u/axeadmin', as: null, ready: 'h1' },
    { name: 'community-member', path: () => '/c/axe?category=general', as: 'axemember', ready: 'li.topic' },
    { name: 'idea-staff', path: () => ideaPath, as: 'axeadmin', ready: 'article' },
    { name: 'notifications', path: () => '/notifications', as: 'axemember', ready: 'ol li' },
    { name: 'search', path: () => '/c/axe/search?q=bulb', as: null, ready: 'h1' },
    { name: 'login', path: () => '/login', as: null, ready: 'h1' },
    { name: 'signup', path: () => '/signup', as: null, ready: 'h1' },
    { name: 'new-topic', path: () => '/c/axe/new', as: 'axemember', ready: 'h1' },
    { name: 'moderation-log', path: () => '/c/axe/log', as: null, ready: 'h1' },
    { name: 'queue', path: () => '/c/axe/queue', as: 'axemod', ready: 'h1' },
    { name: 'bans', path: () => '/c/axe/bans', as: 'axemod', ready: 'h1' },
    { name: 'settings', path: () => '/c/axe/settings', as: 'axeadmin', ready: 'h1' },
    { name: 'new-community', path: () => '/new-community', as: 'axemember', ready: 'h1' },
    { name: 'not-found', path: () => '/no/such/page', as: null, ready: 'h1' },
  ];

  for (const scheme of ['light', 'dark'] as const) {
    it.each(pages)(`$name (${scheme}) has no axe violations`, async ({ name, path, as, ready }) => {
      const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1200, height: 900 } });
      if (as) await context.addCookies([{ name: 'parley_session', value: sessionValue(as), url }]);
      const page = await context.newPage();
      const problems = watchForProblems(page);
      await page.goto(`${url}${path()}`);
      await page.locator(ready).first().waitFor();
      // Let loading states settle into the page a reader actually sees.
      await page.waitForLoadState('networkidle');
      const violations = await axeViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);
      if (scheme === 'light') await page.screenshot({ path: `tests/e2e/screenshots/${name}.png`, fullPage: true });
      expect(problems.filter((p) => !/status of 40[134]/.test(p))).toEqual([]);
      await context.close();
    });
  }

  it('works on a phone-sized screen: the topic page has no horizontal scroll and passes axe', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    await context.addCookies([{ name: 'parley_session', value: sessionValue('axemember'), url }]);
    const page = await context.newPage();
    await page.goto(`${url}${topicPath}`);
    await page.locator('article').first().waitFor();
    await page.waitForLoadState('networkidle');
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await page.screenshot({ path: 'tests/e2e/screenshots/topic-phone.png', fullPage: true });
    // The pages that grew controls for ideas, notifications and reading fit the phone too.
    for (const path of [ideaPath, '/notifications', '/c/axe?category=general', '/c/axe?sort=votes']) {
      await page.goto(`${url}${path}`);
      await page.locator('h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1'), path).toBe(true);
    }
    await context.close();
  });
});
