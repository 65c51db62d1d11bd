import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { TestClient } from '../helpers/client.js';

/**
 * The walk-through, in three real browser contexts at once: a newcomer finds a community,
 * reads a topic, signs up and replies; a reader elsewhere sees the reply arrive live; a moderator
 * hides it with a reason from the topic page, and both the reader's and the newcomer's screens
 * change live: the reader gets a tombstone with the reason, the newcomer keeps their text with the note.
 */
describe('a newcomer, a reader and a moderator, live', () => {
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
    const mod = new TestClient(app, { origin });
    expect((await mod.post('/api/auth/signup', { handle: 'mika', email: 'mika@example.org', password: 'correct horse battery' }, host)).status).toBe(201);
    expect((await admin.put('/api/communities/lamps/members/mika', { role: 'moderator' }, host)).status).toBe(200);
    topicId = (
      await admin.post('/api/communities/lamps/topics', { category: 'general', title: 'My lamp flickers', body: 'Any idea why?', kind: 'question' }, host)
    ).body.topic.id;
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

  it('newcomer signs up and replies; the reader sees it live; the moderator hides it and both screens show it live', async () => {
    const newcomerCtx = await browser.newContext();
    const readerCtx = await browser.newContext();
    const modCtx = await browser.newContext();
    const newcomer = await newcomerCtx.newPage();
    const reader = await readerCtx.newPage();
    const moderator = await modCtx.newPage();
    const problems = [newcomer, reader, moderator].map((p) => watchForProblems(p));

    // The reader (a guest) and the moderator have the topic open before anything happens.
    await reader.goto(`${url}/c/lamps/t/${topicId}`);
    await reader.getByRole('heading', { level: 1, name: 'My lamp flickers' }).waitFor();
    await signIn(moderator, 'mika');
    await moderator.goto(`${url}/c/lamps/t/${topicId}`);
    await moderator.getByRole('heading', { level: 1, name: 'My lamp flickers' }).waitFor();

    // The newcomer finds the community and the topic, then signs up from the reply prompt.
    await newcomer.goto(url);
    await newcomer.getByRole('link', { name: /Lamp Friends/ }).click();
    await newcomer.getByRole('link', { name: /My lamp flickers/ }).click();
    await newcomer.getByRole('heading', { level: 1, name: 'My lamp flickers' }).waitFor();
    await newcomer
      .getByRole('link', { name: /sign up/i })
      .first()
      .click();
    await newcomer.getByLabel('Handle').fill('newbie');
    await newcomer.getByLabel('Email').fill('newbie@example.org');
    await newcomer.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await newcomer.getByRole('button', { name: 'Create account' }).click();
    await newcomer.waitForURL(new RegExp(`/c/lamps/t/${topicId}`));
    await newcomer.screenshot({ path: 'tests/e2e/screenshots/newcomer-topic.png', fullPage: true });

    await newcomer.getByLabel('Reply text').fill('Mine did that until I **tightened the bulb**.');
    await newcomer.getByRole('button', { name: 'Post reply' }).click();
    await newcomer.locator('article', { hasText: 'tightened the bulb' }).waitFor();

    // Live, without a reload, on the other two screens.
    const readersCopy = reader.locator('article', { hasText: 'tightened the bulb' });
    await readersCopy.waitFor({ timeout: 5000 });
    expect(await readersCopy.locator('strong').textContent()).toBe('tightened the bulb');
    const modsCopy = moderator.locator('article', { hasText: 'tightened the bulb' });
    await modsCopy.waitFor({ timeout: 5000 });

    // The moderator hides it from the topic page, with a canned reason.
    const postItem = moderator.locator('li.post', { hasText: 'tightened the bulb' });
    const hideButton = postItem.getByRole('button', { name: 'Hide…' });
    if (!(await hideButton.isVisible())) await postItem.getByRole('button', { name: /Moderate/ }).click();
    await hideButton.click();
    const dialog = moderator.getByRole('dialog', { name: /Hide post/ });
    await dialog.getByLabel('Off topic for this community').check();
    await dialog.getByRole('button', { name: 'Hide post' }).click();
    await dialog.waitFor({ state: 'detached' });
    await moderator.screenshot({ path: 'tests/e2e/screenshots/moderator-topic.png', fullPage: true });

    // The reader's screen: a tombstone with the reason, the text gone.
    await reader.getByText(/Hidden by moderators: Off topic for this community/).waitFor({ timeout: 5000 });
    expect(await reader.getByText('tightened the bulb').count()).toBe(0);
    // The newcomer's screen: their own text stays, with the reason and a way to ask for review.
    await newcomer.getByText(/Hidden by moderators: Off topic for this community/).waitFor({ timeout: 5000 });
    expect(await newcomer.getByText('tightened the bulb').count()).toBeGreaterThan(0);
    await newcomer.getByRole('button', { name: /review/i }).waitFor();

    // The public log tells the story, to anyone.
    await reader.goto(`${url}/c/lamps/log`);
    await reader.getByText(/@mika hid post #2/).waitFor();
    expect(await reader.getByText('tightened the bulb').count()).toBe(0);

    for (const list of problems) expect(list).toEqual([]);
    await Promise.all([newcomerCtx.close(), readerCtx.close(), modCtx.close()]);
  });
});
