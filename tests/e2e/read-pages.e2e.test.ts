import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchBrowser, startServer, watchForProblems } from './browser.js';

describe('reading the forum in a browser', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: true }));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('goes from the community list to a solved question and shows the staff answer first', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems = watchForProblems(page);
    await page.goto(url);
    await page.getByRole('link', { name: /Acme Lamps \(demo\)/ }).click();
    await page.waitForURL(/\/c\/demo$/);
    await page.getByText('How do I reset my lamp to factory settings?').waitFor();
    await page.screenshot({ path: 'tests/e2e/screenshots/community.png' });

    await page.getByRole('link', { name: /How do I reset my lamp/ }).click();
    await page.waitForURL(/\/c\/demo\/t\/\d+/);
    await page.getByRole('heading', { level: 1, name: /How do I reset my lamp/ }).waitFor();
    const firstAnswer = page.locator('text=Hold the button for').first();
    await firstAnswer.waitFor();
    await expect(page.getByText('Staff').first().isVisible()).resolves.toBe(true);
    await page.screenshot({ path: 'tests/e2e/screenshots/topic.png', fullPage: true });
    expect(problems).toEqual([]);
  });

  it('serves deep links on reload (history routing) and a not-found page for unknown paths', async () => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    const topics = (await app.inject({ url: '/api/communities/demo/topics' })).json().items as Array<{ id: number; title: string }>;
    const welcome = topics.find((t) => t.title.startsWith('Welcome'))!;
    const res = await page.goto(`${url}/c/demo/t/${welcome.id}-welcome`);
    expect(res?.status()).toBe(200);
    await page.getByRole('heading', { level: 1, name: /Welcome to the Acme Lamps community/ }).waitFor();
    expect(await page.locator('.post').count()).toBeGreaterThanOrEqual(2);

    await page.goto(`${url}/no/such/page`);
    await page
      .getByText(/not found/i)
      .first()
      .waitFor();
    await page.goto(`${url}/c/no-such-community`);
    await page
      .getByText(/not found/i)
      .first()
      .waitFor();
    expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
  });

  it('shows profiles with their record of helping', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/u/maria`);
    await page.getByRole('heading', { level: 1, name: /Maria/ }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/1\s*solution/i);
    await page.screenshot({ path: 'tests/e2e/screenshots/profile.png' });
  });

  it('sends a strict CSP with the page, and the page runs under it', async () => {
    const res = await fetch(url);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // No inline script: data blocks (the page's JSON for hydration, JSON-LD) are not run, and the CSP allows them as data.
    expect(await res.text()).not.toMatch(/<script(?![^>]*\b(?:src=|type="application\/(?:ld\+)?json"))[^>]*>/);
  });
});
