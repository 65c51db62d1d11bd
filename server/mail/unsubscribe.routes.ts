/**
 * One-click unsubscribe. Mail providers POST `List-Unsubscribe=One-Click` as a form (RFC 8058)
 * with no cookie and no Origin: the token is the only credential, so these routes take forms
 * (this plugin's own parsers; the rest of the API stays JSON only) as well as JSON or no body
 * from the landing page. They need no session either (`ownAuthorization`): a webmail client
 * posting from its own origin in the reader's browser is not a forgery of anything.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.js';
import type { Translator } from '../i18n/translator.js';
import { UndoBody, UnsubscribeParams, UnsubscribeState, unsubscribeErrors } from './unsubscribe.schema.js';
import { describeUnsubscribe, undoUnsubscribe, unsubscribe } from './unsubscribe.service.js';

/** A one-click body is a few dozen bytes; a form much larger than this is not one. */
const FORM_LIMIT = 4096;

export const unsubscribeRoutes: FastifyPluginAsyncTypebox<{ db: Db; translator: Translator }> = async (app, { db, translator }) => {
  const tags = ['e-mail'];
  // The form's fields say nothing the token does not: read, kept as fields, never needed.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_request, _body, done) => done(null, {}));

  app.get(
    '/api/unsubscribe/:token',
    {
      schema: {
        tags,
        summary: 'What an unsubscribe link stops, and whether it is stopped',
        description: 'For the landing page of a mail’s unsubscribe link; no sign-in needed. An unknown (or year-old) token is 404 `unsubscribe_not_found`.',
        params: UnsubscribeParams,
        response: { 200: UnsubscribeState, ...unsubscribeErrors },
      },
    },
    async (request) => describeUnsubscribe(db, request.params.token, await request.locale, translator),
  );

  app.post(
    '/api/unsubscribe/:token',
    {
      schema: {
        tags,
        summary: 'Unsubscribe with one click (RFC 8058)',
        description:
          'The target of a mail’s `List-Unsubscribe` header (with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`): works without a cookie or Origin. ' +
          'Takes the RFC 8058 form body (`application/x-www-form-urlencoded` or `multipart/form-data`), JSON or no body. ' +
          'A topic or kind stops that mail; `digest` turns the digest off; `all` turns notification mail and the digest off. Twice is the same as once. ' +
          'An unknown (or year-old) token is 404 `unsubscribe_not_found`.',
        params: UnsubscribeParams,
        response: { 200: UnsubscribeState, ...unsubscribeErrors },
      },
      config: { ownAuthorization: true },
    },
    async (request) => unsubscribe(db, request.params.token, await request.locale, translator),
  );

  app.post(
    '/api/unsubscribe/:token/undo',
    {
      schema: {
        tags,
        summary: 'Take an unsubscribe back',
        description:
          'The topic or kind is mailed again; a digest this link turned off comes back as `digest` says (default weekly), and for `all`, notification mail as `notifications` says (default only when away). Pass the `previous` the unsubscribe answered to restore exactly that.',
        params: UnsubscribeParams,
        body: UndoBody,
        response: { 200: UnsubscribeState, ...unsubscribeErrors },
      },
      config: { ownAuthorization: true },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => undoUnsubscribe(db, request.params.token, request.body, await request.locale, translator),
  );
};
