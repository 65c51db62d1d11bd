import type { FastifyPluginAsync } from 'fastify';
import type { Executor } from '../../db/client.js';
import type { Config } from '../config/config.js';
import { siteOrigin } from '../auth/origin.js';
import { notFound } from '../errors/errors.js';
import { INT4_MAX } from '../schemas/common.schema.js';
import { SITEMAP_PAGE_SIZE, sitemapPageXml, sitemapXml } from './sitemap.js';

export interface SitemapRoutesOptions {
  config: Config;
  db: Executor;
  /** URLs per sitemap file; the protocol's 50,000 unless a test wants to see the index at work. */
  pageSize?: number;
}

const XML = 'application/xml; charset=utf-8';

/** `/sitemap.xml` and its pages `/sitemap-<n>.xml` (sitemap.ts). Crawlers revalidate; nothing is cached on the way. */
export const sitemapRoutes: FastifyPluginAsync<SitemapRoutesOptions> = async (app, { config, db, pageSize = SITEMAP_PAGE_SIZE }) => {
  app.get('/sitemap.xml', { schema: { hide: true } }, async (request, reply) => {
    const xml = await sitemapXml(db, siteOrigin(config, request), pageSize);
    return reply.type(XML).header('cache-control', 'no-cache').send(xml);
  });

  app.get<{ Params: { page: string } }>('/sitemap-:page.xml', { schema: { hide: true } }, async (request, reply) => {
    const { page: raw } = request.params;
    const page = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
    // A page past the last topic id there can be lists nothing either.
    const xml = Number.isInteger(page) && (page - 1) * pageSize < INT4_MAX ? await sitemapPageXml(db, siteOrigin(config, request), page, pageSize) : null;
    const path = `/sitemap-${raw.slice(0, 20)}.xml`;
    if (xml === null) throw notFound('route_not_found', `No route GET ${path}`, { method: 'GET', path });
    return reply.type(XML).header('cache-control', 'no-cache').send(xml);
  });
};
