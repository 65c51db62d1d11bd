import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.js';
import { notFound } from '../errors/errors.js';
import { cspHeader } from '../security/security.plugin.js';
import { findCommunity } from '../communities/communities.service.js';
import { CommunityParams, EmbedPageQuery } from './embed.schema.js';
import { frameAncestors } from './embed.service.js';

const notBuilt = (file: string) => notFound('embed_not_built', `${file} is not built on this server (npm run build:web).`, { file });

async function readBuilt(root: string, file: string): Promise<Buffer | null> {
  try {
    return await readFile(resolve(root, file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * The embed's own documents, built by the front end into the web directory:
 * - `/embed/:community` — the iframe: the only page of the site that may be framed, and only by
 *   the community's allowed origins (CSP `frame-ancestors`; no X-Frame-Options, which cannot
 *   name several origins);
 * - `/embed/:community/signin` — the sign-in popup: same HTML, never framed, and without
 *   Cross-Origin-Opener-Policy so it keeps `window.opener` (the iframe) to hand back a code;
 * - `/embed.js` — the loader host pages include: cacheable, loadable cross-origin.
 * Everything else on the site keeps the global `frame-ancestors 'none'`.
 */
export const embedPages: FastifyPluginAsyncTypebox<{ db: Db; webDir: string }> = async (app, { db, webDir }) => {
  const root = resolve(webDir);
  const hide = true;
  const common = (reply: { header(name: string, value: string): unknown }) => {
    reply.header('x-robots-tag', 'noindex');
    reply.header('cache-control', 'no-store');
  };

  app.get(
    '/embed/:community',
    {
      schema: { hide, params: CommunityParams, querystring: EmbedPageQuery },
      config: { helmet: { frameguard: false, crossOriginResourcePolicy: { policy: 'cross-origin' } } },
    },
    async (request, reply) => {
      const ancestors = await frameAncestors(db, request.params.community);
      const html = await readBuilt(root, 'embed.html');
      if (!html) throw notBuilt('embed.html');
      common(reply);
      reply.header('content-security-policy', cspHeader({ frameAncestors: ancestors.length ? ancestors : ["'none'"] }));
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  app.get(
    '/embed/:community/signin',
    {
      schema: { hide, params: CommunityParams, querystring: EmbedPageQuery },
      config: { helmet: { frameguard: false, crossOriginOpenerPolicy: false } },
    },
    async (request, reply) => {
      await findCommunity(db, request.params.community);
      const html = await readBuilt(root, 'embed.html');
      if (!html) throw notBuilt('embed.html');
      common(reply);
      reply.header('content-security-policy', cspHeader({ frameAncestors: ["'none'"] }));
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  app.get(
    '/embed.js',
    {
      schema: { hide },
      // Helmet's default same-origin would stop every host page from loading the loader.
      config: { helmet: { crossOriginResourcePolicy: { policy: 'cross-origin' } } },
    },
    async (_request, reply) => {
      const js = await readBuilt(root, 'embed.js');
      if (!js) throw notBuilt('embed.js');
      reply.header('cache-control', 'public, max-age=300');
      return reply.type('text/javascript; charset=utf-8').send(js);
    },
  );
};
