import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { axeViolations, describeViolations } from './axe.js';
import { siteApi } from './site-api.js';

/**
 * Uploads as admins see them: a community admin chooses which files other than images members may
 * attach, and a site admin reads what uploads take on /admin/safety.
 */
describe('uploads for admins: the accepted file types and the storage figure', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let site: ReturnType<typeof siteApi>;
  const problems: string[][] = [];

  async function signedIn(handle: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    problems.push(watchForProblems(page));
    await page.goto(`${url}/login`);
    await page.getByLabel('Handle or email').fill(handle);
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('button', { name: 'Sign out' })
      .or(page.getByRole('link', { name: 'Safety' }))
      .first()
      .waitFor();
    return page;
  }

  beforeAll(async () => {
    ({ app, url } = await startServer());
    site = siteApi(app, url);
    browser = await launchBrowser();
    await site.signUp('rosa', 'Rosa');
    await app.parley.ctx.db.execute(sql`UPDATE users SET is_site_admin = true WHERE handle = 'rosa'`);
    await site.call('POST', '/api/communities', 'rosa', { slug: 'lamps', name: 'Lamp Friends', description: 'Customers helping customers' });
    // One screenshot, sent as the composer sends it; wider than a thumbnail, so it gets one.
    const png = await sharp({ create: { width: 1200, height: 700, channels: 3, background: '#3457d5' } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'screenshot.png');
    const res = await fetch(`${url}/api/uploads`, { method: 'POST', body: form, headers: { cookie: site.cookies.rosa!, origin: url } });
    expect(res.status, await res.clone().text()).toBe(201);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a community admin lets members attach PDF documents', async () => {
    const page = await signedIn('rosa');
    await page.goto(`${url}/c/lamps/settings`);
    const section = page.getByRole('region', { name: 'Files in posts' });
    await section.getByLabel('PDF documents').check();
    expect(await section.getByLabel('Text files, such as logs').isChecked()).toBe(false);
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByText('Saved.').waitFor();
    expect((await site.call('GET', '/api/communities/lamps', null)).json.community.uploadFileTypes).toEqual(['application/pdf']);

    await page.reload();
    await page.getByRole('region', { name: 'Files in posts' }).getByLabel('PDF documents').waitFor();
    expect(await page.getByRole('region', { name: 'Files in posts' }).getByLabel('PDF documents').isChecked()).toBe(true);
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await page.getByRole('region', { name: 'Files in posts' }).screenshot({ path: 'tests/e2e/screenshots/settings-uploads.tmp.png' });
  });

  it('a site admin reads what uploads take, site-wide', async () => {
    const page = await signedIn('rosa');
    await page.goto(`${url}/admin/safety`);
    const storage = page.getByRole('region', { name: 'Storage' });
    await storage.getByText('Stored files').waitFor();
    // Not in a post yet: the one screenshot is all of it, and an orphan until a post shows it.
    expect(await storage.getByRole('definition').allTextContents()).toEqual([
      expect.stringMatching(/^1 file, [\d.]+ (?:bytes|KB)$/),
      expect.stringMatching(/^[\d.]+ (?:bytes|KB)$/),
      '1 upload',
      expect.stringMatching(/^1 upload, [\d.]+ (?:bytes|KB) sent$/),
      expect.stringMatching(/^1 file, [\d.]+ (?:bytes|KB) with their thumbnails$/),
    ]);
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await storage.screenshot({ path: 'tests/e2e/screenshots/admin-storage.tmp.png' });
  });

  it('nothing broke on the way', () => {
    for (const list of problems) expect(list).toEqual([]);
  });
});
