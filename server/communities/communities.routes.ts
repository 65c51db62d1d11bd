import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { SlugParams } from '../schemas/common.schema.js';
import { writeRateLimit } from '../security/security.plugin.js';
import {
  CategoryOrderBody,
  CategoryParams,
  CategoryReply,
  CommunitiesQuery,
  CommunityList,
  CommunityReply,
  CreateCategoryBody,
  CreateCommunityBody,
  MemberBody,
  MemberList,
  MemberParams,
  MemberReply,
  MembersQuery,
  RemoveCategoryQuery,
  RemoveCategoryReply,
  SsoSecretReply,
  UpdateCategoryBody,
  UpdateCommunityBody,
  communityErrors,
} from './communities.schema.js';
import { createCommunity, getCommunity, listCommunities, listMembers, rotateSsoSecret, setMemberRole, updateCommunity } from './communities.service.js';
import { createCategory, removeCategory, reorderCategories, updateCategory } from './categories.service.js';
import { SOURCE_LOCALE, matchLocale } from '../i18n/locales.js';
import { scheduleReindex } from '../search/search.reindex.js';
import { TopicListCache } from '../topics/topic-list.cache.js';
import { KeptJson, sendJson } from '../compression/kept-json.js';

/** The key every community's note makes stale in the kept community list. */
const EVERY_COMMUNITY = '*';

