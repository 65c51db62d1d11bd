import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { Db } from '../../db/client.js';
import { SlugParams } from '../schemas/common.schema.js';
import { SearchTermsQuery, SearchTermsReply, searchTermsErrors } from './searches.schema.js';
import { readSearchTerms } from './searches.service.js';

export const insightsSearchRoutes: FastifyPluginAsyncTypebox<{ config: Config; db: Db }> = async (app, { config, db }) => {
  app.get(
    '/api/communities/:slug/insights/searches',
    {
      schema: {
        tags: ['insights'],
        summary: 'What people searched for, and what they did not find',
        description:
          'From anonymous daily counts of search terms (normalised words and a day; no account, session or address), kept for `PARLEY_SEARCH_TERMS_KEEP_DAYS` (180 by default) and not recorded at all with `PARLEY_SEARCH_TERMS=off`. ' +
          'Only a first page counts as a search (a next page does not), including answers served from a cache. A day counts when any of it lies in the window (UTC days). ' +
          'Staff, moderators and admins of the community and site admins; guests get 401 `not_signed_in`, members 403 `not_staff`. ' +
          'A `from` or `to` that is not an ISO date, or `from` not before `to`: 400 `invalid_window`; longer than 366 days: 400 `window_too_long`.',
        params: SlugParams,
        querystring: SearchTermsQuery,
        response: { 200: SearchTermsReply, ...searchTermsErrors },
      },
    },
    async (request) => readSearchTerms(db, request.viewer, request.params.slug, request.query, config.searchTerms.enabled),
  );
};
