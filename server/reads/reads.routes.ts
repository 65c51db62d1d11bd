import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.js';
import { IdParams, ReadBody, ReadReply, readErrors } from './reads.schema.js';
import { markRead } from './reads.service.js';

export const readRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  // No write rate limit: readers' clients report their position as they scroll.
  app.put('/api/topics/:id/read', {
    schema: {
      tags: ['topics'], summary: 'Record how far you have read a topic',
      description: 'Never moves backwards; a number past the last post is taken as the last post.',
      params: IdParams, body: ReadBody, response: { 200: ReadReply, ...readErrors },
    },
  }, async (request) => markRead(db, request.viewer, request.params.id, request.body.number));
};
