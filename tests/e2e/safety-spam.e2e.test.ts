import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { axeViolations, describeViolations } from './axe.js';
import { siteApi } from './site-api.js';
import { rows } from '../../db/client.js';

/**
 * A spam wave, in the browser: sign-up asks for the proof of work, which the page solves in a
 * worker (strict CSP, no cookie beyond the session); the site admin blocks a domain and suspends a
 * spammer from /admin/safety, removing what they posted.
 */
describe('spam waves: the sign-up challenge and the site admin’s safety page', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let site: ReturnType<typeof siteApi>;
  const problems: string[][] = [];
  const track = (page: Page) => {
    problems.push(watchForProblems(page));
    return page;
  };

  beforeAll(async () => {
    ({ app, url } = await startServer({ signupChallenge: { maxNumber: 20_000 } }));
    site = siteApi(app, url);
    browser = await launchBrowser();
    await site.signUp('rosa', 'Rosa');
    await app.parley.ctx.db.execute(sql`UPDATE users SET is_site_admin = true WHERE handle = 'rosa'`);
    await site.signUp('spammy', 'Spammy');
    await site.call('POST', '/api/communities', 'rosa', { slug: 'lamps', name: 'Lamp Friends', description: 'Customers helping customers' });
    await site.call('POST', '/api/communities/lamps/topics', 'spammy', { category: 'general', title: 'Cheap lamps here', body: 'Buy now' });
    await app.parley.ctx.db.execute(sql`UPDATE site_settings SET signup_challenge = 'on'`);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a newcomer signs up through the challenge, solved by the page', async () => {
    const page = track(await (await browser.newContext()).newPage());
    await page.goto(`${url}/signup`);
    await page.getByLabel('Handle').fill('newbie');
    await page.getByLabel('Email').fill('newbie@example.org');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('complementary', { name: 'Please verify your email address' }).waitFor({ timeout: 30_000 });
    expect(await rows(app.parley.ctx.db, sql`SELECT 1 FROM users WHERE handle = 'newbie'`)).toHaveLength(1);
    // The only cookie is the session: the challenge needs none.
    expect((await page.context().cookies()).map((c) => c.name)).toEqual(['parley_session']);
  });

  it('the site admin blocks a domain and suspends a spammer, removing what they posted', async () => {
    const page = track(await (await browser.newContext()).newPage());
    await page.goto(`${url}/login`);
    await page.getByLabel('Handle or email').fill('rosa');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Safety' }).click();
    await page.getByRole('heading', { name: 'Safety', level: 1 }).waitFor();
    await page.getByRole('radio', { name: /Always/ }).waitFor();
    expect(await page.getByRole('radio', { name: /Always/ }).isChecked()).toBe(true);

    const domains = page.getByRole('region', { name: 'Blocked e-mail domains' });
    await domains.getByLabel('Domain').fill('Spam.Example');
    await domains.getByRole('button', { name: 'Block' }).click();
    await domains.getByRole('list', { name: 'Blocked domains' }).getByText('spam.example').waitFor();

    const suspend = page.getByRole('region', { name: 'Suspend an account' });
    await suspend.getByLabel('Handle').fill('@spammy');
    await suspend.getByLabel('Reason').fill('Spam wave');
    await suspend.getByLabel('Also remove everything they posted, in every community').check();
    await suspend.getByRole('button', { name: 'Suspend…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Suspend @spammy?' });
    await dialog.getByRole('button', { name: 'Suspend', exact: true }).click();
    await suspend.getByText('Suspended @spammy. Removed 1 post and 1 topic in 1 community.').waitFor();

    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await page.screenshot({ path: 'tests/e2e/screenshots/admin-safety.tmp.png', fullPage: true });

    const gone = await rows<{ hidden: boolean }>(app.parley.ctx.db, sql`SELECT hidden FROM topics WHERE title = 'Cheap lamps here'`);
    expect(gone).toEqual([{ hidden: true }]);
  });

  it('nothing broke on the way', () => {
    for (const list of problems) expect(list).toEqual([]);
  });
});
