import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { TestClient } from '../helpers/client.js';

describe('a topic page is live', () => {
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

  it('shows a reply from someone else, its tombstone when a moderator hides it, a pinned post above the thread, and the topic going away when hidden, all without a reload', async () => {
    const origin = new URL(url).origin;
    const ann = new TestClient(app, { origin });
    const host = { host: new URL(url).host };
    expect((await ann.post('/api/auth/signup', { handle: 'ann', email: 'ann@example.org', password: 'correct horse battery' }, host)).status).toBe(201);
    expect((await ann.post('/api/communities', { slug: 'acme', name: 'Acme' }, host)).status).toBe(201);
    const topic = (await ann.post('/api/communities/acme/topics', { category: 'general', title: 'Watching live', body: 'Who is here?' }, host)).body.topic;

    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${url}/c/acme/t/${topic.id}`);
    await page.getByRole('heading', { level: 1, name: 'Watching live' }).waitFor();

    const reply = (await ann.post(`/api/topics/${topic.id}/posts`, { body: 'A reply that arrives live' }, host)).body.post;
    await page.getByText('A reply that arrives live').waitFor({ timeout: 5000 });

    // ann is the community's admin: she moderates through the public API, as the web app will.
    expect((await ann.post(`/api/posts/${reply.id}/hide`, { reason: 'off topic' }, host)).status).toBe(200);
    await page.getByText(/Hidden by moderators: off topic/).waitFor({ timeout: 5000 });
    expect(await page.getByText('A reply that arrives live').count()).toBe(0);

    // Pinning puts the post in the pinned list above the thread; hiding the topic takes the page away.
    const second = (await ann.post(`/api/topics/${topic.id}/posts`, { body: 'Read this first, everyone' }, host)).body.post;
    await page.getByText('Read this first, everyone').waitFor({ timeout: 5000 });
    expect((await ann.post(`/api/posts/${second.id}/pin`, undefined, host)).status).toBe(200);
    const pinned = page.getByRole('region', { name: 'Pinned by moderators' });
    await pinned.getByText('Read this first, everyone').waitFor({ timeout: 5000 });
    expect((await ann.post(`/api/topics/${topic.id}/hide`, { reason: 'duplicate' }, host)).status).toBe(200);
    await page.getByText('Topic not found').waitFor({ timeout: 5000 });
    expect(problems.filter((p) => !/404/.test(p))).toEqual([]);
  });
});
