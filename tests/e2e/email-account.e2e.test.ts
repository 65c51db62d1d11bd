import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { launchBrowser, startServer, watchForProblems } from './browser.js';
import { axeViolations, describeViolations } from './axe.js';
import { siteApi } from './site-api.js';
import { rows } from '../../db/client.js';
import { write } from '../../server/write/unit-of-work.js';

/**
 * The "done when" on a fresh try-out: the embedded database and no SMTP server, so mail
 * stays in the local mailbox. A newcomer signs up and sees the verify banner; a site admin, in a
 * second browser, reads the verification mail in the mailbox; the newcomer follows its link and
 * the banner goes. Signed out, the newcomer asks for a reset link, the admin's mailbox shows it,
 * the newcomer sets a new password (every session ends) and signs in with it, not the old one.
 * Then an unsubscribe link: opening it changes nothing, confirming stops the mail, Undo restores it.
 */
describe('a newcomer verifies their address and resets their password, all in the browser', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let site: ReturnType<typeof siteApi>;
  let adminCtx: BrowserContext;
  let admin: Page;
  let topicId: number;

  /** Mail links point at the configured origin; this server listens on a port chosen at start. */
  const onThisServer = (link: string) => {
    const u = new URL(link);
    return `${url}${u.pathname}${u.search}`;
  };

  const problemsOf = new Map<Page, string[]>();
  const track = (page: Page) => {
    problemsOf.set(page, watchForProblems(page));
    return page;
  };
  /** A refusal the step provoked on purpose: the browser logs the failed request, nothing else may appear. */
  const provoked = (page: Page, status: number) => {
    const list = problemsOf.get(page)!;
    const index = list.findIndex((p) => p.includes(`status of ${status}`));
    expect(index, list.join('\n')).toBeGreaterThanOrEqual(0);
    list.splice(index, 1);
  };
  const expectNoProblems = () => {
    for (const list of problemsOf.values()) expect(list).toEqual([]);
  };

  const expectAccessible = async (page: Page) => {
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
  };

  const signIn = async (page: Page, login: string, password: string) => {
    await page.goto(`${url}/login`);
    await page.getByLabel('Handle or email').fill(login);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  /**
   * The admin opens the newest mail of a kind to an address from the mailbox list (reloading while
   * its job has not written it yet), and reads the link it carries from the text part.
   */
  const linkFromMailbox = async (to: string, kind: string, linkPath: string): Promise<string> => {
    await admin.goto(`${url}/admin/mail?to=${encodeURIComponent(to)}`);
    const item = admin.getByRole('list', { name: 'Mail, newest first' }).getByRole('listitem').filter({ hasText: kind }).first();
    const shown = async () => {
      if (
        await item.waitFor({ timeout: 1_500 }).then(
          () => true,
          () => false,
        )
      )
        return true;
      await admin.reload();
      return false;
    };
    await expect.poll(shown, { timeout: 20_000, interval: 0 }).toBe(true);
    await item.getByRole('link').click();
    await admin.getByRole('heading', { name: 'As plain text' }).waitFor();
    const href = await admin.locator(`pre a[href*="${linkPath}?token="]`).first().getAttribute('href');
    expect(href).toBeTruthy();
    return onThisServer(href!);
  };

  beforeAll(async () => {
    ({ app, url } = await startServer({ seedDemo: false, jobs: { pollingIntervalSeconds: 0.5 } }));
    browser = await launchBrowser();
    site = siteApi(app, url);
    await site.signUp('rosa', 'Rosa');
    await app.parley.ctx.db.execute(sql`UPDATE users SET is_site_admin = true WHERE handle = 'rosa'`);
    adminCtx = await browser.newContext();
    admin = track(await adminCtx.newPage());
    await signIn(admin, 'rosa', 'correct horse battery');
    await admin.getByRole('link', { name: 'Mailbox' }).waitFor();
    await site.call('POST', '/api/communities', 'rosa', { slug: 'lamps', name: 'Lamp Friends', description: 'Customers helping customers' });
    topicId = (await site.call('POST', '/api/communities/lamps/topics', 'rosa', { category: 'general', title: 'My lamp flickers', body: 'Any idea why?' })).json
      .topic.id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('signs up, verifies through the mailbox link, forgets the password and resets it', async () => {
    const newcomerCtx = await browser.newContext();
    const newcomer = track(await newcomerCtx.newPage());

    // Sign-up in the browser; the banner says where the link went.
    await newcomer.goto(`${url}/signup`);
    await newcomer.getByLabel('Handle').fill('newbie');
    await newcomer.getByLabel('Email').fill('newbie@example.org');
    await newcomer.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await newcomer.getByRole('button', { name: 'Create account' }).click();
    const banner = newcomer.getByRole('complementary', { name: 'Please verify your email address' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain('newbie@example.org');
    await expectAccessible(newcomer);

    // The community starts asking for verified addresses (its admin ticks the box) …
    await admin.goto(`${url}/c/lamps/settings`);
    const moderation = admin.getByRole('region', { name: 'Moderation' });
    await moderation.getByLabel('A verified email address is needed to post').check();
    await moderation.getByRole('button', { name: 'Save' }).click();
    await moderation.getByText('Saved.').waitFor();
    // … so the newcomer's reply box says what to do, before and after trying to post.
    await newcomer.goto(`${url}/c/lamps/t/${topicId}`);
    const notice = newcomer.getByText('This community asks members to verify their email address before posting.');
    await notice.waitFor();
    await newcomer.getByLabel('Reply text').fill('Check the bulb first.');
    await newcomer.getByRole('button', { name: 'Post reply' }).click();
    await newcomer.getByRole('alert').filter({ hasText: 'asks members to verify their email address' }).waitFor();
    provoked(newcomer, 403);
    expect(await newcomer.getByLabel('Reply text').inputValue()).toBe('Check the bulb first.');
    await expectAccessible(newcomer);

    // The admin's mailbox: the local mailbox note, the verification mail, its HTML part shown
    // with its styles (no CSP refusals: the console stays clean) and its text part's link.
    const verifyLink = await linkFromMailbox('newbie@example.org', 'Verification', '/verify-email');
    const frame = admin.frameLocator('iframe[title^="HTML part of"]');
    const button = frame.getByRole('link', { name: 'Confirm my address' });
    await button.waitFor();
    // Its inline styles applied: white text on the blue button (unstyled, a link is blue on white).
    const colour = await button.evaluate((a) => (globalThis as unknown as { getComputedStyle(e: typeof a): { color: string } }).getComputedStyle(a).color);
    expect(colour).toBe('rgb(255, 255, 255)');
    expect(await button.getAttribute('target')).toBe('_blank');
    await expectAccessible(admin);
    await admin.goto(`${url}/admin/mail`);
    await admin.getByText('No SMTP server is configured').waitFor();
    await expectAccessible(admin);

    // The newcomer follows the link: verified, and the banner is gone for good.
    await newcomer.goto(verifyLink);
    await newcomer.getByText('Thank you: your email address is verified.').waitFor();
    expect(new URL(newcomer.url()).search).toBe('');
    await expectAccessible(newcomer);
    await newcomer.goto(url);
    await newcomer.getByRole('heading', { level: 1 }).first().waitFor();
    expect(await newcomer.getByRole('complementary', { name: 'Please verify your email address' }).count()).toBe(0);

    // Verified, the kept reply goes out.
    await newcomer.goto(`${url}/c/lamps/t/${topicId}`);
    await newcomer.getByRole('button', { name: 'Post reply' }).click();
    await newcomer.locator('article', { hasText: 'Check the bulb first.' }).waitFor();
    expect(await notice.count()).toBe(0);

    // A second browser of the newcomer's stays signed in until the reset ends every session.
    const otherCtx = await browser.newContext();
    const other = track(await otherCtx.newPage());
    await signIn(other, 'newbie', 'correct horse battery');
    await other.getByRole('link', { name: 'Settings' }).waitFor();

    // Signed out, the newcomer has forgotten the password.
    await newcomer.getByRole('button', { name: 'Sign out' }).click();
    await newcomer.getByRole('link', { name: 'Sign in' }).first().click();
    await newcomer.getByRole('link', { name: 'Forgot your password?' }).click();
    await newcomer.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    await newcomer.getByLabel('Email').fill('newbie@example.org');
    await newcomer.getByRole('button', { name: 'Send the link' }).click();
    await newcomer.getByText('If an account uses newbie@example.org, a link to choose a new password is on its way.').waitFor();
    await expectAccessible(newcomer);

    const resetLink = await linkFromMailbox('newbie@example.org', 'Password reset', '/reset-password');
    const resetPage = await newcomer.goto(resetLink);
    expect(resetPage?.headers()['referrer-policy']).toBe('no-referrer');
    await newcomer.getByLabel('New password', { exact: true }).fill('a much better secret');
    await newcomer.getByLabel('New password again').fill('a much better secreT');
    await newcomer.getByRole('button', { name: 'Set the new password' }).click();
    await newcomer.getByText('The two passwords are not the same.').waitFor();
    await newcomer.getByLabel('New password again').fill('a much better secret');
    await newcomer.getByRole('button', { name: 'Set the new password' }).click();
    await newcomer.getByText('Your password is changed, and you are signed out everywhere.').waitFor();
    expect(await newcomer.locator('meta[name="referrer"]').getAttribute('content')).toBe('no-referrer');
    await expectAccessible(newcomer);

    // The same link works once.
    await newcomer.goto(resetLink);
    await newcomer.getByLabel('New password', { exact: true }).fill('yet another secret');
    await newcomer.getByLabel('New password again').fill('yet another secret');
    await newcomer.getByRole('button', { name: 'Set the new password' }).click();
    await newcomer.getByText('This link does not work any more').waitFor();
    provoked(newcomer, 400);

    // The other browser was signed out by the reset.
    await other.reload();
    await other.getByRole('link', { name: 'Sign up', exact: true }).waitFor();

    // The old password fails, the new one signs in.
    await signIn(newcomer, 'newbie@example.org', 'correct horse battery');
    await newcomer.getByText('That handle/email and password do not match an account.').waitFor();
    provoked(newcomer, 401);
    await signIn(newcomer, 'newbie@example.org', 'a much better secret');
    await newcomer.waitForURL((u) => !u.pathname.startsWith('/login'));
    await newcomer.getByRole('link', { name: 'Settings' }).click();
    await newcomer.getByRole('heading', { name: 'Email address', exact: true }).waitFor();
    await expect.poll(() => newcomer.getByText('Verified', { exact: true }).count()).toBe(1);
    // Mail preferences: "only when away" is the default; the digest goes daily.
    expect(await newcomer.getByLabel('Only when I’m away (recommended)').isChecked()).toBe(true);
    await newcomer.getByLabel('Daily').check();
    await newcomer.getByRole('form', { name: 'Mail from us' }).getByRole('button', { name: 'Save' }).click();
    await newcomer.getByText('Saved.').waitFor();
    const [prefs] = await rows(app.parley.ctx.db, sql`SELECT email_digest, email_notifications FROM users WHERE handle = 'newbie'`);
    expect(prefs).toEqual({ email_digest: 'daily', email_notifications: 'away' });
    await expectAccessible(newcomer);

    // Mail to the address starts bouncing: every page asks for a new address and leads to the form.
    await app.parley.ctx.db.execute(sql`UPDATE users SET email_bounce_score = 100 WHERE handle = 'newbie'`);
    await newcomer.goto(url);
    const bouncing = newcomer.getByRole('complementary', { name: 'We cannot reach your email address' });
    await bouncing.getByRole('link', { name: 'change your address' }).click();
    await newcomer.waitForURL((u) => u.pathname === '/settings' && u.hash === '#email-address');
    await newcomer.getByText('Mail bounces', { exact: true }).waitFor();
    await expectAccessible(newcomer);

    expectNoProblems();
    await Promise.all([newcomerCtx.close(), otherCtx.close()]);
  });

  it('the verify banner takes the code from the mail instead of the link', async () => {
    const codeMail = await linkFromMailbox('rosa@example.org', 'Verification', '/verify-email');
    expect(codeMail).toContain('/verify-email?token=');
    const code = (await admin.locator('pre', { hasText: 'enter this code' }).textContent())!.match(/\b\d{6}\b/)![0];
    await admin.goto(url);
    const banner = admin.getByRole('complementary', { name: 'Please verify your email address' });
    await banner.getByRole('button', { name: 'Enter the code' }).click();
    await banner.getByLabel('Code from the mail').fill('000000' === code ? '111111' : '000000');
    await banner.getByRole('button', { name: 'Verify' }).click();
    await banner.getByText('That code is not right, or it has expired.').waitFor();
    provoked(admin, 400);
    await banner.getByLabel('Code from the mail').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
    await banner.getByRole('button', { name: 'Verify' }).click();
    await admin.getByText('Thank you: your email address is verified.').waitFor();
    expect(await banner.count()).toBe(0);
    await expectAccessible(admin);
    expectNoProblems();
  });

  it('an unsubscribe link says what it stops, stops it only when confirmed, and can be undone, signed out', async () => {
    const ctx = app.parley.ctx;
    const [member] = await rows<{ id: number }>(ctx.db, sql`SELECT id FROM users WHERE handle = 'rosa'`);
    const digestChoice = async () => (await rows<{ email_digest: string }>(ctx.db, sql`SELECT email_digest FROM users WHERE handle = 'rosa'`))[0]!.email_digest;
    const mailId = await write(ctx, ({ tx }) =>
      ctx.mail.queue(tx, {
        kind: 'digest',
        userId: Number(member!.id),
        to: 'rosa@example.org',
        locale: 'en',
        subject: 'What you missed',
        blocks: [{ type: 'paragraph', text: 'Two new answers.' }],
        unsubscribe: { stream: 'digest' },
      }),
    );
    await admin.goto(`${url}/admin/mail/${mailId}`);
    const link = await admin.locator('pre a[href*="/unsubscribe/"]').first().getAttribute('href');
    const guestCtx = await browser.newContext();
    const guest = track(await guestCtx.newPage());

    await guest.goto(onThisServer(link!));
    await guest.getByText('This link stops:').waitFor();
    await guest.getByText('The digest of what you missed').waitFor();
    expect(await digestChoice()).toBe('weekly');
    await expectAccessible(guest);

    await guest.getByRole('button', { name: 'Unsubscribe' }).click();
    await guest.getByText('Unsubscribed.').waitFor();
    expect(await digestChoice()).toBe('off');
    await expectAccessible(guest);

    await guest.getByRole('button', { name: 'Undo' }).click();
    await guest.getByText('Subscribed again.').waitFor();
    expect(await digestChoice()).toBe('weekly');

    expectNoProblems();
    await guestCtx.close();
  });
});
