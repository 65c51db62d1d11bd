import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.js';
import { HealthReply, InsightsQuery, InsightsReply, SlugParams, healthErrors, insightsErrors } from './insights.schema.js';
import { getInsights } from './insights.service.js';
import { HEALTH_CACHE_SECONDS, HEALTH_DAYS, healthPanel } from './insights.health.js';

export const insightsRoutes: FastifyPluginAsyncTypebox<{ db: Db; healthCacheSeconds?: number }> = async (app, { db, healthCacheSeconds }) => {
  const tags = ['insights'];
  app.get(
    '/api/communities/:slug/insights',
    {
      schema: {
        tags,
        summary: "The community's figures over a window, in total and per interval (staff, moderators, admins)",
        description:
          'Each figure is defined in the reply schema. Only what the public can read counts (hidden and deleted posts, hidden topics never); ' +
          'staff are members with the staff, moderator or admin role now. Windows are at most 366 days: `400 invalid_window` ' +
          '(unreadable date, unknown interval, `from` not before `to`), `400 window_too_long`. `401 not_signed_in`, `403 not_staff`.',
        params: SlugParams,
        querystring: InsightsQuery,
        response: { 200: InsightsReply, ...insightsErrors },
      },
    },
    async (request) => getInsights(db, request.viewer, request.params.slug, request.query),
  );

  const health = healthPanel(db, healthCacheSeconds ?? HEALTH_CACHE_SECONDS);
  app.get(
    '/api/communities/:slug/health',
    {
      schema: {
        tags,
        summary: "The community's public health panel",
        description:
          `The last ${HEALTH_DAYS} days: the solved rate, the median time to a first response and the share of replies members wrote ` +
          "(defined as in the insights). Anyone may read it once the community's admins switched it on (`healthPanel`); " +
          `\`404 health_panel_off\` until then. Each server process keeps the figures ${HEALTH_CACHE_SECONDS / 60} minutes.`,
        params: SlugParams,
        response: { 200: HealthReply, ...healthErrors },
      },
    },
    async (request) => health(request.params.slug),
  );
};
