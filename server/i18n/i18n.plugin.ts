/**
 * The reader's language for every request: `await request.locale`. Decided by chooseLocale
 * (locales.ts) from the member's own choice, the community the route is about (`:slug` under
 * /api/communities), and Accept-Language. Computed only when something reads it (an error reply,
 * and later rendered pages and mails), and at most once per request; the community's language
 * costs one indexed lookup, and only when the member has chosen no language of their own.
 */
import fp from 'fastify-plugin';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import { communities } from '../../db/schema.js';
import { matchLocale, parseAcceptLanguage } from './locales.js';
import type { Translator } from './translator.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The reader's locale (one of translator.locales), worked out on first read. */
    readonly locale: Promise<string>;
  }
}

/** The slug of the community a route is about, for routes under /api/communities/:slug. */
export function communitySlugOf(request: FastifyRequest): string | null {
  const route = request.routeOptions?.url;
  if (!route?.startsWith('/api/communities/:slug')) return null;
  const slug = (request.params as { slug?: unknown } | undefined)?.slug;
  return typeof slug === 'string' && slug.length > 0 && slug.length <= 64 ? slug : null;
}

/** The member's choice, else the browser's wishes: the locale of a request about no community (the live socket). */
export function readerLocale(translator: Translator, acceptLanguage: string | undefined, member: string | null | undefined): string {
  return translator.choose({ member, browser: parseAcceptLanguage(acceptLanguage) });
}

export const i18nPlugin = fp(
  async (app: FastifyInstance, opts: { translator: Translator; db: Db }) => {
    const { translator, db } = opts;
    const communityLanguage = async (slug: string): Promise<string | null> => {
      try {
        const [row] = await db.select({ language: communities.language }).from(communities).where(eq(communities.slug, slug.toLowerCase()));
        return row?.language ?? null;
      } catch {
        // An error reply must not fail because the database did (that may be why it is an error).
        return null;
      }
    };
    const resolve = async (request: FastifyRequest): Promise<string> => {
      // The viewer is set by the auth plugin's onRequest hook; errors before it (bad URLs) have none.
      const member = (request.viewer as FastifyRequest['viewer'] | null)?.user?.locale ?? null;
      // The member's own choice needs no community lookup.
      const own = matchLocale([member], translator.locales);
      if (own) return own;
      const slug = communitySlugOf(request);
      const community = slug ? await communityLanguage(slug) : null;
      return translator.choose({ member, community, browser: parseAcceptLanguage(request.headers['accept-language']) });
    };
    const memo = new WeakMap<FastifyRequest, Promise<string>>();
    app.decorateRequest('locale', {
      getter(this: FastifyRequest) {
        let locale = memo.get(this);
        if (!locale) {
          locale = resolve(this);
          memo.set(this, locale);
        }
        return locale;
      },
    });
  },
  { name: 'i18n' },
);
