/**
 * POST /api/mail/inbound: a mail provider's inbound hook (Mailgun, Postmark, SendGrid and the like
 * forward a received mail as its raw RFC 5322 source) with `Authorization: Bearer
 * <PARLEY_INBOUND_SECRET>`. Off (404, as if absent) while no secret is configured.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bearerToken } from '../../auth/auth.plugin.js';
import { AppError, unauthorized } from '../../errors/errors.js';
import { errors } from '../../schemas/common.schema.js';
import type { InboundMailHandler } from './inbound.handler.js';
import { MAX_INBOUND_BYTES } from './inbound.limits.js';

export const INBOUND_PATH = '/api/mail/inbound';
const RFC822 = 'message/rfc822';

/** Equal secrets, compared in constant time (their digests have the same length whatever was sent). */
const sameSecret = (given: string, expected: string) =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());

export const inboundRoutes: FastifyPluginAsyncTypebox<{ secret: string | undefined; handler: InboundMailHandler }> = async (app, { secret, handler }) => {
  // The raw message as a latin1 string: byte for byte what was sent (a mail need not be UTF-8), and a
  // string, which the input guard checks in one pass (a Buffer it would walk byte by byte).
  app.addContentTypeParser(RFC822, { parseAs: 'buffer', bodyLimit: MAX_INBOUND_BYTES }, (_request, body, done) => {
    done(null, (body as Buffer).toString('latin1'));
  });

  app.post(
    INBOUND_PATH,
    {
      bodyLimit: MAX_INBOUND_BYTES,
      // The bearer here is the provider's shared secret, not a session (server/auth/auth.plugin.ts).
      config: { ownAuthorization: true },
      // Before the body is read: up to 10 MB are taken only from whoever holds the secret.
      onRequest: async (request) => {
        if (!secret) throw new AppError(404, 'route_not_found', `No route POST ${INBOUND_PATH}`, { method: 'POST', path: INBOUND_PATH });
        const given = bearerToken(request);
        if (!given || !sameSecret(given, secret)) throw unauthorized('invalid_inbound_secret', 'The inbound mail secret is missing or wrong.');
      },
      schema: {
        tags: ['e-mail'],
        summary: "Receive a mail from a mail provider's inbound hook (replies by e-mail, bounces)",
        description: [
          'For the provider, not for people: `Authorization: Bearer <PARLEY_INBOUND_SECRET>`, body the raw message (`Content-Type: message/rfc822`, at most 10 MB).',
          'The recipient is taken from `?to=`, else from the Delivered-To, X-Original-To, To and Cc headers: `reply+<key>@<reply domain>` posts a reply as the member the key was made for, `bounce+<key>@<reply domain>` counts a bounce.',
          'Answers 202 once the mail is handled, whatever became of it (a refused reply is answered by mail to the member); 404 while no secret is configured.',
        ].join(' '),
        consumes: [RFC822],
        querystring: Type.Object({
          to: Type.Optional(Type.String({ maxLength: 320, description: 'the address the mail was sent to, when the headers do not say' })),
        }),
        body: Type.String({ minLength: 1, description: 'The raw message (RFC 5322).' }),
        response: { 202: Type.Object({}), ...errors(400, 401, 404, 413, 415) },
      },
    },
    async (request, reply) => {
      await handler.receive(Buffer.from(request.body, 'latin1'), request.query.to ? [request.query.to] : null);
      return reply.status(202).send({});
    },
  );
};
