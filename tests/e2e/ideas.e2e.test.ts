import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { TestClient } from '../helpers/client.js';
import { PASSWORD } from '../helpers/factories.js';

/**
 * Ideas, live: a member votes (the count and the pressed state change at once and survive a
 * reload), another member's open page follows the count, and a staff member's status with a note
 * reaches the voter's page as a banner and their bell as a notification, without a reload.
 */
describe('ideas: votes and status, live', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let host: { host: string };
  const clients: Record<string, TestClient> = {};
  let ideaPath: string;

  const signUp = async (handle: string) => {
    const client = new TestClient(app, { origin: new URL(url).origin });
    const res = await client.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD }, host);
    expect(res.status, res.text).toBe(201);
    clients[handle] = client;
    return client;
  };

  const contextFor = async (handle: string): Promise<BrowserContext> => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const cookie = clients[handle]!.cookie!;
    await context.addCookies([{ name: 'parley_session', value: cookie.slice(cookie.indexOf('=') + 1), url }]);
    return context;
  };

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: false }));
    host = { host: new URL(url).host };
    browser = await launchBrowser();
    const owner = await signUp('olga');
    await signUp('mel');
    await signUp('nia');
    await signUp('cara');
    expect((await owner.post('/api/communities', { slug: 'acme', name: 'Acme Lamps' }, host)).status).toBe(201);
    expect((await owner.put('/api/communities/acme/members/cara', { role: 'staff' }, host)).status).toBe(200);
    const res = await owner.post(
      '/api/communities/acme/topics',
      { category: 'general', title: 'Add a sunrise alarm', body: 'Wake up to a slowly brightening lamp.', kind: 'idea' },
      host,
    );
    expect(res.status, res.text).toBe(201);
    ideaPath = `/c/acme/t/${res.body.topic.id}`;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const voteButton = (page: Page) => page.getByRole('button', { name: /^Vote/ });
  const countOf = async (page: Page) => (await voteButton(page).innerText()).match(/(\d+) votes?/)?.[1];

  it('votes toggle at once and persist, other readers follow live, and a staff status reaches the voter live', async () => {
    const [melCtx, niaCtx, caraCtx] = [await contextFor('mel'), await contextFor('nia'), await contextFor('cara')];
    const [mel, nia, cara] = [await melCtx.newPage(), await niaCtx.newPage(), await caraCtx.newPage()];
    const problems = [mel, nia, cara].map((page) => watchForProblems(page));
    for (const page of [mel, nia]) {
      await page.goto(`${url}${ideaPath}`);
      await voteButton(page).waitFor();
    }
    expect(await voteButton(mel).getAttribute('aria-pressed')).toBe('false');
    expect(await countOf(mel)).toBe('0');

    // Vote: pressed, counted, and the other reader's page follows.
    await voteButton(mel).click();
    expect(await voteButton(mel).getAttribute('aria-pressed')).toBe('true');
    expect(await countOf(mel)).toBe('1');
    await expect.poll(() => countOf(nia), { timeout: 5000 }).toBe('1');

    // It is stored: a reload shows the same.
    await mel.reload();
    await voteButton(mel).waitFor();
    await expect.poll(() => voteButton(mel).getAttribute('aria-pressed')).toBe('true');
    expect(await countOf(mel)).toBe('1');

    // Again: taken back, everywhere.
    await voteButton(mel).click();
    await expect.poll(() => voteButton(mel).getAttribute('aria-pressed')).toBe('false');
    expect(await countOf(mel)).toBe('0');
    await expect.poll(() => countOf(nia), { timeout: 5000 }).toBe('0');
    await voteButton(mel).click();
    await expect.poll(() => countOf(nia), { timeout: 5000 }).toBe('1');
    await mel.getByRole('link', { name: 'Notifications', exact: true }).waitFor();

    // Staff answer the idea from the topic page.
    await cara.goto(`${url}${ideaPath}`);
    await cara.getByText('Set a status').click();
    await cara.getByLabel('Status', { exact: true }).selectOption('planned');
    await cara.getByLabel(/Public note/).fill('Coming in the spring firmware.');
    await cara.getByRole('button', { name: 'Save status' }).click();
    await cara.getByRole('region', { name: /Planned/ }).waitFor({ timeout: 5000 });

    // The voter's page shows the banner live, with who set it and their role; the bell counts it.
    const banner = mel.getByRole('region', { name: /Planned/ });
    await banner.waitFor({ timeout: 5000 });
    expect(await banner.innerText()).toContain('Coming in the spring firmware.');
    await banner.getByRole('link', { name: 'cara' }).waitFor();
    await banner.getByText('Staff', { exact: true }).waitFor({ timeout: 5000 });
    await mel.getByRole('link', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 5000 });
    await mel.screenshot({ path: 'tests/e2e/screenshots/idea.png', fullPage: true });

    await mel.getByRole('link', { name: 'Notifications, 1 unread' }).click();
    const item = mel.getByRole('list', { name: 'All notifications' }).getByRole('listitem').first();
    expect(await item.innerText()).toContain('Add a sunrise alarm is now Planned — Coming in the spring firmware.');

    // The ideas board: sorted by votes, with the status and the count.
    await mel.goto(`${url}/c/acme?sort=votes`);
    const row = mel.locator('li.topic', { hasText: 'Add a sunrise alarm' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/1 vote/);
    expect(await row.innerText()).toContain('Planned');

    for (const list of problems) expect(list).toEqual([]);
    await Promise.all([melCtx.close(), niaCtx.close(), caraCtx.close()]);
  });

  it('the votes tab keeps its status filter when the category changes, and staff clear a status live, in the public log', async () => {
    const owner = clients.olga!;
    expect((await owner.post('/api/communities/acme/categories', { slug: 'lamps', name: 'Lamps' }, host)).status).toBe(201);
    const idea = async (title: string, status?: string) => {
      const res = await owner.post('/api/communities/acme/topics', { category: 'lamps', title, body: `${title}, please.`, kind: 'idea' }, host);
      expect(res.status, res.text).toBe(201);
      if (status) expect((await clients.cara!.put(`/api/topics/${res.body.topic.id}/idea-status`, { status }, host)).status).toBe(200);
      return res.body.topic.id as number;
    };
    const planned = await idea('A dimmer for the desk lamp', 'planned');
    await idea('A green shade');

    const [melCtx, caraCtx] = [await contextFor('mel'), await contextFor('cara')];
    const [mel, cara] = [await melCtx.newPage(), await caraCtx.newPage()];
    const problems = [mel, cara].map((page) => watchForProblems(page));

    // Planned ideas of every category, then the reader picks a category: still only planned ones.
    await mel.goto(`${url}/c/acme?sort=votes&status=planned`);
    await mel.locator('li.topic', { hasText: 'A dimmer for the desk lamp' }).waitFor();
    await mel
      .getByRole('navigation', { name: /categor/i })
      .getByRole('link', { name: 'Lamps' })
      .click();
    await expect.poll(() => new URL(mel.url()).searchParams.get('category')).toBe('lamps');
    expect(new URL(mel.url()).searchParams.get('status')).toBe('planned');
    expect(new URL(mel.url()).searchParams.get('sort')).toBe('votes');
    expect(await mel.getByLabel('Status', { exact: true }).inputValue()).toBe('planned');
    await mel.locator('li.topic', { hasText: 'A dimmer for the desk lamp' }).waitFor();
    expect(await mel.locator('li.topic', { hasText: 'A green shade' }).count()).toBe(0);

    // Staff take the answer back; a reader's open page loses the banner without a reload.
    await mel.goto(`${url}/c/acme/t/${planned}`);
    await mel.getByRole('region', { name: /Planned/ }).waitFor();
    await cara.goto(`${url}/c/acme/t/${planned}`);
    await cara.getByText('Change the status').click();
    await cara.getByRole('button', { name: 'Clear the status' }).click();
    await cara.getByText('Set a status').waitFor({ timeout: 5000 });
    await mel.getByRole('region', { name: /Planned/ }).waitFor({ state: 'detached', timeout: 5000 });

    // The public log says who cleared it, and what it was.
    await mel.goto(`${url}/c/acme/log`);
    await mel.getByText(/@cara cleared the status of the topic “A dimmer for the desk lamp” \(it was “Planned”\)/).waitFor();

    for (const list of problems) expect(list).toEqual([]);
    await Promise.all([melCtx.close(), caraCtx.close()]);
  });
});
