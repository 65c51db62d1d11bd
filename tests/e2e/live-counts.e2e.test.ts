import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Frame, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { startHostSite } from './host-page.js';
import { TestClient } from '../helpers/client.js';
import { PASSWORD } from '../helpers/factories.js';

/**
 * Counts follow live events: the widget's "N comments" on an organisation's page (a reply from
 * someone else, showing it, a moderator hiding and restoring it, its author deleting it), and a
 * topic's post count in the community's list.
 */
describe('counts, live', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let forum: string;
  let site: Awaited<ReturnType<typeof startHostSite>>;
  let host: { host: string };
  const clients: Record<string, TestClient> = {};
  const articleUrl = () => `${site.origin}/article`;

  const signUp = async (handle: string) => {
    const client = new TestClient(app, { origin: new URL(forum).origin });
    const res = await client.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD }, host);
    expect(res.status, res.text).toBe(201);
    clients[handle] = client;
    return client;
  };
  const comment = async (who: string, body: string) => {
    const res = await clients[who]!.post('/api/embed/acme/thread/posts', { url: articleUrl(), title: 'Our new lamp', body }, host);
    expect(res.status, res.text).toBe(201);
    return res.body as { topic: { id: number }; post: { id: number } };
  };

  beforeAll(async () => {
    ({ app, url: forum } = await startServer({ seedDemo: false }));
    host = { host: new URL(forum).host };
    site = await startHostSite({
      '/favicon.ico': { type: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"/>' },
      '/article': {
        type: 'text/html',
        body: () =>
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Our new lamp</title></head><body><h1>Our new lamp</h1>` +
          `<div data-parley-community="acme" data-parley-url="${articleUrl()}"></div><script async src="${forum}/embed.js"></script></body></html>`,
      },
    });
    browser = await launchBrowser();
    const owner = await signUp('olga');
    await signUp('dana');
    await signUp('sam');
    expect((await owner.post('/api/communities', { slug: 'acme', name: 'Acme Lamps' }, host)).status).toBe(201);
    expect((await owner.patch('/api/communities/acme', { embed: { allowedOrigins: [site.origin] } }, host)).status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await app?.close();
  });

  const widget = async (page: Page): Promise<Frame> => {
    const frame = await (await page.waitForSelector('iframe[src*="/embed/acme"]')).contentFrame();
    if (!frame) throw new Error('the widget iframe has no frame');
    await frame.waitForSelector('main');
    return frame;
  };
  const heading = (frame: Frame) => frame.locator('#embed-heading');

  it('the widget header counts the comments a reader can see, following replies, hiding, restoring and deleting', async () => {
    const { topic } = await comment('dana', 'Love the warm light!');
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(articleUrl());
    const frame = await widget(page);
    await frame.locator('article', { hasText: 'Love the warm light!' }).waitFor();
    expect(await heading(frame).innerText()).toBe('1 comment');

    // A reply from someone else waits behind a button, and is counted at once.
    const { post: reply } = await comment('sam', 'Mine too, it is lovely.');
    const show = frame.getByRole('button', { name: /1 new reply/ });
    await show.waitFor({ timeout: 5000 });
    await expect.poll(() => heading(frame).innerText(), { timeout: 5000 }).toBe('2 comments');
    await show.click();
    await frame.locator('article', { hasText: 'it is lovely' }).waitFor();
    expect(await heading(frame).innerText()).toBe('2 comments');

    // Hidden by a moderator: a tombstone for this guest, so not a comment they can read.
    expect((await clients.olga!.post(`/api/posts/${reply.id}/hide`, { reason: 'Off topic' }, host)).status).toBe(200);
    await expect.poll(() => heading(frame).innerText(), { timeout: 5000 }).toBe('1 comment');
    expect((await clients.olga!.delete(`/api/posts/${reply.id}/hide`, host)).status).toBe(200);
    await expect.poll(() => heading(frame).innerText(), { timeout: 5000 }).toBe('2 comments');
    // Deleted by its author.
    expect((await clients.sam!.delete(`/api/posts/${reply.id}`, host)).status).toBe(204);
    await expect.poll(() => heading(frame).innerText(), { timeout: 5000 }).toBe('1 comment');

    // A reload counts as the live page did.
    await page.reload();
    const again = await widget(page);
    await again.locator('article', { hasText: 'Love the warm light!' }).waitFor();
    expect(await heading(again).innerText()).toBe('1 comment');
    expect(problems).toEqual([]);
    await page.close();
    // Shown on the forum too, as one topic.
    expect((await clients.olga!.get(`/api/topics/${topic.id}`, host)).body.topic.postCount).toBe(2);
  });

  it("a topic's post count in the community's list follows new replies live", async () => {
    const created = await clients.dana!.post(
      '/api/communities/acme/topics',
      { category: 'general', title: 'Which bulb fits?', body: 'The E27 or the E14?' },
      host,
    );
    expect(created.status, created.text).toBe(201);
    const topicId = created.body.topic.id as number;
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${forum}/c/acme`);
    const row = page.locator('li.topic', { hasText: 'Which bulb fits?' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/\b1 post\b/);
    // Give the page's socket a moment to subscribe before the reply.
    await page.waitForTimeout(1000);

    expect((await clients.sam!.post(`/api/topics/${topicId}/posts`, { body: 'The E27.' }, host)).status).toBe(201);
    await expect.poll(async () => (await row.innerText()).match(/\b(\d+) posts?\b/)?.[1], { timeout: 5000 }).toBe('2');
    expect((await clients.olga!.post(`/api/topics/${topicId}/posts`, { body: 'Yes, the E27.' }, host)).status).toBe(201);
    await expect.poll(async () => (await row.innerText()).match(/\b(\d+) posts?\b/)?.[1], { timeout: 5000 }).toBe('3');
    expect(problems).toEqual([]);
    await page.close();
  });

  it("an open topic's post count follows a reply on a page the reader has not loaded", async () => {
    const created = await clients.dana!.post('/api/communities/acme/topics', { category: 'general', title: 'A long thread', body: 'Say hello.' }, host);
    expect(created.status, created.text).toBe(201);
    const topicId = created.body.topic.id as number;
    for (let i = 0; i < 54; i++)
      expect((await clients[i % 2 ? 'sam' : 'olga']!.post(`/api/topics/${topicId}/posts`, { body: `Hello ${i}` }, host)).status).toBe(201);
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${forum}/c/acme/t/${topicId}`);
    const meta = page.getByText(/^\d+ posts$/).first();
    await expect.poll(() => meta.innerText(), { timeout: 5000 }).toBe('55 posts');
    await page.waitForTimeout(1000);
    expect((await clients.sam!.post(`/api/topics/${topicId}/posts`, { body: 'One more.' }, host)).status).toBe(201);
    await expect.poll(() => meta.innerText(), { timeout: 5000 }).toBe('56 posts');
    expect(problems).toEqual([]);
    await page.close();
  });
});
