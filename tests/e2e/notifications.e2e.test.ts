import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { TestClient } from '../helpers/client.js';
import { PASSWORD } from '../helpers/factories.js';
import { sql } from 'drizzle-orm';

/**
 * The bell in the header, live: someone replies to and mentions a reader who has the forum open
 * in two tabs; both badges count up without a reload; the notifications page says what happened;
 * following one lands on the post, and reading them clears the badge in both tabs.
 */
describe('notifications, live', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let host: { host: string };
  let ann: TestClient & { userId: number };
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
    ann = Object.assign(await signUp('ann'), { userId: 0 });
    ann.userId = (await ann.get('/api/me', host)).body.user.id;
    bob = await signUp('bob');
    expect((await ann.post('/api/communities', { slug: 'acme', name: 'Acme Lamps' }, host)).status).toBe(201);
    const res = await ann.post('/api/communities/acme/topics', { category: 'general', title: 'Lamp flickers', body: 'Mine flickers at night.' }, host);
    expect(res.status, res.text).toBe(201);
    topicId = res.body.topic.id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('counts a reply and a mention live in two tabs, explains them, lands on the post and clears everywhere', async () => {
    const context = await signedInContext(ann);
    const [first, second] = [await context.newPage(), await context.newPage()];
    const problems = [first, second].map((page) => watchForProblems(page));
    await first.goto(`${url}/c/acme`);
    await second.goto(`${url}/c/acme`);
    for (const page of [first, second]) await page.getByRole('link', { name: 'Notifications', exact: true }).waitFor();

    // A reply to ann's topic, then a mention: the badge counts 1, then 2, in both tabs.
    const replied = await bob.post(`/api/topics/${topicId}/posts`, { body: 'Try a **warmer** bulb first.' }, host);
    expect(replied.status, replied.text).toBe(201);
    for (const page of [first, second]) await page.getByRole('link', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 5000 });
    const mentioned = await bob.post(`/api/topics/${topicId}/posts`, { body: 'And @ann, check the wall switch.' }, host);
    expect(mentioned.status, mentioned.text).toBe(201);
    for (const page of [first, second]) await page.getByRole('link', { name: 'Notifications, 2 unread' }).waitFor({ timeout: 5000 });
    expect(await first.locator('.bell .count').textContent()).toBe('2');

    // The page says who did what where, with the post's text as an excerpt.
    await first.getByRole('link', { name: 'Notifications, 2 unread' }).click();
    await first.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
    const items = first.getByRole('list', { name: 'All notifications' }).getByRole('listitem');
    await items.first().waitFor();
    expect(await items.count()).toBe(2);
    expect(await items.nth(0).innerText()).toContain('@bob mentioned you in Lamp flickers');
    expect(await items.nth(0).innerText()).toContain('And @ann, check the wall switch.');
    expect(await items.nth(1).innerText()).toContain('@bob replied in Lamp flickers');
    expect(await items.nth(1).innerText()).toContain('Try a warmer bulb first.');
    // Each says why: the mention, and ann's own topic.
    expect(await items.nth(0).innerText()).toContain('You were told because someone mentioned you.');
    expect(await items.nth(1).innerText()).toContain('You were told because you started this topic.');
    await first.screenshot({ path: 'tests/e2e/screenshots/notifications.png', fullPage: true });

    // Following the mention lands on that post, the last of the topic: having read it all, ann
    // has read both notifications (reading a topic reads its notifications), in both tabs.
    await items
      .nth(0)
      .getByRole('link', { name: /mentioned you/ })
      .click();
    await first.waitForURL((u) => u.pathname.startsWith(`/c/acme/t/${topicId}`) && u.hash === `#post-${mentioned.body.post.number}`);
    const target = first.locator(`#post-${mentioned.body.post.number}`);
    await target.getByText('check the wall switch').waitFor();
    expect(await target.evaluate((el) => el.classList.contains('target'))).toBe(true);
    for (const page of [first, second]) await page.getByRole('link', { name: 'Notifications', exact: true }).waitFor({ timeout: 5000 });

    // New ones arrive at the top of an open notifications page; "Mark all read" clears every tab.
    await first.getByRole('link', { name: 'Notifications', exact: true }).click();
    await first.getByRole('list', { name: 'All notifications' }).waitFor();
    const another = await bob.post(`/api/topics/${topicId}/posts`, { body: 'One more idea: a new starter.' }, host);
    expect(another.status, another.text).toBe(201);
    for (const page of [first, second]) await page.getByRole('link', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 5000 });
    const third = await bob.post(`/api/communities/acme/topics`, { category: 'general', title: 'Mention in a new topic', body: 'Hello @ann, welcome.' }, host);
    expect(third.status, third.text).toBe(201);
    await items.first().getByText('@bob mentioned you in Mention in a new topic').waitFor({ timeout: 5000 });
    for (const page of [first, second]) await page.getByRole('link', { name: 'Notifications, 2 unread' }).waitFor({ timeout: 5000 });
    await first.getByRole('button', { name: 'Mark all read' }).click();
    for (const page of [first, second]) await page.getByRole('link', { name: 'Notifications', exact: true }).waitFor({ timeout: 5000 });
    expect(await first.locator('.bell .count').count()).toBe(0);
    expect(await first.locator('li.unread').count()).toBe(0);

    for (const list of problems) expect(list).toEqual([]);
    await context.close();
  });

  it('marks topics new since the last visit, shows unread counts, opens a topic at the first unread post and reports reading', async () => {
    // ann read her topic up to #6 earlier (further than one screen); bob has replied four more times since.
    const created = await ann.post('/api/communities/acme/topics', { category: 'general', title: 'Dimmer hums', body: 'It hums when dimmed.' }, host);
    expect(created.status, created.text).toBe(201);
    const id = created.body.topic.id as number;
    for (let i = 1; i <= 5; i++) expect((await bob.post(`/api/topics/${id}/posts`, { body: `Earlier reply ${i}` }, host)).status).toBe(201);
    expect((await ann.put(`/api/topics/${id}/read`, { number: 6 }, host)).body.lastReadNumber).toBe(6);
    for (let i = 1; i <= 4; i++) expect((await bob.post(`/api/topics/${id}/posts`, { body: `Later reply ${i}` }, host)).status).toBe(201);

    // ann's last visit to the community was two hours ago: bob's topic since then is new to her.
    expect((await bob.post('/api/communities/acme/topics', { category: 'general', title: 'Brand new shade', body: 'Linen or paper?' }, host)).status).toBe(201);
    await app.parley.ctx.db.execute(sql`
      INSERT INTO community_visits (user_id, community_id, last_seen_at)
      SELECT ${ann.userId}, id, now() - interval '2 hours' FROM communities WHERE slug = 'acme'
      ON CONFLICT (user_id, community_id) DO UPDATE SET last_seen_at = excluded.last_seen_at`);

    const context = await signedInContext(ann);
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${url}/c/acme`);
    await page.getByText(/topics? new\s+since your last visit/).waitFor();
    await page.locator('li.topic', { hasText: 'Brand new shade' }).getByText('New', { exact: true }).waitFor();
    expect(await page.locator('li.topic', { hasText: 'Dimmer hums' }).getByText('New', { exact: true }).count()).toBe(0);
    // "4 unread" links to the first of them; the title opens the topic there too.
    const row = page.locator('li.topic', { hasText: 'Dimmer hums' });
    const unreadLink = row.getByRole('link', { name: /^4 unread/ });
    await unreadLink.waitFor();
    expect(await unreadLink.getAttribute('href')).toMatch(new RegExp(`/c/acme/t/${id}-dimmer-hums#post-7$`));
    await row.getByRole('link', { name: 'Dimmer hums', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Dimmer hums' }).waitFor();
    const divider = page.locator('#unread-divider');
    await divider.waitFor();
    expect(await divider.innerText()).toMatch(/unread/i);
    expect(await page.locator('#unread-divider + li').getAttribute('id')).toBe('post-7');
    // Scrolled to it: the divider is on screen, the opening post is not.
    await expect.poll(() => page.evaluate("document.getElementById('unread-divider').getBoundingClientRect().top")).toBeLessThan(200);
    expect(await page.evaluate("document.getElementById('post-1').getBoundingClientRect().bottom")).toBeLessThan(0);
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');

    // The reading position reaches the server (debounced), and only goes forwards.
    await expect.poll(async () => (await ann.get(`/api/topics/${id}`, host)).body.viewerState?.lastReadNumber, { timeout: 5000 }).toBe(10);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says why each notification came and links to the setting that made it so', async () => {
    const carol = await signUp('carol');
    expect((await carol.put('/api/communities/acme/categories/general/notification-level', { level: 'watching' }, host)).status).toBe(200);
    const started = await bob.post('/api/communities/acme/topics', { category: 'general', title: 'Cord frays', body: 'Near the plug.' }, host);
    expect(started.status, started.text).toBe(201);
    const answered = await bob.post(`/api/topics/${topicId}/posts`, { body: 'Ask @carol, she fixed hers.' }, host);
    expect(answered.status, answered.text).toBe(201);

    const context = await signedInContext(carol);
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${url}/notifications`);
    const items = page.getByRole('list', { name: 'All notifications' }).getByRole('listitem');
    const byCategory = items.filter({ hasText: 'Cord frays' });
    await byCategory.getByText('You were told because you watch this category.').waitFor();
    const mention = items.filter({ hasText: '@bob mentioned you in Lamp flickers' });
    await mention.getByText('You were told because someone mentioned you.').waitFor();
    expect(await mention.getByRole('link', { name: 'Your notification settings' }).getAttribute('href')).toBe('/settings#email');

    // The category's setting is where the reason points: on its page, set to Watching.
    await byCategory.getByRole('link', { name: 'Notifications for this category' }).click();
    await page.waitForURL((u) => u.pathname === '/c/acme' && u.searchParams.get('category') === 'general' && u.hash === '#category-notification-level');
    await expect.poll(() => page.locator('#category-notification-level').inputValue()).toBe('watching');
    expect(problems).toEqual([]);
    await context.close();
  });
});
