import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.js';
import { Cursor, errors, Nullable, Post, Ref, SlugParams, Topic } from '../schemas/common.schema.js';
import { search } from './search.service.js';

const SearchReply = Type.Object({
  items: Type.Array(Type.Object({
    topic: Ref(Topic),
    post: Ref(Post),
    snippet: Type.String({ description: 'plain text around the matches' }),
    snippetHtml: Type.String({ description: 'the snippet, HTML-escaped, matches wrapped in <mark>' }),
  })),
  nextCursor: Nullable(Type.String()),
});

export const searchRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get('/api/communities/:slug/search', {
    schema: {
      tags: ['search'], summary: 'Full-text search of a community',
      params: SlugParams,
      querystring: Type.Object({ q: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }), cursor: Type.Optional(Cursor) }),
      response: { 200: SearchReply, ...errors(400, 404, 429) },
    },
  }, async (request) => search(db, request.viewer, request.params.slug, request.query.q, request.query.cursor));
};
