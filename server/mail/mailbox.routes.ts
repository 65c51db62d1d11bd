import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Db } from '../../db/client.js';
import { Cursor, errors, IdParams, Nullable, Paged } from '../schemas/common.schema.js';
import { listMail, readMail } from './mailbox.service.js';

const MailSummary = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: 'verify_email, password_reset, password_changed, email_change, notification, digest, reply_refused, …' }),
  to: Type.String(),
  subject: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('sent'), Type.Literal('failed'), Type.Literal('suppressed')]),
  transport: Nullable(Type.Union([Type.Literal('smtp'), Type.Literal('local')])),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  createdAt: Type.String(),
  sentAt: Nullable(Type.String()),
});

const MailMessage = Type.Object({
  ...MailSummary.properties,
  messageId: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  text: Type.String(),
  html: Type.String(),
});

export const mailboxRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const tags = ['e-mail'];
  app.get(
    '/api/admin/mail',
    {
      schema: {
        tags,
        summary: 'Mail sent and queued, newest first (site admins)',
        description:
          'Every mail Parley sends is recorded. Without `PARLEY_SMTP_URL` this is the local mailbox: mail stays here instead of being sent, so sign-up, verification and password reset work on a try-out. `?to=` narrows to one address.',
        querystring: Type.Object({
          cursor: Type.Optional(Cursor),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          to: Type.Optional(Type.String({ maxLength: 254 })),
        }),
        response: { 200: Paged(MailSummary), ...errors(400, 401, 403) },
      },
    },
    async (request) => listMail(db, request.viewer, request.query),
  );

  app.get(
    '/api/admin/mail/:id',
    {
      schema: {
        tags,
        summary: 'One mail as sent: headers, text and HTML (site admins)',
        params: IdParams,
        response: { 200: MailMessage, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => readMail(db, request.viewer, request.params.id),
  );
};
