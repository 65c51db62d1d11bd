import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../write/unit-of-work.js';
import { IdParams, ReadBody, ReadReply, readErrors } from './reads.schema.js';
import { recordReadPosition } from './reads.service.js';

export const readRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  // No write rate limit: readers' clients report their position as they scroll.
  app.put(
    '/api/topics/:id/read',
    {
      schema: {
        tags: ['topics'],
        summary: 'Record how far you have read a topic',
        description:
          'Never moves backwards; a number past the last post is taken as the last post. Notifications about posts read so far are marked read (a coalesced reply notification once the reader reached the end).',
        params: IdParams,
        body: ReadBody,
        response: { 200: ReadReply, ...readErrors },
      },
    },
    async (request) => recordReadPosition(ctx, request.viewer, request.params.id, request.body.number),
  );
};
