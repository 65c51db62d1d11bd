import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { TestClient } from '../helpers/client.js';
import { posts } from '../../db/schema.js';
import { topicChannel, write } from '../../server/live/outbox.js';

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

  it('shows a reply from someone else, then its tombstone when it is hidden, without a reload', async () => {
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

    await write(app.parley.ctx, async ({ tx, emit }) => {
      await tx.update(posts).set({ hidden: true, hiddenReason: 'off topic' }).where(eq(posts.id, reply.id));
      await emit(topicChannel(topic.id), 'post.hidden', { postId: reply.id });
    });
    await page.getByText(/off topic/).waitFor({ timeout: 5000 });
    expect(await page.getByText('A reply that arrives live').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
