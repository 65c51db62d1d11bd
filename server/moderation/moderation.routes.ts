import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { writeRateLimit } from '../security/security.plugin.js';
import { IdParams, SlugParams } from '../schemas/common.schema.js';
import { PostReply } from '../posts/posts.schema.js';
import { TopicReply } from '../topics/topics.schema.js';
import { createBan, liftBan, listBans } from './bans.service.js';
import { createFlag, listFlags, requestReview, settleFlag } from './queue.service.js';
import { listModerationLog } from './moderation.log.js';
import { newestLogEntry, type KeptLogPage } from './moderation.log.cache.js';
import { TopicListCache } from '../topics/topic-list.cache.js';
import { KeptJson, sendJson } from '../compression/kept-json.js';
import { hidePost, setPostPinned, unhidePost } from './moderation.posts.js';
import { cannedReasonList, givenReason } from './moderation.reasons.js';
import {
  BanBody,
  BanList,
  BanParams,
  BanReply,
  FlagBody,
  FlagQuery,
  FlagQueue,
  FlagReply,
  ModerationLog,
  PageQuery,
  ReasonBody,
  ReasonList,
  ReviewRequestBody,
  moderationErrors,
} from './moderation.schema.js';
import { hideTopic, setTopicLocked, setTopicPinned, unhideTopic } from './moderation.topics.js';

const ofTopic =
  "Moderators and admins of the topic's community only. Repeating it changes nothing; each change emits `topic.updated` on the topic and community channels and adds a moderation-log entry.";
const ofPost =
  "Moderators and admins of the post's community only. Repeating it changes nothing; each change emits its live event and adds a moderation-log entry.";

