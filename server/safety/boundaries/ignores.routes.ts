import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/config.js';
import type { Db } from '../../../db/client.js';
import { writeRateLimit } from '../../security/security.plugin.js';
import { IgnoredList, IgnoreParams, ignoreErrors } from './ignores.schema.js';
import { ignoreMember, listIgnored, MAX_IGNORES, stopIgnoring } from './ignores.service.js';

const effects =
  'Their posts fold for you (topic pages and the embed, live ones too: `viewerState.ignoredUserIds`), and nothing they do notifies you: ' +
  'no reply, mention, quote, watched-topic or watched-category notice, live `notification.*` event or mail. They are not told, and nothing ' +
  'they receive changes. Staff and moderators can be ignored too, but a moderator’s action on your own post (a hide, an approval) still reaches you.';

export const ignoreRoutes: FastifyPluginAsyncTypebox<{ config: Config; db: Db }> = async (app, { config, db }) => {
  const tags = ['accounts'];
  const write = writeRateLimit(config);

  app.get(
    '/api/me/ignored',
    {
      schema: {
        tags,
        summary: 'The members you ignore',
        description: `Most recent first, all of them in one page (at most ${MAX_IGNORES}). ${effects}`,
        response: { 200: IgnoredList, ...ignoreErrors },
      },
    },
    async (request) => listIgnored(db, request.viewer),
  );

  app.put(
    '/api/me/ignored/:handle',
    {
      schema: {
        tags,
        summary: 'Ignore a member',
        description: `Idempotent. \`400 cannot_ignore_self\`; \`404 user_not_found\`; \`409 too_many_ignores\` past ${MAX_IGNORES} (details.max). ` + effects,
        params: IgnoreParams,
        response: { 204: { type: 'null' }, ...ignoreErrors },
      },
      config: write,
    },
    async (request, reply) => {
      await ignoreMember(db, request.viewer, request.params.handle);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/api/me/ignored/:handle',
    {
      schema: {
        tags,
        summary: 'Stop ignoring a member',
        description:
          'Idempotent; `404 user_not_found` for an unknown handle. Their posts unfold and they may notify you again (nothing missed meanwhile is sent).',
        params: IgnoreParams,
        response: { 204: { type: 'null' }, ...ignoreErrors },
      },
      config: write,
    },
    async (request, reply) => {
      await stopIgnoring(db, request.viewer, request.params.handle);
      return reply.status(204).send(null);
    },
  );
};
