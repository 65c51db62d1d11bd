import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.js';
import { errors, Ref, RoleName, User } from '../schemas/common.schema.js';
import { ReputationSummary } from '../reputation/reputation.schema.js';
import { getProfile } from './users.service.js';

const ProfileReply = Type.Object({
  user: Ref(User),
  stats: Type.Object({
    posts: Type.Integer(),
    helpful: Type.Integer({ description: 'helpful marks from others' }),
    solutions: Type.Integer({ description: 'accepted answers to other people\'s topics' }),
  }, { description: 'visible posts in visible topics only' }),
  reputation: ReputationSummary,
  roles: Type.Array(Type.Object({ community: Type.String({ description: 'community slug' }), communityName: Type.String(), role: RoleName }), {
    description: 'staff, moderator and admin roles only',
  }),
});

export const userRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get('/api/users/:handle', {
    schema: {
      tags: ['accounts'], summary: 'A public profile: stats, reputation, badges and community roles',
      params: Type.Object({ handle: Type.String({ minLength: 1, maxLength: 64 }) }),
      response: { 200: ProfileReply, ...errors(400, 404, 429) },
    },
  }, async (request) => getProfile(db, request.params.handle));
};
