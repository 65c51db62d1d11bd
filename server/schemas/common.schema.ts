import { Type, type Static, type TSchema, type TSchemaOptions, type TProperties, type TStringOptions, type TUnsafe } from 'typebox';
import { REASON_CODES, SYSTEM_REASONS } from '../../db/codes.js';
import { HANDLE, SLUG, type TextRule } from '../rules/input-rules.js';
import type { CommunityCapabilities as CommunityCan, TopicCapabilities as TopicCan } from '../rules/capabilities.js';

/** Request bodies drop unknown fields (Ajv removeAdditional) instead of storing them. */
export const Body = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });

/** PostgreSQL's integer: ids and post numbers never exceed it. */
export const INT4_MAX = 2_147_483_647;
export const Id = Type.Integer({ minimum: 1, maximum: INT4_MAX });
export const IdParams = Type.Object({ id: Id });
export const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 64 }) });
/** A string checked by one of the shared input rules (rules/input-rules.ts), which the web's forms check too. */
export const Text = (rule: TextRule, options: TStringOptions = {}) =>
  Type.String({
    ...(rule.min > 0 ? { minLength: rule.min } : {}),
    maxLength: rule.max,
    ...(rule.pattern ? { pattern: rule.pattern } : {}),
    ...options,
  });
export const Slug = Text(SLUG);
export const Handle = Text(HANDLE);
export const DateTime = Type.String({ format: 'date-time' });
export const Nullable = <T extends TSchema>(schema: T, options?: TSchemaOptions) => Type.Union([schema, Type.Null()], options);
export const Cursor = Type.String({ maxLength: 512 });

/**
 * A `$ref` to a shared schema registered by its `$id` (see sharedSchemas): the OpenAPI document
 * names it as a component, and TypeScript still sees its shape. `Type.Ref('User')` alone is
 * `unknown` to Static in TypeBox 1.x, which would leave routes and the web client untyped.
 */
export const Ref = <T extends TSchema>(schema: T) => {
  const { $id } = schema as { $id?: unknown };
  if (typeof $id !== 'string') throw new Error('Ref needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref($id));
};

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'public, machine-readable context for some codes (limits, `retryAfter`, the invalid field)' }),
    ),
  },
  {
    $id: 'Error',
    description:
      'Every error: a stable snake_case `code` plus a human `message` in the reader’s language (their own choice, else the community’s language on ' +
      '`/api/communities/:slug` routes, else `Accept-Language`, else English): the catalogues’ `errors.<code>`, with `details` as its values.',
  },
);

/** Error replies every route may give; routes add their own success schemas. */
export const errors = <S extends number>(...statuses: S[]) =>
  Object.fromEntries(statuses.map((s) => [s, Ref(ErrorResponse)])) as { [K in S]: TUnsafe<Static<typeof ErrorResponse>> };

export const User = Type.Object(
  {
    id: Type.Integer(),
    handle: Type.String(),
    displayName: Type.String(),
    avatarUrl: Nullable(Type.String()),
    createdAt: DateTime,
    deleted: Type.Optional(
      Type.Boolean({
        description: 'present (true) only for an account its member deleted: `handle` is then a placeholder and `displayName` empty; show “a deleted member”',
      }),
    ),
  },
  { $id: 'User' },
);

export const RoleName = Type.Union([Type.Literal('member'), Type.Literal('staff'), Type.Literal('moderator'), Type.Literal('admin')]);
export const TopicKindName = Type.Union([Type.Literal('discussion'), Type.Literal('question'), Type.Literal('idea')]);
/** IDEA_STATUSES of db/schema.ts, spelled out so TypeBox keeps the literal types. */
export const IdeaStatusName = Type.Union([
  Type.Literal('under_review'),
  Type.Literal('planned'),
  Type.Literal('in_progress'),
  Type.Literal('shipped'),
  Type.Literal('declined'),
]);
export const ReactionKindName = Type.Union([Type.Literal('like'), Type.Literal('helpful')]);
/** How much a reader hears about a topic or a category. */
export const NotificationLevelName = Type.Union([Type.Literal('watching'), Type.Literal('normal'), Type.Literal('muted')]);

/** What the system did on its own, as a code; the `reason` beside it carries the same in words. */
export const SystemReasonCode = Nullable(
  Type.Enum(SYSTEM_REASONS, {
    description: "set when the system acted on its own (held_first_post, held_first_topic, flagged, review_requested); null for a person's own words",
  }),
);
/** A reason stored as a code (the system's, or a moderator's canned one); the `reason` beside it carries the same in words. */
export const ReasonCode = Nullable(
  Type.Enum(REASON_CODES, {
    description:
      "the reason as a code, for clients to put into their reader's language (`reasons.<code>`): the system's own (held_first_post, held_first_topic, flagged, review_requested) or the canned reason a moderator picked (spam, off_topic, abusive, personal_information, misinformation, duplicate); null for a moderator's own words",
  }),
);

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

