import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { Db } from '../../db/client.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { writeRateLimit } from '../security/security.plugin.js';
import { clearSessionCookie, requireUser, setSessionCookie } from './auth.plugin.js';
import { LoginBody, MeReply, PasswordBody, PreferencesBody, SessionReply, SignupBody, TokenReply, UserReply, authErrors } from './auth.schema.js';
import { changePassword, login, me, signup, updatePreferences } from './auth.service.js';
import type { SessionStore } from './session.js';
import type { Translator } from '../i18n/translator.js';
import { passSignupChallenge } from '../safety/spam/signup-challenge.js';

export const authRoutes: FastifyPluginAsyncTypebox<{ config: Config; db: Db; ctx: ServiceContext; sessions: SessionStore; translator: Translator }> = async (
  app,
  { config, db, ctx, sessions, translator },
) => {
  const tags = ['accounts'];
  const meOptions = { bounceThreshold: config.mail.bounceThreshold };
  const limits = (ip: string) => ({ enabled: config.rateLimits, address: ip });

  app.post(
    '/api/auth/signup',
    {
      schema: {
        tags,
        summary: 'Create an account and sign in',
        description:
          'Mails a link and a six-digit code that verify the address (POST /api/auth/verify-email). ' +
          'When GET /api/auth/signup-challenge says `required`, `challenge` carries its solution: missing is 400 `challenge_required`; ' +
          'forged, wrong, expired or already used is 400 `challenge_invalid`. An address at a blocked domain is 400 `email_domain_blocked`.',
        body: SignupBody,
        response: { 201: UserReply, ...authErrors },
      },
      config: config.rateLimits ? { rateLimit: { max: 10, timeWindow: '1 hour' } } : { rateLimit: undefined },
    },
    async (request, reply) => {
      await passSignupChallenge(db, config.signupChallenge, request.body.challenge);
      const user = await signup(ctx, request.body, await request.locale, { firstIsSiteAdmin: config.firstAccountIsSiteAdmin });
      setSessionCookie(config, request, reply, await sessions.issue(user.id));
      return reply.status(201).send({ user });
    },
  );

  app.post(
    '/api/auth/login',
    {
      schema: { tags, summary: 'Sign in with handle or email', body: LoginBody, response: { 200: UserReply, ...authErrors } },
    },
    async (request, reply) => {
      const { id, user } = await login(db, request.body.login, request.body.password, limits(request.ip));
      // A new session at every sign-in: a token planted before login (session fixation) is useless.
      if (request.viewer.sessionId) await sessions.revoke(request.viewer.sessionId);
      setSessionCookie(config, request, reply, await sessions.issue(id));
      return { user };
    },
  );

  app.post(
    '/api/auth/token',
    {
      schema: {
        tags,
        summary: 'Sign in and get a bearer token (API clients)',
        description: 'Send it as `Authorization: Bearer <token>`.',
        body: LoginBody,
        response: { 201: TokenReply, ...authErrors },
      },
    },
    async (request, reply) => {
      const { id, user } = await login(db, request.body.login, request.body.password, limits(request.ip));
      const issued = await sessions.issue(id, 'bearer');
      return reply.status(201).send({ token: issued.token, expiresAt: issued.expiresAt.toISOString(), user });
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: { tags, summary: 'Sign out this session', response: { 204: { type: 'null' }, ...authErrors } },
    },
    async (request, reply) => {
      if (request.viewer.sessionId) await sessions.revoke(request.viewer.sessionId);
      clearSessionCookie(config, request, reply);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/logout-all',
    {
      schema: { tags, summary: 'Sign out every session of this account', response: { 204: { type: 'null' }, ...authErrors } },
    },
    async (request, reply) => {
      const user = requireUser(request);
      await sessions.revokeAll(user.id);
      clearSessionCookie(config, request, reply);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/password',
    {
      schema: {
        tags,
        summary: 'Change password',
        description: 'Revokes every session, then signs this one in again; the account’s address is told by mail.',
        body: PasswordBody,
        response: { 204: { type: 'null' }, ...authErrors },
      },
      config: writeRateLimit(config),
    },
    async (request, reply) => {
      const user = requireUser(request);
      await changePassword(ctx, request.viewer, request.body.currentPassword, request.body.newPassword, await request.locale);
      await sessions.revokeAll(user.id);
      if (request.authMethod === 'cookie') setSessionCookie(config, request, reply, await sessions.issue(user.id));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/session',
    {
      schema: {
        tags,
        summary: 'Who is signed in, without an error for guests',
        description: 'Like GET /api/me, but answers 200 with `user: null` when signed out, so pages can ask without a console error.',
        response: { 200: SessionReply, ...authErrors },
      },
    },
    async (request) => (request.viewer.user ? me(db, request.viewer, meOptions) : { user: null, isSiteAdmin: false, memberships: [] }),
  );

  app.get(
    '/api/me',
    {
      schema: { tags, summary: 'The signed-in account and its memberships', response: { 200: MeReply, ...authErrors } },
    },
    async (request) => me(db, request.viewer, meOptions),
  );

  app.put(
    '/api/me/preferences',
    {
      schema: {
        tags,
        summary: 'Change your own settings: the interface language, who may mention you',
        description:
          '`locale`: one of the server’s locales (its catalogue languages, e.g. `en`, `de`, and the pseudo-locales `en-XA`, `ar-XB` for testing), ' +
          'or null to have it chosen automatically (the community’s language, then the browser’s). Anything else is 400 `unknown_locale`. ' +
          '`mentionsFrom`: `anyone`, `staff` (someone with a staff, moderator or admin role in the community of the post) or `nobody`; ' +
          'a mention the choice refuses notifies nothing (the post still shows it). Each field changes only when sent. Answers like GET /api/me.',
        body: PreferencesBody,
        response: { 200: MeReply, ...authErrors },
      },
      config: writeRateLimit(config),
    },
    async (request) => {
      const answer = await updatePreferences(db, request.viewer, request.body, translator.locales, meOptions);
      // Sessions carry the locale: the member's other sessions, on every process, pick it up now.
      await sessions.accountChanged(requireUser(request).id);
      return answer;
    },
  );
};
