import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { CHROMIUM, startServer, watchForProblems } from './browser.js';
import { startHostSite } from './host-page.js';
import { axeViolations, describeViolations } from './axe.js';
import { TestClient } from '../helpers/client.js';

/**
 * The widget on an organisation's own site, which is another site altogether: the browser maps
 * acme.test and evil.test to this machine, so the host pages are cross-site to the forum
 * (127.0.0.1), as they would be in real life.
 */
describe('the embedded thread on another site', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let forum: string;
  let acme: Awaited<ReturnType<typeof startHostSite>> & { url: string };
  let evil: Awaited<ReturnType<typeof startHostSite>> & { url: string };
  let secret: string;
  let admin: TestClient;
  const hostHeader = () => ({ host: new URL(forum).host });

  const snippet = (url: string, extra = '') =>
    `<div data-parley-community="acme" data-parley-url="${url}" ${extra}></div><script async src="${forum}/embed.js"></script>`;
  const html = (title: string, body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

  beforeAll(async () => {
    ({ app, url: forum } = await startServer({ seedDemo: false }));
    const site = await startHostSite({});
    const port = new URL(site.origin).port;
    const acmeOrigin = `http://acme.test:${port}`;
    const pages = {
      '/favicon.ico': { type: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"/>' },
      '/post-1': { type: 'text/html', body: html('Our new lamp', `<p>Article text.</p>${snippet(`${acmeOrigin}/post-1?utm_source=newsletter#comments`)}`) },
      '/post-1-again': { type: 'text/html', body: html('Our new lamp (again)', snippet(`${acmeOrigin.toUpperCase().replace('HTTP://', 'http://')}/post-1/`)) },
      '/spa': { type: 'text/html', body: html('Single-page site', `<div id="slot">${snippet(`${acmeOrigin}/spa-article`)}</div>`) },
    };
    await site.close();
    // One server per origin (same pages), each on its own port.
    const acmeSite = await startHostSite(pages);
    const evilSite = await startHostSite({ '/steal': { type: 'text/html', body: html('Not allowed', snippet('http://evil.test/steal')) } });
    acme = { ...acmeSite, url: `http://acme.test:${new URL(acmeSite.origin).port}` };
    evil = { ...evilSite, url: `http://evil.test:${new URL(evilSite.origin).port}` };
    // The article pages name their own origin: rebuild them now that the port is known.
    const acmePort = new URL(acmeSite.origin).port;
    Object.assign(pages, {
      '/post-1': { type: 'text/html', body: html('Our new lamp', `<p>Article text.</p>${snippet(`${acme.url}/post-1?utm_source=newsletter#comments`)}`) },
      '/post-1-again': { type: 'text/html', body: html('Our new lamp (again)', snippet(`http://ACME.test:${acmePort}/post-1/`)) },
      '/spa': { type: 'text/html', body: html('Single-page site', `<div id="slot">${snippet(`${acme.url}/spa-article`)}</div>`) },
      '/long': { type: 'text/html', body: html('A long article', `<div style="height:5000px">Long text…</div>${snippet(`${acme.url}/long`)}`) },
    });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--host-resolver-rules=MAP acme.test 127.0.0.1, MAP evil.test 127.0.0.1',
      ],
    });

    admin = new TestClient(app, { origin: new URL(forum).origin });
    expect(
      (await admin.post('/api/auth/signup', { handle: 'acmeadmin', email: 'admin@acme.test', password: 'correct horse battery' }, hostHeader())).status,
    ).toBe(201);
    expect((await admin.post('/api/communities', { slug: 'acme', name: 'Acme Lamps' }, hostHeader())).status).toBe(201);
    expect((await admin.patch('/api/communities/acme', { embed: { allowedOrigins: [acme.url] } }, hostHeader())).status).toBe(200);
    secret = (await admin.post('/api/communities/acme/sso-secret', undefined, hostHeader())).body.secret;
  });
  afterAll(async () => {
    await browser?.close();
    await acme?.close();
    await evil?.close();
    await app?.close();
  });

  const ssoToken = (sub: string, name: string) =>
    new SignJWT({ name })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setAudience('acme')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomUUID())
      .sign(new TextEncoder().encode(secret));

  const widget = async (page: Page): Promise<Frame> => {
    const handle = await page.waitForSelector('iframe[src*="/embed/acme"]');
    const frame = await handle.contentFrame();
    if (!frame) throw new Error('the widget iframe has no frame');
    await frame.waitForSelector('main');
    return frame;
  };
  const iframeHeight = (page: Page) =>
    page.$eval('iframe[src*="/embed/acme"]', (el) => (el as { getBoundingClientRect(): { height: number } }).getBoundingClientRect().height);

  it('loads, sizes itself to its content, and a signed-in SSO user posts the first comment', async () => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${acme.url}/post-1`);
    const frame = await widget(page);
    await frame.getByText('Be the first to comment').first().waitFor();
    expect(await frame.evaluate('document.documentElement.lang || "en"')).toBeTruthy();

    // The organisation's page hands over its user's SSO token; the frame signs in with it.
    const token = await ssoToken('cust-1', 'Dana Reyes');
    await page.evaluate(`window.Parley.update({ sso: ${JSON.stringify(token)} })`);
    await frame
      .getByText(/Dana Reyes/)
      .first()
      .waitFor();
    expect(page.url()).not.toContain(token);

    const before = await iframeHeight(page);
    await frame.getByRole('textbox', { name: /Be the first to comment|Your comment/ }).fill('Love the **warm** light!');
    await frame.getByRole('button', { name: 'Post comment' }).click();
    await frame.locator('article', { hasText: 'Love the warm light!' }).waitFor();
    // The frame grew to fit its content, told by a postMessage to this page only.
    await page.waitForFunction(`document.querySelector('iframe[src*="/embed/acme"]').getBoundingClientRect().height > ${before}`);
    const frameContent = await frame.evaluate<number>('document.documentElement.scrollHeight');
    expect(Math.abs((await iframeHeight(page)) - frameContent)).toBeLessThan(40);

    // The first comment made one topic, in the community, linked back to the forum.
    const thread = await admin.get(`/api/embed/acme/thread?url=${encodeURIComponent(`${acme.url}/post-1`)}`, hostHeader());
    expect(thread.body.topic).toMatchObject({ title: 'Our new lamp' });
    expect(thread.body.posts.map((p: any) => p.author.displayName)).toEqual(['Dana Reyes']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('makes no request to the forum until the widget is near the viewport', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    const frameRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/embed/acme')) frameRequests.push(r.url());
    });
    await page.goto(`${acme.url}/long`);
    await page.waitForSelector('iframe');
    await page.waitForTimeout(500);
    expect(frameRequests).toEqual([]);
    await page.mouse.wheel(0, 4800);
    await widget(page);
    expect(frameRequests.length).toBeGreaterThan(0);
    await page.close();
  });

  it('a reader signs in with their Parley account in a popup (no third-party cookie needed) and comments', async () => {
    const reader = new TestClient(app, { origin: new URL(forum).origin });
    expect((await reader.post('/api/auth/signup', { handle: 'pat', email: 'pat@example.org', password: 'correct horse battery' }, hostHeader())).status).toBe(
      201,
    );
    const page = await browser.newPage();
    await page.goto(`${acme.url}/post-1`);
    const frame = await widget(page);
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      frame
        .getByRole('button', { name: /^Sign in/ })
        .first()
        .click(),
    ]);
    await popup.getByLabel('Handle or email').fill('pat');
    await popup.getByLabel('Password').fill('correct horse battery');
    await popup.getByRole('button', { name: 'Sign in' }).click();
    await popup.waitForEvent('close');
    await frame.getByText(/Signed in as/).waitFor();
    await frame.getByRole('textbox', { name: /Your comment/ }).fill('Same here, it is lovely.');
    await frame.getByRole('button', { name: 'Post comment' }).click();
    await frame.locator('article', { hasText: 'Same here, it is lovely.' }).waitFor();
    const thread = await admin.get(`/api/embed/acme/thread?url=${encodeURIComponent(`${acme.url}/post-1`)}`, hostHeader());
    expect(thread.body.posts.at(-1).author.handle).toBe('pat');
    await page.close();
  });

  it('shows a reply from someone else live, as a "new replies" button rather than jumping content', async () => {
    const page = await browser.newPage();
    await page.goto(`${acme.url}/post-1`);
    const frame = await widget(page);
    await frame.locator('article', { hasText: 'Love the warm light!' }).waitFor();
    const res = await admin.post(
      '/api/embed/acme/thread/posts',
      { url: `${acme.url}/post-1`, title: 'x', body: 'Thanks Dana, glad you like it.' },
      hostHeader(),
    );
    expect(res.status, res.text).toBe(201);
    await frame.getByRole('button', { name: /1 new reply/ }).click();
    await frame.locator('article', { hasText: 'glad you like it' }).waitFor();
    await page.close();
  });

  it('shows one thread for variants of the page URL (host case, trailing slash, tracking parameters, fragment)', async () => {
    const page = await browser.newPage();
    await page.goto(`${acme.url}/post-1-again`);
    const frame = await widget(page);
    await frame.locator('article', { hasText: 'Love the warm light!' }).waitFor();
    await page.close();
  });

  it('passes axe inside the frame', async () => {
    const page = await browser.newPage();
    await page.goto(`${acme.url}/post-1`);
    const frame = await widget(page);
    await frame.locator('article').first().waitFor();
    const violations = await axeViolations(frame);
    expect(violations, describeViolations(violations)).toEqual([]);
    await page.screenshot({ path: 'tests/e2e/screenshots/embed.png', fullPage: true });
    await page.close();
  });

  it('ignores forged size messages from the page itself and from another frame', async () => {
    const page = await browser.newPage();
    await page.goto(`${acme.url}/post-1`);
    const frame = await widget(page);
    await frame.locator('article').first().waitFor();
    await page.waitForTimeout(300);
    const settled = await iframeHeight(page);
    await page.evaluate(`(() => {
      window.postMessage({ parley: 1, type: 'height', height: 9999 }, '*');
      const other = document.createElement('iframe');
      other.srcdoc = '<script>parent.postMessage({ parley: 1, type: "height", height: 7777 }, "*")<\\/script>';
      document.body.appendChild(other);
    })()`);
    await page.waitForTimeout(500);
    expect(await iframeHeight(page)).toBe(settled);
    await page.close();
  });

  it('update() and destroy() leave exactly one iframe, or none, however often they are called', async () => {
    const page = await browser.newPage();
    await page.goto(`${acme.url}/spa`);
    await widget(page);
    const count = () => page.locator('iframe[src*="/embed/acme"]').count();
    await page.evaluate('window.Parley.update(); window.Parley.update()');
    expect(await count()).toBe(1);
    await page.evaluate('window.Parley.destroy(); window.Parley.destroy()');
    expect(await count()).toBe(0);
    await page.evaluate('window.Parley.update()');
    await widget(page);
    expect(await count()).toBe(1);
    // A single-page site swaps its article: the frame follows the new URL.
    await page.evaluate(
      `document.querySelector('[data-parley-community]').setAttribute('data-parley-url', '${acme.url}/spa-article-2'); window.Parley.update()`,
    );
    await page.waitForSelector('iframe[src*="spa-article-2"]');
    expect(await count()).toBe(1);
    await page.close();
  });

  it('refuses to be framed by a site that is not allowed (CSP frame-ancestors), and its reads are refused too', async () => {
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (/frame-ancestors|Refused to frame/i.test(m.text())) blocked.push(m.text());
    });
    await page.goto(`${evil.url}/steal`);
    const handle = await page.waitForSelector('iframe[src*="/embed/acme"]');
    await page.waitForTimeout(1000);
    const frame = await handle.contentFrame();
    const text = frame ? await frame.evaluate('document.body ? document.body.innerText : ""').catch(() => '') : '';
    expect(String(text)).not.toContain('Love the warm light');
    expect(blocked.length).toBeGreaterThan(0);
    const read = await admin.get(`/api/embed/acme/thread?url=${encodeURIComponent('http://evil.test/steal')}`, hostHeader());
    expect(read.status).toBe(403);
    expect(read.body.code).toBe('origin_not_allowed');
    await page.close();
  });
});