export const communityRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext }> = async (app, { config, ctx }) => {
  const { db } = ctx;
  const tags = ['communities'];
  const write = writeRateLimit(config);
  // The list is the same for every reader (no viewer in it): kept serialised and compressed until
  // any community's channel moves on, or PARLEY_LIST_CACHE_SECONDS pass (a community created in
  // another process announces itself on no channel).
  const listCache = new TopicListCache<KeptJson>(config.pageCacheSize, config.listCacheSeconds * 1000, ctx.bus, () => EVERY_COMMUNITY);
  app.addHook('onClose', async () => listCache.close());

  app.post(
    '/api/communities',
    {
      schema: {
        tags,
        summary: 'Create a community (the creator becomes its admin)',
        body: CreateCommunityBody,
        response: { 201: CommunityReply, ...communityErrors },
      },
      config: write,
    },
    async (request, reply) => {
      // A new community speaks its creator's language (their choice, else their browser's).
      const locale = await request.locale;
      const language = matchLocale([locale], ctx.translator.languages) ?? SOURCE_LOCALE;
      const defaultCategory = {
        name: ctx.translator.t(language, 'community.default_category.name'),
        description: ctx.translator.t(language, 'community.default_category.description'),
      };
      const community = await createCommunity(db, request.viewer, { ...request.body, language, defaultCategory });
      listCache.invalidate(EVERY_COMMUNITY);
      // Its posts are searched in that language from the first one.
      if (language !== SOURCE_LOCALE) await scheduleReindex({ db }, community.id);
      return reply.status(201).send({ community });
    },
  );

  app.get(
    '/api/communities',
    {
      schema: {
        tags,
        summary: 'All communities, by name',
        description:
          'A page of `limit` (default 50); `nextCursor` continues the list. Kept per process until a community’s live events say it changed, for at most `PARLEY_LIST_CACHE_SECONDS`.',
        querystring: CommunitiesQuery,
        response: { 200: CommunityList, ...communityErrors },
      },
    },
    async (request, reply) => {
      if (!listCache.enabled) return listCommunities(db, request.query);
      const key = JSON.stringify([request.query.cursor, request.query.limit]);
      let state: 'hit' | 'miss' = 'hit';
      let kept = listCache.get(key);
      if (!kept) {
        state = 'miss';
        const generation = listCache.generation(EVERY_COMMUNITY);
        kept = KeptJson.serialized(reply.serialize(await listCommunities(db, request.query)));
        listCache.set(key, EVERY_COMMUNITY, kept, generation);
      }
      return sendJson(reply, kept.packedFor(request.headers['accept-encoding']), state);
    },
  );

  app.get(
    '/api/communities/:slug',
    {
      schema: {
        tags,
        summary: "A community with its categories and the viewer's role",
        description: '`viewerCan` says what the viewer may do here (all false for guests; a banned member cannot start topics).',
        params: SlugParams,
        response: { 200: CommunityReply, ...communityErrors },
      },
    },
    async (request) => ({ community: await getCommunity(db, request.viewer, request.params.slug) }),
  );

  app.patch(
    '/api/communities/:slug',
    {
      schema: {
        tags,
        summary: 'Change settings (admin)',
        params: SlugParams,
        body: UpdateCommunityBody,
        response: { 200: CommunityReply, ...communityErrors },
      },
      config: write,
    },
    async (request) => ({ community: await updateCommunity(ctx, request.viewer, request.params.slug, request.body) }),
  );

  app.put(
    '/api/communities/:slug/members/:handle',
    {
      schema: { tags, summary: 'Give a user a role (admin)', params: MemberParams, body: MemberBody, response: { 200: MemberReply, ...communityErrors } },
      config: write,
    },
    async (request) => setMemberRole(ctx, request.viewer, request.params.slug, request.params.handle, request.body.role),
  );

  app.get(
    '/api/communities/:slug/members',
    {
      schema: {
        tags,
        summary: 'People with a role here (staff, moderators, admins: public); `?role=member` is for admins',
        params: SlugParams,
        querystring: MembersQuery,
        response: { 200: MemberList, ...communityErrors },
      },
    },
    async (request) => listMembers(db, request.viewer, request.params.slug, request.query),
  );

  app.post(
    '/api/communities/:slug/sso-secret',
    {
      schema: {
        tags: ['embed'],
        summary: 'Make a new SSO secret (admin); shown once, it replaces the old one',
        params: SlugParams,
        response: { 201: SsoSecretReply, ...communityErrors },
      },
      config: write,
    },
    async (request, reply) => reply.status(201).send(await rotateSsoSecret(db, request.viewer, request.params.slug)),
  );

  app.post(
    '/api/communities/:slug/categories',
    {
      schema: { tags, summary: 'Add a category (admin)', params: SlugParams, body: CreateCategoryBody, response: { 201: CategoryReply, ...communityErrors } },
      config: write,
    },
    async (request, reply) => reply.status(201).send({ category: await createCategory(ctx, request.viewer, request.params.slug, request.body) }),
  );

  app.patch(
    '/api/communities/:slug/categories/:category',
    {
      schema: {
        tags,
        summary: 'Rename, describe or re-address a category, or change its settings (admin)',
        description:
          'A new name or address, and a new description, each add a public moderation-log entry. Open community pages hear `community.updated`; a new address also tells its topics (`topic.updated`).',
        params: CategoryParams,
        body: UpdateCategoryBody,
        response: { 200: CategoryReply, ...communityErrors },
      },
      config: write,
    },
    async (request) => ({ category: await updateCategory(ctx, request.viewer, request.params.slug, request.params.category, request.body) }),
  );

  app.put(
    '/api/communities/:slug/categories/order',
    {
      schema: {
        tags,
        summary: 'Put the categories in a new order (admin)',
        description:
          'Names every category once; their `position` becomes 0, 1, 2… in that order, which every list of them follows. Adds a moderation-log entry when the order changes.',
        params: SlugParams,
        body: CategoryOrderBody,
        response: { 200: CommunityReply, ...communityErrors },
      },
      config: write,
    },
    async (request) => ({ community: await reorderCategories(ctx, request.viewer, request.params.slug, request.body.categories) }),
  );

  app.delete(
    '/api/communities/:slug/categories/:category',
    {
      schema: {
        tags,
        summary: 'Remove a category, moving its topics to another (admin)',
        description:
          'Its topics move to `?moveTo=` and keep everything else. Refusals: 409 `last_category`, 409 `category_not_empty` (no `moveTo`), 400 `move_to_same_category`, 400 `move_target_not_found`. Adds a moderation-log entry.',
        params: CategoryParams,
        querystring: RemoveCategoryQuery,
        response: { 200: RemoveCategoryReply, ...communityErrors },
      },
      config: write,
    },
    async (request) => removeCategory(ctx, request.viewer, request.params.slug, request.params.category, request.query.moveTo),
  );
};
