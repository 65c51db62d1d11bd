import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { axeViolations, describeViolations } from './axe.js';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { TestClient } from '../helpers/client.js';
import { PASSWORD } from '../helpers/factories.js';

/**
 * "Your data" on the settings page, in the browser: the archive downloads as a file, and deleting
 * the account goes through a dialog that says what happens, then signs the member out and says so.
 */
describe('your data', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: false }));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('downloads my data, then deletes my account through the dialog and signs me out', async () => {
    const host = { host: new URL(url).host };
    const cleo = new TestClient(app, { origin: new URL(url).origin });
    expect((await cleo.post('/api/auth/signup', { handle: 'cleo', email: 'cleo@example.org', password: PASSWORD }, host)).status).toBe(201);
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, acceptDownloads: true });
    const cookie = cleo.cookie!;
    await context.addCookies([{ name: 'parley_session', value: cookie.slice(cookie.indexOf('=') + 1), url }]);
    const page = await context.newPage();
    const problems = watchForProblems(page);

    await page.goto(`${url}/settings#your-data`);
    const section = page.getByRole('region', { name: 'Your data' });
    const [download] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: 'Download my data' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^parley-cleo-\d{4}-\d{2}-\d{2}\.json$/);
    await section.getByText('Your download has started', { exact: false }).waitFor();

    await section.getByRole('button', { name: 'Delete my account…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete your account' });
    await dialog.getByText('The handle @cleo and your address are free', { exact: false }).waitFor();
    expect(describeViolations(await axeViolations(page))).toBe('');
    await dialog.getByLabel('Remove my posts').check();
    await dialog.getByLabel('Your password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    // Not without the final confirmation.
    await dialog.getByText('Tick the box to confirm', { exact: false }).waitFor();
    await dialog.getByLabel('I understand that my account is gone for good.').check();
    await dialog.getByRole('button', { name: 'Delete my account' }).click();

    const done = page.getByRole('dialog', { name: 'Your account is deleted' });
    await done.getByText('you are signed out', { exact: false }).waitFor();
    expect(describeViolations(await axeViolations(page))).toBe('');
    await done.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await new TestClient(app, { origin: new URL(url).origin }).get('/api/users/cleo', host)).status).toBe(404);
    expect(problems).toEqual([]);
    await context.close();
  });
});