export const moderationRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext }> = async (app, { config, ctx }) => {
  const tags = ['moderation'];
  const write = writeRateLimit(config);
  const { db } = ctx;
  const logCache = new TopicListCache<KeptLogPage>(config.pageCacheSize, config.listCacheSeconds * 1000, ctx.bus);
  app.addHook('onClose', async () => logCache.close());
  const topicRoute = { tags, description: ofTopic, params: IdParams, response: { 200: TopicReply, ...moderationErrors } };
  const postRoute = { tags, description: ofPost, params: IdParams, response: { 200: PostReply, ...moderationErrors } };

  app.post('/api/topics/:id/pin', { schema: { ...topicRoute, summary: 'Pin a topic (listed first)' }, config: write }, async (request) =>
    setTopicPinned(ctx, request.viewer, request.params.id, true),
  );
  app.delete('/api/topics/:id/pin', { schema: { ...topicRoute, summary: 'Unpin a topic' }, config: write }, async (request) =>
    setTopicPinned(ctx, request.viewer, request.params.id, false),
  );
  app.post('/api/topics/:id/lock', { schema: { ...topicRoute, summary: 'Lock a topic (no new replies or edits)' }, config: write }, async (request) =>
    setTopicLocked(ctx, request.viewer, request.params.id, true),
  );
  app.delete('/api/topics/:id/lock', { schema: { ...topicRoute, summary: 'Unlock a topic' }, config: write }, async (request) =>
    setTopicLocked(ctx, request.viewer, request.params.id, false),
  );
  app.post(
    '/api/topics/:id/hide',
    {
      schema: { ...topicRoute, summary: 'Hide a topic with a reason (a 404 for all but moderators and its author); rejects a held topic', body: ReasonBody },
      config: write,
    },
    async (request) => hideTopic(ctx, request.viewer, request.params.id, givenReason(request.body)),
  );
  app.delete(
    '/api/topics/:id/hide',
    { schema: { ...topicRoute, summary: 'Restore a hidden topic; approves a held first topic' }, config: write },
    async (request) => unhideTopic(ctx, request.viewer, request.params.id),
  );

  app.post(
    '/api/posts/:id/pin',
    { schema: { ...postRoute, summary: 'Pin a post (flagged, and listed in `pinnedPosts`)' }, config: write },
    async (request) => ({ post: await setPostPinned(ctx, request.viewer, request.params.id, true) }),
  );
  app.delete('/api/posts/:id/pin', { schema: { ...postRoute, summary: 'Unpin a post' }, config: write }, async (request) => ({
    post: await setPostPinned(ctx, request.viewer, request.params.id, false),
  }));
  app.post(
    '/api/posts/:id/hide',
    {
      schema: {
        ...postRoute,
        body: ReasonBody,
        summary: 'Hide a post behind a tombstone with a reason; on a post hidden pending review this confirms it',
      },
      config: write,
    },
    async (request) => ({ post: await hidePost(ctx, request.viewer, request.params.id, givenReason(request.body)) }),
  );
  app.delete(
    '/api/posts/:id/hide',
    { schema: { ...postRoute, summary: 'Restore a hidden post; approves a held first post' }, config: write },
    async (request) => ({ post: await unhidePost(ctx, request.viewer, request.params.id) }),
  );

  app.post(
    '/api/posts/:id/flags',
    {
      schema: {
        tags,
        summary: 'Flag a post for moderators (any signed-in member)',
        params: IdParams,
        body: FlagBody,
        description:
          "One flag per member per post: flagging again answers 200 with the first flag. When the community's `flagThreshold` of distinct established members have flagged a post, it is hidden automatically, pending review.",
        response: { 200: FlagReply, 201: FlagReply, ...moderationErrors },
      },
      config: write,
    },
    async (request, reply) => {
      const { created, flag } = await createFlag(ctx, request.viewer, request.params.id, request.body.reason);
      return reply.status(created ? 201 : 200).send({ flag });
    },
  );
  app.post(
    '/api/posts/:id/review-request',
    {
      schema: {
        tags,
        summary: 'Ask moderators to look again at your hidden post (once per hiding)',
        params: IdParams,
        body: ReviewRequestBody,
        response: { 201: FlagReply, ...moderationErrors },
      },
      config: write,
    },
    async (request, reply) => reply.status(201).send({ flag: await requestReview(ctx, request.viewer, request.params.id, request.body.message) }),
  );

  app.get(
    '/api/communities/:slug/flags',
    {
      schema: {
        tags,
        summary: 'The review queue: member flags, held first posts, review requests (moderators)',
        params: SlugParams,
        querystring: FlagQuery,
        description: 'Hiding a post resolves its flags; restoring it dismisses them (and approves a held post or grants a review request).',
        response: { 200: FlagQueue, ...moderationErrors },
      },
    },
    async (request) => listFlags(db, request.viewer, request.params.slug, request.query, await request.locale),
  );
  app.post(
    '/api/flags/:id/resolve',
    {
      schema: { tags, summary: 'Mark a queue item dealt with, without changing the post', params: IdParams, response: { 200: FlagReply, ...moderationErrors } },
      config: write,
    },
    async (request) => ({ flag: await settleFlag(ctx, request.viewer, request.params.id, 'resolved') }),
  );
  app.post(
    '/api/flags/:id/dismiss',
    {
      schema: { tags, summary: 'Dismiss a queue item: no action needed', params: IdParams, response: { 200: FlagReply, ...moderationErrors } },
      config: write,
    },
    async (request) => ({ flag: await settleFlag(ctx, request.viewer, request.params.id, 'dismissed') }),
  );

  app.post(
    '/api/communities/:slug/bans',
    {
      schema: {
        tags,
        summary: 'Ban a member from writing here (replaces their current ban)',
        params: SlugParams,
        body: BanBody,
        response: { 201: BanReply, ...moderationErrors },
      },
      config: write,
    },
    async (request, reply) => {
      const { handle, until } = request.body;
      const ban = { handle, until, ...givenReason(request.body) };
      return reply.status(201).send(await createBan(db, request.viewer, request.params.slug, ban, await request.locale));
    },
  );
  app.get(
    '/api/communities/:slug/bans',
    {
      schema: { tags, summary: 'Bans in force (moderators)', params: SlugParams, querystring: PageQuery, response: { 200: BanList, ...moderationErrors } },
    },
    async (request) => listBans(db, request.viewer, request.params.slug, request.query, await request.locale),
  );
  app.delete(
    '/api/communities/:slug/bans/:handle',
    {
      schema: { tags, summary: "Lift a member's ban", params: BanParams, response: { 200: BanReply, ...moderationErrors } },
      config: write,
    },
    async (request) => liftBan(db, request.viewer, request.params.slug, request.params.handle, await request.locale),
  );

  app.get(
    '/api/communities/:slug/moderation-log',
    {
      schema: {
        tags,
        summary: 'The public moderation log (anyone)',
        params: SlugParams,
        querystring: PageQuery,
        description:
          'Every moderator action and every automatic one: who, what, target, reason, when. It never shows hidden text. Guests’ first page is kept per process until the log grows (or the community’s live events say its topics changed, or `PARLEY_LIST_CACHE_SECONDS` pass).',
        response: { 200: ModerationLog, ...moderationErrors },
      },
    },
    async (request, reply) => {
      const { slug } = request.params;
      const locale = await request.locale;
      // Only guests' first page: what a signed-in reader sees of hidden topics depends on who they are.
      if (request.viewer.user || request.query.cursor || !logCache.enabled) return listModerationLog(db, request.viewer, slug, request.query, locale);
      const key = JSON.stringify([slug.toLowerCase(), locale, request.query.limit]);
      // Read before the page: an entry logged in between makes the next read miss, never serve stale.
      const top = await newestLogEntry(db, slug);
      const kept = logCache.get(key);
      const send = (json: KeptJson, state: 'hit' | 'miss') => sendJson(reply, json.packedFor(request.headers['accept-encoding']), state);
      if (kept && kept.top === top) return send(kept.json, 'hit');
      const generation = logCache.generation(slug);
      const body = reply.serialize(await listModerationLog(db, request.viewer, slug, request.query, locale));
      const json = KeptJson.serialized(body);
      logCache.set(key, slug, { top, json }, generation);
      return send(json, 'miss');
    },
  );

  app.get(
    '/api/moderation/reasons',
    {
      schema: {
        tags,
        summary: 'Canned reasons for hiding and banning (clients offer these, plus free text)',
        description: "Labels in the reader's language. A client sends the picked one's `code` as `reasonCode`.",
        response: { 200: ReasonList },
      },
    },
    async (request) => ({ items: cannedReasonList(await request.locale) }),
  );
};
