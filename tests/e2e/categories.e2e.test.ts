import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { axeViolations, describeViolations } from './axe.js';
import { siteApi } from './site-api.js';

/**
 * An admin manages categories on the settings page (issue 21): renames one in place, moves one
 * up with the keyboard, removes one with its topics going where the dialog says. A guest with the
 * community open in another browser sees each change without reloading.
 */
describe('managing categories in the browser', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let topicId: number;

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: false }));
    browser = await launchBrowser();
    const api = siteApi(app, url);
    await api.signUp('cora', 'Cora');
    await api.call('POST', '/api/communities', 'cora', { slug: 'lamps', name: 'Lamp Friends', description: 'Customers helping customers' });
    await api.call('POST', '/api/communities/lamps/categories', 'cora', { slug: 'help', name: 'Help' });
    await api.call('POST', '/api/communities/lamps/categories', 'cora', { slug: 'old', name: 'Old stuff' });
    topicId = (await api.call('POST', '/api/communities/lamps/topics', 'cora', { category: 'old', title: 'A topic that moves', body: 'Where will I go?' })).json
      .topic.id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const signIn = async (page: Page, login: string) => {
    await page.goto(`${url}/login`);
    await page.getByLabel(/handle or email/i).fill(login);
    await page.getByLabel(/^password/i).fill('correct horse battery');
    await page.getByRole('button', { name: /sign in|log in/i }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  };

  const navNames = (page: Page) => page.getByRole('navigation', { name: 'Categories' }).getByRole('link').allTextContents();

  it('renames, reorders and removes a category; an open community page follows live', async () => {
    const adminCtx = await browser.newContext();
    const guestCtx = await browser.newContext();
    const admin = await adminCtx.newPage();
    const guest = await guestCtx.newPage();
    const problems = [admin, guest].map((p) => watchForProblems(p));

    await guest.goto(`${url}/c/lamps`);
    await guest.getByRole('heading', { level: 1, name: 'Lamp Friends' }).waitFor();
    expect((await navNames(guest)).map((n) => n.trim())).toEqual(['All topics', 'General', 'Help', 'Old stuff']);
    expect(await guest.locator('li', { hasText: 'A topic that moves' }).locator('a.category').textContent()).toBe('Old stuff');

    await signIn(admin, 'cora');
    await admin.goto(`${url}/c/lamps/settings`);
    const section = admin.locator('#categories');
    await section.getByRole('button', { name: 'Edit “Help”' }).waitFor();

    // Rename in place.
    await section.getByRole('button', { name: 'Edit “Help”' }).click();
    const nameField = section.getByLabel('Name', { exact: true }).first();
    expect(await nameField.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await nameField.fill('Support');
    await section
      .getByLabel(/^Description/)
      .first()
      .fill('Ask about your lamp');
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByText('Saved “Support”.').waitFor();
    await guest.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Support' }).waitFor({ timeout: 5000 });

    // Move up with the keyboard: focus stays on the moved category's button.
    await section.getByRole('button', { name: 'Move “Support” up' }).focus();
    await admin.keyboard.press('Enter');
    await section.getByText('“Support” is now number 1 of 3.').waitFor();
    expect(await section.getByRole('button', { name: 'Move “Support” down' }).evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await expect.poll(async () => (await navNames(guest)).map((n) => n.trim()), { timeout: 5000 }).toEqual(['All topics', 'Support', 'General', 'Old stuff']);

    // Remove, choosing where its topic goes.
    await section.getByRole('button', { name: 'Remove “Old stuff”' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Remove “Old stuff”?' });
    await dialog.getByLabel('Move its topics to').selectOption({ label: 'General' });
    const violations = await axeViolations(admin);
    expect(violations, describeViolations(violations)).toEqual([]);
    await admin.screenshot({ path: 'tests/e2e/screenshots/categories-remove-dialog.png' });
    await dialog.getByRole('button', { name: 'Remove category' }).click();
    await dialog.waitFor({ state: 'detached' });
    await section.getByText('Removed “Old stuff” and moved its topic to “General”.').waitFor();
    await expect.poll(async () => (await navNames(guest)).map((n) => n.trim()), { timeout: 5000 }).toEqual(['All topics', 'Support', 'General']);
    // The guest's list shows the moved topic under its new category, still without a reload.
    const listed = guest.locator('li', { hasText: 'A topic that moves' });
    await expect.poll(() => listed.locator('a.category').textContent(), { timeout: 5000 }).toBe('General');

    // The topic now lives in General; the public log says what happened.
    await guest.goto(`${url}/c/lamps?category=general`);
    await guest.getByRole('link', { name: 'A topic that moves' }).waitFor();
    await guest.goto(`${url}/c/lamps/t/${topicId}`);
    await guest.getByRole('heading', { level: 1, name: 'A topic that moves' }).waitFor();
    await guest.goto(`${url}/c/lamps/log`);
    await guest.getByText('@cora removed the category “Old stuff” and moved its topic to “General”').waitFor();
    await guest.getByText('@cora renamed the category “Help” to “Support”').waitFor();
    await guest.getByText('@cora put the categories in a new order: Support, General, Old stuff').waitFor();

    for (const list of problems) expect(list).toEqual([]);
    await Promise.all([adminCtx.close(), guestCtx.close()]);
  });
});
