import { Type } from 'typebox';
import {
  Body,
  Cursor,
  DateTime,
  errors,
  Id,
  IdParams,
  NotificationLevelName,
  Nullable,
  Ref,
  SlugParams,
  ReasonCode,
  TopicKindName,
  User,
} from '../schemas/common.schema.js';

export const NotificationKindName = Type.Union([
  Type.Literal('reply'),
  Type.Literal('mention'),
  Type.Literal('solution'),
  Type.Literal('idea_status'),
  Type.Literal('moderation'),
  Type.Literal('new_topic'),
  Type.Literal('reminder'),
]);

export const NotificationReasonName = Type.Union(
  [
    Type.Literal('mention'),
    Type.Literal('own_post'),
    Type.Literal('own_topic'),
    Type.Literal('watching_topic'),
    Type.Literal('watching_category'),
    Type.Literal('voted'),
    Type.Literal('moderation'),
  ],
  {
    description:
      'why the reader was told: mentioned; about their post (a reply to it, their accepted answer); their topic (watched by default); ' +
      'they watch the topic; they watch its category; they voted for the idea; a moderator acted on their post or topic (always told). ' +
      'A coalesced reply notification keeps the strongest, in this order. Null on notifications older than this field.',
  },
);

export const Notification = Type.Object({
  id: Type.Integer(),
  kind: NotificationKindName,
  read: Type.Boolean(),
  createdAt: DateTime,
  updatedAt: DateTime,
  count: Type.Integer({ description: 'reply notifications of one topic coalesce while unread: "3 new replies"' }),
  community: Type.Object({ slug: Type.String(), name: Type.String() }),
  topic: Nullable(Type.Object({ id: Type.Integer(), title: Type.String(), kind: TopicKindName })),
  category: Nullable(Type.String({ description: "the slug of the topic's category (where a `watching_category` reason's setting is)" })),
  post: Nullable(
    Type.Object({
      id: Type.Integer(),
      number: Type.Integer(),
      excerpt: Nullable(Type.String({ maxLength: 140, description: 'plain text (never HTML); null when the reader may not read the post' })),
    }),
  ),
  actor: Nullable(Ref(User)),
  reason: Nullable(NotificationReasonName),
  data: Type.Object({
    action: Type.Optional(Type.String({ description: 'moderation: hide_post, unhide_post, hide_topic or unhide_topic' })),
    reason: Type.Optional(Nullable(Type.String())),
    reasonCode: Type.Optional(ReasonCode),
    status: Type.Optional(Type.String({ description: 'idea_status: the new status' })),
    note: Type.Optional(Nullable(Type.String())),
  }),
});

export const ListQuery = Type.Object({
  unread: Type.Optional(Type.Boolean({ description: 'only unread ones' })),
  cursor: Type.Optional(Cursor),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
});

const UnreadCount = Type.Integer({ minimum: 0, maximum: 100, description: 'visible unread notifications, counted up to 100 (show "99+" above 99)' });

export const NotificationList = Type.Object({ items: Type.Array(Notification), nextCursor: Nullable(Type.String()), unreadCount: UnreadCount });
export const UnreadCountReply = Type.Object({ unreadCount: UnreadCount });
/** Also the data of the `notification.created` and `notification.updated` live events. */
export const MarkOneReply = Type.Object({ notification: Notification, unreadCount: UnreadCount });
/** The `notifications.read` live event's data: `ids` null means every one up to `upTo` (or all, when that is null too). */
export const NotificationsRead = Type.Object({ ids: Nullable(Type.Array(Type.Integer())), upTo: Nullable(Type.Integer()), unreadCount: UnreadCount });
export const MarkAllBody = Body({ upTo: Type.Optional(Id) });
export const LevelBody = Body({ level: NotificationLevelName });
export const LevelReply = Type.Object({ level: NotificationLevelName });
export const CategoryParams = Type.Object({
  slug: Type.String({ minLength: 1, maxLength: 64 }),
  category: Type.String({ minLength: 1, maxLength: 64 }),
});
export const CommunityLevels = Type.Object({
  categories: Type.Record(Type.String(), NotificationLevelName, { description: 'category slug → level, only where the reader chose one' }),
});
export { IdParams, SlugParams };
export const notificationErrors = errors(400, 401, 403, 404, 429);
