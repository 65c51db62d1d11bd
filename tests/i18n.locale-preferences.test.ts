/**
 * A member's interface language (PUT /api/me/preferences, user.locale in GET /api/me) and a
 * community's language (PATCH /api/communities/:slug {language}, `language` on every community).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, signUp } from './helpers/factories.js';
import { LiveClient, liveUrl } from './helpers/live-client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe("a member's interface language", () => {
  it('is null (automatic) at first, in /api/me and /api/auth/session', async () => {
    const member = await signUp(t);
    const me = await member.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ handle: member.handle, locale: null });
    expect((await member.get('/api/auth/session')).body.user).toMatchObject({ handle: member.handle, locale: null });
    expect((await t.guest().get('/api/auth/session')).body.user).toBeNull();
  });

  it('PUT /api/me/preferences stores it and answers like GET /api/me; null goes back to automatic', async () => {
    const member = await signUp(t);
    const before = (await member.get('/api/me')).body;
    const set = await member.put('/api/me/preferences', { locale: 'de' });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ ...before, user: { ...before.user, locale: 'de' } });
    expect((await member.get('/api/me')).body.user.locale).toBe('de');
    expect((await member.get('/api/auth/session')).body.user.locale).toBe('de');

    // Spelled as the server spells it, whatever the case sent; pseudo-locales are choices too.
    expect((await member.put('/api/me/preferences', { locale: 'EN-xa' })).body.user.locale).toBe('en-XA');
    expect((await member.put('/api/me/preferences', { locale: 'ar-XB' })).body.user.locale).toBe('ar-XB');

    const cleared = await member.put('/api/me/preferences', { locale: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.user.locale).toBeNull();
    expect((await member.get('/api/me')).body.user.locale).toBeNull();
  });

  it('refuses a locale the server does not offer with 400 unknown_locale, and bad input with 400 invalid_input', async () => {
    const member = await signUp(t);
    for (const locale of ['xx', 'de-AT', 'fr']) {
      const body = expectError(await member.put('/api/me/preferences', { locale }), 400, 'unknown_locale');
      expect(body.details).toMatchObject({ locale, available: expect.arrayContaining(['de', 'en']) });
    }
    for (const payload of [{}, { locale: 42 }, { locale: '' }, { locale: 'not a tag' }, { locale: 'x'.repeat(64) }]) {
      expectError(await member.put('/api/me/preferences', payload), 400, 'invalid_input');
    }
    expect((await member.get('/api/me')).body.user.locale).toBeNull();
  });

  it('is for the signed-in member only: guests get 401, and other people never see it', async () => {
    expectError(await t.guest().put('/api/me/preferences', { locale: 'de' }), 401, 'not_signed_in');
    const member = await signUp(t);
    await member.put('/api/me/preferences', { locale: 'de' });
    const profile = await t.guest().get(`/api/users/${member.handle}`);
    expect(profile.status).toBe(200);
    expect(profile.body.user).not.toHaveProperty('locale');
    const admin = await signUp(t);
    const { slug } = await createCommunity(admin);
    const { topic } = await createTopic(member, slug);
    const read = await t.guest().get(`/api/topics/${topic.id}`);
    expect(JSON.stringify(read.body)).not.toContain('"locale"');
  });

  it('speaks the chosen language in the reply to the change itself', async () => {
    const member = await signUp(t);
    await member.put('/api/me/preferences', { locale: 'de' });
    const body = expectError(await member.put('/api/me/preferences', { locale: 'xx' }, { 'accept-language': 'en' }), 400, 'unknown_locale');
    expect(body.message).toBe('„xx“ ist keine Sprache, die dieses Forum anbietet.');
  });
});

describe("a community's language", () => {
  it('is en at first and on every community the API returns', async () => {
    const admin = await signUp(t);
    const community = await createCommunity(admin);
    expect(community.language).toBe('en');
    expect((await t.guest().get(`/api/communities/${community.slug}`)).body.community.language).toBe('en');
    const listed = (await t.guest().get('/api/communities')).body.items.find((c: { slug: string }) => c.slug === community.slug);
    expect(listed.language).toBe('en');
  });

  it('PATCH {language} changes it (admins only); the live community.updated carries it', async () => {
    const admin = await signUp(t);
    const { slug } = await createCommunity(admin);
    const live = await LiveClient.connect(await liveUrl(t.app), { origin: null });
    expect(await live.subscribe(`community:${slug}`)).toMatchObject({ type: 'subscribed' });

    const res = await admin.patch(`/api/communities/${slug}`, { language: 'DE' });
    expect(res.status).toBe(200);
    expect(res.body.community.language).toBe('de');
    expect((await t.guest().get(`/api/communities/${slug}`)).body.community.language).toBe('de');
    const updated = await live.next((m) => m.type === 'event' && m.event === 'community.updated');
    expect(updated.data.language).toBe('de');
    live.ws.close();

    // Other settings leave it alone.
    expect((await admin.patch(`/api/communities/${slug}`, { name: 'Renamed' })).body.community.language).toBe('de');

    const member = await signUp(t);
    expectError(await member.patch(`/api/communities/${slug}`, { language: 'en' }), 403, 'not_community_admin');
    expectError(await t.guest().patch(`/api/communities/${slug}`, { language: 'en' }), 401, 'not_signed_in');
  });

  it('refuses a language without a catalogue (pseudo-locales included) with 400 unknown_language', async () => {
    const admin = await signUp(t);
    const { slug } = await createCommunity(admin);
    for (const language of ['fr', 'en-XA', 'de-AT', 'xx']) {
      const body = expectError(await admin.patch(`/api/communities/${slug}`, { language }), 400, 'unknown_language');
      expect(body.details).toMatchObject({ language, available: expect.arrayContaining(['de', 'en']) });
    }
    for (const language of ['', 42, null, 'not a language']) {
      expectError(await admin.patch(`/api/communities/${slug}`, { language }), 400, 'invalid_input');
    }
    expect((await t.guest().get(`/api/communities/${slug}`)).body.community.language).toBe('en');
  });
});
