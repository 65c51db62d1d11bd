import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { axeViolations, describeViolations } from './axe.js';
import { siteApi } from './site-api.js';

/**
 * The staff inbox, live (issue 16): two staff members have it open in two browsers. Questions
 * nobody answered for a day show in both; one takes a question ("I'm on it") and the other sees
 * who has it without reloading, and takes it over only after confirming; snoozing an item takes it
 * out of the open items for both; a reply from a member makes an item leave by itself. A member
 * gets an explanation instead, and an admin adjusts a rule.
 */
describe('the staff inbox, live', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let api: ReturnType<typeof siteApi>;
  const topics: Record<string, number> = {};

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: false }));
    browser = await launchBrowser();
    api = siteApi(app, url);
    for (const [handle, name] of [
      ['olga', 'Olga'],
      ['ana', 'Ana'],
      ['ben', 'Ben'],
      ['mia', 'Mia'],
      ['noah', 'Noah'],
    ] as const) {
      await api.signUp(handle, name);
    }
    await api.call('POST', '/api/communities', 'olga', { slug: 'acme', name: 'Acme Lamps' });
    await api.call('PUT', '/api/communities/acme/members/ana', 'olga', { role: 'staff' });
    await api.call('PUT', '/api/communities/acme/members/ben', 'olga', { role: 'staff' });
    for (const [key, title] of [
      ['flicker', 'My lamp flickers at night'],
      ['bulb', 'Which bulb fits the Orbit lamp?'],
    ] as const) {
      const res = await api.call('POST', '/api/communities/acme/topics', 'mia', { category: 'general', title, body: `${title} Any idea?`, kind: 'question' });
      topics[key] = res.json.topic.id;
    }
    // Asked two days ago: past the rule's 24 hours without a reply (rules count whole hours, so the
    // test makes the questions old rather than the rule short).
    const ids = Object.values(topics);
    const db = app.parley.ctx.db;
    await db.execute(
      sql`UPDATE topics SET created_at = now() - interval '2 days', last_post_at = now() - interval '2 days' WHERE id IN (${sql.join(ids, sql`, `)})`,
    );
    await db.execute(sql`UPDATE posts SET created_at = now() - interval '2 days' WHERE topic_id IN (${sql.join(ids, sql`, `)})`);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const contextFor = async (handle: string): Promise<BrowserContext> => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const cookie = api.cookies[handle]!;
    await context.addCookies([{ name: 'parley_session', value: cookie.slice(cookie.indexOf('=') + 1), url }]);
    return context;
  };

  const item = (page: Page, title: string) => page.getByRole('article', { name: title });
  // A string, not a function: this runs in the page, where the test's types (no DOM) do not apply.
  const focusedText = (page: Page) => page.evaluate<string>(`document.activeElement?.textContent?.trim() ?? ''`);

  it('shows both staff members the same items, and who is on what, without reloading', async () => {
    const [anaCtx, benCtx] = [await contextFor('ana'), await contextFor('ben')];
    const [ana, ben] = [await anaCtx.newPage(), await benCtx.newPage()];
    const problems = [ana, ben].map((page) => watchForProblems(page));

    for (const page of [ana, ben]) {
      await page.goto(`${url}/c/acme/inbox`);
      await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
      await item(page, 'My lamp flickers at night').waitFor();
      await item(page, 'Which bulb fits the Orbit lamp?').waitFor();
      expect(await item(page, 'My lamp flickers at night').innerText()).toContain('No reply after 24 hours');
      await page.getByRole('link', { name: 'Open (2)' }).waitFor();
    }
    // The item leads to the question.
    expect(await item(ana, 'My lamp flickers at night').getByRole('link', { name: 'My lamp flickers at night' }).getAttribute('href')).toMatch(
      new RegExp(`^/c/acme/t/${topics.flicker}-`),
    );

    // Ana takes the first question: she sees it is hers, Ben sees that Ana has it.
    await item(ana, 'My lamp flickers at night').getByRole('button', { name: 'I’m on it' }).click();
    await item(ana, 'My lamp flickers at night').getByText('You are on it').waitFor();
    await item(ben, 'My lamp flickers at night').getByText('Ana is on it').waitFor({ timeout: 5000 });
    expect(await item(ben, 'My lamp flickers at night').getByRole('button', { name: 'I’m on it' }).count()).toBe(0);
    await ana.getByRole('link', { name: 'Taken by me (1)' }).waitFor({ timeout: 5000 });
    // The keyboard stays in the item, on its new first button.
    expect(await focusedText(ana)).toBe('Done');

    const violations = await axeViolations(ben);
    expect(violations, describeViolations(violations)).toEqual([]);
    await ben.screenshot({ path: 'tests/e2e/screenshots/inbox.png', fullPage: true });

    // Ben snoozes the other question for an hour: it leaves the open items, his and Ana's.
    const bulb = item(ben, 'Which bulb fits the Orbit lamp?');
    await bulb.getByRole('button', { name: 'Snooze' }).click();
    await bulb.getByRole('group', { name: 'Snooze for' }).getByRole('button', { name: '1 hour' }).click();
    await bulb.waitFor({ state: 'detached', timeout: 5000 });
    await item(ana, 'Which bulb fits the Orbit lamp?').waitFor({ state: 'detached', timeout: 5000 });
    await ben.getByRole('link', { name: 'Snoozed (1)' }).waitFor({ timeout: 5000 });
    // The keyboard went on to the item that is left.
    expect(await focusedText(ben)).toBe('My lamp flickers at night');
    await ben.getByRole('link', { name: 'Snoozed (1)' }).click();
    await item(ben, 'Which bulb fits the Orbit lamp?')
      .getByText(/^You snoozed it, back in (1 hour|60 minutes)$/)
      .waitFor();
    await ben.getByRole('link', { name: 'Open (1)' }).click();

    // Ben takes the first question over, after saying so; Ana sees that he has it now.
    const flicker = item(ben, 'My lamp flickers at night');
    await flicker.getByRole('button', { name: 'Take over' }).click();
    const dialog = ben.getByRole('dialog', { name: 'Take this over?' });
    expect(await dialog.innerText()).toContain('Ana said they are on it');
    await dialog.getByRole('button', { name: 'Take over' }).click();
    await flicker.getByText('You are on it').waitFor();
    await item(ana, 'My lamp flickers at night').getByText('Ben is on it').waitFor({ timeout: 5000 });

    // A member answers the question: it leaves both inboxes by itself.
    await api.call('POST', `/api/topics/${topics.flicker}/posts`, 'noah', { body: 'Mine did that too: a loose bulb. Screw it in tightly.' });
    await item(ana, 'My lamp flickers at night').waitFor({ state: 'detached', timeout: 5000 });
    await item(ben, 'My lamp flickers at night').waitFor({ state: 'detached', timeout: 5000 });
    await ana.getByText(/Nothing needs a person right now/).waitFor();
    await ana.getByRole('link', { name: 'Open (0)' }).waitFor();

    for (const list of problems) expect(list).toEqual([]);
    await Promise.all([anaCtx.close(), benCtx.close()]);
  });

  it('explains itself to a member, and lets an admin adjust the rules', async () => {
    const [miaCtx, olgaCtx] = [await contextFor('mia'), await contextFor('olga')];
    const [mia, olga] = [await miaCtx.newPage(), await olgaCtx.newPage()];
    const problems = [mia, olga].map((page) => watchForProblems(page));

    await mia.goto(`${url}/c/acme/inbox`);
    await mia.getByRole('heading', { name: 'The inbox is for staff' }).waitFor();
    expect(await mia.getByRole('article').count()).toBe(0);
    // Members are not pointed at it from the community page either.
    await mia.goto(`${url}/c/acme`);
    await mia.getByRole('navigation', { name: 'Community pages' }).waitFor();
    expect(await mia.getByRole('navigation', { name: 'Community pages' }).getByRole('link', { name: 'Inbox' }).count()).toBe(0);

    // The admin finds it from the community page, reads the rules, and changes one.
    await olga.goto(`${url}/c/acme`);
    await olga.getByRole('navigation', { name: 'Community pages' }).getByRole('link', { name: 'Inbox' }).click();
    const rules = olga.getByRole('region', { name: 'Rules' });
    await rules.getByText('Questions and discussions without a reply after 24 hours').waitFor();
    await rules.getByRole('button', { name: 'Change the rules' }).click();
    const hours = rules.getByLabel('Hours without a reply');
    expect(await hours.evaluate((el) => el === el.ownerDocument.activeElement || el.ownerDocument.activeElement?.tagName === 'INPUT')).toBe(true);
    await hours.fill('0');
    await rules.getByRole('button', { name: 'Save rules' }).click();
    await rules.getByText('Enter a whole number from 1 to 720.').waitFor();
    expect(await hours.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await hours.fill('48');
    await rules.getByRole('button', { name: 'Save rules' }).click();
    await rules.getByText('Rules saved.').waitFor();
    await rules.getByText('Questions and discussions without a reply after 48 hours').waitFor();
    expect(await focusedText(olga)).toBe('Change the rules');

    const violations = await axeViolations(olga);
    expect(violations, describeViolations(violations)).toEqual([]);

    for (const list of problems) expect(list).toEqual([]);
    await Promise.all([miaCtx.close(), olgaCtx.close()]);
  });
});
