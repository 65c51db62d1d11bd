import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.js';
import { HelpersQuery, HelpersReply, SlugParams, helperErrors } from './reputation.schema.js';
import { topHelpers } from './helpers.js';

export const reputationRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/communities/:slug/helpers',
    {
      schema: {
        tags: ['communities'],
        summary: 'Top helpers of the month',
        description:
          'Score = 3 × accepted answers + helpful marks received this calendar month (UTC). ' +
          'Staff, admins and site admins are left out; moderators are not.',
        params: SlugParams,
        querystring: HelpersQuery,
        response: { 200: HelpersReply, ...helperErrors },
      },
    },
    async (request) => topHelpers(db, request.params.slug, request.query.period ?? 'month'),
  );
};
