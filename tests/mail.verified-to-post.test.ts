/**
 * A community may ask for a verified address before anyone posts: off by default; members without
 * one get 403 email_unverified for topics, replies and embed comments alike; verified members, SSO
 * accounts (vouched for by their organisation) and site admins post.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createTopic, makeSiteAdmin, scene, signUp, unique } from './helpers/factories.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { mailOverrides, verifyBySignupMail } from './helpers/account-mail.js';
import { TestClient } from './helpers/client.js';

const PAGE_HOST = 'https://shop.example';
let sink: SmtpSink;
let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
let topicId: number;
beforeAll(async () => {
  sink = await startSmtpSink();
  t = await startTestApp(mailOverrides(sink));
  s = await scene(t);
  topicId = (await createTopic(s.admin, s.slug)).topic.id;
  expect((await s.admin.patch(`/api/communities/${s.slug}`, { embed: { allowedOrigins: [PAGE_HOST] } })).status).toBe(200);
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

const requireVerified = async (on: boolean) => {
  const res = await s.admin.patch(`/api/communities/${s.slug}`, { moderation: { requireVerifiedEmail: on } });
  expect(res.status, res.text).toBe(200);
  expect(res.body.community.moderation.requireVerifiedEmail).toBe(on);
};
const replyAs = (who: TestClient) => who.post(`/api/topics/${topicId}/posts`, { body: `Reply ${unique()}` });
const topicAs = (who: TestClient) => who.post(`/api/communities/${s.slug}/topics`, { category: 'general', title: `Topic ${unique()}`, body: 'Opening' });
const commentAs = (who: TestClient) => who.post(`/api/embed/${s.slug}/thread/posts`, { url: `${PAGE_HOST}/p/${unique()}`, title: 'A page', body: 'A comment' });

describe('the "verified address to post" setting', () => {
  it('is off by default, and shown with the community', async () => {
    const res = await t.guest().get(`/api/communities/${s.slug}`);
    expect(res.body.community.moderation.requireVerifiedEmail).toBe(false);
    expect((await replyAs(s.member)).status).toBe(201);
  });

  it('only the community’s admins change it', async () => {
    expectError(await s.moderator.patch(`/api/communities/${s.slug}`, { moderation: { requireVerifiedEmail: true } }), 403, 'not_community_admin');
  });

  describe('when on', () => {
    beforeAll(async () => requireVerified(true));
    afterAll(async () => requireVerified(false));

    it('refuses replies, topics and embed comments of a member without a verified address', async () => {
      const newcomer = await signUp(t);
      const refused = expectError(await replyAs(newcomer), 403, 'email_unverified');
      expect(refused.message).toBe('Verify your e-mail address to post in this community.');
      expectError(await topicAs(newcomer), 403, 'email_unverified');
      expectError(await commentAs(newcomer), 403, 'email_unverified');
      // The refused attempts left nothing behind, membership included.
      expect((await newcomer.get('/api/me')).body.memberships).toEqual([]);
    });

    it('lets the member post once the address is verified', async () => {
      const member = await signUp(t);
      expectError(await replyAs(member), 403, 'email_unverified');
      await verifyBySignupMail(sink, member);
      expect((await replyAs(member)).status).toBe(201);
      expect((await topicAs(member)).status).toBe(201);
    });

    it('lets a site admin post without a verified address', async () => {
      const operator = await signUp(t);
      await makeSiteAdmin(t, operator.userId);
      expect((await replyAs(operator)).status).toBe(201);
    });

    it('counts an SSO account as verified by its organisation', async () => {
      const { secret } = (await s.admin.post(`/api/communities/${s.slug}/sso-secret`)).body as { secret: string };
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({ sub: unique('sub'), name: 'Org Member', aud: s.slug, iat: now, exp: now + 300, jti: unique('jti') })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new TextEncoder().encode(secret));
      const iframe = new TestClient(t.app, { origin: null });
      const session = await iframe.post(`/api/embed/${s.slug}/session`, { token: jwt });
      expect(session.status, session.text).toBe(200);
      iframe.bearer = session.body.token;
      const res = await commentAs(iframe);
      expect(res.status, res.text).toBe(201);
    });

    it('is answered in the member’s language', async () => {
      const member = await signUp(t);
      expect((await member.put('/api/me/preferences', { locale: 'de' })).status).toBe(200);
      const refused = expectError(await replyAs(member), 403, 'email_unverified');
      expect(refused.message).toBe('Bestätige deine E-Mail-Adresse, um in dieser Community zu schreiben.');
    });
  });
});
