import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { TestClient } from '../helpers/client.js';
import { HTML_PAYLOADS, MARKDOWN_PAYLOADS } from '../fixtures/xss-payloads.js';

/**
 * Every payload of the sanitiser's bypass corpus, posted for real and shown in a real browser
 * with the site's CSP in force: if any of them ran, it would set a flag, open a dialog, or make
 * the page request a URL nobody should request.
 */
describe('a thread full of XSS payloads', () => {
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

  it('renders as text and harmless markup: no script runs, no dialog opens, nothing is fetched from the payloads', async () => {
    const origin = new URL(url).origin;
    const host = { host: new URL(url).host };
    const mallory = new TestClient(app, { origin });
    expect((await mallory.post('/api/auth/signup', { handle: 'mallory', email: 'mallory@example.org', password: 'correct horse battery' }, host)).status).toBe(
      201,
    );
    expect((await mallory.post('/api/communities', { slug: 'xss', name: 'XSS' }, host)).status).toBe(201);
    // Each payload also tries to set window.__pwned, so a run that opens no dialog is still caught.
    // (NUL bytes are refused at the door, so those payloads go in without them.)
    const payloads = [...HTML_PAYLOADS, ...MARKDOWN_PAYLOADS].map((p) => p.replaceAll('alert(1)', 'window.__pwned=1').replaceAll('\0', ''));
    const created = await mallory.post(
      '/api/communities/xss/topics',
      {
        category: 'general',
        title: 'Totally harmless <img src=x onerror=window.__pwned=1>',
        body: payloads.slice(0, 40).join('\n\n'),
      },
      host,
    );
    expect(created.status, created.text).toBe(201);
    const topic = created.body.topic;
    for (let i = 40; i < payloads.length; i += 40) {
      const res = await mallory.post(`/api/topics/${topic.id}/posts`, { body: payloads.slice(i, i + 40).join('\n\n') }, host);
      expect(res.status, res.text).toBe(201);
    }

    const page = await browser.newPage();
    const problems = watchForProblems(page);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreign.push(r.url());
    });

    await page.goto(`${url}/c/xss/t/${topic.id}`);
    await page.getByRole('heading', { level: 1, name: /Totally harmless/ }).waitFor();
    await page.locator('article').nth(2).waitFor();
    // Give handlers (onerror, onload, animations, focus) a moment to fire if they could.
    await page.mouse.move(200, 300);
    await page.keyboard.press('Tab');
    await page.waitForTimeout(500);

    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(dialogs).toEqual([]);
    expect(
      await page
        .locator('article script, article iframe, article object, article embed, article form, article [onerror], article [onclick], article [onload]')
        .count(),
    ).toBe(0);
    expect(await page.locator('article a[href^="javascript:" i], article a[href^="data:" i], article a[href^="vbscript:" i]').count()).toBe(0);
    // Payloads pointing at remote hosts are rendered inert (no image or frame fetched them).
    expect(foreign).toEqual([]);
    // A CSP report would mean some markup tried to run or load something: none may.
    expect(problems).toEqual([]);
  });
});
