import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Helmet options of this route, over the site's (e.g. the embed's pages may be framed). */
    helmet?: HelmetOptions;
    /** Those options' headers, worked out when the route is added. */
    helmetHeaders?: Record<string, string>;
  }
}

/**
 * The headers helmet sets for these options, worked out once. Helmet's middleware parses its
 * options on every call, and @fastify/helmet builds it anew for every request: a sixth of a cached
 * page's cost, for headers that never change.
 */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  // Helmet throws on options it refuses (since 8.1 rather than passing them on): at startup, here.
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {});
  return headers;
}

/**
 * Helmet's headers on every answer (the not-found handler's pages too): the site's, or, for a route
 * with its own `config.helmet`, those options over the site's, each set computed when the route is
 * added.
 */
export function securityHeaders(app: FastifyInstance, site: HelmetOptions): void {
  const siteHeaders = helmetHeaders(site);
  app.addHook('onRoute', (route) => {
    const own = route.config?.helmet;
    if (own) route.config = { ...route.config, helmetHeaders: helmetHeaders({ ...site, ...own } as HelmetOptions) };
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.routeOptions.config.helmetHeaders ?? siteHeaders);
    done();
  });
}
