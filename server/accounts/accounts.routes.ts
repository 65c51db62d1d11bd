import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import { requireUser } from '../auth/auth.plugin.js';
import { UserReply } from '../auth/auth.schema.js';
import { errors } from '../schemas/common.schema.js';
import { writeRateLimit } from '../security/security.plugin.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { Accepted, ChangeEmailBody, ResetConfirmBody, ResetRequestBody, VerifyBody } from './accounts.schema.js';
import { requestEmailChange } from './email-change.service.js';
import { confirmPasswordReset, requestPasswordReset } from './password-reset.service.js';
import { resendVerification, verifyEmail } from './verification.service.js';

/** Verified addresses, changes of address and password reset: the account flows that go through mail. */
export const accountRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext }> = async (app, { config, ctx }) => {
  const tags = ['accounts'];
  const limits = { enabled: config.rateLimits };

  app.post(
    '/api/auth/password-reset',
    {
      schema: {
        tags,
        summary: 'Ask for a password reset link',
        description:
          'Anyone. Answers 202 `{}` whether or not an account uses the address (the lookup happens later, in a job); an account with a password ' +
          'there gets a link `<origin>/reset-password?token=…`, good for one hour and once. More than 3 requests an hour for one address, or 10 ' +
          'from one client, are 429 `too_many_mails`.',
        body: ResetRequestBody,
        response: { 202: Accepted, ...errors(400, 403, 429) },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(ctx, { email: request.body.email, ip: request.ip, locale: await request.locale }, limits);
      return reply.status(202).send({});
    },
  );

  app.post(
    '/api/auth/password-reset/confirm',
    {
      schema: {
        tags,
        summary: 'Choose a new password with a reset link',
        description:
          'Anyone with the link’s token. Sets the password, ends every session of the account, marks the address verified when the link went ' +
          'to the account’s current address, and mails “your password was changed”. A token that is unknown, used, expired or replaced by a ' +
          'newer one is 400 `invalid_token`.',
        body: ResetConfirmBody,
        response: { 204: { type: 'null' }, ...errors(400, 403, 429) },
      },
      config: writeRateLimit(config),
    },
    async (request, reply) => {
      await confirmPasswordReset(ctx, request.body, await request.locale);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/verify-email',
    {
      schema: {
        tags,
        summary: 'Prove an e-mail address',
        description:
          'Either `{token}` from the link in the verification mail (anyone may send it), or `{code}`, the six digits from the same mail, sent ' +
          'by the signed-in member. A token for a new address (a change) makes the change: the address must still be free (409 ' +
          '`email_taken`). Unknown, used, expired or replaced tokens, and the fifth wrong code, are 400 `invalid_token`.',
        body: VerifyBody,
        response: { 200: UserReply, ...errors(400, 401, 403, 409, 429) },
      },
      config: writeRateLimit(config),
    },
    async (request) => ({ user: await verifyEmail(ctx, request.viewer, request.body) }),
  );

  app.post(
    '/api/auth/verify-email/resend',
    {
      schema: {
        tags,
        summary: 'Send the verification mail again',
        description:
          'Signed in. Goes to the address a change waits for, else to the account’s unproven address; a new mail replaces the older link and ' +
          'code. Nothing to prove: 409 `email_already_verified`. At most 3 verification mails an hour (changes of address included): 429 ' +
          '`too_many_mails`.',
        response: { 202: Accepted, ...errors(401, 403, 409, 429) },
      },
      config: writeRateLimit(config),
    },
    async (request, reply) => {
      await resendVerification(ctx, request.viewer, limits, await request.locale);
      return reply.status(202).send({});
    },
  );

  app.put(
    '/api/me/email',
    {
      schema: {
        tags,
        summary: 'Change your e-mail address',
        description:
          'Signed in, with the current password (403 `invalid_credentials`). Mails a verification link and code to the new address and a ' +
          'notice to the old one; the change takes effect when the new address is verified (GET /api/me shows it as `pendingEmail` until ' +
          'then). The address of another account: 409 `email_taken`; the current address: 409 `email_unchanged`; accounts without a ' +
          'password (SSO): 400 `no_password`.',
        body: ChangeEmailBody,
        response: { 202: Accepted, ...errors(400, 401, 403, 409, 429) },
      },
      config: writeRateLimit(config),
    },
    async (request, reply) => {
      requireUser(request);
      await requestEmailChange(ctx, request.viewer, request.body, limits, await request.locale);
      return reply.status(202).send({});
    },
  );
};
