import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, date, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** PostgreSQL's tsvector, only ever written by the database (a trigger keeps it from the row's text). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const ROLES = ['member', 'staff', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const TOPIC_KINDS = ['discussion', 'question', 'idea'] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];
export const IDEA_STATUSES = ['under_review', 'planned', 'in_progress', 'shipped', 'declined'] as const;
export type IdeaStatus = (typeof IDEA_STATUSES)[number];
export const REACTION_KINDS = ['like', 'helpful'] as const;
export type ReactionKind = (typeof REACTION_KINDS)[number];

export const EMAIL_NOTIFICATION_CHOICES = ['never', 'away', 'always'] as const;
export type EmailNotificationChoice = (typeof EMAIL_NOTIFICATION_CHOICES)[number];
export const EMAIL_DIGEST_CHOICES = ['off', 'daily', 'weekly'] as const;
export type EmailDigestChoice = (typeof EMAIL_DIGEST_CHOICES)[number];
export const MENTIONS_FROM_CHOICES = ['anyone', 'staff', 'nobody'] as const;
export type MentionsFrom = (typeof MENTIONS_FROM_CHOICES)[number];

export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    handle: text('handle').notNull(),
    email: text('email'),
    passwordHash: text('password_hash'),
    displayName: text('display_name').notNull(),
    avatarUrl: text('avatar_url'),
    /** Operator of the whole site: admin powers in every community. */
    isSiteAdmin: boolean('is_site_admin').notNull().default(false),
    /** Accounts that arrive through a community's SSO are keyed by (community, sub). */
    ssoCommunityId: integer('sso_community_id'),
    ssoSubject: text('sso_subject'),
    /** The interface language the member chose (a catalogue in locales/); null: not chosen. */
    locale: text('locale'),
    /** When the member proved `email` is theirs (a link or code sent to it); null: not yet. SSO accounts count as verified. */
    emailVerifiedAt: ts('email_verified_at'),
    /** Raised by bounces of mail sent to `email`; past a threshold only critical mail (reset, verification) goes out. */
    emailBounceScore: integer('email_bounce_score').notNull().default(0),
    /** Notification mail: never, only when away (the default), or always. */
    emailNotifications: text('email_notifications').$type<EmailNotificationChoice>().notNull().default('away'),
    /** The digest of what happened while away: off, daily or weekly (the default). */
    emailDigest: text('email_digest').$type<EmailDigestChoice>().notNull().default('weekly'),
    /** Last time the member was seen using the site (requests, live sockets); updated at most once a minute. */
    lastSeenAt: ts('last_seen_at'),
    /**
     * How far digests have covered: set when a digest goes out, and also when one was due but had
     * nothing to say (so the member is looked at again a period later, not every hour).
     */
    digestSentAt: ts('digest_sent_at'),
    /** Who may @mention the member (server/safety/boundaries): anyone, the communities' staff and moderators only, or nobody. */
    mentionsFrom: text('mentions_from').$type<MentionsFrom>().notNull().default('anyone'),
    /** Suspended site-wide by a site admin: signs in to nothing, writes nothing, everywhere. */
    suspendedAt: ts('suspended_at'),
    /** The site admin's words, shown to the member. */
    suspendedReason: text('suspended_reason'),
    suspendedById: integer('suspended_by_id'),
    /** The member deleted their account: handle, e-mail and name were freed and scrubbed; the row stays as "a deleted member". */
    deletedAt: ts('deleted_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('users_handle_lower_key').on(sql`lower(${t.handle})`),
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    uniqueIndex('users_sso_key').on(t.ssoCommunityId, t.ssoSubject),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 (hex) of the token the client holds: a leaked table cannot be replayed. */
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: ts('expires_at').notNull(),
    kind: text('kind').notNull().default('cookie'),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const communities = pgTable(
  'communities',
  {
    id: serial('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    accentColor: text('accent_color'),
    isDemo: boolean('is_demo').notNull().default(false),
    /** Distinct members whose flags hide a post automatically, pending review; 0 turns it off. */
    flagThreshold: integer('flag_threshold').notNull().default(3),
    /** Hold a member's first post in this community until a moderator approves it. */
    holdFirstPosts: boolean('hold_first_posts').notNull().default(false),
    /** Default interface language for readers who chose none, and the language posts are searched in. */
    language: text('language').notNull().default('en'),
    /** The text-search configuration new posts and topics get, derived from `language` (server/search/search.languages.ts). */
    searchConfig: text('search_config').notNull().default('parley_english'),
    /** Every configuration this community's posts and topics may carry: more than one while a re-index runs. */
    searchConfigs: text('search_configs')
      .array()
      .notNull()
      .default(sql`'{parley_english}'`),
    /** Readable as ever, but kept out of search engines: no sitemap or feed listing, pages say noindex. */
    unlisted: boolean('unlisted').notNull().default(false),
    /** Posting needs a verified e-mail address (SSO accounts count as verified by their organisation). */
    requireVerifiedEmail: boolean('require_verified_email').notNull().default(false),
    /** Show members the public community health panel (solved rate, first response, members' share of help). */
    healthPanel: boolean('health_panel').notNull().default(false),
    /** Posts with links by members in their first days wait for a moderator (server/safety/). */
    holdNewMemberLinks: boolean('hold_new_member_links').notNull().default(false),
    /** A member deleting their account with "remove my posts" leaves accepted answers, anonymised, instead of removing them. */
    keepAcceptedAnswers: boolean('keep_accepted_answers').notNull().default(true),
    /** Files other than images this community accepts in posts, as downloads (UPLOAD_FILE_TYPES); none by default. */
    uploadFileTypes: text('upload_file_types')
      .array()
      .$type<UploadFileType[]>()
      .notNull()
      .default(sql`'{}'`),
    createdAt: createdAt(),
  },
  // By name: the communities list pages over (name, id).
  (t) => [uniqueIndex('communities_slug_key').on(t.slug), index('communities_name_idx').on(t.name, t.id)],
);

export const embedSettings = pgTable('embed_settings', {
  communityId: integer('community_id')
    .primaryKey()
    .references(() => communities.id, { onDelete: 'cascade' }),
  allowedOrigins: jsonb('allowed_origins')
    .$type<string[]>()
    .notNull()
    .default(sql`'[]'::jsonb`),
  /** HS256 key for the organisation's SSO tokens; must be readable to verify signatures. */
  ssoSecret: text('sso_secret'),
  ssoSecretCreatedAt: ts('sso_secret_created_at'),
  /** Category that embed-created topics go into; null: a "comments" category made on first need. */
  categorySlug: text('category_slug'),
});

export const memberships = pgTable(
  'memberships',
  {
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<Role>().notNull().default('member'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.userId] }), index('memberships_user_idx').on(t.userId)],
);

