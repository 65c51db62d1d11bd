import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/errors.js';
import { sendError } from '../errors/errors.plugin.js';

/**
 * Serves the built Svelte app. Hashed assets are cached for a year; every other GET outside
 * /api is a page: rendered by the server (server/pages) when the server build is there, else
 * index.html, so history-mode URLs (/c/acme/t/42) work on reload.
 */
export const webPlugin = fp(
  async (app: FastifyInstance, opts: { webDir: string; servePage?: ((request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) | undefined }) => {
    const root = resolve(opts.webDir);
    const hasWeb = existsSync(resolve(root, 'index.html'));
    if (hasWeb) {
      await app.register(fastifyStatic, {
        root,
        wildcard: false,
        index: false,
        // Served by the embed routes, with their own headers (frame-ancestors, cross-origin loading).
        globIgnore: ['embed.html', 'embed.js'],
        setHeaders: (reply, path) => {
          reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      });
    }
    app.setNotFoundHandler((request, reply) => {
      const isPage = (request.method === 'GET' || request.method === 'HEAD') && !request.url.startsWith('/api/') && !request.url.startsWith('/assets/');
      if (isPage && opts.servePage) return opts.servePage(request, reply);
      if (hasWeb && isPage) return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html');
      // The query string is never echoed: it may carry secrets.
      const path = (request.url.split('?')[0] ?? '').slice(0, 200);
      return sendError(new AppError(404, 'route_not_found', `No route ${request.method} ${path}`, { method: request.method, path }), request, reply);
    });
  },
  { name: 'web' },
);
