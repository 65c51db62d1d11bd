import type { FastifyPluginAsync } from 'fastify';
import type { Executor } from '../../db/client.js';
import type { Config } from '../config/config.js';
import type { Translator } from '../i18n/translator.js';
import { siteOrigin } from '../auth/origin.js';
import { topicNotFound } from '../topics/topics.load.js';
import { INT4_MAX } from '../schemas/common.schema.js';
import { sendConditional } from './conditional.js';
import { communityFeed, topicFeed } from './feeds.service.js';
import { rssXml, type RssChannel } from './rss.js';

export interface FeedRoutesOptions {
  config: Config;
  db: Executor;
  translator: Translator;
}

/**
 * RSS feeds of a community (or a category) and of a topic. Feeds are for feed readers, not search
 * results: `X-Robots-Tag: noindex`. Readers poll, so every answer can be revalidated (ETag,
 * Last-Modified) and is, rather than cached: a hidden post leaves the feed at once.
 */
export const feedRoutes: FastifyPluginAsync<FeedRoutesOptions> = async (app, { config, db, translator }) => {
  const send = (request: Parameters<typeof sendConditional>[0], reply: Parameters<typeof sendConditional>[1], channel: RssChannel) => {
    reply.type('application/rss+xml; charset=utf-8').header('x-robots-tag', 'noindex').header('cache-control', 'no-cache');
    return sendConditional(request, reply, rssXml(channel), channel.lastBuildDate);
  };

  app.get<{ Params: { slug: string }; Querystring: { category?: string } }>('/c/:slug/feed.rss', { schema: { hide: true } }, async (request, reply) => {
    const category = typeof request.query.category === 'string' && request.query.category !== '' ? request.query.category : undefined;
    const channel = await communityFeed(db, { origin: siteOrigin(config, request), translator }, request.params.slug, category);
    return send(request, reply, channel);
  });

  app.get<{ Params: { slug: string; topic: string } }>('/c/:slug/t/:topic/feed.rss', { schema: { hide: true } }, async (request, reply) => {
    // The topic segment may carry the title's slug, as page URLs do ("42-why-does-x-fail").
    const id = Number(/^(\d{1,10})(?:-[^/]*)?$/.exec(request.params.topic)?.[1] ?? NaN);
    if (!Number.isInteger(id) || id < 1 || id > INT4_MAX) throw topicNotFound();
    const channel = await topicFeed(db, { origin: siteOrigin(config, request), translator }, request.params.slug, id);
    return send(request, reply, channel);
  });
};
