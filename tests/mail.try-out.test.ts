/**
 * The try-out after `npm start` (embedded database, no SMTP): the first account becomes the site
 * admin, reads its own verification mail in the local mailbox and verifies with it; nobody after
 * them gets those powers. Off, as on any real deployment, nobody does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../server/config/config.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { signUp } from './helpers/factories.js';

describe('the try-out', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ firstAccountIsSiteAdmin: true });
  });
  afterAll(() => t.close());

  it('makes the first account the site admin, who verifies through the local mailbox; the second is a member', async () => {
    const operator = await signUp(t);
    const me = await operator.get('/api/me');
    expect(me.body).toMatchObject({ isSiteAdmin: true, user: { emailVerified: false } });

    const address = `${operator.handle}@example.org`;
    await expect.poll(async () => (await operator.get(`/api/admin/mail?to=${encodeURIComponent(address)}`)).body.items?.[0]?.status).toBe('sent');
    const [summary] = (await operator.get(`/api/admin/mail?to=${encodeURIComponent(address)}`)).body.items;
    expect(summary).toMatchObject({ kind: 'verify_email', transport: 'local' });
    const mail = (await operator.get(`/api/admin/mail/${summary.id}`)).body;
    const token = /\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    expect(token).toBeDefined();
    expect((await operator.post('/api/auth/verify-email', { token })).status).toBe(200);
    expect((await operator.get('/api/me')).body.user.emailVerified).toBe(true);

    const second = await signUp(t);
    expect((await second.get('/api/me')).body.isSiteAdmin).toBe(false);
    expect((await second.get('/api/admin/mail')).status).toBe(403);
  });

  it('is on only for the embedded database without SMTP, unless switched', () => {
    expect(configFromEnv({}).firstAccountIsSiteAdmin).toBe(true);
    expect(configFromEnv({ DATABASE_URL: 'postgres://localhost/parley' }).firstAccountIsSiteAdmin).toBe(false);
    expect(configFromEnv({ PARLEY_SMTP_URL: 'smtp://mail.example.org:587' }).firstAccountIsSiteAdmin).toBe(false);
    expect(configFromEnv({ PARLEY_FIRST_ACCOUNT_ADMIN: 'off' }).firstAccountIsSiteAdmin).toBe(false);
  });
});
