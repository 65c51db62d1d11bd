import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../config/config.js';
import { unauthorized } from '../errors/errors.js';
import { Body, errors } from '../schemas/common.schema.js';
import { writeRateLimit } from '../security/security.plugin.js';
import { PostBody } from '../topics/topics.schema.js';
import { renderMarkdown } from './markdown.render.js';

/**
 * The composer's preview: the very renderer and sanitiser a post goes through, so what the writer
 * sees is what readers will get. Signed-in only (only they can post), rate limited like a write.
 */
export const markdownRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.post('/api/markdown/preview', {
    schema: {
      tags: ['posts'], summary: 'Render a draft as a post would be rendered (signed in)',
      body: Body({ body: PostBody }),
      response: { 200: Type.Object({ html: Type.String(), links: Type.Integer({ description: 'links that count towards first-day limits' }) }), ...errors(400, 401, 413, 429) },
    },
    config: writeRateLimit(config),
  }, async (request) => {
    if (!request.viewer.user) throw unauthorized();
    const rendered = renderMarkdown(request.body.body);
    return { html: rendered.html, links: rendered.links };
  });
};
