import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { Db } from '../../db/client.js';
import type { Translator } from '../i18n/translator.js';
import { writeRateLimit } from '../security/security.plugin.js';
import { EmailPreferences, EmailPreferencesBody, OptOutParams, preferencesErrors } from './preferences.schema.js';
import { getEmailPreferences, removeOptOut, setEmailPreferences } from './preferences.service.js';

export const preferencesRoutes: FastifyPluginAsyncTypebox<{ config: Config; db: Db; translator: Translator }> = async (app, { config, db, translator }) => {
  const tags = ['e-mail'];
  const reader = async (request: { locale: Promise<string> }) => ({ locale: await request.locale, translator });

  app.get(
    '/api/me/email-preferences',
    {
      schema: {
        tags,
        summary: 'Which mail you get',
        description:
          'Notification mail, the digest, the weekly summary for community admins, and the topics and kinds of notification you stopped by mail (`optOuts`, each with a `label` in your language; a stopped weekly summary is listed as kind `weekly_summary`).',
        response: { 200: EmailPreferences, ...preferencesErrors },
      },
    },
    async (request) => getEmailPreferences(db, request.viewer, await reader(request)),
  );

  app.put(
    '/api/me/email-preferences',
    {
      schema: {
        tags,
        summary: 'Choose which mail you get',
        description: 'Any field may be left out (unchanged). Any other value is 400 `invalid_input`. Answers like GET.',
        body: EmailPreferencesBody,
        response: { 200: EmailPreferences, ...preferencesErrors },
      },
      config: writeRateLimit(config),
    },
    async (request) => setEmailPreferences(db, request.viewer, request.body, await reader(request)),
  );

  app.delete(
    '/api/me/email-preferences/opt-outs/:stream/:target',
    {
      schema: {
        tags,
        summary: 'Get mail about a topic or a kind of notification again',
        description:
          'Undoes an unsubscribe from one topic (`topic`, its id) or one kind (`kind`, e.g. `mention`); one that is not there changes nothing. Answers like GET.',
        params: OptOutParams,
        response: { 200: EmailPreferences, ...preferencesErrors },
      },
      config: writeRateLimit(config),
    },
    async (request) => removeOptOut(db, request.viewer, request.params, await reader(request)),
  );
};
