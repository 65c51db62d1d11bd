import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { makeSiteAdmin, PASSWORD, signUp, unique, type SignedIn } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';

const signupAt = (t: TestApp, domain: string) => {
  const handle = unique('d');
  return t.guest().post('/api/auth/signup', { handle, email: `${handle}@${domain}`, password: PASSWORD });
};

describe('blocked e-mail domains', () => {
  let t: TestApp;
  let admin: SignedIn;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await signUp(t);
    await makeSiteAdmin(t, admin.userId);
  });
  afterAll(() => t.close());

  it('refuses sign-up at a blocked domain and at its subdomains, not at look-alikes', async () => {
    const added = await admin.post('/api/admin/blocked-email-domains', { domain: ' @Spam-Wave.Example ' });
    expect(added.status, added.text).toBe(201);
    expect(added.body).toMatchObject({ domain: 'spam-wave.example', createdBy: admin.handle });

    expectError(await signupAt(t, 'spam-wave.example'), 400, 'email_domain_blocked');
    expectError(await signupAt(t, 'SPAM-WAVE.example'), 400, 'email_domain_blocked');
    expectError(await signupAt(t, 'mx1.eu.spam-wave.example'), 400, 'email_domain_blocked');
    // Another domain that merely ends with the same letters is someone else's.
    expect((await signupAt(t, 'notspam-wave.example')).status).toBe(201);
    expect((await signupAt(t, 'spam-wave.example.org')).status).toBe(201);
  });

  it('refuses a change of address to a blocked domain, and says so in German too', async () => {
    await admin.post('/api/admin/blocked-email-domains', { domain: 'throwaway.example' });
    const member = await signUp(t);
    expectError(await member.put('/api/me/email', { email: `${member.handle}@sub.throwaway.example`, password: PASSWORD }), 400, 'email_domain_blocked');
    const de = await member.put('/api/me/email', { email: `${member.handle}@throwaway.example`, password: PASSWORD }, { 'accept-language': 'de' });
    expect(de.status).toBe(400);
    expect(de.body.message).toContain('Domain');
    expect((await member.put('/api/me/email', { email: `${member.handle}@fine.example`, password: PASSWORD })).status).toBe(202);
  });

  it('lists, keeps the first entry of a double, and unblocks', async () => {
    await admin.post('/api/admin/blocked-email-domains', { domain: 'twice.example' });
    const again = await admin.post('/api/admin/blocked-email-domains', { domain: 'TWICE.example.' });
    expect(again.status).toBe(201);
    const list = await admin.get('/api/admin/blocked-email-domains');
    expect(list.status).toBe(200);
    expect(list.body.items.filter((d: { domain: string }) => d.domain === 'twice.example')).toHaveLength(1);
    expect(list.body.items.map((d: { domain: string }) => d.domain)).toEqual(
      expect.arrayContaining(['spam-wave.example', 'throwaway.example', 'twice.example']),
    );

    expect((await admin.delete('/api/admin/blocked-email-domains/spam-wave.example')).status).toBe(204);
    expect((await signupAt(t, 'spam-wave.example')).status).toBe(201);
    // Unblocking what is not on the list changes nothing.
    expect((await admin.delete('/api/admin/blocked-email-domains/never-blocked.example')).status).toBe(204);
  });

  it('refuses what is not a domain', async () => {
    for (const domain of ['com', 'not a domain', 'exa_mple.com', '-bad.example', 'bad-.example', 'x'.repeat(64) + '.example', 'example.123', 'a@b@c'])
      expectError(await admin.post('/api/admin/blocked-email-domains', { domain }), 400, 'invalid_domain');
    expectError(await admin.delete('/api/admin/blocked-email-domains/com'), 400, 'invalid_domain');
    expectError(await admin.post('/api/admin/blocked-email-domains', {}), 400, 'invalid_input');
  });

  it('is for site admins only', async () => {
    const member = await signUp(t);
    expectError(await member.get('/api/admin/blocked-email-domains'), 403, 'not_site_admin');
    expectError(await member.post('/api/admin/blocked-email-domains', { domain: 'rival.example' }), 403, 'not_site_admin');
    expectError(await member.delete('/api/admin/blocked-email-domains/throwaway.example'), 403, 'not_site_admin');
    expectError(await t.guest().get('/api/admin/blocked-email-domains'), 401, 'not_signed_in');
    expectError(await t.guest().post('/api/admin/blocked-email-domains', { domain: 'rival.example' }), 401, 'not_signed_in');
    // Still blocked: the refused removal removed nothing.
    expectError(await signupAt(t, 'throwaway.example'), 400, 'email_domain_blocked');
  });
});
