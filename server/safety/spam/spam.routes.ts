import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/config.js';
import { errors } from '../../schemas/common.schema.js';
import { writeRateLimit } from '../../security/security.plugin.js';
import { HandleParams } from '../../users/users.schema.js';
import type { ServiceContext } from '../../write/unit-of-work.js';
import { blockDomain, listBlockedDomains, unblockDomain } from './blocked-domains.service.js';
import { challengeRequired, signupChallengeFor } from './signup-challenge.js';
import { getSiteSettings, updateSiteSettings, type SiteSettings } from './site-settings.service.js';
import {
  BlockedDomainBody,
  BlockedDomainReply,
  BlockedDomainsReply,
  ChallengeReply,
  DomainParams,
  SiteSettingsBody,
  SiteSettingsReply,
  SuspendBody,
  SuspendReply,
  SuspensionReply,
} from './spam.schema.js';
import { liftSuspension, suspendUser, suspensionOf } from './suspension.service.js';

/** Sign-up's challenge, and the site admins' tools against spam waves. */
export const spamRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext }> = async (app, { config, ctx }) => {
  const { db } = ctx;
  const tags = ['safety'];
  const adminErrors = errors(400, 401, 403, 404, 409);

  app.get(
    '/api/auth/signup-challenge',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Whether sign-up needs a proof of work now, and a fresh challenge when it does',
        description: 'Self-hosted ALTCHA proof of work: no third party, no cookie. Each answer is a new challenge.',
        response: { 200: ChallengeReply, ...errors(429) },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return signupChallengeFor(db, config.signupChallenge);
    },
  );

  const settingsReply = async (settings: SiteSettings) => ({
    ...settings,
    signupChallengeActive: await challengeRequired(db, config.signupChallenge),
    spikeThreshold: config.signupChallenge.autoThreshold,
  });

  app.get(
    '/api/admin/site-settings',
    { schema: { tags, summary: 'Site-wide settings (site admins)', response: { 200: SiteSettingsReply, ...adminErrors } } },
    async (request) => settingsReply(await getSiteSettings(db, request.viewer)),
  );

  app.patch(
    '/api/admin/site-settings',
    {
      schema: {
        tags,
        summary: 'Change site-wide settings (site admins)',
        description: '`signupChallenge`: off, on, or auto (on while sign-ups spike).',
        body: SiteSettingsBody,
        response: { 200: SiteSettingsReply, ...adminErrors },
      },
      config: writeRateLimit(config),
    },
    async (request) => settingsReply(await updateSiteSettings(db, request.viewer, request.body)),
  );

  app.get(
    '/api/admin/blocked-email-domains',
    { schema: { tags, summary: 'E-mail domains sign-up refuses (site admins)', response: { 200: BlockedDomainsReply, ...adminErrors } } },
    async (request) => listBlockedDomains(db, request.viewer),
  );

  app.post(
    '/api/admin/blocked-email-domains',
    {
      schema: {
        tags,
        summary: 'Block an e-mail domain and its subdomains (site admins)',
        description: 'Sign-up and a change of address with such a domain get 400 `email_domain_blocked`. Accounts that have one already are not touched.',
        body: BlockedDomainBody,
        response: { 201: BlockedDomainReply, ...adminErrors },
      },
      config: writeRateLimit(config),
    },
    async (request, reply) => reply.status(201).send(await blockDomain(db, request.viewer, request.body.domain)),
  );

  app.delete(
    '/api/admin/blocked-email-domains/:domain',
    {
      schema: {
        tags,
        summary: 'Unblock an e-mail domain (site admins)',
        params: DomainParams,
        response: { 204: { type: 'null' }, ...adminErrors },
      },
      config: writeRateLimit(config),
    },
    async (request, reply) => {
      await unblockDomain(db, request.viewer, request.params.domain);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/admin/users/:handle/suspension',
    {
      schema: { tags, summary: 'Whether an account is suspended (site admins)', params: HandleParams, response: { 200: SuspensionReply, ...adminErrors } },
    },
    async (request) => ({ user: await suspensionOf(ctx, request.viewer, request.params.handle) }),
  );

  app.post(
    '/api/admin/users/:handle/suspension',
    {
      schema: {
        tags,
        summary: 'Suspend an account site-wide, optionally removing everything it posted (site admins)',
        description:
          'Every session and token of the account ends at once; signing in answers 403 `account_suspended` with the reason. ' +
          'With `removeContent`, its posts and topics in every community are hidden (reason `account_suspended`) in one transaction, ' +
          'and each community it touched or belongs to logs `suspend_user` publicly. Not yourself (400 `cannot_suspend_self`), not a site admin (403 `cannot_suspend_site_admin`).',
        params: HandleParams,
        body: SuspendBody,
        response: { 200: SuspendReply, ...adminErrors },
      },
      config: writeRateLimit(config),
    },
    async (request) => suspendUser(ctx, request.viewer, request.params.handle, request.body),
  );

  app.delete(
    '/api/admin/users/:handle/suspension',
    {
      schema: {
        tags,
        summary: 'Lift a suspension (site admins)',
        description: 'The member can sign in again; what was removed stays hidden (moderators can restore it).',
        params: HandleParams,
        response: { 200: SuspensionReply, ...adminErrors },
      },
      config: writeRateLimit(config),
    },
    async (request) => ({ user: await liftSuspension(ctx, request.viewer, request.params.handle) }),
  );
};
