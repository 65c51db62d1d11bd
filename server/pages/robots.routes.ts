import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config/config.js';
import { siteOrigin } from '../auth/origin.js';

/**
 * robots.txt: everything may be crawled except the API (data, not pages). Pages that should not be
 * indexed say so themselves (`noindex`): a Disallow would hide that word from crawlers, and a
 * disallowed URL can still be indexed from links to it.
 */
export const robotsTxt = (origin: string) => `User-agent: *\nAllow: /\nDisallow: /api/\n\nSitemap: ${origin}/sitemap.xml\n`;

export const robotsRoutes: FastifyPluginAsync<{ config: Config }> = async (app, { config }) => {
  app.get('/robots.txt', { schema: { hide: true } }, async (request, reply) =>
    reply.type('text/plain; charset=utf-8').send(robotsTxt(siteOrigin(config, request))),
  );
};
