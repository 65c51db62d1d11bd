import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { axeViolations, describeViolations } from './axe.js';
import { TestClient } from '../helpers/client.js';

/**
 * Slow mode as a member meets it: the composer says the pace; after a reply the send button counts
 * down (disabled) while the next draft is kept; a reload forgets the countdown, and the server's
 * 429 starts it again with the text kept. The moderator sets slow mode and a timer from the topic's
 * tools, and every reader sees when the topic closes.
 */
describe('slow mode and timers in the browser', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let topicId: number;

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: false }));
    browser = await launchBrowser();
    const origin = new URL(url).origin;
    const host = { host: new URL(url).host };
    const admin = new TestClient(app, { origin });
    expect((await admin.post('/api/auth/signup', { handle: 'rosa', email: 'rosa@example.org', password: 'correct horse battery' }, host)).status).toBe(201);
    expect((await admin.post('/api/communities', { slug: 'lamps', name: 'Lamp Friends', description: 'Customers helping customers' }, host)).status).toBe(201);
    const member = new TestClient(app, { origin });
    expect((await member.post('/api/auth/signup', { handle: 'tomas', email: 'tomas@example.org', password: 'correct horse battery' }, host)).status).toBe(201);
    topicId = (await admin.post('/api/communities/lamps/topics', { category: 'general', title: 'Heated debate', body: 'Opinions?' }, host)).body.topic.id;
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

  it('the moderator sets slow mode and a close timer; the member sees the pace, a countdown after replying, and the draft kept', async () => {
    const modCtx = await browser.newContext();
    const memberCtx = await browser.newContext();
    const moderator = await modCtx.newPage();
    const member = await memberCtx.newPage();
    const problems = [moderator, member].map((p) => watchForProblems(p));

    // The admin (a moderator too) opens the topic's tools.
    await signIn(moderator, 'rosa');
    await moderator.goto(`${url}/c/lamps/t/${topicId}`);
    const calm = moderator.getByRole('button', { name: /Slow mode/ });
    if (!(await calm.isVisible()))
      await moderator
        .getByRole('button', { name: /Moderate/ })
        .first()
        .click();
    await calm.click();
    const dialog = moderator.getByRole('dialog', { name: 'Slow mode and timers' });
    await dialog.getByLabel('One reply per member').selectOption('120');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('status').filter({ hasText: 'one reply every 2 minutes' }).waitFor({ state: 'attached' });
    await dialog.getByLabel('Days after the last reply', { exact: true }).check();
    await dialog.getByLabel(/Days after the last reply \(/).fill('3');
    await dialog.locator('form', { hasText: 'Close the topic' }).getByRole('button', { name: 'Set timer' }).click();
    await dialog.getByText('Closes 3 days after the last reply.').waitFor();
    const modViolations = await axeViolations(moderator);
    expect(modViolations, describeViolations(modViolations)).toEqual([]);
    await moderator.keyboard.press('Escape');

    // The member: the pace and the timer, said before they type.
    await signIn(member, 'tomas');
    await member.goto(`${url}/c/lamps/t/${topicId}`);
    await member.getByText('This topic closes in 3 days unless someone replies.').waitFor();
    await member.getByText('Slow mode: one reply every 2 minutes.').waitFor();

    await member.getByLabel('Reply text').fill('First thought.');
    await member.getByRole('button', { name: 'Post reply' }).click();
    await member.locator('article', { hasText: 'First thought.' }).waitFor();
    // The send button counts down, disabled; what they write next is kept.
    const waiting = member.getByRole('button', { name: /^Wait \d:\d\d$/ });
    await waiting.waitFor();
    expect(await waiting.isDisabled()).toBe(true);
    await member.getByText(/You can reply again in 1:[45]\d\./).waitFor();
    await member.getByLabel('Reply text').fill('Second thought.');
    await member.screenshot({ path: 'tests/e2e/screenshots/slow-mode-composer.png', fullPage: true });

    // A reload forgets the countdown; the server's 429 starts it again, and the text stays.
    await member.reload();
    await member.getByText('Slow mode: one reply every 2 minutes.').waitFor();
    expect(await member.getByLabel('Reply text').inputValue()).toBe('Second thought.');
    await member.getByRole('button', { name: 'Post reply' }).click();
    await member
      .getByRole('alert')
      .filter({ hasText: /Slow mode: your reply is kept/ })
      .waitFor();
    await member.getByRole('button', { name: /^Wait \d:\d\d$/ }).waitFor();
    expect(await member.getByLabel('Reply text').inputValue()).toBe('Second thought.');
    expect(await member.locator('article', { hasText: 'Second thought.' }).count()).toBe(0);
    const memberViolations = await axeViolations(member);
    expect(memberViolations, describeViolations(memberViolations)).toEqual([]);

    // The public log tells it, to anyone.
    await member.goto(`${url}/c/lamps/log`);
    await member.getByText(/@rosa set slow mode on the topic “Heated debate”: one reply every 2 minutes/).waitFor();
    await member.getByText(/@rosa set the topic “Heated debate” to close 3 days after its last reply/).waitFor();

    for (const list of problems) expect(list.filter((p) => !/429/.test(p))).toEqual([]);
    await Promise.all([modCtx.close(), memberCtx.close()]);
  });
});
