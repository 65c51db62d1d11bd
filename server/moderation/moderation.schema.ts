import { Type } from 'typebox';
import { Body, Cursor, DateTime, errors, Handle, Nullable, Post, ReasonCode, Ref, SlugParams, SystemReasonCode, Text, User } from '../schemas/common.schema.js';
import { MODERATION_REASON, REPORT_REASON } from '../rules/input-rules.js';
import { CANNED_REASONS } from '../../db/codes.js';
import { MODERATION_ACTIONS } from './moderation.actions.js';

export const Reason = Text(MODERATION_REASON, { description: "the moderator's own words, shown as written with the tombstone and in the log" });
export const CannedReasonCode = Type.Enum(CANNED_REASONS, {
  description: "a canned reason (GET /api/moderation/reasons), stored as its code and shown in each reader's language",
});
/** A moderator's reason: exactly one of their own words (`reason`) or a canned reason (`reasonCode`). */
const GivenReason = {
  reason: Type.Optional(Reason),
  reasonCode: Type.Optional(CannedReasonCode),
};
const oneReason = 'Exactly one of `reason` and `reasonCode` (else 400 `invalid_input` naming the field).';
export const ReasonBody = Type.Object(GivenReason, { additionalProperties: false, description: oneReason });
export const FlagBody = Body({ reason: Text(REPORT_REASON, { description: 'seen by moderators only' }) });
export const ReviewRequestBody = Body({ message: Type.Optional(Type.String({ maxLength: 1000 })) });
export const PageQuery = Type.Object({ cursor: Type.Optional(Cursor), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) });

export const FlagKindName = Type.Union([Type.Literal('flag'), Type.Literal('first_post'), Type.Literal('review_request'), Type.Literal('watched_word')]);
export const FlagStatusName = Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('dismissed')]);

export const FlagQuery = Type.Object({
  status: Type.Optional(Type.Union([FlagStatusName, Type.Literal('all')], { default: 'open' })),
  cursor: Type.Optional(Cursor),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

/** A flag as its reporter sees it (also the answer to settling a queue item). */
export const Flag = Type.Object({
  id: Type.Integer(),
  kind: FlagKindName,
  postId: Type.Integer(),
  topicId: Type.Integer(),
  reason: Type.String(),
  reasonCode: Type.Optional(SystemReasonCode),
  status: FlagStatusName,
  createdAt: DateTime,
});
export const FlagReply = Type.Object({ flag: Flag });
/** An item of the review queue, as moderators see it. */
export const QueueItem = Type.Object({
  ...Flag.properties,
  targetType: Type.Union([Type.Literal('post'), Type.Literal('topic')], { description: 'a held first topic is approved or rejected as a whole topic' }),
  reporter: Nullable(Ref(User)),
  post: Ref(Post),
  topic: Type.Object({ id: Type.Integer(), title: Type.String(), hidden: Type.Boolean(), locked: Type.Boolean() }),
  openFlags: Type.Integer({ description: 'open member flags on this post' }),
  resolvedBy: Nullable(Ref(User)),
  resolvedAt: Nullable(DateTime),
});
export const FlagQueue = Type.Object({ items: Type.Array(QueueItem), nextCursor: Nullable(Type.String()) });

export const BanBody = Type.Object(
  {
    handle: Handle,
    ...GivenReason,
    until: Type.Optional(Type.String({ format: 'date-time', description: 'omit for a ban without end' })),
  },
  { additionalProperties: false, description: oneReason },
);
export const Ban = Type.Object({
  id: Type.Integer(),
  community: Type.String(),
  user: Ref(User),
  reason: Type.String({ description: "the moderator's own words, or `reasonCode` in words" }),
  reasonCode: Type.Optional(ReasonCode),
  until: Nullable(DateTime),
  moderator: Ref(User),
  createdAt: DateTime,
  liftedAt: Nullable(DateTime),
});
export const BanReply = Type.Object({ ban: Ban });
export const BanList = Type.Object({ items: Type.Array(Ban), nextCursor: Nullable(Type.String()) });
export const BanParams = Type.Object({ slug: SlugParams.properties.slug, handle: Handle });

/** One line of the public moderation log. It never carries hidden text. */
export const ModerationLogEntry = Type.Object({
  id: Type.Integer(),
  action: Type.Enum(MODERATION_ACTIONS),
  moderator: Nullable(Ref(User)),
  automatic: Type.Boolean({ description: 'the system acted (flag threshold, held first post, a watched-word rule); moderator is null' }),
  ruleId: Nullable(Type.Integer({ description: 'the watched-word rule the system acted by ("the system, by rule #R")' })),
  undone: Type.Boolean({
    description: 'a moderator undid this automatic action (one-step undo, or approving what it held); the entry that did it follows in the log',
  }),
  undoable: Type.Boolean({ description: 'the viewer (a moderator) can undo it now: `POST /api/communities/:slug/moderation-log/:id/undo`' }),
  target: Type.Object({
    type: Type.Union([Type.Literal('post'), Type.Literal('topic'), Type.Literal('user'), Type.Literal('category'), Type.Literal('community')], {
      description: '`community` for the order of its categories',
    }),
    id: Type.Integer(),
    topicId: Nullable(Type.Integer()),
    postNumber: Nullable(Type.Integer()),
    title: Nullable(Type.String({ description: "the topic's title, unless the viewer may not see the topic" })),
    handle: Nullable(Type.String({ description: 'for user targets' })),
    category: Type.Optional(
      Nullable(Type.Object({ slug: Type.String(), name: Type.String() }), {
        description: 'for category targets: the category as it is now; null once removed',
      }),
    ),
  }),
  reason: Nullable(Type.String({ description: "the moderator's own words, or `reasonCode` in words" })),
  reasonCode: ReasonCode,
  detail: Nullable(
    Type.String({
      description:
        "machine-readable: a ban's end (`until <time>` or `permanent`), a role change (`member → staff`), the settled item's kind (`flag`, `first_post`, `review_request`), the number of flags of an automatic hide; for category actions a JSON object of names and slugs as they were then (`name`, `slug`; a rename's `to`, `toSlug`; a removal's `topics`, `moveTo`, `moveToName`; a reorder's `order` of names); for `change_inbox_rules` a JSON object `{rules}` with the changed inbox rules as they became; for `set_slow_mode` the seconds; for `set_topic_timer` JSON `{action, at}` or `{action, idleDays}`, for `clear_topic_timer` JSON `{action}`, for a timer's own `lock_topic`/`unlock_topic` (reason `topic_timer`) the timer that ran; for `change_settings` a JSON object of the moderation settings that changed, as they became",
    }),
  ),
  createdAt: DateTime,
});
export const ModerationLog = Type.Object({ items: Type.Array(ModerationLogEntry), nextCursor: Nullable(Type.String()) });

export const CannedReason = Type.Object({ code: CannedReasonCode, label: Type.String({ description: "in the reader's language" }) });
export const ReasonList = Type.Object({ items: Type.Array(CannedReason) });

export const moderationErrors = errors(400, 401, 403, 404, 409, 413, 429);
