import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { assertCleanInput } from './input-guard.js';
import { securityHeaders } from './security-headers.js';
import { tooMany } from '../errors/errors.js';
import { isRenderRead } from '../pages/render-token.js';

export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'https:', 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * The site's CSP as a header value, with some directives replaced: the embed pages use it to
 * let the community's allowed origins (and only those) frame them.
 */
export function cspHeader(overrides: Partial<Record<keyof typeof CSP_DIRECTIVES, string[]>> = {}): string {
  const directives: Record<string, string[]> = { ...CSP_DIRECTIVES, ...overrides };
  return Object.entries(directives)
    .map(([name, values]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(' ')}`)
    .join(';');
}

/** Security headers, per-address request limits and input hygiene for every route. */
export const securityPlugin = fp(
  async (app: FastifyInstance, opts: { config: Config }) => {
    securityHeaders(app, {
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      crossOriginEmbedderPolicy: false,
      // The API is read by the embed on other sites through our own iframe only.
      crossOriginResourcePolicy: { policy: 'same-origin' },
    });

    if (opts.config.rateLimits) {
      await app.register(rateLimit, {
        global: true,
        max: 600,
        timeWindow: '1 minute',
        // Reads of the built assets are cheap and cached by browsers; count API traffic.
        // Count the API and the pages the server renders (each costs a few API reads); a rendered
        // page's own reads (server/pages) were counted as the page request. Built assets, the embed's
        // files and other files (a dot in the last segment) are cheap and cached by browsers.
        allowList: (request) => isRenderRead(request) || !(request.url.startsWith('/api/') || isPagePath(request.url)),
        errorResponseBuilder: (_request, context) =>
          tooMany('rate_limited', `Too many requests: try again in ${Math.ceil(context.ttl / 1000)} s.`, Math.ceil(context.ttl / 1000)),
      });
    }

    // JSON in, JSON out. Fastify also parses text/plain by default: a content type any page may
    // send cross-site without a preflight, and never what our clients send. Refused with 415.
    app.removeContentTypeParser('text/plain');

    app.addHook('preValidation', async (request) => {
      assertCleanInput(request.query, 'querystring');
      assertCleanInput(request.params, 'params');
      assertCleanInput(request.body, 'body');
    });
  },
  { name: 'security' },
);

/** Tighter per-address budget for routes that write. */
/** A path the web app's pages live under: not a built asset, not the embed, not a file (robots.txt, feed.rss, favicon.svg). */
function isPagePath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return !path.startsWith('/assets/') && !path.startsWith('/embed') && !/\.[a-z0-9]+$/i.test(path);
}

export const writeRateLimit = (config: Config): { rateLimit?: { max: number; timeWindow: string } } =>
  config.rateLimits ? { rateLimit: { max: 120, timeWindow: '1 minute' } } : {};
