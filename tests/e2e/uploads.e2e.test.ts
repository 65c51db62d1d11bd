import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { CHROMIUM, startServer, watchForProblems } from './browser.js';
import { startHostSite } from './host-page.js';
import { axeViolations, describeViolations } from './axe.js';
import { siteApi } from './site-api.js';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';

// Some functions below run in the browser (page.evaluate): the server's compilation has no DOM
// types, so the few browser names they use are declared here, for this file only.
declare const document: any, DataTransfer: any, ClipboardEvent: any, DragEvent: any;

/**
 * A screenshot as a supporter shares one: pasted into a reply (a PNG drawn in the page, handed over
 * as a real paste event), uploading with its progress while the first try loses its connection,
 * shown in the preview, posted, and seen by a guest in the thread and in the widget on the
 * organisation's site; hidden by a moderator, its link answers 404. A file of a refused type
 * dropped on the composer says why and leaves nothing in the text. In the widget, a reader signed
 * in by the organisation's SSO token (no cookie in a third-party frame) uploads the same way.
 */
describe('screenshots in replies', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let api: ReturnType<typeof siteApi>;
  let host: Awaited<ReturnType<typeof startHostSite>> & { url: string };
  let topicId: number;
  let ssoSecret: string;
  const pageUrl = () => `${host.url}/article`;

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: false }));
    api = siteApi(app, url);
    await api.signUp('rosa', 'Rosa Moderator');
    await api.signUp('mia', 'Mia Member');
    await api.call('POST', '/api/communities', 'rosa', { slug: 'acme', name: 'Acme Lamps' });

    // The organisation's article, on a site of its own (acme.test is this machine, another site to the forum).
    const pages: Record<string, { type: string; body: string | (() => string) }> = {};
    const site = await startHostSite(pages);
    host = { ...site, url: `http://acme.test:${new URL(site.origin).port}` };
    pages['/article'] = {
      type: 'text/html',
      body: () =>
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Our lamp</title></head><body><h1>Our lamp</h1>` +
        `<div data-parley-community="acme" data-parley-url="${pageUrl()}"></div><script async src="${url}/embed.js"></script></body></html>`,
    };
    await api.call('PATCH', '/api/communities/acme', 'rosa', { embed: { allowedOrigins: [host.url] } });
    const first = await api.call('POST', '/api/embed/acme/thread/posts', 'rosa', {
      url: pageUrl(),
      title: 'Our lamp',
      body: 'Questions about the lamp go here.',
    });
    topicId = first.json.topic.id;
    ssoSecret = (await api.call('POST', '/api/communities/acme/sso-secret', 'rosa')).json.secret;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--host-resolver-rules=MAP acme.test 127.0.0.1'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await app?.close();
  });

  const signedIn = async (handle: string | null): Promise<BrowserContext> => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    if (handle) await context.addCookies([{ name: 'parley_session', value: api.cookies[handle]!.split('=').slice(1).join('='), url }]);
    return context;
  };

  /** Draws a "screenshot" in the page and pastes it into the textarea, as the clipboard would. */
  const pasteScreenshot = (page: Page | Frame, selector: string, caption: string) =>
    page.evaluate(
      async ([selector, caption]) => {
        const canvas = document.createElement('canvas');
        canvas.width = 1400;
        canvas.height = 500;
        const g = canvas.getContext('2d')!;
        g.fillStyle = '#fde8e8';
        g.fillRect(0, 0, 1400, 500);
        g.fillStyle = '#b91c1c';
        g.font = '64px sans-serif';
        g.fillText(caption, 60, 260);
        const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b: Blob | null) => resolve(b!), 'image/png'));
        const data = new DataTransfer();
        data.items.add(new File([blob], 'screenshot.png', { type: 'image/png' }));
        const textarea = document.querySelector(selector);
        textarea.focus();
        textarea.setSelectionRange(textarea.value.length, textarea.value.length);
        textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      },
      [selector, caption] as const,
    );

  const loadedImage = (where: Page | Frame, selector: string) =>
    where.waitForFunction((selector) => {
      const img = document.querySelector(selector);
      return img !== null && img.complete && img.naturalWidth > 0 ? img.getAttribute('src') : null;
    }, selector);

  it('a member pastes a screenshot into a reply; everyone sees it in the thread and the widget; hidden, its link is gone', async () => {
    const member = await (await signedIn('mia')).newPage();
    const problems = watchForProblems(member);

    // The first try loses its connection; later ones wait until the test lets them through.
    let attempts = 0;
    let release = () => {};
    let held = Promise.resolve();
    const holdNext = (): void => {
      held = new Promise<void>((resolve) => (release = resolve));
    };
    await member.route('**/api/uploads', async (route) => {
      attempts++;
      if (attempts === 1) return route.abort('connectionreset');
      await held;
      return route.continue();
    });

    await member.goto(`${url}/c/acme/t/${topicId}`);
    const textarea = member.getByLabel('Reply text');
    await textarea.fill('The lamp says this when I pair it:\n');
    holdNext();
    await pasteScreenshot(member, 'textarea', 'Error 42: the lamp is not paired');

    // While it uploads: a placeholder at the caret, the upload's progress and a cancel, and the lost first try retried.
    await member.getByText(/screenshot\.png: connection lost, trying again/).waitFor();
    expect(await textarea.inputValue()).toBe('The lamp says this when I pair it:\n![Uploading screenshot.png…]()');
    await member.waitForFunction(() => document.querySelector('progress') !== null);
    expect(await member.getByRole('button', { name: 'Cancel' }).count()).toBeGreaterThan(0);
    const during = await axeViolations(member);
    expect(during, describeViolations(during)).toEqual([]);
    release();

    // Done: the image's Markdown in place of the placeholder, and the preview shows it at once.
    await member.waitForFunction(() => /!\[screenshot\]\(\/uploads\/[0-9a-f]{64}\.png\)$/.test(document.querySelector('textarea')!.value));
    await member.getByRole('tab', { name: 'Preview' }).click();
    const previewThumb = await (await loadedImage(member, '[role="tabpanel"] a.upload-image img')).jsonValue();
    expect(previewThumb).toMatch(/^\/uploads\/[0-9a-f]{64}-thumb\.png$/);
    await member.getByRole('tab', { name: 'Write' }).click();

    // A second screenshot, and sending at once: the send waits for it instead of posting a placeholder.
    await textarea.press('End');
    await textarea.pressSequentially('\nAnd the app shows:\n');
    holdNext();
    await pasteScreenshot(member, 'textarea', 'Pairing failed (code 7)');
    await member.getByRole('button', { name: 'Post reply' }).click();
    await member.getByRole('button', { name: 'Waiting for uploads…' }).waitFor();
    release();

    const reply = member.locator('article', { hasText: 'The lamp says this when I pair it' });
    await reply.waitFor();
    await reply.locator('a.upload-image').nth(1).waitFor();
    const thumb = await (await loadedImage(member, `article a.upload-image img[src="${previewThumb}"]`)).jsonValue();
    expect(thumb).toBe(previewThumb);
    const full = thumb!.replace('-thumb', '');
    expect(await reply.locator('a.upload-image').first().getAttribute('href')).toBe(full);
    expect(attempts).toBe(3);
    expect(await textarea.inputValue()).toBe('');
    const after = await axeViolations(member);
    expect(after, describeViolations(after)).toEqual([]);
    expect(problems.filter((p) => !/net::ERR/.test(p))).toEqual([]);

    // A guest sees it in the thread…
    const guestContext = await signedIn(null);
    const guest = await guestContext.newPage();
    await guest.goto(`${url}/c/acme/t/${topicId}`);
    expect(await (await loadedImage(guest, `article a.upload-image img[src="${thumb}"]`)).jsonValue()).toBe(thumb);
    // …and in the widget on the organisation's site.
    const reader = await guestContext.newPage();
    await reader.goto(pageUrl());
    const frame = await (await reader.waitForSelector('iframe[src*="/embed/acme"]')).contentFrame();
    expect(await (await loadedImage(frame!, `article a.upload-image img[src="${thumb}"]`)).jsonValue()).toBe(thumb);

    // The moderator hides the reply: the file is no longer reachable by its link, thumbnail or full size.
    const { json: page } = await api.call('GET', `/api/topics/${topicId}`, 'rosa');
    const posted = page.posts.find((p: { bodyHtml: string | null }) => p.bodyHtml?.includes('pair it'));
    expect(posted.bodyHtml).toContain(`href="${full}"`);
    await api.call('POST', `/api/posts/${posted.id}/hide`, 'rosa', { reason: 'personal data' });
    expect((await guestContext.request.get(`${url}${full}`)).status()).toBe(404);
    expect((await guestContext.request.get(`${url}${thumb}`)).status()).toBe(404);
    await guestContext.close();
  });

  it('a dropped file of a refused type says why and leaves no placeholder', async () => {
    const member = await (await signedIn('mia')).newPage();
    await member.goto(`${url}/c/acme/t/${topicId}`);
    const textarea = member.getByLabel('Reply text');
    await textarea.fill('Here is the page:');
    await member.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'], 'diagram.svg', { type: 'image/svg+xml' }));
      const textarea = document.querySelector('textarea')!;
      textarea.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      textarea.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await member.getByRole('alert').filter({ hasText: 'diagram.svg was not uploaded' }).waitFor();
    expect(await textarea.inputValue()).toBe('Here is the page:');
    const violations = await axeViolations(member);
    expect(violations, describeViolations(violations)).toEqual([]);
    // Dismissed, the message goes.
    await member.getByRole('button', { name: 'Dismiss' }).click();
    expect(await member.getByText('diagram.svg was not uploaded').count()).toBe(0);
  });

  it('a reader signed in to the widget by the organisation (SSO, no cookie) pastes a screenshot into a comment', async () => {
    const context = await signedIn(null);
    const page = await context.newPage();
    await page.goto(pageUrl());
    const frame = (await (await page.waitForSelector('iframe[src*="/embed/acme"]')).contentFrame())!;
    await frame.waitForSelector('main');
    const token = await new SignJWT({ name: 'Dana Reyes' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('cust-7')
      .setAudience('acme')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomUUID())
      .sign(new TextEncoder().encode(ssoSecret));
    await page.evaluate(`window.Parley.update({ sso: ${JSON.stringify(token)} })`);
    const textarea = frame.getByRole('textbox', { name: /Your comment/ });
    await textarea.fill('Mine shows this:');
    await pasteScreenshot(frame, 'textarea', 'Widget: error 42');
    await frame.waitForFunction(() => /!\[screenshot\]\(\/uploads\/[0-9a-f]{64}\.png\)$/.test(document.querySelector('textarea')!.value));
    const violations = await axeViolations(frame);
    expect(violations, describeViolations(violations)).toEqual([]);
    await frame.getByRole('button', { name: 'Post comment' }).click();
    const comment = frame.locator('article', { hasText: 'Mine shows this:' });
    await comment.waitFor();
    expect(await (await loadedImage(frame, 'article:last-of-type a.upload-image img')).jsonValue()).toMatch(/^\/uploads\/[0-9a-f]{64}-thumb\.png$/);
    await context.close();
  });
});
