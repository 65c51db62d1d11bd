import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

/** The pages whose address carries a mail's secret token. */
const TOKEN_PAGES = new Set(['/reset-password', '/verify-email']);

/**
 * These pages hold a token in their URL: a link or resource on them must not hand it to another
 * site in the Referer header. Said here for these pages, whatever the site-wide default becomes.
 */
export const noReferrerPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onSend', async (request, reply, payload) => {
      const path = request.url.split('?')[0] ?? '';
      if (TOKEN_PAGES.has(path.replace(/\/+$/, ''))) reply.header('referrer-policy', 'no-referrer');
      return payload;
    });
  },
  { name: 'no-referrer-pages' },
);
