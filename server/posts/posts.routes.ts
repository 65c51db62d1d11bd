import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { writeRateLimit } from '../security/security.plugin.js';
import {
  EditBody,
  IdParams,
  PostReply,
  ReactionBody,
  ReactionParams,
  ReactionsReply,
  ReplyBody,
  Revisions,
  RevisionsQuery,
  postErrors,
} from './posts.schema.js';
import { addReaction, createReply, deletePost, editPost, getPost, listRevisions, removeReaction } from './posts.service.js';

export const postRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext }> = async (app, { config, ctx }) => {
  const tags = ['posts'];
  const write = writeRateLimit(config);

  app.post(
    '/api/topics/:id/posts',
    {
      schema: {
        tags,
        summary: 'Reply to a topic',
        description: 'With `clientId`, sending again returns the first post (200) instead of a duplicate.',
        params: IdParams,
        body: ReplyBody,
        response: { 200: PostReply, 201: PostReply, ...postErrors },
      },
      config: write,
    },
    async (request, reply) => {
      const { created, post } = await createReply(ctx, request.viewer, request.params.id, request.body);
      return reply.status(created ? 201 : 200).send({ post });
    },
  );

  app.get(
    '/api/posts/:id',
    {
      schema: { tags, summary: 'One post', params: IdParams, response: { 200: PostReply, ...postErrors } },
    },
    async (request) => ({ post: await getPost(ctx.db, request.viewer, request.params.id) }),
  );

  app.patch(
    '/api/posts/:id',
    {
      schema: {
        tags,
        summary: 'Edit your post (the earlier text is kept as a revision)',
        params: IdParams,
        body: EditBody,
        response: { 200: PostReply, ...postErrors },
      },
      config: write,
    },
    async (request) => ({ post: await editPost(ctx, request.viewer, request.params.id, request.body.body) }),
  );

  app.delete(
    '/api/posts/:id',
    {
      schema: { tags, summary: 'Delete your post (it stays as a tombstone)', params: IdParams, response: { 204: { type: 'null' }, ...postErrors } },
      config: write,
    },
    async (request, reply) => {
      await deletePost(ctx, request.viewer, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/posts/:id/revisions',
    {
      schema: {
        tags,
        summary: 'Earlier versions of a post (author and moderators)',
        description: 'Newest first, `limit` (default 50) at a time; `nextCursor` continues.',
        params: IdParams,
        querystring: RevisionsQuery,
        response: { 200: Revisions, ...postErrors },
      },
    },
    async (request) => listRevisions(ctx.db, request.viewer, request.params.id, request.query),
  );

  app.post(
    '/api/posts/:id/reactions',
    {
      schema: { tags, summary: 'React (idempotent)', params: IdParams, body: ReactionBody, response: { 200: ReactionsReply, ...postErrors } },
      config: write,
    },
    async (request) => ({ reactions: await addReaction(ctx, request.viewer, request.params.id, request.body.kind) }),
  );

  app.delete(
    '/api/posts/:id/reactions/:kind',
    {
      schema: { tags, summary: 'Take a reaction back', params: ReactionParams, response: { 200: ReactionsReply, ...postErrors } },
      config: write,
    },
    async (request) => ({ reactions: await removeReaction(ctx, request.viewer, request.params.id, request.params.kind) }),
  );
};
