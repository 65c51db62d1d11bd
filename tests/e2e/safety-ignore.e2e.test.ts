import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { axeViolations, describeViolations } from './axe.js';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { TestClient } from '../helpers/client.js';
import { PASSWORD } from '../helpers/factories.js';

/**
 * Ignoring someone, in the browser: the button on their profile, their posts folded on the topic
 * page (a live one too) with a reveal, and the settings page's list where it is taken back.
 */
describe('ignoring a member', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let host: { host: string };
  let ann: TestClient;
  let bob: TestClient;
  let topicId: number;

  const signUp = async (handle: string) => {
    const client = new TestClient(app, { origin: new URL(url).origin });
    const res = await client.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD }, host);
    expect(res.status, res.text).toBe(201);
    return client;
  };

  const signedInContext = async (client: TestClient): Promise<BrowserContext> => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const cookie = client.cookie!;
    await context.addCookies([{ name: 'parley_session', value: cookie.slice(cookie.indexOf('=') + 1), url }]);
    return context;
  };

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: false }));
    host = { host: new URL(url).host };
    browser = await launchBrowser();
    ann = await signUp('ann');
    bob = await signUp('bob');
    expect((await ann.post('/api/communities', { slug: 'acme', name: 'Acme Lamps' }, host)).status).toBe(201);
    const res = await ann.post('/api/communities/acme/topics', { category: 'general', title: 'Lamp flickers', body: 'Mine flickers at night.' }, host);
    expect(res.status, res.text).toBe(201);
    topicId = res.body.topic.id;
    expect((await bob.post(`/api/topics/${topicId}/posts`, { body: 'Bob says something rude.' }, host)).status).toBe(201);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('folds their posts (live ones too) behind a reveal, and the settings page takes it back', async () => {
    const context = await signedInContext(ann);
    const page = await context.newPage();
    const problems = watchForProblems(page);

    await page.goto(`${url}/u/bob`);
    await page.getByRole('button', { name: 'Ignore' }).click();
    await page.getByRole('button', { name: 'Stop ignoring' }).waitFor();
    expect(describeViolations(await axeViolations(page))).toBe('');

    await page.goto(`${url}/c/acme/t/${topicId}`);
    await page.getByText('Mine flickers at night.').waitFor();
    await page.getByText('A post by someone you ignore.').waitFor();
    expect(await page.getByText('Bob says something rude.').count()).toBe(0);
    expect(describeViolations(await axeViolations(page))).toBe('');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('Bob says something rude.').waitFor();

    // A reply that arrives live is folded too.
    expect((await bob.post(`/api/topics/${topicId}/posts`, { body: 'Bob again, live.' }, host)).status).toBe(201);
    await expect.poll(() => page.getByText('A post by someone you ignore.').count(), { timeout: 5000 }).toBe(1);
    expect(await page.getByText('Bob again, live.').count()).toBe(0);

    await page.goto(`${url}/settings`);
    const list = page.getByRole('list', { name: 'People you ignore' });
    await list.getByText('@bob').waitFor();
    expect(describeViolations(await axeViolations(page))).toBe('');
    await list.getByRole('button', { name: /Stop ignoring/ }).click();
    await page.getByText('You ignore nobody.', { exact: false }).waitFor();

    await page.goto(`${url}/c/acme/t/${topicId}`);
    await page.getByText('Bob again, live.').waitFor();
    expect(await page.getByText('A post by someone you ignore.').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});
