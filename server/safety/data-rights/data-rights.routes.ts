import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/config.js';
import { clearSessionCookie, requireUser } from '../../auth/auth.plugin.js';
import { errors } from '../../schemas/common.schema.js';
import { writeRateLimit } from '../../security/security.plugin.js';
import type { ServiceContext } from '../../write/unit-of-work.js';
import { deleteAccount } from './account-deletion.service.js';
import { allowExport, EXPORTS_PER_HOUR, exportArchive, exportFileName } from './data-export.service.js';
import { DeleteAccountBody, ExportArchive } from './data-rights.schema.js';

/** A member's data rights: take their data along, or leave. */
export const dataRightsRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext }> = async (app, { config, ctx }) => {
  const tags = ['accounts'];

  app.get(
    '/api/me/export',
    {
      schema: {
        tags,
        summary: 'Download your data',
        description:
          'Signed in. A JSON archive (an attachment `parley-<handle>-<date>.json`, never cached) of your own data: profile, address and its ' +
          'verification, settings, memberships and roles, topics you started, your posts with their earlier versions and state, files you uploaded, reactions ' +
          'and idea votes you gave, notifications you received (what, why, where, when: not others’ words), notification levels, members you ' +
          `ignore, flags you filed, your sessions (never their tokens), mail sent to you and bans you received. At most ${EXPORTS_PER_HOUR} ` +
          'an hour: 429 `too_many_exports`.',
        response: { 200: ExportArchive, ...errors(401, 429) },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const me = await allowExport(ctx.db, request.viewer);
      const now = new Date();
      return (
        reply
          .header('content-type', 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="${exportFileName(user.handle, now)}"`)
          .header('cache-control', 'no-store')
          // A stream goes out as it is, past the response schema (which documents it).
          .send(Readable.from(exportArchive(ctx.db, me, now)) as never)
      );
    },
  );

  app.delete(
    '/api/me',
    {
      schema: {
        tags,
        summary: 'Delete your account',
        description:
          'Signed in. Confirm with `password` (wrong or missing: 403 `invalid_credentials`); an account without a password (SSO, embed) ' +
          'confirms by typing its handle as `confirm` (missing: 400 `confirm_required`, another text: 403 `confirm_mismatch`). Every session ' +
          'ends at once, the handle and the address are free for anyone to sign up with, and the account shows as “a deleted member” (its ' +
          'profile is 404). Tokens, mail to you, notifications, settings, ignores, memberships and roles go; flags you filed lose your words; ' +
          'reactions and idea votes stay as anonymous counts. `content: "anonymise"` keeps your posts under the deleted member; `"remove"` ' +
          'turns them into tombstones (text and history gone), removes topics you opened that nobody else answered, and keeps topics others ' +
          'answered (title kept, your opening post a tombstone). Files you uploaded stay where a remaining post shows them, without your ' +
          'name or the file name they were sent with; the rest are removed. Accepted answers are kept, anonymised, where the community chose so ' +
          '(`keepAcceptedAnswers`). The moderation log keeps its entries, without your handle.',
        body: DeleteAccountBody,
        response: { 204: { type: 'null' }, ...errors(400, 401, 403, 429) },
      },
      config: writeRateLimit(config),
    },
    async (request, reply) => {
      requireUser(request);
      await deleteAccount(ctx, request.viewer, request.body);
      clearSessionCookie(config, request, reply);
      return reply.status(204).send(null);
    },
  );
};
