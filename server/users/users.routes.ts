import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.js';
import { errors } from '../schemas/common.schema.js';
import { getProfile } from './users.service.js';

const ProfileReply = Type.Object({
  user: Type.Ref('User'),
  stats: Type.Object({ posts: Type.Integer(), helpful: Type.Integer(), solutions: Type.Integer() }),
});

export const userRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get('/api/users/:handle', {
    schema: {
      tags: ['accounts'], summary: 'A public profile with stats',
      params: Type.Object({ handle: Type.String({ minLength: 1, maxLength: 64 }) }),
      response: { 200: ProfileReply, ...errors(400, 404, 429) },
    },
  }, async (request) => getProfile(db, request.params.handle));
};
