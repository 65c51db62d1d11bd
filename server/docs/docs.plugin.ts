import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { sharedSchemas } from '../schemas/common.schema.js';

/** The API's sections, with a line each, in reading order. */
const TAGS = {
  accounts: 'Signing up and in, sessions and bearer tokens, profiles.',
  communities: "A community's settings, roles, categories and top helpers.",
  topics: 'Listing, starting and reading topics; accepted answers; read positions.',
  posts: 'Replies, edits, deletions, reactions and the Markdown preview.',
  ideas: "Votes and the organisation's public answer to an idea.",
  notifications: 'What you are told, and watching or muting topics and categories.',
  moderation: 'Pins, locks, hiding, flags and the review queue, bans, and the public log.',
  inbox: 'What needs a person from the organisation now, who is on it, and the rules that decide.',
  search: 'Full-text search of a community.',
  embed: 'The thread widget an organisation embeds on its own site, and its sign-in.',
  safety: 'Watched words and other tools that keep a community safe, and what the system does on its own.',
};

/** OpenAPI generated from the same TypeBox schemas that validate requests. */
export const docsPlugin = fp(
  async (app: FastifyInstance) => {
    for (const schema of sharedSchemas) app.addSchema(schema);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Parley API',
          version: '1',
          description: [
            'The public API of Parley. Errors always carry a stable `code`. Cookie-authenticated unsafe requests must send a same-site `Origin`; bearer requests need not.',
            '',
            '## Live threads: `GET /api/live` (WebSocket)',
            'Cookie auth (the upgrade must carry the site `Origin`; a foreign Origin is refused with 403), or `{"type":"auth","token":"…"}` as the first message.',
            'Client → server: `subscribe {channel, since?}`, `unsubscribe {channel}`, `typing {channel}`, `ping`. Channels: `topic:<id>`, `community:<slug>` (`topic.created`, `topic.bumped`, `topic.updated`, and `community.updated` with the community as everyone sees it when its settings or categories change), and for a signed-in socket its own `user:<id>` (notifications: `notification.created`/`notification.updated` with `{notification, unreadCount}`, `notifications.read` with `{ids, upTo, unreadCount}`, `roles.changed`), and for staff, moderators and admins of a community (and site admins) `inbox:<slug>` (`inbox.changed` with `{key?}`: refetch the inbox; anyone else is answered `channel_not_found`).',
            'Server → client: `subscribed {channel, seq}`, `event {channel, seq, event, data}` (data is the object as this viewer would get it over HTTP, or null when the viewer may not see it), `presence {channel, readers, typing}`, `reset {channel, seq}` (refetch over HTTP, then continue from seq), `error {code, message, channel?}`.',
            'With `since`, missed events are replayed in order before live ones; seq grows by exactly 1 per event.',
            'Close codes: 1001 server going away (reconnect and resume), 1008 too many messages, 1009 frame over 4 KiB, 4008 too slow to read (reconnect and resume), 4009 no pong, 4001 the session it signed in with ended: signed out, revoked or the account suspended (reconnect, as whoever the reader now is).',
            'Limits per socket: 20 messages/s (with a burst large enough to resubscribe every channel at once), 100 subscriptions, 1 MiB unsent.',
          ].join('\n'),
        },
        // Listed in reading order: the reference in docs/API.md follows it.
        tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
        components: {
          securitySchemes: {
            session: { type: 'apiKey', in: 'cookie', name: 'parley_session' },
            bearer: { type: 'http', scheme: 'bearer' },
          },
        },
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    app.get('/api/docs', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'docs' },
);