export const categories = pgTable(
  'categories',
  {
    id: serial('id').primaryKey(),
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    position: integer('position').notNull().default(0),
    /** As communities.unlisted, for one category. */
    unlisted: boolean('unlisted').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('categories_community_slug_key').on(t.communityId, t.slug)],
);

export { CANNED_REASONS, REASON_CODES, SYSTEM_REASONS, type CannedReason, type ReasonCode, type SystemReason } from './codes.js';
import type { ReasonCode } from './codes.js';

export const topics = pgTable(
  'topics',
  {
    id: serial('id').primaryKey(),
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    categoryId: integer('category_id')
      .notNull()
      .references(() => categories.id),
    authorId: integer('author_id')
      .notNull()
      .references(() => users.id),
    title: text('title').notNull(),
    kind: text('kind').$type<TopicKind>().notNull().default('discussion'),
    createdAt: createdAt(),
    lastPostAt: ts('last_post_at').notNull().defaultNow(),
    /** Numbers handed out so far; the next post takes lastNumber + 1 under the topic row's lock. */
    lastNumber: integer('last_number').notNull().default(0),
    postCount: integer('post_count').notNull().default(0),
    pinned: boolean('pinned').notNull().default(false),
    locked: boolean('locked').notNull().default(false),
    hidden: boolean('hidden').notNull().default(false),
    /** A moderator's own words; null when the reason is a code (see hiddenReasonCode). */
    hiddenReason: text('hidden_reason'),
    /** The system's reason, or the canned one a moderator picked; put into words when shown. */
    hiddenReasonCode: text('hidden_reason_code').$type<ReasonCode>(),
    /** Hidden by the system (a held first topic), not yet reviewed by a moderator. */
    hiddenPending: boolean('hidden_pending').notNull().default(false),
    solutionPostId: integer('solution_post_id'),
    votes: integer('votes').notNull().default(0),
    /** An idea's answer from the organisation: status, public note, who and when. */
    ideaStatus: text('idea_status').$type<IdeaStatus>(),
    ideaStatusNote: text('idea_status_note'),
    ideaStatusAt: ts('idea_status_at'),
    ideaStatusById: integer('idea_status_by_id').references(() => users.id),
    /** When the current accepted answer was chosen: helper rankings count solutions by month. */
    solvedAt: ts('solved_at'),
    /** Slow mode: a member may reply here once per this many seconds; 0 is off. */
    slowModeSeconds: integer('slow_mode_seconds').notNull().default(0),
    /** Canonical URL of the host page when the topic was created by the embed. */
    embedUrl: text('embed_url'),
    /** The text-search configuration `search` was built with: the community's, copied on insert (see server/search/search.languages.ts). */
    searchConfig: text('search_config').notNull().default('parley_english'),
    /** to_tsvector(search_config, title), kept by a trigger (migration 0008): a configuration read from a row is not immutable. */
    search: tsvector('search'),
  },
  (t) => [
    // Each sort of a community's topic list reads one of these in order (listTopics), so a page
    // costs the same in a community of a hundred topics or of a hundred thousand.
    index('topics_latest_idx').on(t.communityId, t.pinned, t.lastPostAt, t.id),
    index('topics_category_latest_idx').on(t.categoryId, t.pinned, t.lastPostAt, t.id),
    index('topics_top_idx').on(t.communityId, t.pinned, t.votes, t.postCount, t.id),
    index('topics_votes_idx').on(t.communityId, t.pinned, t.votes, t.id),
    // Partial: a topic leaves it with its first reply or answer, so it stays small and replies to
    // answered topics (nearly all) never write to it.
    index('topics_unanswered_idx')
      .on(t.communityId, t.pinned, t.createdAt, t.id)
      .where(sql`post_count <= 1 AND solution_post_id IS NULL`),
    index('topics_author_idx').on(t.authorId),
    // The month's accepted answers of a community (top helpers).
    index('topics_solved_idx')
      .on(t.communityId, t.solvedAt)
      .where(sql`solved_at IS NOT NULL`),
    // The ideas board (sort=votes&kind=idea). Partial: every reply rewrites its topic's row, and
    // replies in discussions and questions should not pay for an index only ideas use.
    index('topics_idea_votes_idx')
      .on(t.communityId, t.pinned, t.votes, t.id)
      .where(sql`kind = 'idea'`),
    // The inbox's waiting askers and stale questions: a community's unsolved questions by last activity.
    index('topics_unsolved_idx')
      .on(t.communityId, t.lastPostAt)
      .where(sql`kind = 'question' AND solution_post_id IS NULL`),
    uniqueIndex('topics_embed_url_key').on(t.communityId, t.embedUrl),
    index('topics_search_idx').using('gin', t.search),
  ],
);

export const posts = pgTable(
  'posts',
  {
    id: serial('id').primaryKey(),
    topicId: integer('topic_id')
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    authorId: integer('author_id')
      .notNull()
      .references(() => users.id),
    /** The author's role when they wrote it: a staff badge belongs to what was said as staff. */
    authorRole: text('author_role').$type<Role>().notNull().default('member'),
    replyToId: integer('reply_to_id'),
    body: text('body').notNull(),
    bodyHtml: text('body_html').notNull(),
    createdAt: createdAt(),
    editedAt: ts('edited_at'),
    pinned: boolean('pinned').notNull().default(false),
    hidden: boolean('hidden').notNull().default(false),
    /** A moderator's own words; null when the reason is a code (see hiddenReasonCode). */
    hiddenReason: text('hidden_reason'),
    /** The system's reason, or the canned one a moderator picked; put into words when shown. */
    hiddenReasonCode: text('hidden_reason_code').$type<ReasonCode>(),
    /** When it was last hidden: the author may ask for review once per hiding. */
    hiddenAt: ts('hidden_at'),
    /** Hidden by the system (flag threshold, held first post), not yet reviewed by a moderator. */
    hiddenPending: boolean('hidden_pending').notNull().default(false),
    deleted: boolean('deleted').notNull().default(false),
    clientId: text('client_id'),
    likeCount: integer('like_count').notNull().default(0),
    helpfulCount: integer('helpful_count').notNull().default(0),
    /** The text-search configuration `search` was built with: the community's, copied on insert (see server/search/search.languages.ts). */
    searchConfig: text('search_config').notNull().default('parley_english'),
    /** to_tsvector(search_config, body), kept by a trigger (migration 0008): a configuration read from a row is not immutable. */
    search: tsvector('search'),
  },
  (t) => [
    uniqueIndex('posts_topic_number_key').on(t.topicId, t.number),
    uniqueIndex('posts_author_client_key').on(t.authorId, t.clientId),
    index('posts_author_created_idx').on(t.authorId, t.createdAt),
    // Pinned posts travel with a topic's first page: a tiny partial index keeps that lookup free.
    index('posts_pinned_idx')
      .on(t.topicId, t.number)
      .where(sql`pinned`),
    index('posts_search_idx').using('gin', t.search),
  ],
);

export const postRevisions = pgTable(
  'post_revisions',
  {
    id: serial('id').primaryKey(),
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    /** The text as it was before the edit that superseded it. */
    body: text('body').notNull(),
    editorId: integer('editor_id')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
  },
  // A post's revisions, newest first, page by page.
  (t) => [index('post_revisions_post_idx').on(t.postId, t.id)],
);

export const reactions = pgTable(
  'reactions',
  {
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<ReactionKind>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.postId, t.userId, t.kind] }),
    // Helper rankings count the month's helpful reactions.
    index('reactions_created_idx').on(t.createdAt),
  ],
);

/**
 * Each member's reputation (server/reputation/reputation.ts) as last computed. Triggers on posts,
 * topics and reactions raise `version` whenever a row that the definition reads changes, in the
 * changing transaction; the figures are current while `computedVersion = version`, and a profile
 * read recomputes them otherwise (migrations/0013_member_reputation.sql).
 */
export const memberReputation = pgTable('member_reputation', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  version: integer('version').notNull().default(1),
  /** The version the figures below were computed at; -1: never. */
  computedVersion: integer('computed_version').notNull().default(-1),
  posts: integer('posts').notNull().default(0),
  helpfulReceived: integer('helpful_received').notNull().default(0),
  solutions: integer('solutions').notNull().default(0),
  topicsStarted: integer('topics_started').notNull().default(0),
  peopleHelped: integer('people_helped').notNull().default(0),
});

/**
 * Insights' facts per topic the public can read (server/insights/): the topic is not hidden and its
 * first post is neither hidden nor deleted. Kept by triggers on posts, topics and memberships, run
 * as the changing transaction commits (migrations/0017_insights_intervals.sql), so hiding, deleting,
 * restoring and role changes show at once; `parley_insights_rebuild()` makes every fact again from the rows.
 */
export const insightTopics = pgTable(
  'insight_topics',
  {
    topicId: integer('topic_id')
      .primaryKey()
      .references(() => topics.id, { onDelete: 'cascade' }),
    communityId: integer('community_id').notNull(),
    createdAt: ts('created_at').notNull(),
    kind: text('kind').$type<TopicKind>().notNull(),
    authorId: integer('author_id').notNull(),
    /** The first qualifying reply: visible, number > 1, by someone other than the topic's author. */
    firstReplyAt: ts('first_reply_at'),
    /** The first qualifying reply by someone without an organisation role (staff, moderator, admin) in the community now. */
    firstPeerReplyAt: ts('first_peer_reply_at'),
    /** The first qualifying reply by someone with an organisation role in the community now. */
    firstStaffReplyAt: ts('first_staff_reply_at'),
    /** When the accepted answer was chosen, while it is a visible post of the topic. */
    solvedAt: ts('solved_at'),
    solutionAuthorId: integer('solution_author_id'),
  },
  (t) => [index('insight_topics_window_idx').on(t.communityId, t.createdAt)],
);

/**
 * Insights' facts per post the public can read (not hidden, not deleted, in a topic that is not
 * hidden), with the community beside the time: a window of a community's posts is one index
 * range, read from the index alone. Kept like insightTopics.
 */
export const insightPosts = pgTable(
  'insight_posts',
  {
    postId: integer('post_id')
      .primaryKey()
      .references(() => posts.id, { onDelete: 'cascade' }),
    topicId: integer('topic_id').notNull(),
    communityId: integer('community_id').notNull(),
    authorId: integer('author_id').notNull(),
    createdAt: ts('created_at').notNull(),
    /** A qualifying reply: number > 1, by someone other than the topic's author. */
    reply: boolean('reply').notNull(),
    /** The accepted answer of its topic. */
    accepted: boolean('accepted').notNull(),
    /** The UTC day and the week (from Monday, UTC) of `createdAt`: the intervals insights count in. */
    day: date('day', { mode: 'string' })
      .notNull()
      .generatedAlwaysAs(sql`((created_at AT TIME ZONE 'UTC')::date)`),
    week: date('week', { mode: 'string' })
      .notNull()
      .generatedAlwaysAs(sql`(date_trunc('week', created_at AT TIME ZONE 'UTC')::date)`),
  },
  (t) => [
    // A window of a community's posts, from the index alone and in the order of its intervals'
    // members (week, member, day): distinct contributors per day or per week are counted as the
    // entries stream past, without sorting or hashing every post of the window.
    index('insight_posts_window_idx').on(t.communityId, t.week, t.authorId, t.day, t.createdAt, t.reply, t.accepted),
    // Whether a contributor of a window posted before it (new contributors).
    index('insight_posts_author_idx').on(t.communityId, t.authorId, t.createdAt),
    index('insight_posts_topic_idx').on(t.topicId),
  ],
);

/**
 * Insights: each member's first post the public can read in a community (new contributors), as
 * maintenance last stored it. A member whose first post may have changed since (a new member, a
 * post at or before the stored one appearing or going) has a row in insightMembersDirty, written
 * by a trigger on insight_posts without taking any lock; readers look such members up again, and
 * maintenance stores their answer and clears the rows it saw (server/insights/insights.maintenance.ts).
 */
export const insightMembers = pgTable(
  'insight_members',
  {
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    firstAt: ts('first_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.userId] }), index('insight_members_first_idx').on(t.communityId, t.firstAt)],
);

/** Members whose stored first post may be out of date (see insightMembers): appended to, never updated. */
export const insightMembersDirty = pgTable(
  'insight_members_dirty',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    communityId: integer('community_id').notNull(),
    userId: integer('user_id').notNull(),
  },
  (t) => [index('insight_members_dirty_member_idx').on(t.communityId, t.userId)],
);

/**
 * Insights: votes per idea and UTC day, kept by a trigger on topic_votes (migrations/0017_insights_intervals.sql): a
 * window's votes are the days it covers whole, plus the votes of its partial first and last day.
 */
export const insightIdeaVotes = pgTable(
  'insight_idea_votes',
  {
    topicId: integer('topic_id')
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    votes: integer('votes').notNull(),
  },
  (t) => [primaryKey({ columns: [t.topicId, t.day] })],
);

/** Every change of an idea's status (null: cleared), written by a trigger on topics: insights count them per window. */
export const ideaStatusChanges = pgTable(
  'idea_status_changes',
  {
    id: serial('id').primaryKey(),
    topicId: integer('topic_id')
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    communityId: integer('community_id').notNull(),
    status: text('status').$type<IdeaStatus>(),
    createdAt: createdAt(),
  },
  (t) => [index('idea_status_changes_window_idx').on(t.communityId, t.createdAt)],
);

export const QUEUE_ITEM_KINDS = ['flag', 'first_post', 'review_request', 'watched_word'] as const;
/**
 * flag: a member's report (or, with rule_id and no reporter, a watched-word rule's); first_post: a held first post (or
 * topic); review_request: an author contests a hide; watched_word: held by a watched-word rule.
 */
export type QueueItemKind = (typeof QUEUE_ITEM_KINDS)[number];
export const QUEUE_ITEM_STATUSES = ['open', 'resolved', 'dismissed'] as const;
export type QueueItemStatus = (typeof QUEUE_ITEM_STATUSES)[number];

/** The review queue: members' flags, held first posts and authors' review requests. */
export const queueItems = pgTable(
  'queue_items',
  {
    id: serial('id').primaryKey(),
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<QueueItemKind>().notNull().default('flag'),
    /** Held first topics are reviewed as a whole topic; everything else as a post. */
    targetType: text('target_type').$type<'post' | 'topic'>().notNull().default('post'),
    topicId: integer('topic_id')
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    /** Null for items the system raised (held first posts). */
    reporterId: integer('reporter_id').references(() => users.id),
    /** The reporter's words; null where the system raised the item or the author gave no message (the kind says why). */
    reason: text('reason'),
    status: text('status').$type<QueueItemStatus>().notNull().default('open'),
    resolvedById: integer('resolved_by_id').references(() => users.id),
    resolvedAt: ts('resolved_at'),
    /** The watched-word rule that raised the item (held or flagged by the system); null otherwise. */
    ruleId: integer('rule_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('queue_items_queue_idx').on(t.communityId, t.status, t.id),
    index('queue_items_post_idx').on(t.postId),
    index('queue_items_topic_idx').on(t.topicId),
    // A member flags a post once, ever: the same people cannot re-hide a post a moderator restored.
    uniqueIndex('queue_items_one_flag_per_member_key')
      .on(t.postId, t.reporterId)
      .where(sql`kind = 'flag'`),
    // Insights: a community's flags raised in a window.
    index('queue_items_flags_created_idx')
      .on(t.communityId, t.createdAt)
      .where(sql`kind = 'flag'`),
  ],
);

export const bans = pgTable(
  'bans',
  {
    id: serial('id').primaryKey(),
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The moderator's own words; null when they picked a canned reason (see reasonCode). */
    reason: text('reason'),
    reasonCode: text('reason_code').$type<ReasonCode>(),
    until: ts('until'),
    createdById: integer('created_by_id')
      .notNull()
      .references(() => users.id),
    liftedAt: ts('lifted_at'),
    createdAt: createdAt(),
  },
  (t) => [index('bans_member_idx').on(t.communityId, t.userId)],
);

export const moderationLog = pgTable(
  'moderation_log',
  {
    id: serial('id').primaryKey(),
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    /** Null when the system acted on its own (e.g. a flag threshold). */
    moderatorId: integer('moderator_id').references(() => users.id),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: integer('target_id').notNull(),
    /** A moderator's own words; null when the reason is a code (see reasonCode). */
    reason: text('reason'),
    /** The system's reason when it acted on its own, or the canned one a moderator picked. */
    reasonCode: text('reason_code').$type<ReasonCode>(),
    /**
     * Machine-readable context that is not a reason: a ban's end (`until <ISO time>` or `permanent`),
     * a role change (`member → staff`), the settled queue item's kind, the number of flags.
     */
    detail: text('detail'),
    automatic: boolean('automatic').notNull().default(false),
    /** The watched-word rule the system acted by (no foreign key: the entry outlives the rule). */
    ruleId: integer('rule_id'),
    /** When a moderator undid this automatic action in one step, and the entry that records the undo. */
    undoneAt: ts('undone_at'),
    undoneByLogId: integer('undone_by_log_id'),
    createdAt: createdAt(),
  },
  (t) => [index('moderation_log_community_idx').on(t.communityId, t.id)],
);

/** One row per live channel; `last_seq` hands out gap-free sequence numbers under the row lock. */
export const channels = pgTable('channels', {
  name: text('name').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
});

/** The outbox: written in the same transaction as the change it announces. */
export const events = pgTable(
  'events',
  {
    channel: text('channel').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    type: text('type').notNull(),
    ref: jsonb('ref').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    /**
     * The writing transaction's id: the NATS bus's relay tails the outbox by it (every transaction
     * below a snapshot's xmin has finished, so nothing committed later can appear behind it).
     */
    txid: bigint('txid', { mode: 'number' })
      .notNull()
      .default(sql`(pg_current_xact_id()::text::bigint)`),
  },
  (t) => [primaryKey({ columns: [t.channel, t.seq] }), index('events_created_idx').on(t.createdAt), index('events_txid_idx').on(t.txid)],
);

/** Fixed-window counters that must hold across processes (login throttling). */
export const rateCounters = pgTable(
  'rate_counters',
  {
    key: text('key').notNull(),
    windowStart: ts('window_start').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

/** SSO token ids already accepted, kept until the token would have expired anyway. */
export const ssoTokenUses = pgTable(
  'sso_token_uses',
  {
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    jti: text('jti').notNull(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.jti] })],
);

/**
 * One-time codes that carry a forum (cookie) session into the embed iframe, where third-party
 * cookies may be blocked. Only the SHA-256 of a code is stored; a code lives 60 seconds and is
 * deleted by its one exchange.
 */
export const embedCodes = pgTable(
  'embed_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    expiresAt: ts('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('embed_codes_expires_idx').on(t.expiresAt)],
);

export const NOTIFICATION_KINDS = ['reply', 'mention', 'solution', 'idea_status', 'moderation', 'new_topic', 'reminder'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * Why a reader was told, strongest first: a coalesced reply notification keeps the strongest of
 * its replies' reasons (server/notifications/notifications.reasons.ts).
 */
export const NOTIFICATION_REASONS = ['mention', 'own_post', 'own_topic', 'watching_topic', 'watching_category', 'voted', 'moderation'] as const;
export type NotificationReason = (typeof NOTIFICATION_REASONS)[number];

/** What someone is told about: stored per recipient, read through the visibility rules. */
export const notifications = pgTable(
  'notifications',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<NotificationKind>().notNull(),
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    topicId: integer('topic_id').references(() => topics.id, { onDelete: 'cascade' }),
    postId: integer('post_id').references(() => posts.id, { onDelete: 'cascade' }),
    /** Who caused it; null when the system did (reminders, automatic actions). */
    actorId: integer('actor_id').references(() => users.id, { onDelete: 'set null' }),
    /** Unread reply notifications of one topic coalesce: "3 new replies". */
    count: integer('count').notNull().default(1),
    /** Why the reader was told; null on notifications stored before reasons were. */
    reason: text('reason').$type<NotificationReason>(),
    /** Kind-specific facts such as a moderator's reason or an idea's new status. */
    data: jsonb('data')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    readAt: ts('read_at'),
    /** How much of `count` has been mailed: a notification is mailed again only when it grew past this. */
    emailedCount: integer('emailed_count').notNull().default(0),
    emailedAt: ts('emailed_at'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('notifications_user_idx').on(t.userId, t.id),
    index('notifications_unread_idx')
      .on(t.userId)
      .where(sql`read_at IS NULL`),
    // Maintenance removes read notifications past their age, oldest first, in batches.
    index('notifications_read_age_idx')
      .on(t.updatedAt)
      .where(sql`read_at IS NOT NULL`),
    // One unread reply notification per topic and reader: later replies raise its count.
    uniqueIndex('notifications_reply_coalesce_key')
      .on(t.userId, t.topicId)
      .where(sql`kind = 'reply' AND read_at IS NULL`),
    // Each of these happens to a reader at most once, however often a job or an edit runs.
    uniqueIndex('notifications_mention_once_key')
      .on(t.userId, t.postId)
      .where(sql`kind = 'mention'`),
    // The inbox finds a community's recent mentions of its staff here (mentions are few among notifications).
    index('notifications_mention_idx')
      .on(t.communityId, t.createdAt)
      .where(sql`kind = 'mention'`),
    uniqueIndex('notifications_reminder_once_key')
      .on(t.userId, t.topicId)
      .where(sql`kind = 'reminder'`),
  ],
);

export const NOTIFICATION_LEVELS = ['watching', 'normal', 'muted'] as const;
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number];

/** A reader's choice for one topic or category; a topic's own setting wins over its category's. */
export const notificationLevels = pgTable(
  'notification_levels',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    targetType: text('target_type').$type<'topic' | 'category'>().notNull(),
    targetId: integer('target_id').notNull(),
    level: text('level').$type<NotificationLevel>().notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.targetType, t.targetId] }), index('notification_levels_target_idx').on(t.targetType, t.targetId)],
);

/** How far each signed-in reader has read each topic. */
export const topicReads = pgTable(
  'topic_reads',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    topicId: integer('topic_id')
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    lastReadNumber: integer('last_read_number').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.topicId] })],
);

/** A reader's visits to a community: "new since your last visit" is measured from previousSeenAt. */
export const communityVisits = pgTable(
  'community_visits',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    previousSeenAt: ts('previous_seen_at'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.communityId] })],
);

/** One vote per member per idea. */
export const topicVotes = pgTable(
  'topic_votes',
  {
    topicId: integer('topic_id')
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.topicId, t.userId] }),
    index('topic_votes_user_idx').on(t.userId),
    // Insights count an idea's votes in a window: a range per idea, read from the index alone.
    index('topic_votes_topic_created_idx').on(t.topicId, t.createdAt),
  ],
);

export const EMAIL_TOKEN_PURPOSES = ['verify', 'reset'] as const;
export type EmailTokenPurpose = (typeof EMAIL_TOKEN_PURPOSES)[number];

/**
 * One-time tokens sent by mail: address verification (also of a new address, before it replaces
 * the old) and password reset. Only digests are stored; a newer token of the same purpose
 * replaces the older (the row is deleted).
 */
export const emailTokens = pgTable(
  'email_tokens',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose').$type<EmailTokenPurpose>().notNull(),
    /** SHA-256 (hex) of the link's token. */
    tokenHash: text('token_hash').notNull(),
    /** SHA-256 (hex) of the short code typed instead of following the link (verification only). */
    codeHash: text('code_hash'),
    /** The address the token was sent to and proves: a change of address takes effect with it. */
    email: text('email').notNull(),
    /** Wrong codes typed against this token; past the limit it is void. */
    attempts: integer('attempts').notNull().default(0),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('email_tokens_hash_key').on(t.tokenHash), index('email_tokens_user_idx').on(t.userId, t.purpose)],
);

export const MAIL_STATUSES = ['queued', 'sent', 'failed', 'suppressed'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

/**
 * Every mail Parley sends, as sent: the record that makes sending at most once, and (without
 * SMTP) the local mailbox site admins read.
 */
export const mailMessages = pgTable(
  'mail_messages',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** What the mail is (verify_email, password_reset, notification, digest, …): for the mailbox and for tests. */
    kind: text('kind').notNull(),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    htmlBody: text('html_body').notNull(),
    /** Extra headers (List-Unsubscribe, In-Reply-To, References, Reply-To, …) as sent. */
    headers: jsonb('headers')
      .$type<Record<string, string>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    messageId: text('message_id').notNull(),
    /** Sent even to an address whose bounces stopped other mail (reset, verification). */
    critical: boolean('critical').notNull().default(false),
    status: text('status').$type<MailStatus>().notNull().default('queued'),
    /** 'smtp', or 'local' when no SMTP server is configured (the mail stays here, in the local mailbox). */
    transport: text('transport').$type<'smtp' | 'local'>(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** SHA-256 (hex) of the key in this mail's VERP return address: a bounce names the mail it is about. */
    bounceKeyHash: text('bounce_key_hash'),
    sentAt: ts('sent_at'),
    createdAt: createdAt(),
  },
  (t) => [index('mail_messages_user_idx').on(t.userId, t.id), uniqueIndex('mail_messages_bounce_key').on(t.bounceKeyHash)],
);

export const UNSUBSCRIBE_STREAMS = ['topic', 'kind', 'digest', 'all'] as const;
export type UnsubscribeStream = (typeof UNSUBSCRIBE_STREAMS)[number];

/** The token behind a mail's one-click unsubscribe: which stream of mail it stops, for whom. */
export const unsubscribeTokens = pgTable(
  'unsubscribe_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    stream: text('stream').$type<UnsubscribeStream>().notNull(),
    /** The topic id (stream 'topic') or notification kind (stream 'kind'); '' otherwise. */
    target: text('target').notNull().default(''),
    /** The member's choices before this link stopped the digest or all mail: what undo restores. */
    previous: jsonb('previous').$type<{ notifications: EmailNotificationChoice; digest: EmailDigestChoice }>(),
    createdAt: createdAt(),
  },
  (t) => [index('unsubscribe_tokens_created_idx').on(t.createdAt)],
);

/** Mail a member turned off for one topic or one kind of notification (digest and all are columns of users). */
export const emailOptOuts = pgTable(
  'email_opt_outs',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    stream: text('stream').$type<'topic' | 'kind'>().notNull(),
    target: text('target').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.stream, t.target] })],
);

/** The key in a notification mail's Reply-To: a reply to that address posts as this member in this topic. */
export const mailReplyKeys = pgTable(
  'mail_reply_keys',
  {
    keyHash: text('key_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    topicId: integer('topic_id')
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [index('mail_reply_keys_created_idx').on(t.createdAt)],
);

/** Posts a member has been sent by mail (notification or digest): a digest never repeats them. */
export const mailedPosts = pgTable(
  'mailed_posts',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    mailedAt: ts('mailed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.postId] })],
);

/**
 * What people search for in a community, counted anonymously: the normalised words and a day,
 * never who searched or from where. Kept for PARLEY_SEARCH_TERMS_KEEP_DAYS.
 */
export const searchTerms = pgTable(
  'search_terms',
  {
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    /** The UTC day of the searches. */
    day: date('day', { mode: 'string' }).notNull(),
    term: text('term').notNull(),
    /** First pages asked for that day (a next page is not a new search). */
    searches: integer('searches').notNull(),
    /** Results the latest of them found on its first page. */
    results: integer('results').notNull(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.day, t.term] }), index('search_terms_day_idx').on(t.day)],
);

/** Weekly summary mails sent to a community's admins: one row per community and week, so a week is never mailed twice. */
export const weeklySummaries = pgTable(
  'weekly_summaries',
  {
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    /** The Monday (UTC) the summarised week starts. */
    week: date('week', { mode: 'string' }).notNull(),
    sentAt: ts('sent_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.week] })],
);

export const INBOX_CLAIM_STATES = ['taken', 'snoozed', 'done'] as const;
export type InboxClaimState = (typeof INBOX_CLAIM_STATES)[number];

/**
 * Who is on an item of a community's inbox. The items themselves are not stored: they are found
 * in the data each time (server/inbox/inbox.items.ts) and leave by themselves once resolved; a
 * claim names one by its key (`no_reply:123`) and outlives it harmlessly.
 */
export const inboxClaims = pgTable(
  'inbox_claims',
  {
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    itemKey: text('item_key').notNull(),
    state: text('state').$type<InboxClaimState>().notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    at: ts('at').notNull().defaultNow(),
    /** When a snooze ends; null for the other states. */
    until: ts('until'),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.itemKey] })],
);

