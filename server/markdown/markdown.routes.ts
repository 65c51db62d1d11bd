import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import { unauthorized } from '../errors/errors.js';
import { errors } from '../schemas/common.schema.js';
import { writeRateLimit } from '../security/security.plugin.js';
import { renderMarkdown } from './markdown.render.js';
import { PreviewBody, PreviewReply } from './markdown.schema.js';

/**
 * The composer's preview: the very renderer and sanitiser a post goes through, so what the writer
 * sees is what readers will get. Signed-in only (only they can post), rate limited like a write.
 */
export const markdownRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.post(
    '/api/markdown/preview',
    {
      schema: {
        tags: ['posts'],
        summary: 'Render a draft as a post would be rendered (signed in)',
        body: PreviewBody,
        response: { 200: PreviewReply, ...errors(400, 401, 413, 429) },
      },
      config: writeRateLimit(config),
    },
    async (request) => {
      if (!request.viewer.user) throw unauthorized();
      const rendered = renderMarkdown(request.body.body);
      return { html: rendered.html, links: rendered.links };
    },
  );
};
