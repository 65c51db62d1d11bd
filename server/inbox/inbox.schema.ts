import { Type } from 'typebox';
import { Body, DateTime, errors, Nullable, SlugParams, TopicKindName } from '../schemas/common.schema.js';
import { INBOX_KINDS, INBOX_VIEWS } from './inbox.kinds.js';

export const InboxKindName = Type.Enum(INBOX_KINDS, {
  description:
    '`no_reply` (a question or discussion with no qualifying reply after `hours`), `asker_waiting` (an unsolved question whose last visible post is the asker’s, after replies from others, `hours` ago), ' +
    '`stale_unsolved` (an unsolved question with replies, quiet for `days`), `popular_idea` (an idea with at least `votes` votes and no status), ' +
    '`mentions_staff` (a visible post of the last `days` days mentioning someone with the staff, moderator or admin role, by someone without one, with no reply from the organisation after it), ' +
    '`held` (a held first post or topic, or an author’s request for review), `flagged` (a post with open flags). Held and flagged items are shown to moderators and admins only.',
});
const ClaimStateName = Type.Union([Type.Literal('taken'), Type.Literal('snoozed'), Type.Literal('done')]);
const Person = Type.Object({ id: Type.Integer(), handle: Type.String(), displayName: Type.String() });

export const InboxRule = Type.Object({
  kind: InboxKindName,
  enabled: Type.Boolean(),
  hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720, description: 'no_reply, asker_waiting' })),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, description: 'stale_unsolved, mentions_staff' })),
  votes: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'popular_idea' })),
});

export const InboxItem = Type.Object({
  key: Type.String({
    description: 'stable while it is an item: `<kind>:<id>` (a topic id; a queue item id for held; a post id for mentions_staff and flagged)',
  }),
  kind: InboxKindName,
  since: Type.String({ format: 'date-time', description: 'when it became an item (e.g. a topic’s creation plus the rule’s hours)' }),
  topic: Nullable(Type.Object({ id: Type.Integer(), title: Type.String(), kind: TopicKindName, categorySlug: Nullable(Type.String()) })),
  post: Nullable(
    Type.Object({
      id: Type.Integer(),
      number: Type.Integer(),
      excerpt: Type.String({ description: 'plain text (never HTML); empty when the viewer may not read the post' }),
      author: Person,
    }),
  ),
  detail: Type.Object({
    votes: Type.Optional(Type.Integer()),
    replies: Type.Optional(Type.Integer()),
    flags: Type.Optional(Type.Integer({ description: 'open flags' })),
    queueItemId: Type.Optional(Type.Integer({ description: 'the review queue item (for flagged: the oldest open flag)' })),
  }),
  claim: Nullable(
    Type.Object({
      state: ClaimStateName,
      by: Person,
      at: DateTime,
      until: Nullable(DateTime),
    }),
  ),
});

export const InboxQuery = Type.Object({
  view: Type.Optional(
    Type.Enum(INBOX_VIEWS, { default: 'open', description: '`open`: unclaimed and taken by anyone; `taken`, `snoozed`, `done`: only those' }),
  ),
});

export const InboxReply = Type.Object({
  items: Type.Array(InboxItem),
  counts: Type.Object({ open: Type.Integer(), taken: Type.Integer(), snoozed: Type.Integer(), done: Type.Integer() }),
  rules: Type.Array(InboxRule),
  nextCheckAt: Nullable(DateTime, { description: 'when a time-based rule next brings an item in or a snooze ends; null when nothing is due' }),
});

export const InboxItemParams = Type.Object({ slug: SlugParams.properties.slug, key: Type.String({ minLength: 1, maxLength: 64 }) });

export const InboxItemBody = Body({
  state: Type.Union([ClaimStateName, Type.Literal('open')], { description: '`open` gives the item back (removes the claim)' }),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'required for `snoozed`: in the future, at most 30 days ahead' })),
  takeOver: Type.Optional(Type.Boolean({ description: 'take over an item someone else has taken' })),
});
export const InboxItemReply = Type.Object({ item: InboxItem });

export const InboxRulesBody = Body({
  rules: Type.Array(
    Body({
      kind: Type.String({ maxLength: 40, description: 'an inbox kind; another is `400 unknown_inbox_rule`' }),
      enabled: Type.Boolean(),
      hours: Type.Optional(Type.Integer()),
      days: Type.Optional(Type.Integer()),
      votes: Type.Optional(Type.Integer()),
    }),
    { maxItems: 20 },
  ),
});
export const InboxRulesReply = Type.Object({ rules: Type.Array(InboxRule) });

export const inboxErrors = errors(400, 401, 403, 404, 409, 429);
