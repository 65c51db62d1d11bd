import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.js';
import { errors } from '../schemas/common.schema.js';
import { HandleParams, ProfileReply } from './users.schema.js';
import { getProfile } from './users.service.js';

export const userRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/users/:handle',
    {
      schema: {
        tags: ['accounts'],
        summary: 'A public profile: stats, reputation, badges and community roles',
        params: HandleParams,
        response: { 200: ProfileReply, ...errors(400, 404, 429) },
      },
    },
    async (request) => getProfile(db, request.params.handle),
  );
};
