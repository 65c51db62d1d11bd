import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { writeRateLimit } from '../security/security.plugin.js';
import {
  CreateTopicBody,
  IdParams,
  ListTopicsQuery,
  ReadTopicQuery,
  SlugParams,
  SolutionBody,
  TopicList,
  TopicPage,
  TopicReply,
  TopicWithPost,
  UpdateTopicBody,
  topicErrors,
} from './topics.schema.js';
import { createTopic, listTopics, setSolution, updateTopic } from './topics.service.js';
import { pageAfter } from './topics.cursor.js';
import { serveTopicPage, type TopicJsonCache } from './topic-page.cache.js';
import type { TopicListCache } from './topic-list.cache.js';
import { listTopicsOverlaid, type KeptList } from './topic-list-overlay.js';
import { KeptJson, packedOnce, sendJson } from '../compression/kept-json.js';
import type { Viewer } from '../visibility/viewer.js';

/** The list every reader without a session gets: the base of signed-in readers' lists too. */
const GUEST: Viewer = { user: null, sessionId: null, roles: new Map() };

export const topicRoutes: FastifyPluginAsyncTypebox<{
  config: Config;
  ctx: ServiceContext;
  pageCache: TopicJsonCache;
  listCache: TopicListCache<KeptList>;
}> = async (app, { config, ctx, pageCache, listCache }) => {
  const tags = ['topics'];
  const { db } = ctx;
  const write = writeRateLimit(config);

  app.get(
    '/api/communities/:slug/topics',
    {
      schema: {
        tags,
        summary: 'Topics of a community, pinned first',
        description:
          'An unknown `category`: `404 category_not_found` (not an empty list). ' +
          'Guests are served from a per-process cache that the community’s live events clear (and that keeps a list at most `PARLEY_LIST_CACHE_SECONDS`); signed-in readers who do not moderate the community get that list with their own state (read positions, votes, unread counts) read per request, leaving out topics hidden since.',
        params: SlugParams,
        querystring: ListTopicsQuery,
        response: { 200: TopicList, ...topicErrors },
      },
    },
    async (request, reply) => {
      const { slug } = request.params;
      if (!listCache.enabled) return listTopics(db, request.viewer, slug, request.query);
      const { category, sort, kind, status, cursor, page, limit } = request.query;
      const key = JSON.stringify([slug.toLowerCase(), category, sort, kind, status, cursor, page, limit]);
      let state: 'hit' | 'miss' = 'hit';
      // Serialised by the route's own schema once, then sent as the same bytes to every guest.
      const guestList = async (): Promise<KeptList> => {
        const cached = listCache.get(key);
        if (cached) return cached;
        state = 'miss';
        const generation = listCache.generation(slug);
        const body = reply.serialize(await listTopics(db, GUEST, slug, request.query));
        const kept = { kept: KeptJson.serialized(body) };
        listCache.set(key, slug, kept, generation);
        return kept;
      };
      const acceptEncoding = request.headers['accept-encoding'];
      const { user } = request.viewer;
      if (user) {
        // The guests' list and the reader's own state over it; the full read for those who moderate.
        const overlaid = await listTopicsOverlaid(db, { ...request.viewer, user }, slug, request.query, guestList);
        if (!overlaid) return listTopics(db, request.viewer, slug, request.query);
        return sendJson(reply, packedOnce(overlaid, acceptEncoding), 'overlay');
      }
      return sendJson(reply, (await guestList()).kept.packedFor(acceptEncoding), state);
    },
  );

  app.post(
    '/api/communities/:slug/topics',
    {
      schema: {
        tags,
        summary: 'Start a topic',
        description: 'With `clientId`, sending again returns the first topic (200) instead of a duplicate. An unknown `category`: `404 category_not_found`.',
        params: SlugParams,
        body: CreateTopicBody,
        response: { 200: TopicWithPost, 201: TopicWithPost, ...topicErrors },
      },
      config: write,
    },
    async (request, reply) => {
      const { created, topic, post } = await createTopic(ctx, request.viewer, request.params.slug, request.body);
      return reply.status(created ? 201 : 200).send({ topic, post });
    },
  );

  app.get(
    '/api/topics/:id',
    {
      schema: {
        tags,
        summary: 'A topic and a page of its posts, in order',
        description:
          '`viewerCan` says what the viewer may do in the topic (all false for guests). ' +
          'Anonymous pages are served from a per-process cache that live events invalidate, compressed (brotli or gzip) as `Accept-Encoding` allows; ' +
          'a signed-in reader gets the same page with their own state, capabilities and reactions added.',
        params: IdParams,
        querystring: ReadTopicQuery,
        response: { 200: TopicPage, ...topicErrors },
      },
    },
    async (request, reply) => {
      const after = pageAfter(request.query.after, request.query.cursor);
      const input = { after, limit: request.query.limit ?? 50 };
      const served = await serveTopicPage(db, pageCache, request.viewer, request.params.id, input, request.headers['accept-encoding']);
      if ('page' in served) return served.page;
      // Already serialised (for guests compressed once for every reader, for a signed-in reader just now): sent as those bytes.
      return sendJson(reply, served.packed, served.cache);
    },
  );

  app.patch(
    '/api/topics/:id',
    {
      schema: {
        tags,
        summary: 'Retitle or move a topic (author or moderator)',
        description: 'An unknown `category`: `404 category_not_found`.',
        params: IdParams,
        body: UpdateTopicBody,
        response: { 200: TopicReply, ...topicErrors },
      },
      config: write,
    },
    async (request) => updateTopic(ctx, request.viewer, request.params.id, request.body),
  );

  app.post(
    '/api/topics/:id/solution',
    {
      schema: {
        tags,
        summary: 'Mark the accepted answer (topic author or moderator)',
        description: 'Questions only: other kinds answer `409 not_a_question`. `postId: null` clears it, on any kind.',
        params: IdParams,
        body: SolutionBody,
        response: { 200: TopicReply, ...topicErrors },
      },
      config: write,
    },
    async (request) => setSolution(ctx, request.viewer, request.params.id, request.body.postId),
  );

  app.delete(
    '/api/topics/:id/solution',
    {
      schema: {
        tags,
        summary: 'Clear the accepted answer',
        description: 'Works on any kind of topic.',
        params: IdParams,
        response: { 200: TopicReply, ...topicErrors },
      },
      config: write,
    },
    async (request) => setSolution(ctx, request.viewer, request.params.id, null),
  );
};
