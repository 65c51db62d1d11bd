import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import { errors, SlugParams } from '../schemas/common.schema.js';
import { TopicListCache } from '../topics/topic-list.cache.js';
import { KeptJson, sendJson } from '../compression/kept-json.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { SearchQuery, SearchReply } from './search.schema.js';
import { countSearch, search, searchKey, unchangedSince, type GuestSearchCache, type SearchCache } from './search.service.js';
import type { SearchTermCounter } from './search.terms.js';

export const searchRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext; config: Config; terms?: SearchTermCounter }> = async (
  app,
  { ctx, config, terms },
) => {
  // The same lifetime as guests' topic lists: a new post shows up in search within PARLEY_LIST_CACHE_SECONDS.
  const cache: SearchCache = new TopicListCache(config.pageCacheSize, config.listCacheSeconds * 1000, ctx.bus);
  // Guests' answers, serialised: served again only after checking that no post in them was hidden, deleted or edited since.
  const answers: GuestSearchCache = new TopicListCache(config.pageCacheSize, config.listCacheSeconds * 1000, ctx.bus);
  // A change this process makes clears them at once, like guests' topic lists (the bus's note comes after the batch).
  const stopBumps = ctx.bumps.onBump((slug) => {
    cache.invalidate(slug);
    answers.invalidate(slug);
  });
  app.addHook('onClose', async () => {
    stopBumps();
    cache.close();
    answers.close();
  });
  app.get(
    '/api/communities/:slug/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Full-text search of a community',
        description:
          'The ranked matches of a search are kept per process for at most `PARLEY_LIST_CACHE_SECONDS` (or until the community’s live events say its topics changed); signed-in readers’ results are read and checked again on every request, guests’ answers are served again only after checking that none of their posts was hidden, deleted or edited since.',
        params: SlugParams,
        querystring: SearchQuery,
        response: { 200: SearchReply, ...errors(400, 404, 429) },
      },
    },
    async (request, reply) => {
      const { slug } = request.params;
      const { q, cursor } = request.query;
      if (request.viewer.user || !answers.enabled) return search(ctx.db, request.viewer, slug, q, cursor, 20, cache, terms);
      const key = searchKey(slug, q, cursor);
      const send = (json: KeptJson, state: 'hit' | 'miss') => sendJson(reply, json.packedFor(request.headers['accept-encoding']), state);
      const kept = answers.get(key);
      if (kept && (await unchangedSince(ctx.db, kept.postIds, kept.at))) {
        countSearch(terms, slug, q, cursor, kept.postIds.length);
        return send(kept.json, 'hit');
      }
      // Guests asking the same at once share one answer (and its serialising); each is counted.
      const made = await answers.loadOnce(key, slug, async () => {
        const at = new Date();
        const answer = await search(ctx.db, request.viewer, slug, q, cursor, 20, cache);
        return { postIds: answer.items.map((i) => i.post.id), json: KeptJson.serialized(reply.serialize(answer)), at };
      });
      countSearch(terms, slug, q, cursor, made.postIds.length);
      return send(made.json, 'miss');
    },
  );
};
