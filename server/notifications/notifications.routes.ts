import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { writeRateLimit } from '../security/security.plugin.js';
import { communityLevels, setCategoryLevel, setTopicLevel } from './notifications.levels.js';
import {
  CategoryParams,
  CommunityLevels,
  IdParams,
  LevelBody,
  LevelReply,
  ListQuery,
  MarkAllBody,
  MarkOneReply,
  NotificationList,
  SlugParams,
  UnreadCountReply,
  notificationErrors,
} from './notifications.schema.js';
import { countUnread, listNotifications, markAllRead, markNotificationRead } from './notifications.service.js';

const live =
  "The reader's live channel `user:<id>` carries `notification.created` / `notification.updated` ({notification, unreadCount}) and `notifications.read` ({ids, upTo, unreadCount}).";

export const notificationRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext }> = async (app, { config, ctx }) => {
  const tags = ['notifications'];
  const write = writeRateLimit(config);
  const { db } = ctx;

  app.get(
    '/api/notifications',
    {
      schema: {
        tags,
        summary: 'Your notifications, newest first',
        description: `Only those you may still see: one about a post that was since hidden (or in a topic hidden from you) is left out. ${live}`,
        querystring: ListQuery,
        response: { 200: NotificationList, ...notificationErrors },
      },
    },
    async (request) => listNotifications(db, request.viewer, request.query),
  );

  app.get(
    '/api/notifications/unread-count',
    {
      schema: { tags, summary: 'How many unread notifications you have (up to 100)', response: { 200: UnreadCountReply, ...notificationErrors } },
    },
    async (request) => ({ unreadCount: await countUnread(db, request.viewer) }),
  );

  app.post(
    '/api/notifications/:id/read',
    {
      schema: {
        tags,
        summary: 'Mark one notification read',
        description: "Someone else's notification is a 404 `notification_not_found`.",
        params: IdParams,
        response: { 200: MarkOneReply, ...notificationErrors },
      },
      config: write,
    },
    async (request) => markNotificationRead(ctx, request.viewer, request.params.id),
  );

  app.post(
    '/api/notifications/read',
    {
      schema: {
        tags,
        summary: 'Mark all notifications read (or all with id ≤ upTo)',
        body: MarkAllBody,
        response: { 200: UnreadCountReply, ...notificationErrors },
      },
      config: write,
      // "Mark all read" is the common call: a request without a body means exactly that.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => markAllRead(ctx, request.viewer, request.body.upTo),
  );

  app.put(
    '/api/topics/:id/notification-level',
    {
      schema: {
        tags,
        summary: 'Watch, follow normally or mute a topic',
        description: 'Your setting for a topic wins over the one for its category.',
        params: IdParams,
        body: LevelBody,
        response: { 200: LevelReply, ...notificationErrors },
      },
      config: write,
    },
    async (request) => setTopicLevel(db, request.viewer, request.params.id, request.body.level),
  );

  app.put(
    '/api/communities/:slug/categories/:category/notification-level',
    {
      schema: {
        tags,
        summary: 'Watch, follow normally or mute a category',
        description: 'Watching a category tells you of every new topic and reply in it. An unknown category: `404 category_not_found`.',
        params: CategoryParams,
        body: LevelBody,
        response: { 200: LevelReply, ...notificationErrors },
      },
      config: write,
    },
    async (request) => setCategoryLevel(db, request.viewer, request.params.slug, request.params.category, request.body.level),
  );

  app.get(
    '/api/communities/:slug/notification-levels',
    {
      schema: {
        tags,
        summary: 'Your category settings in a community (only those you chose)',
        params: SlugParams,
        response: { 200: CommunityLevels, ...notificationErrors },
      },
    },
    async (request) => communityLevels(db, request.viewer, request.params.slug),
  );
};