export const CommunityCapabilities = Type.Object(
  {
    moderate: Type.Boolean({ description: 'the review queue, bans, moderating topics and posts' }),
    administer: Type.Boolean({ description: 'settings, categories, roles, embed and SSO' }),
    setIdeaStatus: Type.Boolean({ description: 'answer ideas with a status' }),
    startTopic: Type.Boolean(),
    useInbox: Type.Boolean({ description: 'the inbox of conversations that need staff (staff, moderators, admins)' }),
    viewInsights: Type.Boolean({ description: 'the community’s insights: figures, trends and searches (staff, moderators, admins)' }),
  },
  {
    description: 'What the viewer may do here, decided by the server (the web shows only what it allows). All false for guests; a banned member cannot write.',
  },
);

export const TopicCapabilities = Type.Object(
  {
    reply: Type.Boolean(),
    editOwnPosts: Type.Boolean({ description: 'edit posts the viewer wrote (a lock stops this as it stops replies)' }),
    deleteOwnPosts: Type.Boolean({ description: 'delete posts the viewer wrote' }),
    react: Type.Boolean({ description: "like others' posts or mark them helpful" }),
    report: Type.Boolean({ description: "report others' posts; ask for a review of one's own hidden post" }),
    moderate: Type.Boolean({ description: 'pin, lock and hide the topic and its posts' }),
    edit: Type.Boolean({ description: 'retitle or move the topic' }),
    acceptAnswer: Type.Boolean({ description: 'choose or clear the accepted answer (questions only)' }),
    vote: Type.Boolean({ description: 'vote for this idea (ideas only; a lock closes votes)' }),
    setIdeaStatus: Type.Boolean({ description: 'answer this idea with a status (ideas only)' }),
  },
  {
    description:
      'What the viewer may do in this topic, decided by the server (the web shows only what it allows). ' +
      'All false for guests (their pages are cached and shared); a banned member cannot write.',
  },
);
/** Fails to compile unless these schemas list exactly the capabilities of rules/capabilities.ts (one left out would be stripped from replies). */
export type CapabilitySchemasMatch = [
  Assert<Same<Static<typeof CommunityCapabilities>, CommunityCan>>,
  Assert<Same<Static<typeof TopicCapabilities>, TopicCan>>,
];

export const Category = Type.Object(
  {
    id: Type.Integer(),
    slug: Type.String(),
    name: Type.String(),
    description: Type.String(),
    position: Type.Integer(),
    unlisted: Type.Boolean({ description: 'kept out of search engines: readable, but not in the sitemap, and its pages say noindex' }),
  },
  { $id: 'Category' },
);

/** A community as `GET /api/communities` lists it. */
/** Files other than images a community accepts in posts (as downloads); images are accepted everywhere. */
export const UploadFileTypes = Type.Array(Type.Union([Type.Literal('application/pdf'), Type.Literal('text/plain')]), {
  maxItems: 2,
  uniqueItems: true,
  description: 'files other than images members may attach here, as downloads (`application/pdf`, `text/plain`); empty: images only',
});

export const CommunitySummary = Type.Object(
  {
    id: Type.Integer(),
    slug: Type.String(),
    name: Type.String(),
    description: Type.String(),
    accentColor: Nullable(Type.String()),
    language: Type.String({
      description: 'the interface language for readers who chose none (one of the server’s catalogue languages), and the language posts are searched in',
    }),
    isDemo: Type.Boolean(),
    unlisted: Type.Boolean({ description: 'kept out of search engines: readable, but not in the sitemap, and its pages say noindex' }),
    healthPanel: Type.Boolean({ description: 'shows everyone its health panel (`GET /api/communities/:slug/health`)' }),
    uploadFileTypes: UploadFileTypes,
    createdAt: DateTime,
    moderation: Type.Object(
      {
        flagThreshold: Type.Integer({ description: 'distinct members whose flags hide a post pending review; 0 = never automatically' }),
        holdFirstPosts: Type.Boolean({ description: "a member's first post here waits for a moderator's approval" }),
        requireVerifiedEmail: Type.Boolean({
          description: 'posting here needs a verified e-mail address (SSO accounts and site admins count as verified); others get 403 `email_unverified`',
        }),
        holdNewMemberLinks: Type.Boolean({
          description:
            "posts and topics with a link by accounts in their first 24 hours wait for a moderator's approval (staff, moderators and admins excepted)",
        }),
        keepAcceptedAnswers: Type.Boolean({
          description: 'a member who deletes their account and has their posts removed leaves their accepted answers here, anonymised (default on)',
        }),
      },
      { description: 'Public, like everything about moderation here.' },
    ),
  },
  { $id: 'CommunitySummary' },
);

