import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { axeViolations, describeViolations } from './axe.js';
import { TestClient } from '../helpers/client.js';

/**
 * Watched words as a moderator meets them: a hold rule tried on sample text before it is saved
 * (and a runaway pattern refused as it is typed), a member's reply held by it, and the system's
 * hold undone in one click from the public log.
 */
describe('watched words in the browser', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let topicId: number;
  let guest: TestClient;
  const host = () => ({ host: new URL(url).host });

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: false }));
    browser = await launchBrowser();
    const origin = new URL(url).origin;
    guest = new TestClient(app, { origin });
    const admin = new TestClient(app, { origin });
    expect((await admin.post('/api/auth/signup', { handle: 'rosa', email: 'rosa@example.org', password: 'correct horse battery' }, host())).status).toBe(201);
    expect((await admin.post('/api/communities', { slug: 'lamps', name: 'Lamp Friends', description: 'Customers helping customers' }, host())).status).toBe(
      201,
    );
    const member = new TestClient(app, { origin });
    expect((await member.post('/api/auth/signup', { handle: 'tomas', email: 'tomas@example.org', password: 'correct horse battery' }, host())).status).toBe(
      201,
    );
    topicId = (await admin.post('/api/communities/lamps/topics', { category: 'general', title: 'Best bulbs', body: 'Which ones?' }, host())).body.topic.id;
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

  it('a moderator tries a hold rule on sample text, saves it, watches it hold a reply, and undoes that from the log', async () => {
    const modCtx = await browser.newContext();
    const memberCtx = await browser.newContext();
    const moderator = await modCtx.newPage();
    const member = await memberCtx.newPage();
    const problems = [moderator, member].map((p) => watchForProblems(p));

    await signIn(moderator, 'rosa');
    await moderator.goto(`${url}/c/lamps/log`);
    await moderator.getByRole('navigation', { name: 'Community management' }).getByRole('link', { name: 'Watched words' }).click();
    await moderator.getByRole('heading', { name: 'Add a rule' }).waitFor();

    // A runaway pattern is refused as it is typed, with the reason.
    await moderator.getByLabel('This is a regular expression').check();
    await moderator.getByRole('textbox', { name: 'Sample text' }).fill('Best c a s i n o in town, and a normal lamp');
    await moderator.getByRole('textbox', { name: 'Pattern', exact: true }).fill('(a+)+$');
    await moderator.getByText(/could take too long on crafted text: it repeats something that repeats/).waitFor();

    // The word, as a word: the sample shows what it catches before it is saved.
    await moderator.getByLabel('This is a regular expression').uncheck();
    await moderator.getByRole('textbox', { name: 'Word or phrase', exact: true }).fill('casino');
    await moderator.getByLabel('Hold for review').check();
    const results = moderator.getByRole('list', { name: 'What would be caught' });
    await results.getByText('This rule: Hold for review').waitFor();
    await results.getByText('caught “c a s i n o”').waitFor();
    const violations = await axeViolations(moderator);
    expect(violations, describeViolations(violations)).toEqual([]);
    await moderator.screenshot({ path: 'tests/e2e/screenshots/watched-words.png', fullPage: true });
    await moderator.getByRole('button', { name: 'Add rule' }).click();
    await moderator.getByRole('status').filter({ hasText: 'The rule “casino” was added.' }).waitFor();
    await moderator.getByRole('button', { name: 'Delete the rule “casino”' }).waitFor();

    // The member's reply is held.
    await signIn(member, 'tomas');
    await member.goto(`${url}/c/lamps/t/${topicId}`);
    await member.getByLabel('Reply text').fill('Try my cаsino instead.');
    await member.getByRole('button', { name: 'Post reply' }).click();
    await member.locator('article', { hasText: 'Try my cаsino instead.' }).waitFor();
    const thread = await guest.get(`/api/topics/${topicId}`, host());
    expect(thread.body.posts[1]).toMatchObject({ hidden: true, body: null });

    // The public log names the rule; the moderator undoes the hold in one click.
    await moderator.goto(`${url}/c/lamps/log`);
    const entry = moderator.getByRole('listitem').filter({ hasText: /The system, by rule #\d+ held post #2 in “Best bulbs” for review/ });
    await entry.waitFor();
    await entry.getByRole('button', { name: 'Undo' }).click();
    await entry.getByText('Undone').waitFor();
    await moderator.getByText(/@rosa restored post #2/).waitFor();
    expect((await guest.get(`/api/topics/${topicId}`, host())).body.posts[1]).toMatchObject({ hidden: false, body: 'Try my cаsino instead.' });

    for (const list of problems) expect(list.filter((p) => !/\b400\b/.test(p))).toEqual([]);
    await Promise.all([modCtx.close(), memberCtx.close()]);
  });
});
