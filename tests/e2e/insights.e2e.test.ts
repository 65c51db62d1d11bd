import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { axeViolations, describeViolations } from './axe.js';
import { siteApi } from './site-api.js';

/**
 * Insights in the browser (issue 16): a staff member opens them on a community whose activity is
 * known (three topics, two questions, one solved by a member, one reply each from a member and
 * from staff, searches with and without results) and sees the figures with their definitions, the
 * charts drawn (uPlot loaded on this page only), each chart's table and its CSV. A member gets no
 * link and an explanation on the URL. The admin switches on the public health panel, and a guest
 * sees it on the community page.
 */
describe('insights and the community health panel', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let api: ReturnType<typeof siteApi>;

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: false }));
    browser = await launchBrowser();
    api = siteApi(app, url);
    await api.signUp('olga', 'Olga Owner');
    await api.signUp('cara', 'Cara Staff');
    await api.signUp('mel', 'Mel Member');
    await api.signUp('nia', 'Nia Helper');
    await api.call('POST', '/api/communities', 'olga', { slug: 'acme', name: 'Acme Lamps' });
    await api.call('PUT', '/api/communities/acme/members/cara', 'olga', { role: 'staff' });

    const topic = async (as: string, title: string, kind: 'question' | 'discussion') =>
      (await api.call('POST', '/api/communities/acme/topics', as, { category: 'general', title, body: `${title}, in some detail.`, kind })).json.topic
        .id as number;
    const reply = async (as: string, topicId: number, body: string) =>
      (await api.call('POST', `/api/topics/${topicId}/posts`, as, { body })).json.post.id as number;

    const flicker = await topic('mel', 'Why does my lamp flicker?', 'question');
    const dimmer = await topic('mel', 'Which dimmer fits the desk lamp?', 'question');
    await topic('nia', 'Show us your reading corner', 'discussion');
    const answer = await reply('nia', flicker, 'Tighten the bulb: a loose contact flickers.');
    await reply('cara', dimmer, 'The D-200 fits, we tested it.');
    await api.call('POST', `/api/topics/${flicker}/solution`, 'mel', { postId: answer });

    for (const q of ['flicker', 'flicker', 'warranty', 'warranty', 'warranty']) await api.call('GET', `/api/communities/acme/search?q=${q}`, null);
    await app.parley.searchTerms.flush();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const contextFor = async (handle: string | null, colorScheme: 'light' | 'dark' = 'light'): Promise<BrowserContext> => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, colorScheme, acceptDownloads: true });
    if (handle) {
      const cookie = api.cookies[handle]!;
      await context.addCookies([{ name: 'parley_session', value: cookie.slice(cookie.indexOf('=') + 1), url }]);
    }
    return context;
  };

  /** The value shown for a headline figure. */
  const figure = (page: Page, key: string) => page.locator(`[data-figure="${key}"] .value`);

  it('a staff member sees the figures with their definitions, charts with tables, and CSV files', async () => {
    const context = await contextFor('cara');
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });

    // The community page links to insights for staff, and does not load the charting code.
    await page.goto(`${url}/c/acme`);
    const tools = page.getByRole('navigation', { name: 'Community pages' });
    await tools.getByRole('link', { name: 'Insights' }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(scripts.filter((s) => /uplot/i.test(s))).toEqual([]);
    await tools.getByRole('link', { name: 'Insights' }).click();
    await page.getByRole('heading', { level: 1, name: 'Insights' }).waitFor();

    // Headline figures, each with its definition beside it.
    await expect.poll(() => figure(page, 'topics').innerText()).toBe('3');
    expect(await figure(page, 'questions').innerText()).toBe('2');
    expect(await figure(page, 'replies').innerText()).toBe('2');
    expect(await figure(page, 'solvedRate').innerText()).toBe('50%');
    expect(await figure(page, 'peerSolvedShare').innerText()).toBe('100%');
    expect(await figure(page, 'staffReplyShare').innerText()).toBe('50%');
    expect(await page.locator('[data-figure="solvedRate"] .definition').innerText()).toBe('Share of the window’s questions that have an accepted answer.');
    // Nothing to measure: a dash, and why.
    expect(await figure(page, 'flagSettleMedianSeconds').innerText()).toContain('–');
    expect(await page.locator('[data-figure="flagSettleMedianSeconds"] .none').innerText()).toBe('No flag from this window has been settled.');
    // A duration in human units.
    expect(await figure(page, 'firstResponseMedianSeconds').innerText()).toMatch(/^\d+ seconds?$/);

    // The charts are drawn, by a chunk loaded for this page.
    await page.locator('[data-chart="activity"] canvas').first().waitFor();
    expect(await page.locator('[data-chart] canvas').count()).toBeGreaterThanOrEqual(6);
    expect(scripts.some((s) => /uplot/i.test(s))).toBe(true);

    // Each chart's table has a row per interval; screen readers have it without the toggle.
    const insights = (await api.call('GET', '/api/communities/acme/insights', 'cara')).json;
    const table = page.getByRole('table', { name: 'Topics and replies, per day' });
    expect(await table.locator('tbody tr').count()).toBe(insights.series.length);
    const today = table.locator('tbody tr').last();
    expect((await today.locator('td').allInnerTexts()).map((s) => s.trim())).toEqual(['3', '2', '2']);
    const toggle = page.getByRole('button', { name: 'Show as table: Topics and replies' });
    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await table.locator('caption').waitFor({ state: 'visible' });

    // CSV: the API's field names as the header, a row per interval with the raw numbers.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV: Topics and replies' }).click()]);
    expect(csv.suggestedFilename()).toMatch(/^acme-insights-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}-activity\.csv$/);
    const lines = (await readFile(await csv.path(), 'utf8')).trimEnd().split('\r\n');
    expect(lines[0]).toBe('start,topics,questions,replies');
    expect(lines).toHaveLength(insights.series.length + 1);
    expect(lines.at(-1)).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z,3,2,2$/);
    const [all] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download every series as CSV' }).click()]);
    const allLines = (await readFile(await all.path(), 'utf8')).trimEnd().split('\r\n');
    const header = allLines[0]!.split(',');
    expect(header[0]).toBe('start');
    expect(header.slice(1).sort()).toEqual(Object.keys(insights.totals).sort());
    expect(allLines).toHaveLength(insights.series.length + 1);

    // Superusers, and what people searched for (and did not find).
    const superusers = page.getByRole('region', { name: 'Superusers' });
    expect(await superusers.getByRole('row', { name: /Nia Helper/ }).innerText()).toMatch(/1\s+1/);
    await page
      .getByRole('table', { name: 'Searched for, found nothing' })
      .getByRole('row', { name: /warranty/ })
      .waitFor();
    expect(
      await page
        .getByRole('table', { name: 'Searched for, found nothing' })
        .getByRole('row', { name: /warranty/ })
        .innerText(),
    ).toMatch(/warranty\s+3/);
    expect(
      await page
        .getByRole('table', { name: 'Most searched' })
        .getByRole('row', { name: /flicker/ })
        .innerText(),
    ).toMatch(/flicker\s+2\s+\d+/);

    // The window is in the URL: a week at a time.
    await page.getByLabel('One point per').selectOption('week');
    await expect.poll(() => new URL(page.url()).searchParams.get('interval')).toBe('week');
    await page.getByRole('table', { name: 'Topics and replies, per week' }).waitFor();
    await page.getByLabel('Period').selectOption('90');
    await expect.poll(() => new URL(page.url()).searchParams.get('days')).toBe('90');
    await page.reload();
    expect(await page.getByLabel('Period').inputValue()).toBe('90');
    expect(await page.getByLabel('One point per').inputValue()).toBe('week');
    await expect.poll(() => figure(page, 'topics').innerText()).toBe('3');
    await page.locator('[data-chart="activity"] canvas').first().waitFor();
    await page.waitForLoadState('networkidle');

    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await page.screenshot({ path: 'tests/e2e/screenshots/insights.png', fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('passes axe in dark mode, and fits a phone', async () => {
    const context = await contextFor('olga', 'dark');
    const page = await context.newPage();
    await page.goto(`${url}/c/acme/insights`);
    await page.locator('[data-chart="activity"] canvas').first().waitFor();
    await page.waitForLoadState('networkidle');
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    // On a phone the charts take the screen's width and the tables scroll in their own box.
    await page.setViewportSize({ width: 375, height: 740 });
    await page.getByRole('button', { name: 'Show as table: Time to first response and to solution' }).click();
    await expect.poll(() => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
    await context.close();
  });

  it('a member gets no link, and an explanation on the URL', async () => {
    const context = await contextFor('mel');
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${url}/c/acme`);
    const tools = page.getByRole('navigation', { name: 'Community pages' });
    await tools.getByRole('link', { name: 'Moderation log' }).waitFor();
    expect(await tools.getByRole('link', { name: 'Insights' }).count()).toBe(0);

    await page.goto(`${url}/c/acme/insights`);
    await page.getByRole('heading', { name: 'Only staff, moderators and admins can see the insights' }).waitFor();
    expect(await page.locator('[data-figure]').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();

    // A guest is asked to sign in.
    const guestContext = await contextFor(null);
    const guest = await guestContext.newPage();
    await guest.goto(`${url}/c/acme/insights`);
    await guest.getByRole('heading', { name: 'Sign in to see the insights' }).waitFor();
    await guestContext.close();
  });

  it('the admin switches the health panel on, and a guest sees it on the community page', async () => {
    const guestContext = await contextFor(null);
    const guest = await guestContext.newPage();
    const guestProblems = watchForProblems(guest);
    await guest.goto(`${url}/c/acme`);
    await guest.getByRole('heading', { level: 1, name: 'Acme Lamps' }).waitFor();
    await guest.waitForLoadState('networkidle');
    expect(await guest.getByRole('region', { name: 'Community health' }).count()).toBe(0);

    const adminContext = await contextFor('olga');
    const admin = await adminContext.newPage();
    await admin.goto(`${url}/c/acme/settings`);
    const general = admin.locator('#general');
    const toggle = general.getByLabel('Show a community health panel');
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await general.getByRole('button', { name: 'Save' }).click();
    await general.getByText('Saved').waitFor();
    await adminContext.close();

    await guest.reload();
    const panel = guest.getByRole('region', { name: 'Community health' });
    await panel.waitFor();
    expect(await guest.locator('[data-health="solved"] .value').innerText()).toBe('50%');
    expect(await panel.innerText()).toContain('50% of the questions asked here have an accepted answer.');
    expect(await guest.locator('[data-health="members"] .value').innerText()).toBe('50%');
    expect(await guest.locator('[data-health="response"] .value').innerText()).toMatch(/^\d+ seconds?$/);
    const violations = await axeViolations(guest);
    expect(violations, describeViolations(violations)).toEqual([]);
    await guest.screenshot({ path: 'tests/e2e/screenshots/community-health.png', fullPage: true });
    expect(guestProblems.filter((p) => !/status of 404/.test(p))).toEqual([]);
    await guestContext.close();
  });
  it('speaks the community’s language: the page’s own words load with it', async () => {
    await api.call('PATCH', '/api/communities/acme', 'olga', { language: 'de' });
    const context = await contextFor('cara');
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${url}/c/acme/insights?days=7`);
    await page.getByRole('heading', { level: 1, name: 'Einblicke' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Kennzahlen' }).waitFor();
    expect(await page.locator('[data-figure="solvedRate"] dt').innerText()).toBe('Gelöst');
    expect(await page.locator('[data-figure="solvedRate"] .value').innerText()).toMatch(/^50\s%$/);
    await page.getByRole('table', { name: 'Themen und Antworten, pro Tag' }).waitFor();
    expect(await page.locator('main').innerText()).not.toMatch(/Headline figures|Trends|Superusers|Show as table/);
    expect(problems).toEqual([]);
    await context.close();
  });
});
