import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.js';
import { errors, SlugParams } from '../schemas/common.schema.js';
import { SearchQuery, SearchReply } from './search.schema.js';
import { search } from './search.service.js';

export const searchRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/communities/:slug/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Full-text search of a community',
        params: SlugParams,
        querystring: SearchQuery,
        response: { 200: SearchReply, ...errors(400, 404, 429) },
      },
    },
    async (request) => search(db, request.viewer, request.params.slug, request.query.q, request.query.cursor),
  );
};
