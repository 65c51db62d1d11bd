import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { SlugParams } from '../schemas/common.schema.js';
import { writeRateLimit } from '../security/security.plugin.js';
import { InboxItemBody, InboxItemParams, InboxItemReply, InboxQuery, InboxReply, InboxRulesBody, InboxRulesReply, inboxErrors } from './inbox.schema.js';
import { getInbox, getInboxRules, setInboxItem, setInboxRules } from './inbox.service.js';

const who = 'Staff, moderators and admins of the community, and site admins: `401 not_signed_in` for guests, `403 not_staff` for members.';

export const inboxRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext }> = async (app, { config, ctx }) => {
  const tags = ['inbox'];
  const write = writeRateLimit(config);
  const { db } = ctx;

  app.get(
    '/api/communities/:slug/inbox',
    {
      schema: {
        tags,
        summary: 'The conversations where a person from the organisation is needed now',
        description:
          `${who} Items are found in the data each time, by the community's rules, and leave by themselves once resolved ` +
          '(a qualifying reply, an accepted answer, a status, a settled flag); only what the public can read makes one, except held and flagged content. ' +
          'At most 100 items per kind, the newest first; `counts` are over those. ' +
          'A done item comes back when it changes again; a snoozed one when its `until` passes. Live: subscribe to `inbox:<slug>` and refetch on `inbox.changed`.',
        params: SlugParams,
        querystring: InboxQuery,
        response: { 200: InboxReply, ...inboxErrors },
      },
    },
    async (request) => getInbox(db, request.viewer, request.params.slug, request.query.view ?? 'open'),
  );

  app.put(
    '/api/communities/:slug/inbox/items/:key',
    {
      schema: {
        tags,
        summary: 'Take, snooze, finish or give back an inbox item',
        description:
          `${who} \`404 inbox_item_not_found\` when the key is not an item now; \`409 inbox_item_taken\` when someone else has taken it ` +
          '(its `details.handle` names them; `takeOver: true` takes it over); `400 invalid_snooze` for a snooze without a future `until` within 30 days. ' +
          'Each change emits `inbox.changed` with the key on `inbox:<slug>`.',
        params: InboxItemParams,
        body: InboxItemBody,
        response: { 200: InboxItemReply, ...inboxErrors },
      },
      config: write,
    },
    async (request) => setInboxItem(ctx, request.viewer, request.params.slug, request.params.key, request.body),
  );

  app.get(
    '/api/communities/:slug/inbox/rules',
    {
      schema: {
        tags,
        summary: 'The rules that put items into the inbox (anyone may read them)',
        description: 'Every kind, in a fixed order, with its switch and threshold: `hours`, `days` or `votes` as the kind has one.',
        params: SlugParams,
        response: { 200: InboxRulesReply, ...inboxErrors },
      },
    },
    async (request) => getInboxRules(db, request.params.slug),
  );

  app.put(
    '/api/communities/:slug/inbox/rules',
    {
      schema: {
        tags,
        summary: 'Change the inbox rules (admins)',
        description:
          'Admins of the community and site admins (`403 not_admin`). Each rule named gets its switch and, when given, its threshold; kinds not named keep theirs. ' +
          '`400 unknown_inbox_rule` for a kind there is none of; `400 invalid_inbox_rule` for a kind named twice, a threshold the kind does not have, ' +
          'or one out of range (hours 1–720, days 1–90, votes 1–100000). A change is an entry in the public moderation log (`change_inbox_rules`).',
        params: SlugParams,
        body: InboxRulesBody,
        response: { 200: InboxRulesReply, ...inboxErrors },
      },
      config: write,
    },
    async (request) => setInboxRules(ctx, request.viewer, request.params.slug, request.body.rules),
  );
};