/** One community as reading, creating or changing it answers: with its categories and the viewer's role. */
export const Community = Type.Object(
  {
    ...CommunitySummary.properties,
    categories: Type.Array(Ref(Category)),
    viewerRole: Nullable(RoleName, { description: "the viewer's role here; null for guests and signed-in non-members" }),
    viewerCan: CommunityCapabilities,
    embed: Type.Optional(
      Type.Object(
        {
          allowedOrigins: Type.Array(Type.String()),
          ssoSecretCreatedAt: Nullable(DateTime),
        },
        { description: 'admins only; the SSO secret itself is shown once, when made' },
      ),
    ),
  },
  { $id: 'Community' },
);

export const Reactions = Type.Object({ like: Type.Integer(), helpful: Type.Integer() }, { $id: 'Reactions' });

export const Topic = Type.Object(
  {
    id: Type.Integer(),
    community: Type.String({ description: 'community slug' }),
    category: Type.String({ description: 'category slug' }),
    title: Type.String(),
    kind: TopicKindName,
    author: Ref(User),
    createdAt: DateTime,
    lastPostAt: DateTime,
    postCount: Type.Integer(),
    pinned: Type.Boolean(),
    locked: Type.Boolean(),
    hidden: Type.Boolean(),
    hiddenReason: Nullable(Type.String(), {
      description: "why it is hidden, in words (a moderator's own, or `hiddenReasonCode` put into English words); null when not hidden",
    }),
    hiddenReasonCode: ReasonCode,
    pendingReview: Type.Boolean({ description: 'hidden by the system (a held first topic), waiting for a moderator' }),
    solutionPostId: Nullable(Type.Integer()),
    votes: Type.Integer(),
    ideaStatus: Nullable(
      Type.Object(
        {
          status: IdeaStatusName,
          note: Nullable(Type.String()),
          changedAt: DateTime,
          changedBy: Ref(User),
          changedByRole: Nullable(RoleName),
        },
        { description: "ideas only: the organisation's public answer; null until staff set one, and again once they clear it" },
      ),
    ),
    slowModeSeconds: Type.Integer({ description: 'slow mode: a member may reply here once per this many seconds (moderators and admins are exempt); 0 = off' }),
    timers: Type.Array(
      Type.Object({
        action: Type.Union([Type.Literal('close'), Type.Literal('open')], { description: 'close locks the topic, open unlocks it, as the system' }),
        at: Nullable(DateTime, { description: 'a fixed time; null for an idle timer' }),
        idleDays: Nullable(Type.Integer(), { description: 'close this many days after the last reply; null for a fixed time' }),
        closesAt: Nullable(DateTime, {
          description: 'when a close timer would close the topic as things stand (for idle timers: lastPostAt + idleDays); null for open',
        }),
        runsAt: DateTime,
      }),
      { description: 'timers a moderator set on this topic; they run within a minute of being due' },
    ),
  },
  { $id: 'Topic' },
);

export const Post = Type.Object(
  {
    id: Type.Integer(),
    topicId: Type.Integer(),
    number: Type.Integer(),
    author: Ref(User),
    authorRole: RoleName,
    replyToId: Nullable(Type.Integer()),
    body: Nullable(Type.String()),
    bodyHtml: Nullable(Type.String()),
    createdAt: DateTime,
    editedAt: Nullable(DateTime),
    pinned: Type.Boolean(),
    hidden: Type.Boolean(),
    hiddenReason: Nullable(Type.String()),
    hiddenReasonCode: ReasonCode,
    pendingReview: Type.Boolean({ description: 'hidden by the system (member flags, a held first post), waiting for a moderator' }),
    deleted: Type.Boolean(),
    reactions: Ref(Reactions),
    viewerReactions: Type.Optional(Type.Array(ReactionKindName, { description: 'kinds the signed-in viewer has reacted with' })),
  },
  { $id: 'Post' },
);

export const sharedSchemas = [ErrorResponse, User, Category, CommunitySummary, Community, Reactions, Topic, Post];
export const Paged = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });
