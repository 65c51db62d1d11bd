/**
 * The typed Parley API client: the one way the SPA, the embed app and the tests talk to the server.
 * Framework-free on purpose (plain fetch, no Svelte), so it runs in browsers and in Node alike.
 *
 * Every request and response type below is the static type of the server's TypeBox schema for it:
 * the very schema that validates the request or serialises the reply. The imports are type-only,
 * so nothing of the server enters a bundle, and a change of shape on the server fails
 * `npm run typecheck` here and wherever the web uses the changed field.
 */
import type { Static } from 'typebox';
import type * as auth from '../../../server/auth/auth.schema.js';
import type * as common from '../../../server/schemas/common.schema.js';
import type * as communities from '../../../server/communities/communities.schema.js';
import type * as ideas from '../../../server/ideas/ideas.schema.js';
import type * as markdown from '../../../server/markdown/markdown.schema.js';
import type * as moderation from '../../../server/moderation/moderation.schema.js';
import type * as notifications from '../../../server/notifications/notifications.schema.js';
import type * as posts from '../../../server/posts/posts.schema.js';
import type * as reads from '../../../server/reads/reads.schema.js';
import type * as reputation from '../../../server/reputation/reputation.schema.js';
import type * as searches from '../../../server/search/search.schema.js';
import type * as topics from '../../../server/topics/topics.schema.js';
import type * as users from '../../../server/users/users.schema.js';
import { postWrites } from './api-posts.js';
import { createRequester, pageLanguage, type ApiClientOptions, type CallOptions, type Paged } from './api-request.js';
import { firstViewUrls } from './api-url.js';
import { preloadedReply, takePreloadedReply } from './page-data.js';

export {
  ApiError,
  createRequester,
  isAbortError,
  pageLanguage,
  type ApiClientOptions,
  type ApiErrorBody,
  type CallOptions,
  type Paged,
  type Requester,
} from './api-request.js';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** An ISO 8601 UTC timestamp, as every time in the API is sent. */
export type IsoDateTime = string;

export type Role = Static<typeof common.RoleName>;
export type TopicKind = Static<typeof common.TopicKindName>;
/** `votes`: most votes first (ideas). `unanswered`: topics without a reply or an accepted answer. */
export type TopicSort = Static<typeof topics.TopicSortName>;
export type ReactionKind = Static<typeof common.ReactionKindName>;
/** How much a reader hears about a topic or a category. */
export type NotificationLevel = Static<typeof common.NotificationLevelName>;
/** Where an idea stands, as staff set it. */
export type IdeaStatus = Static<typeof common.IdeaStatusName>;
export type NotificationKind = Static<typeof notifications.NotificationKindName>;

/**
 * Lists the web iterates over, spelled out because a bundle may not import the server's values.
 * Each must name every member of its schema's type and nothing else, or the type check fails.
 */
type ListsEvery<T, List extends readonly T[]> = [T] extends [List[number]] ? true : false;
type Assert<T extends true> = T;

export const ROLES = ['member', 'staff', 'moderator', 'admin'] as const satisfies readonly Role[];
export const TOPIC_KINDS = ['discussion', 'question', 'idea'] as const satisfies readonly TopicKind[];
export const TOPIC_SORTS = ['latest', 'top', 'unanswered', 'votes'] as const satisfies readonly TopicSort[];
export const NOTIFICATION_LEVELS = ['watching', 'normal', 'muted'] as const satisfies readonly NotificationLevel[];
export const IDEA_STATUSES = ['under_review', 'planned', 'in_progress', 'shipped', 'declined'] as const satisfies readonly IdeaStatus[];
export type ListsAreComplete = [
  Assert<ListsEvery<Role, typeof ROLES>>,
  Assert<ListsEvery<TopicKind, typeof TOPIC_KINDS>>,
  Assert<ListsEvery<TopicSort, typeof TOPIC_SORTS>>,
  Assert<ListsEvery<NotificationLevel, typeof NOTIFICATION_LEVELS>>,
  Assert<ListsEvery<IdeaStatus, typeof IDEA_STATUSES>>,
];

/** A public user: never an email or a password hash. */
export type User = Static<typeof common.User>;
export type Category = Static<typeof common.Category>;
/** A community as `GET /api/communities` lists it. */
export type CommunitySummary = Static<typeof common.CommunitySummary>;
/** A community as `GET /api/communities/:slug` returns it: with its categories and the viewer's role. */
export type Community = Static<typeof common.Community>;
/** Public moderation settings. */
export type ModerationSettings = Community['moderation'];
/** A community as everyone sees it, without anything about the reader: `community.updated` live events carry it. */
export type CommunityUpdate = Omit<Community, 'viewerRole' | 'viewerCan' | 'embed'>;
/** What the viewer may do in a community, as the server decided it: the web never decides a permission itself. */
export type CommunityCapabilities = Community['viewerCan'];
/** How other objects name a community. */
export type CommunityRef = Membership['community'];

export type Topic = Static<typeof common.Topic>;
/** A topic in a list: for signed-in readers, with how far they have read it (`viewer`). */
export type ListedTopic = Static<typeof topics.ListedTopic>;
export type IdeaStatusInfo = NonNullable<Topic['ideaStatus']>;
/** A topic list item's reading state for the signed-in reader. */
export type TopicListViewer = Static<typeof topics.ListViewerState>;
/** `GET /api/topics/:id` for signed-in readers. */
export type TopicViewerState = Static<typeof topics.ViewerState>;

export type Reactions = Static<typeof common.Reactions>;
export type Post = Static<typeof common.Post>;
export type Member = Static<typeof communities.Member>;
export type SearchHit = Static<typeof searches.SearchHit>;

export type FlagKind = Static<typeof moderation.FlagKindName>;
export type FlagStatus = Static<typeof moderation.FlagStatusName>;
/** A flag as its reporter sees it (also the answer to settling a queue item). */
export type Flag = Static<typeof moderation.Flag>;
/** An item of the review queue, as moderators see it. */
export type QueueItem = Static<typeof moderation.QueueItem>;
export type Ban = Static<typeof moderation.Ban>;
/** One line of the public moderation log. It never carries hidden text. */
export type ModerationLogEntry = Static<typeof moderation.ModerationLogEntry>;
export type ModerationAction = ModerationLogEntry['action'];
export type CannedReason = Static<typeof moderation.CannedReason>;
/** A moderator's reason: their own words, or a canned reason's code (shown in each reader's language). */
export type ReasonGiven = Static<typeof moderation.ReasonBody>;

export type NewTopic = Static<typeof topics.CreateTopicBody>;
export type NewReply = Static<typeof posts.ReplyBody>;
export type CommunityPatch = Static<typeof communities.UpdateCommunityBody>;
export type CategoryPatch = Static<typeof communities.UpdateCategoryBody>;

/** `GET /api/topics/:id`: the topic and one page of its posts, in `number` order. */
export type TopicPage = Static<typeof topics.TopicPage>;
/** What the reader may do in a topic, as the server decided it (all false for guests). */
export type TopicCapabilities = TopicPage['viewerCan'];

/** A user's public profile: stats, reputation and the roles they hold. */
export type UserProfile = Static<typeof users.ProfileReply>;
export type UserStats = UserProfile['stats'];
/** What a user's help added up to (hidden and deleted posts and self-reactions never count). */
export type Reputation = Static<typeof reputation.ReputationSummary>;
export type EarnedBadge = Static<typeof reputation.Badge>;
/** A non-member role a user holds in a community. */
export type ProfileRole = UserProfile['roles'][number];
export type HelperList = Static<typeof reputation.HelpersReply>;
/** One of a community's top helpers for a period. */
export type Helper = HelperList['items'][number];

export type Notification = Static<typeof notifications.Notification>;
export type NotificationData = Notification['data'];
export type NotificationPage = Static<typeof notifications.NotificationList>;
/** `notifications.read` live event data: `ids` null means "every one up to `upTo`" (or all). */
export type NotificationsRead = Static<typeof notifications.NotificationsRead>;

/** A topic list page; signed-in readers also learn when they last came by. */
export type TopicList = Static<typeof topics.TopicList>;

/** The signed-in viewer, as `GET /api/me` returns it. */
export type Me = Static<typeof auth.MeReply>;
export type Membership = Me['memberships'][number];

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/** `category` is a slug; `status` picks ideas with that status. */
export type ListTopicsQuery = Omit<Static<typeof topics.ListTopicsQuery>, 'limit'>;
/** `after`: posts whose number is greater than this one; `limit` 1..100, the server's default is 50. */
export type GetTopicQuery = Pick<Static<typeof topics.ReadTopicQuery>, 'after' | 'limit'>;

const enc = encodeURIComponent;

export function createApi(options: ApiClientOptions = {}) {
  const { request, paged } = createRequester(options);

  return {
    /** The raw call, for routes this client has no method for yet. */
    request,
    /** reply, react, unreact. */
    ...postWrites(request),

    // -- accounts ------------------------------------------------------------------------------

    /** `POST /api/auth/signup`: creates the account and signs in (session cookie). */
    async signup(input: Static<typeof auth.SignupBody>, opts?: CallOptions): Promise<User> {
      return (await request<Static<typeof auth.UserReply>>('POST', '/auth/signup', { ...opts, body: input })).user;
    },
    /** `POST /api/auth/login`: `login` is a handle or an email. */
    async login(input: Static<typeof auth.LoginBody>, opts?: CallOptions): Promise<User> {
      return (await request<Static<typeof auth.UserReply>>('POST', '/auth/login', { ...opts, body: input })).user;
    },
    /** `POST /api/auth/logout`: ends this session on the server. */
    async logout(opts?: CallOptions): Promise<void> {
      await request<void>('POST', '/auth/logout', opts);
    },

    // -- communities -----------------------------------------------------------------------------

    async createCommunity(input: Static<typeof communities.CreateCommunityBody>, opts?: CallOptions): Promise<Community> {
      return (await request<Static<typeof communities.CommunityReply>>('POST', '/communities', { ...opts, body: input })).community;
    },
    async updateCommunity(slug: string, patch: CommunityPatch, opts?: CallOptions): Promise<Community> {
      return (await request<Static<typeof communities.CommunityReply>>('PATCH', `/communities/${enc(slug)}`, { ...opts, body: patch })).community;
    },
    async createCategory(slug: string, input: Static<typeof communities.CreateCategoryBody>, opts?: CallOptions): Promise<Category> {
      return (await request<Static<typeof communities.CategoryReply>>('POST', `/communities/${enc(slug)}/categories`, { ...opts, body: input })).category;
    },
    async updateCategory(slug: string, category: string, patch: CategoryPatch, opts?: CallOptions): Promise<Category> {
      return (
        await request<Static<typeof communities.CategoryReply>>('PATCH', `/communities/${enc(slug)}/categories/${enc(category)}`, { ...opts, body: patch })
      ).category;
    },
    /** Every category's slug once, in the new order. */
    async reorderCategories(slug: string, order: string[], opts?: CallOptions): Promise<Community> {
      return (
        await request<Static<typeof communities.CommunityReply>>('PUT', `/communities/${enc(slug)}/categories/order`, {
          ...opts,
          body: { categories: order } satisfies Static<typeof communities.CategoryOrderBody>,
        })
      ).community;
    },
    /** `moveTo`: where its topics go (required when it has any). */
    removeCategory(slug: string, category: string, moveTo?: string, opts?: CallOptions): Promise<Static<typeof communities.RemoveCategoryReply>> {
      return request('DELETE', `/communities/${enc(slug)}/categories/${enc(category)}`, { ...opts, query: { moveTo } });
    },
    async setMemberRole(slug: string, handle: string, role: Role, opts?: CallOptions): Promise<Member> {
      return (
        await request<Static<typeof communities.MemberReply>>('PUT', `/communities/${enc(slug)}/members/${enc(handle)}`, {
          ...opts,
          body: { role } satisfies Static<typeof communities.MemberBody>,
        })
      ).member;
    },
    /** Staff, moderators and admins (public); `role: 'member'` lists plain members (admins only). */
    listMembers(slug: string, query: Pick<Static<typeof communities.MembersQuery>, 'role' | 'cursor'> = {}, opts?: CallOptions): Promise<Paged<Member>> {
      return paged<Static<typeof communities.MemberList>>(`/communities/${enc(slug)}/members`, { role: query.role, cursor: query.cursor }, opts);
    },
    /** A new SSO secret, shown only in this answer; it replaces the old one. */
    async rotateSsoSecret(slug: string, opts?: CallOptions): Promise<string> {
      return (await request<Static<typeof communities.SsoSecretReply>>('POST', `/communities/${enc(slug)}/sso-secret`, opts)).secret;
    },
    /** `GET /api/communities/:slug/search`. */
    search(slug: string, q: string, query: Omit<Static<typeof searches.SearchQuery>, 'q'> = {}, opts?: CallOptions): Promise<Paged<SearchHit>> {
      return paged<Static<typeof searches.SearchReply>>(`/communities/${enc(slug)}/search`, { q, cursor: query.cursor }, opts);
    },

    // -- topics and posts ------------------------------------------------------------------------

    async createTopic(slug: string, input: NewTopic, opts?: CallOptions): Promise<{ topic: Topic; post: Post }> {
      return request<Static<typeof topics.TopicWithPost>>('POST', `/communities/${enc(slug)}/topics`, { ...opts, body: input });
    },
    async updateTopic(id: number, patch: Static<typeof topics.UpdateTopicBody>, opts?: CallOptions): Promise<Topic> {
      return (await request<Static<typeof topics.TopicReply>>('PATCH', `/topics/${id}`, { ...opts, body: patch })).topic;
    },
    /** Marks the accepted answer; `postId: null` clears it. */
    async setSolution(topicId: number, postId: number | null, opts?: CallOptions): Promise<Topic> {
      return (
        await request<Static<typeof topics.TopicReply>>('POST', `/topics/${topicId}/solution`, {
          ...opts,
          body: { postId } satisfies Static<typeof topics.SolutionBody>,
        })
      ).topic;
    },
    async getPost(id: number, opts?: CallOptions): Promise<Post> {
      return (await request<Static<typeof posts.PostReply>>('GET', `/posts/${id}`, opts)).post;
    },
    async editPost(id: number, body: string, opts?: CallOptions): Promise<Post> {
      return (await request<Static<typeof posts.PostReply>>('PATCH', `/posts/${id}`, { ...opts, body: { body } satisfies Static<typeof posts.EditBody> })).post;
    },
    async deletePost(id: number, opts?: CallOptions): Promise<void> {
      await request<void>('DELETE', `/posts/${id}`, opts);
    },
    /** The server's rendering of a draft: exactly what the post will look like. */
    previewMarkdown(body: string, opts?: CallOptions): Promise<{ html: string; links: number }> {
      return request<Static<typeof markdown.PreviewReply>>('POST', '/markdown/preview', {
        ...opts,
        body: { body } satisfies Static<typeof markdown.PreviewBody>,
      });
    },

    // -- ideas -----------------------------------------------------------------------------------

    /** Votes for an idea (idempotent). */
    vote(topicId: number, opts?: CallOptions): Promise<{ votes: number; voted: boolean }> {
      return request<Static<typeof ideas.VoteReply>>('POST', `/topics/${topicId}/vote`, opts);
    },
    /** Takes the vote back (idempotent). */
    unvote(topicId: number, opts?: CallOptions): Promise<{ votes: number; voted: boolean }> {
      return request<Static<typeof ideas.VoteReply>>('DELETE', `/topics/${topicId}/vote`, opts);
    },
    /** Staff, moderators and admins: where the idea stands, with a public note. */
    async setIdeaStatus(topicId: number, input: Static<typeof ideas.IdeaStatusBody>, opts?: CallOptions): Promise<Topic> {
      return (await request<Static<typeof topics.TopicReply>>('PUT', `/topics/${topicId}/idea-status`, { ...opts, body: input })).topic;
    },

    // -- reading state and notifications ------------------------------------------------------------

    /** Records how far the reader has read (never moves backwards). */
    async markTopicRead(topicId: number, number: number, opts?: CallOptions): Promise<number> {
      return (
        await request<Static<typeof reads.ReadReply>>('PUT', `/topics/${topicId}/read`, { ...opts, body: { number } satisfies Static<typeof reads.ReadBody> })
      ).lastReadNumber;
    },
    async setTopicNotificationLevel(topicId: number, level: NotificationLevel, opts?: CallOptions): Promise<NotificationLevel> {
      return (
        await request<Static<typeof notifications.LevelReply>>('PUT', `/topics/${topicId}/notification-level`, {
          ...opts,
          body: { level } satisfies Static<typeof notifications.LevelBody>,
        })
      ).level;
    },
    async setCategoryNotificationLevel(slug: string, category: string, level: NotificationLevel, opts?: CallOptions): Promise<NotificationLevel> {
      return (
        await request<Static<typeof notifications.LevelReply>>('PUT', `/communities/${enc(slug)}/categories/${enc(category)}/notification-level`, {
          ...opts,
          body: { level } satisfies Static<typeof notifications.LevelBody>,
        })
      ).level;
    },
    /** The reader's explicit category levels in a community (categories without one are absent). */
    async notificationLevels(slug: string, opts?: CallOptions): Promise<Record<string, NotificationLevel>> {
      return (await request<Static<typeof notifications.CommunityLevels>>('GET', `/communities/${enc(slug)}/notification-levels`, opts)).categories;
    },
    /** Newest first. */
    async listNotifications(query: Static<typeof notifications.ListQuery> = {}, opts?: CallOptions): Promise<NotificationPage> {
      const page = await request<Static<typeof notifications.NotificationList>>('GET', '/notifications', {
        ...opts,
        query: { unread: query.unread ? 'true' : undefined, cursor: query.cursor, limit: query.limit },
      });
      return { items: page.items, nextCursor: page.nextCursor ?? null, unreadCount: page.unreadCount };
    },
    async unreadNotificationCount(opts?: CallOptions): Promise<number> {
      return (await request<Static<typeof notifications.UnreadCountReply>>('GET', '/notifications/unread-count', opts)).unreadCount;
    },
    markNotificationRead(id: number, opts?: CallOptions): Promise<{ notification: Notification; unreadCount: number }> {
      return request<Static<typeof notifications.MarkOneReply>>('POST', `/notifications/${id}/read`, opts);
    },
    /** Marks every notification (or every one with an id up to `upTo`) read; returns the unread count. */
    async markAllNotificationsRead(upTo?: number, opts?: CallOptions): Promise<number> {
      return (
        await request<Static<typeof notifications.UnreadCountReply>>('POST', '/notifications/read', {
          ...opts,
          body: (upTo === undefined ? {} : { upTo }) satisfies Static<typeof notifications.MarkAllBody>,
        })
      ).unreadCount;
    },

    // -- moderation ------------------------------------------------------------------------------

    async setTopicPinned(id: number, pinned: boolean, opts?: CallOptions): Promise<Topic> {
      return (await request<Static<typeof topics.TopicReply>>(pinned ? 'POST' : 'DELETE', `/topics/${id}/pin`, opts)).topic;
    },
    async setTopicLocked(id: number, locked: boolean, opts?: CallOptions): Promise<Topic> {
      return (await request<Static<typeof topics.TopicReply>>(locked ? 'POST' : 'DELETE', `/topics/${id}/lock`, opts)).topic;
    },
    /** `reason`: the moderator's own words, or `{reasonCode}` for one of the canned reasons. */
    async hideTopic(id: number, reason: string | ReasonGiven, opts?: CallOptions): Promise<Topic> {
      const body: ReasonGiven = typeof reason === 'string' ? { reason } : reason;
      return (await request<Static<typeof topics.TopicReply>>('POST', `/topics/${id}/hide`, { ...opts, body })).topic;
    },
    async unhideTopic(id: number, opts?: CallOptions): Promise<Topic> {
      return (await request<Static<typeof topics.TopicReply>>('DELETE', `/topics/${id}/hide`, opts)).topic;
    },
    async setPostPinned(id: number, pinned: boolean, opts?: CallOptions): Promise<Post> {
      return (await request<Static<typeof posts.PostReply>>(pinned ? 'POST' : 'DELETE', `/posts/${id}/pin`, opts)).post;
    },
    /** `reason`: the moderator's own words, or `{reasonCode}` for one of the canned reasons. */
    async hidePost(id: number, reason: string | ReasonGiven, opts?: CallOptions): Promise<Post> {
      const body: ReasonGiven = typeof reason === 'string' ? { reason } : reason;
      return (await request<Static<typeof posts.PostReply>>('POST', `/posts/${id}/hide`, { ...opts, body })).post;
    },
    async unhidePost(id: number, opts?: CallOptions): Promise<Post> {
      return (await request<Static<typeof posts.PostReply>>('DELETE', `/posts/${id}/hide`, opts)).post;
    },
    /** Any signed-in reader; flagging again returns the first flag. */
    async flagPost(id: number, reason: string, opts?: CallOptions): Promise<Flag> {
      return (
        await request<Static<typeof moderation.FlagReply>>('POST', `/posts/${id}/flags`, {
          ...opts,
          body: { reason } satisfies Static<typeof moderation.FlagBody>,
        })
      ).flag;
    },
    /** The author of a hidden post asks for another look, once per hiding. */
    async requestReview(id: number, message?: string, opts?: CallOptions): Promise<Flag> {
      return (
        await request<Static<typeof moderation.FlagReply>>('POST', `/posts/${id}/review-request`, {
          ...opts,
          body: (message ? { message } : {}) satisfies Static<typeof moderation.ReviewRequestBody>,
        })
      ).flag;
    },
    listFlags(slug: string, query: Pick<Static<typeof moderation.FlagQuery>, 'status' | 'cursor'> = {}, opts?: CallOptions): Promise<Paged<QueueItem>> {
      return paged<Static<typeof moderation.FlagQueue>>(`/communities/${enc(slug)}/flags`, { status: query.status, cursor: query.cursor }, opts);
    },
    /** Settles one queue item without touching the post. */
    async settleFlag(id: number, outcome: 'resolve' | 'dismiss', opts?: CallOptions): Promise<Flag> {
      return (await request<Static<typeof moderation.FlagReply>>('POST', `/flags/${id}/${outcome}`, opts)).flag;
    },
    async banUser(slug: string, input: Static<typeof moderation.BanBody>, opts?: CallOptions): Promise<Ban> {
      return (await request<Static<typeof moderation.BanReply>>('POST', `/communities/${enc(slug)}/bans`, { ...opts, body: input })).ban;
    },
    listBans(slug: string, query: Pick<Static<typeof moderation.PageQuery>, 'cursor'> = {}, opts?: CallOptions): Promise<Paged<Ban>> {
      return paged<Static<typeof moderation.BanList>>(`/communities/${enc(slug)}/bans`, { cursor: query.cursor }, opts);
    },
    async liftBan(slug: string, handle: string, opts?: CallOptions): Promise<Ban> {
      return (await request<Static<typeof moderation.BanReply>>('DELETE', `/communities/${enc(slug)}/bans/${enc(handle)}`, opts)).ban;
    },
    /** The public moderation log, newest first. */
    moderationLog(slug: string, query: Pick<Static<typeof moderation.PageQuery>, 'cursor'> = {}, opts?: CallOptions): Promise<Paged<ModerationLogEntry>> {
      return paged<Static<typeof moderation.ModerationLog>>(`/communities/${enc(slug)}/moderation-log`, { cursor: query.cursor }, opts);
    },
    async moderationReasons(opts?: CallOptions): Promise<CannedReason[]> {
      return (await request<Static<typeof moderation.ReasonList>>('GET', '/moderation/reasons', opts)).items;
    },

    // -- reading ---------------------------------------------------------------------------------

    /** `GET /api/communities` */
    async listCommunities(query: { cursor?: string } = {}, opts?: CallOptions): Promise<Paged<CommunitySummary>> {
      return toPaged(await request<Static<typeof communities.CommunityList>>('GET', '/communities', { ...opts, query: { cursor: query.cursor } }));
    },

    /** `GET /api/communities/:slug`, with its categories and the viewer's role. */
    async getCommunity(slug: string, opts?: CallOptions): Promise<Community> {
      const res = await request<Static<typeof communities.CommunityReply>>('GET', `/communities/${enc(slug)}`, opts);
      return res.community;
    },

    /**
     * `GET /api/communities/:slug/topics`: pinned topics first. For signed-in readers a first page
     * (no cursor) also records the visit, and items carry `viewer`.
     */
    async listTopics(slug: string, query: ListTopicsQuery = {}, opts?: CallOptions): Promise<TopicList> {
      return toTopicList(
        await request<TopicList>('GET', `/communities/${enc(slug)}/topics`, {
          ...opts,
          query: { category: query.category, sort: query.sort, kind: query.kind, status: query.status, cursor: query.cursor, page: query.page },
        }),
      );
    },

    /** `GET /api/topics/:id`: the topic and the posts numbered after `after`, in order. */
    async getTopic(id: number, query: GetTopicQuery = {}, opts?: CallOptions): Promise<TopicPage> {
      return toTopicPage(await request<TopicPage>('GET', `/topics/${enc(String(id))}`, { ...opts, query: { after: query.after, limit: query.limit } }));
    },

    /** `GET /api/communities/:slug/helpers`: this month's top helpers (staff left out). */
    topHelpers(slug: string, query: Static<typeof reputation.HelpersQuery> = {}, opts?: CallOptions): Promise<HelperList> {
      return request<HelperList>('GET', `/communities/${enc(slug)}/helpers`, { ...opts, query: { period: query.period ?? 'month' } });
    },

    /** `GET /api/users/:handle`: the public profile, its stats, reputation and roles. */
    getUser(handle: string, opts?: CallOptions): Promise<UserProfile> {
      return request<UserProfile>('GET', `/users/${enc(handle)}`, opts);
    },

    /**
     * The signed-in viewer, or null when signed out. Asks `GET /api/auth/session`, which answers
     * guests with 200 `{user: null}` instead of `/api/me`'s 401, so guest pages log no error.
     */
    async me(opts?: CallOptions): Promise<Me | null> {
      return toMe(await request<Static<typeof auth.SessionReply>>('GET', '/auth/session', opts));
    },
    /**
     * `PUT /api/me/preferences`: the signed-in member's own settings. `locale` is one of the
     * server's locales, or null to have it chosen automatically (community, then browser);
     * another is 400 `unknown_locale`. Answers the viewer as `GET /api/me` does.
     */
    updatePreferences(body: Static<typeof auth.PreferencesBody>, opts?: CallOptions): Promise<Me> {
      return request<Me>('PUT', '/me/preferences', { ...opts, body });
    },
  };
}

export type ApiClient = ReturnType<typeof createApi>;

// -- replies into values: shared by the calls above and the embedded replies below -------------------

const toPaged = <T>(page: { items: T[]; nextCursor?: string | null }): Paged<T> => ({ items: page.items, nextCursor: page.nextCursor ?? null });

function toTopicList(page: TopicList): TopicList {
  return {
    items: page.items,
    nextCursor: page.nextCursor ?? null,
    ...(page.previousVisitAt !== undefined ? { previousVisitAt: page.previousVisitAt } : {}),
  };
}

function toTopicPage(page: TopicPage): TopicPage {
  return {
    topic: page.topic,
    viewerCan: page.viewerCan,
    solution: page.solution ?? null,
    posts: page.posts,
    nextCursor: page.nextCursor ?? null,
    ...(page.pinnedPosts ? { pinnedPosts: page.pinnedPosts } : {}),
    ...(page.viewerState ? { viewerState: page.viewerState } : {}),
  };
}

const toMe = (session: Static<typeof auth.SessionReply>): Me | null => (session.user ? { ...session, user: session.user } : null);

function embedded<R, T>(url: string, shape: (reply: R) => T): T | undefined {
  const reply = preloadedReply<R>(url);
  return reply === undefined ? undefined : shape(reply);
}

/**
 * The values a server-rendered page was rendered from (lib/page-data.ts), as the calls above would
 * return them, or undefined: what a page shows at its first render instead of a loading state.
 */
export const preloaded = {
  me: () => embedded(firstViewUrls.session(), toMe),
  communities: () => embedded(firstViewUrls.communities(), (r: Static<typeof communities.CommunityList>) => toPaged(r)),
  community: (slug: string) => embedded(firstViewUrls.community(slug), (r: Static<typeof communities.CommunityReply>) => r.community),
  topics: (slug: string, query: ListTopicsQuery) => embedded(firstViewUrls.topics(slug, query), toTopicList),
  topic: (id: number, query: GetTopicQuery) => embedded(firstViewUrls.topic(id, query), toTopicPage),
  helpers: (slug: string) => embedded(firstViewUrls.helpers(slug), (r: HelperList) => r),
  user: (handle: string) => embedded(firstViewUrls.user(handle), (r: UserProfile) => r),
  moderationLog: (slug: string) => embedded(firstViewUrls.moderationLog(slug), (r: Static<typeof moderation.ModerationLog>) => toPaged(r)),
};

/** The client for the current origin, with the browser's session cookie and the page's language. */
export const api: ApiClient = createApi({ language: pageLanguage, embedded: takePreloadedReply });

export const { listCommunities, getCommunity, listTopics, getTopic, getUser, me } = api;
