import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.js';
import { HelpersQuery, HelpersReply, SlugParams, helperErrors } from './reputation.schema.js';
import { monthOf, topHelpers } from './helpers.js';
import { HelpersCache } from './helpers.cache.js';

export const reputationRoutes: FastifyPluginAsyncTypebox<{ db: Db; helpersCacheSeconds: number }> = async (app, { db, helpersCacheSeconds }) => {
  const cache = new HelpersCache<Awaited<ReturnType<typeof topHelpers>>>(helpersCacheSeconds);
  app.get(
    '/api/communities/:slug/helpers',
    {
      schema: {
        tags: ['communities'],
        summary: 'Top helpers of the month',
        description:
          'Score = 3 × accepted answers + helpful marks received this calendar month (UTC). ' +
          'Staff, admins and site admins are left out; moderators are not. ' +
          'Each server process keeps a ranking for a short while (PARLEY_HELPERS_CACHE_SECONDS, a minute by default).',
        params: SlugParams,
        querystring: HelpersQuery,
        response: { 200: HelpersReply, ...helperErrors },
      },
    },
    async (request) => {
      const period = request.query.period ?? 'month';
      const { from } = monthOf(new Date());
      return cache.get(`${request.params.slug.toLowerCase()} ${period} ${from.toISOString()}`, () => topHelpers(db, request.params.slug, period));
    },
  );
};