/** A community's inbox rules where they differ from the defaults (server/inbox/inbox.rules.ts), per kind. */
export const inboxRules = pgTable('inbox_rules', {
  communityId: integer('community_id')
    .primaryKey()
    .references(() => communities.id, { onDelete: 'cascade' }),
  rules: jsonb('rules')
    .$type<Record<string, { enabled?: boolean; hours?: number; days?: number; votes?: number }>>()
    .notNull()
    .default(sql`'{}'::jsonb`),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const WATCHED_WORD_ACTIONS = ['block', 'hold', 'flag', 'replace'] as const;
export type WatchedWordAction = (typeof WATCHED_WORD_ACTIONS)[number];

/**
 * A community's watched words and patterns (server/safety/watched-words/): matched against titles
 * and posts after Unicode normalisation; what a match does is `action`.
 */
export const watchedWords = pgTable(
  'watched_words',
  {
    id: serial('id').primaryKey(),
    communityId: integer('community_id')
      .notNull()
      .references(() => communities.id, { onDelete: 'cascade' }),
    /** A word or phrase, or (isPattern) an anchored regular expression checked safe when saved. */
    pattern: text('pattern').notNull(),
    isPattern: boolean('is_pattern').notNull().default(false),
    action: text('action').$type<WatchedWordAction>().notNull(),
    /** What a `replace` rule puts in place of the match. */
    replacement: text('replacement'),
    /** The public message a writer refused by a `block` rule sees. */
    message: text('message'),
    createdById: integer('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('watched_words_community_idx').on(t.communityId, t.id)],
);

export const TOPIC_TIMER_ACTIONS = ['close', 'open'] as const;
export type TopicTimerAction = (typeof TOPIC_TIMER_ACTIONS)[number];

/**
 * A topic's timers: close (lock) or open (unlock) it at a time, or close it `idleDays` after its
 * last reply. One timer per action and topic; run by maintenance, logged as the system's.
 */
export const topicTimers = pgTable(
  'topic_timers',
  {
    topicId: integer('topic_id')
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    action: text('action').$type<TopicTimerAction>().notNull(),
    /** A fixed time; null for a close after idle days. */
    runAt: ts('run_at'),
    /** Close this many days after the last reply (only for `close`). */
    idleDays: integer('idle_days'),
    createdById: integer('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.topicId, t.action] }), index('topic_timers_run_idx').on(t.runAt)],
);

/** Members one has chosen to ignore: their posts fold, they cannot mention or notify, and they are not told. */
export const userIgnores = pgTable(
  'user_ignores',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ignoredId: integer('ignored_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.ignoredId] }), index('user_ignores_ignored_idx').on(t.ignoredId)],
);

/** E-mail domains sign-up refuses (a site admin's list), lower case, without the @. */
export const blockedEmailDomains = pgTable('blocked_email_domains', {
  domain: text('domain').primaryKey(),
  createdById: integer('created_by_id').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
});

export const SIGNUP_CHALLENGE_MODES = ['off', 'on', 'auto'] as const;
export type SignupChallengeMode = (typeof SIGNUP_CHALLENGE_MODES)[number];

/** Site-wide settings a site admin changes at run time: one row, id 1. */
export const siteSettings = pgTable('site_settings', {
  id: integer('id').primaryKey().default(1),
  /** The proof-of-work challenge on sign-up: never, always, or when sign-ups spike. */
  signupChallenge: text('signup_challenge').$type<SignupChallengeMode>().notNull().default('auto'),
  /** The HMAC key that signs sign-up challenges when the configuration names none: made once, shared by every process. */
  challengeKey: text('challenge_key'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Sign-up challenges already solved, kept until they would have expired anyway: a solution works once. */
export const spentChallenges = pgTable(
  'spent_challenges',
  {
    /** SHA-256 (hex) of the challenge's signature. */
    signatureHash: text('signature_hash').primaryKey(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('spent_challenges_expires_idx').on(t.expiresAt)],
);

/** Images anyone may upload, as stored after re-encoding. */
export const UPLOAD_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type UploadImageType = (typeof UPLOAD_IMAGE_TYPES)[number];
/** Other files a community's admin may accept, served only as downloads. */
export const UPLOAD_FILE_TYPES = ['application/pdf', 'text/plain'] as const;
export type UploadFileType = (typeof UPLOAD_FILE_TYPES)[number];
export type UploadType = UploadImageType | UploadFileType;

/** A stored file, once per content: every upload of the same bytes shares it (server/uploads/). */
export const uploadBlobs = pgTable(
  'upload_blobs',
  {
    /** SHA-256 (hex) of the stored bytes, after processing: the storage key and the name in its URL. */
    hash: text('hash').primaryKey(),
    /** SHA-256 (hex) of the bytes as they were sent: the same file sent again is found without processing it again. */
    sourceHash: text('source_hash').notNull(),
    type: text('type').$type<UploadType>().notNull(),
    size: integer('size').notNull(),
    width: integer('width'),
    height: integer('height'),
    animated: boolean('animated').notNull().default(false),
    /** A smaller copy for the thread (stored under `<hash>-thumb`), for images larger than it; null otherwise. */
    thumbWidth: integer('thumb_width'),
    thumbHeight: integer('thumb_height'),
    thumbSize: integer('thumb_size'),
    createdAt: createdAt(),
  },
  (t) => [index('upload_blobs_source_idx').on(t.sourceHash)],
);

/** One member's sending of a file: quotas count these; a blob lives while an upload or a post uses it. */
export const uploads = pgTable(
  'uploads',
  {
    id: serial('id').primaryKey(),
    blobHash: text('blob_hash')
      .notNull()
      .references(() => uploadBlobs.hash),
    uploaderId: integer('uploader_id').references(() => users.id, { onDelete: 'set null' }),
    /** The community it was sent for; null for an image sent from anywhere (images are accepted everywhere). */
    communityId: integer('community_id').references(() => communities.id, { onDelete: 'cascade' }),
    /** The name it was sent with, for a download's Content-Disposition; null for images. */
    fileName: text('file_name'),
    size: integer('size').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('uploads_uploader_idx').on(t.uploaderId, t.createdAt), index('uploads_blob_idx').on(t.blobHash), index('uploads_created_idx').on(t.createdAt)],
);

/** Which posts show which stored files, from each post's current text: who may fetch a file follows these posts. */
export const postUploads = pgTable(
  'post_uploads',
  {
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    blobHash: text('blob_hash')
      .notNull()
      .references(() => uploadBlobs.hash),
  },
  (t) => [primaryKey({ columns: [t.postId, t.blobHash] }), index('post_uploads_blob_idx').on(t.blobHash)],
);
