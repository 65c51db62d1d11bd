/**
 * The typed Parley API client: the one way the SPA, the embed app and the tests talk to the server.
 * Framework-free on purpose (plain fetch, no Svelte), so it runs in browsers and in Node alike.
 *
 * The contract is /work/shared/API.md; the types below mirror it. Fields the contract does not
 * pin down are marked where this client relies on a particular shape.
 */

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

// What the viewer may do, as the server decided it (`viewerCan`): the web never decides a
// permission itself. Shared with the server through `import type` (nothing enters a bundle).
import type { CommunityCapabilities, TopicCapabilities } from '../../../server/rules/capabilities.js';
export type { CommunityCapabilities, TopicCapabilities };

/** An ISO 8601 UTC timestamp, as every time in the API is sent. */
export type IsoDateTime = string;

export type Role = 'member' | 'staff' | 'moderator' | 'admin';
export type TopicKind = 'discussion' | 'question' | 'idea';
/** `votes`: most votes first (ideas). `unanswered`: topics without a reply or an accepted answer. */
export type TopicSort = 'latest' | 'top' | 'unanswered' | 'votes';
export type ReactionKind = 'like' | 'helpful';
/** How much a reader hears about a topic or a category. */
export type NotificationLevel = 'watching' | 'normal' | 'muted';
/** Where an idea stands, as staff set it. */
export type IdeaStatus = 'under_review' | 'planned' | 'in_progress' | 'shipped' | 'declined';
export type NotificationKind = 'reply' | 'mention' | 'solution' | 'idea_status' | 'moderation' | 'new_topic' | 'reminder';

export const ROLES: readonly Role[] = ['member', 'staff', 'moderator', 'admin'];
export const TOPIC_KINDS: readonly TopicKind[] = ['discussion', 'question', 'idea'];
export const TOPIC_SORTS: readonly TopicSort[] = ['latest', 'top', 'unanswered', 'votes'];
export const NOTIFICATION_LEVELS: readonly NotificationLevel[] = ['watching', 'normal', 'muted'];
export const IDEA_STATUSES: readonly IdeaStatus[] = ['under_review', 'planned', 'in_progress', 'shipped', 'declined'];

/** A public user: never an email or a password hash. */
export interface User {
  id: number;
  handle: string;
  displayName: string;
  avatarUrl: string | null;
  createdAt: IsoDateTime;
}

export interface Category {
  id: number;
  slug: string;
  name: string;
  description: string;
  /** Display order within the community. */
  position: number;
}

/** A community as listed by `GET /api/communities`. */
export interface CommunitySummary {
  id: number;
  slug: string;
  name: string;
  description: string;
  /** A CSS colour the community is themed with (the SPA uses it only if it is #rgb or #rrggbb). */
  accentColor: string | null;
  /** The seeded demo community. */
  isDemo: boolean;
  createdAt: IsoDateTime;
}

/** A community as `GET /api/communities/:slug` returns it. */
export interface Community extends CommunitySummary {
  categories: Category[];
  /** The viewer's role in this community; null for guests and for signed-in non-members. */
  viewerRole: Role | null;
  /** What the viewer may do here (all false for guests). */
  viewerCan: CommunityCapabilities;
  /** Present for the community's admins only: the SSO secret itself is shown once, when made. */
  embed?: { allowedOrigins: string[]; ssoSecretCreatedAt?: IsoDateTime | null };
  /** Public moderation settings. */
  moderation: ModerationSettings;
}

/** A community as everyone sees it, without anything about the reader: `community.updated` live events carry it. */
export type CommunityUpdate = Omit<Community, 'viewerRole' | 'viewerCan' | 'embed'>;

export interface ModerationSettings {
  /** Distinct members whose flags hide a post pending review; 0 = never automatically. */
  flagThreshold: number;
  /** A member's first post here waits for a moderator's approval. */
  holdFirstPosts: boolean;
}

/** How other objects name a community. */
export type CommunityRef = Pick<CommunitySummary, 'id' | 'slug' | 'name'>;

export interface Topic {
  id: number;
  /** The community's slug. */
  community: string;
  /** The category's slug (its name is in the community's `categories`). */
  category: string;
  title: string;
  kind: TopicKind;
  author: User;
  createdAt: IsoDateTime;
  lastPostAt: IsoDateTime;
  postCount: number;
  pinned: boolean;
  locked: boolean;
  hidden: boolean;
  /** Why moderators hid it (null when not hidden). */
  hiddenReason?: string | null;
  /** Hidden by the system (a held first topic), waiting for a moderator. */
  pendingReview?: boolean;
  solutionPostId: number | null;
  votes: number;
  /** Ideas: where staff say it stands (null: not set yet). Absent from servers that predate it. */
  ideaStatus?: IdeaStatusInfo | null;
  /** In topic lists, for signed-in readers only: how far they have read. */
  viewer?: TopicListViewer;
}

export interface IdeaStatusInfo {
  status: IdeaStatus;
  /** The public note staff wrote with it. */
  note: string | null;
  changedAt: IsoDateTime;
  changedBy: User;
  /** The changer's role in the community now (null for a site admin who is not a member). */
  changedByRole: Role | null;
}

/** A topic list item's reading state for the signed-in reader. */
export interface TopicListViewer {
  /** The highest post number read; 0 = never opened. */
  lastReadNumber: number;
  /** Posts after `lastReadNumber` (0 when never opened). */
  unread: number;
  /** Never opened, not the reader's own, and created since their previous visit. */
  isNew: boolean;
  /** Ideas: the reader voted for it. */
  voted: boolean;
}

/** `GET /api/topics/:id` for signed-in readers. */
export interface TopicViewerState {
  /** 0 = never read. */
  lastReadNumber: number;
  /** The effective level (topic setting, else category, else default). */
  notificationLevel: NotificationLevel;
  voted: boolean;
}

export interface Reactions {
  like: number;
  helpful: number;
}

export interface Post {
  id: number;
  topicId: number;
  /** 1-based position within the topic; 1 is the opening post. */
  number: number;
  author: User;
  /** The author's role in the community when they wrote the post. */
  authorRole: Role;
  /** The id (not the number) of the post this one replies to. */
  replyToId: number | null;
  /** Markdown source; null when deleted or hidden from this viewer. */
  body: string | null;
  /** Server-rendered, server-sanitised HTML of `body`; null when deleted or hidden from this viewer. */
  bodyHtml: string | null;
  createdAt: IsoDateTime;
  editedAt: IsoDateTime | null;
  pinned: boolean;
  hidden: boolean;
  hiddenReason: string | null;
  /** Hidden by the system (member flags, a held first post), waiting for a moderator. */
  pendingReview?: boolean;
  deleted: boolean;
  reactions: Reactions;
  /** The reactions the signed-in viewer has given this post. */
  viewerReactions?: ReactionKind[];
}

export interface Member {
  user: User;
  role: Role;
  /** The community's slug. */
  community: string;
  joinedAt: IsoDateTime;
}

export interface SearchHit {
  topic: Topic;
  post: Post;
  /** Plain text around the matches. */
  snippet: string;
  /** The snippet, HTML-escaped by the server, matches wrapped in <mark>: safe for {@html}. */
  snippetHtml: string;
}

export type FlagKind = 'flag' | 'first_post' | 'review_request';
export type FlagStatus = 'open' | 'resolved' | 'dismissed';

/** A flag as its reporter sees it (also the answer to settling a queue item). */
export interface Flag {
  id: number;
  kind: FlagKind;
  postId: number;
  topicId: number;
  reason: string;
  status: FlagStatus;
  createdAt: IsoDateTime;
}

/** An item of the review queue, as moderators see it. */
export interface QueueItem extends Flag {
  /** A held first topic is approved (unhide topic) or rejected (hide topic) as a whole. */
  targetType: 'post' | 'topic';
  /** Null for items the system raised (held first posts). */
  reporter: User | null;
  /** The post as a moderator sees it (with its text even when hidden). */
  post: Post;
  topic: { id: number; title: string; hidden: boolean; locked: boolean };
  /** Open member flags on this post. */
  openFlags: number;
  resolvedBy: User | null;
  resolvedAt: IsoDateTime | null;
}

export interface Ban {
  id: number;
  community: string;
  user: User;
  reason: string;
  /** Null: no end. */
  until: IsoDateTime | null;
  moderator: User;
  createdAt: IsoDateTime;
  liftedAt: IsoDateTime | null;
}

export type ModerationAction =
  | 'pin_topic' | 'unpin_topic' | 'lock_topic' | 'unlock_topic' | 'hide_topic' | 'unhide_topic'
  | 'pin_post' | 'unpin_post' | 'hide_post' | 'unhide_post' | 'hold_post' | 'hold_topic'
  | 'resolve_flag' | 'dismiss_flag' | 'ban_user' | 'unban_user' | 'change_role';

/** One line of the public moderation log. It never carries hidden text. */
export interface ModerationLogEntry {
  id: number;
  action: ModerationAction;
  /** Null when the system acted (flag threshold, held first post). */
  moderator: User | null;
  automatic: boolean;
  target: {
    type: 'post' | 'topic' | 'user';
    id: number;
    topicId: number | null;
    postNumber: number | null;
    /** The topic's title, unless the viewer may not see the topic. */
    title: string | null;
    /** For user targets. */
    handle: string | null;
  };
  reason: string | null;
  /** E.g. a ban's end, a role change ("member → moderator"), the number of flags. */
  detail: string | null;
  createdAt: IsoDateTime;
}

export interface CannedReason {
  code: string;
  label: string;
}

export interface NewTopic {
  /** A category slug. */
  category: string;
  title: string;
  body: string;
  kind?: TopicKind;
  /** Makes the send idempotent: sending again returns the first topic. */
  clientId?: string;
}

export interface NewReply {
  body: string;
  replyToId?: number;
  /** Makes the send idempotent: sending again returns the first post. */
  clientId?: string;
}

export interface CommunityPatch {
  name?: string;
  description?: string;
  accentColor?: string | null;
  embed?: { allowedOrigins: string[] };
  moderation?: Partial<ModerationSettings>;
}

/** One page of a list. `nextCursor` is null on the last page. */
export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}

/** `GET /api/topics/:id`: the topic and one page of its posts, in `number` order. */
export interface TopicPage {
  topic: Topic;
  /** Signed-in readers only. */
  viewerState?: TopicViewerState;
  /** What the reader may do in this topic (all false for guests). */
  viewerCan: TopicCapabilities;
  /** The accepted answer, wherever it sits in the thread (null when there is none). */
  solution: Post | null;
  /** On the first page: the posts moderators pinned, in number order, wherever they sit. */
  pinnedPosts?: Post[];
  posts: Post[];
  nextCursor: string | null;
}

export interface UserStats {
  posts: number;
  helpful: number;
  solutions: number;
}

export interface EarnedBadge {
  /** `first_helpful`, `helpful_25`, `first_solution`, `helped_10`, … */
  id: string;
  name: string;
  description: string;
}

/** What a user's help added up to (hidden and deleted posts and self-reactions never count). */
export interface Reputation {
  /** Distinct other people who found their posts helpful or whose question they answered. */
  peopleHelped: number;
  helpfulReceived: number;
  solutions: number;
  topicsStarted: number;
  /** Earned badges only, in the server's order. */
  badges: EarnedBadge[];
}

/** A non-member role a user holds in a community. */
export interface ProfileRole {
  /** The community's slug. */
  community: string;
  communityName: string;
  role: Role;
}

export interface UserProfile {
  user: User;
  stats: UserStats;
  reputation?: Reputation;
  roles?: ProfileRole[];
}

/** One of a community's top helpers for a period. */
export interface Helper {
  user: User;
  helpful: number;
  solutions: number;
  /** 3 × solutions + helpful. */
  score: number;
}

export interface HelperList {
  items: Helper[];
  from: IsoDateTime;
  to: IsoDateTime;
}

export interface NotificationData {
  action?: 'hide_post' | 'unhide_post' | 'hide_topic' | 'unhide_topic';
  reason?: string | null;
  status?: IdeaStatus;
  note?: string | null;
}

export interface Notification {
  id: number;
  kind: NotificationKind;
  read: boolean;
  createdAt: IsoDateTime;
  /** Raised when replies coalesce into it. */
  updatedAt: IsoDateTime;
  /** Reply notifications of one topic coalesce while unread: how many replies it stands for. */
  count: number;
  community: { slug: string; name: string };
  topic: { id: number; title: string; kind: TopicKind } | null;
  /** `excerpt` is plain text (≤ 140 characters): show it as text, never as HTML. */
  post: { id: number; number: number; excerpt: string | null } | null;
  /** Null: the system did it. */
  actor: User | null;
  data: NotificationData;
}

export interface NotificationPage extends Paged<Notification> {
  unreadCount: number;
}

/** `notifications.read` live event data: `ids` null means "every one up to `upTo`" (or all). */
export interface NotificationsRead {
  ids: number[] | null;
  upTo: number | null;
  unreadCount: number;
}

/** A topic list page; signed-in readers also learn when they last came by. */
export interface TopicList extends Paged<Topic> {
  /** Signed-in readers: their previous visit (null: first visit). Absent for guests. */
  previousVisitAt?: IsoDateTime | null;
}

export interface Membership {
  community: CommunityRef;
  role: Role;
}

/** The signed-in viewer, as `GET /api/me` returns it. */
export interface Me {
  user: User;
  /** Operator of the whole site: admin powers in every community. */
  isSiteAdmin: boolean;
  memberships: Membership[];
}

/** The body of every error reply (Fastify's shape plus a stable `code`). */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  /** Public, machine-readable context for some codes (limits, `retryAfter`, …). */
  details?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * An error reply from the API, or a failure to reach it at all (`status` 0, `code` "network_error").
 * Branch on `code` (stable snake_case) or `status`; `message` is for humans.
 */
export class ApiError extends Error implements ApiErrorBody {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly error: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(body: ApiErrorBody, options?: { cause?: unknown }) {
    super(body.message, options);
    this.status = body.statusCode;
    this.code = body.code;
    this.error = body.error;
    this.details = body.details;
  }

  /** Alias of `status`, matching the wire format. */
  get statusCode(): number {
    return this.status;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  toJSON(): ApiErrorBody {
    const body: ApiErrorBody = { statusCode: this.status, error: this.error, code: this.code, message: this.message };
    if (this.details) body.details = this.details;
    return body;
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.statusCode === 'number' && typeof v.code === 'string' && typeof v.message === 'string';
}

/** True for the error a fetch throws when its AbortSignal fires (not a failure to report). */
export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

export interface ApiClientOptions {
  /**
   * Origin of the Parley server, e.g. "http://127.0.0.1:3000". Empty (the default) means the
   * current page's origin: what the SPA and the embed iframe use. Node callers must set it.
   */
  baseUrl?: string;
  /** A bearer token (embed sessions, API clients), or a function read before every request. */
  token?: string | (() => string | null | undefined);
  /** The fetch to use; defaults to the global one. */
  fetch?: typeof globalThis.fetch;
}

/** Per-call options every function accepts. */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface ListTopicsQuery {
  /** A category slug. */
  category?: string;
  sort?: TopicSort;
  kind?: TopicKind;
  /** Ideas with this status. */
  status?: IdeaStatus;
  cursor?: string;
}

export interface GetTopicQuery {
  /** Return posts whose number is greater than this one. */
  after?: number;
  /** 1..100; the server's default is 50. */
  limit?: number;
}

type Query = Record<string, string | number | boolean | null | undefined>;

interface RequestOptions extends CallOptions {
  query?: Query;
  body?: unknown;
}

const enc = encodeURIComponent;

export function createApi(options: ApiClientOptions = {}) {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  // Looked up per call, so a test can stub globalThis.fetch after creating the client.
  const doFetch: typeof globalThis.fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
  const tokenOf = typeof options.token === 'function' ? options.token : () => options.token as string | undefined;

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    let url = `${baseUrl}/api${path}`;
    if (opts.query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(opts.query)) {
        if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
      }
      const qs = params.toString();
      if (qs) url += `?${qs}`;
    }

    const headers: Record<string, string> = { accept: 'application/json' };
    const token = tokenOf();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }

    let res: Response;
    try {
      res = await doFetch(url, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
    } catch (cause) {
      if (isAbortError(cause)) throw cause;
      throw new ApiError(
        { statusCode: 0, error: 'Network Error', code: 'network_error', message: 'Could not reach the server.' },
        { cause },
      );
    }

    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!res.ok) {
      throw new ApiError(
        isErrorBody(data)
          ? { ...data, error: typeof data.error === 'string' ? data.error : res.statusText }
          : { statusCode: res.status, error: res.statusText, code: `http_${res.status}`, message: `The server answered ${res.status}.` },
      );
    }
    if (data === undefined) {
      throw new ApiError({
        statusCode: res.status,
        error: 'Bad Response',
        code: 'bad_response',
        message: 'The server sent a reply that is not JSON.',
      });
    }
    return data as T;
  }

  const paged = async <T>(path: string, query: Query, opts?: CallOptions): Promise<Paged<T>> => {
    const page = await request<{ items: T[]; nextCursor?: string | null }>('GET', path, { ...opts, query });
    return { items: page.items, nextCursor: page.nextCursor ?? null };
  };

  return {
    /** The raw call, for routes this client has no method for yet. */
    request,

    // -- accounts ------------------------------------------------------------------------------

    /** `POST /api/auth/signup`: creates the account and signs in (session cookie). */
    async signup(input: { handle: string; email: string; password: string; displayName?: string }, opts?: CallOptions): Promise<User> {
      return (await request<{ user: User }>('POST', '/auth/signup', { ...opts, body: input })).user;
    },
    /** `POST /api/auth/login`: `login` is a handle or an email. */
    async login(input: { login: string; password: string }, opts?: CallOptions): Promise<User> {
      return (await request<{ user: User }>('POST', '/auth/login', { ...opts, body: input })).user;
    },
    /** `POST /api/auth/logout`: ends this session on the server. */
    async logout(opts?: CallOptions): Promise<void> {
      await request<void>('POST', '/auth/logout', opts);
    },

    // -- communities -----------------------------------------------------------------------------

    async createCommunity(input: { slug: string; name: string; description?: string }, opts?: CallOptions): Promise<Community> {
      return (await request<{ community: Community }>('POST', '/communities', { ...opts, body: input })).community;
    },
    async updateCommunity(slug: string, patch: CommunityPatch, opts?: CallOptions): Promise<Community> {
      return (await request<{ community: Community }>('PATCH', `/communities/${enc(slug)}`, { ...opts, body: patch })).community;
    },
    async createCategory(slug: string, input: { slug: string; name: string; description?: string; position?: number }, opts?: CallOptions): Promise<Category> {
      return (await request<{ category: Category }>('POST', `/communities/${enc(slug)}/categories`, { ...opts, body: input })).category;
    },
    async setMemberRole(slug: string, handle: string, role: Role, opts?: CallOptions): Promise<Member> {
      return (await request<{ member: Member }>('PUT', `/communities/${enc(slug)}/members/${enc(handle)}`, { ...opts, body: { role } })).member;
    },
    /** Staff, moderators and admins (public); `role: 'member'` lists plain members (admins only). */
    listMembers(slug: string, query: { role?: Role; cursor?: string } = {}, opts?: CallOptions): Promise<Paged<Member>> {
      return paged<Member>(`/communities/${enc(slug)}/members`, { role: query.role, cursor: query.cursor }, opts);
    },
    /** A new SSO secret, shown only in this answer; it replaces the old one. */
    async rotateSsoSecret(slug: string, opts?: CallOptions): Promise<string> {
      return (await request<{ secret: string }>('POST', `/communities/${enc(slug)}/sso-secret`, opts)).secret;
    },
    /** `GET /api/communities/:slug/search`. */
    search(slug: string, q: string, query: { cursor?: string } = {}, opts?: CallOptions): Promise<Paged<SearchHit>> {
      return paged<SearchHit>(`/communities/${enc(slug)}/search`, { q, cursor: query.cursor }, opts);
    },

    // -- topics and posts ------------------------------------------------------------------------

    async createTopic(slug: string, input: NewTopic, opts?: CallOptions): Promise<{ topic: Topic; post: Post }> {
      return request<{ topic: Topic; post: Post }>('POST', `/communities/${enc(slug)}/topics`, { ...opts, body: input });
    },
    async updateTopic(id: number, patch: { title?: string; category?: string }, opts?: CallOptions): Promise<Topic> {
      return (await request<{ topic: Topic }>('PATCH', `/topics/${id}`, { ...opts, body: patch })).topic;
    },
    /** Marks the accepted answer; `postId: null` clears it. */
    async setSolution(topicId: number, postId: number | null, opts?: CallOptions): Promise<Topic> {
      return (await request<{ topic: Topic }>('POST', `/topics/${topicId}/solution`, { ...opts, body: { postId } })).topic;
    },
    async reply(topicId: number, input: NewReply, opts?: CallOptions): Promise<Post> {
      return (await request<{ post: Post }>('POST', `/topics/${topicId}/posts`, { ...opts, body: input })).post;
    },
    async getPost(id: number, opts?: CallOptions): Promise<Post> {
      return (await request<{ post: Post }>('GET', `/posts/${id}`, opts)).post;
    },
    async editPost(id: number, body: string, opts?: CallOptions): Promise<Post> {
      return (await request<{ post: Post }>('PATCH', `/posts/${id}`, { ...opts, body: { body } })).post;
    },
    async deletePost(id: number, opts?: CallOptions): Promise<void> {
      await request<void>('DELETE', `/posts/${id}`, opts);
    },
    async react(id: number, kind: ReactionKind, opts?: CallOptions): Promise<Reactions> {
      return (await request<{ reactions: Reactions }>('POST', `/posts/${id}/reactions`, { ...opts, body: { kind } })).reactions;
    },
    async unreact(id: number, kind: ReactionKind, opts?: CallOptions): Promise<Reactions> {
      return (await request<{ reactions: Reactions }>('DELETE', `/posts/${id}/reactions/${kind}`, opts)).reactions;
    },
    /** The server's rendering of a draft: exactly what the post will look like. */
    previewMarkdown(body: string, opts?: CallOptions): Promise<{ html: string; links: number }> {
      return request<{ html: string; links: number }>('POST', '/markdown/preview', { ...opts, body: { body } });
    },

    // -- ideas -----------------------------------------------------------------------------------

    /** Votes for an idea (idempotent). */
    vote(topicId: number, opts?: CallOptions): Promise<{ votes: number; voted: boolean }> {
      return request<{ votes: number; voted: boolean }>('POST', `/topics/${topicId}/vote`, opts);
    },
    /** Takes the vote back (idempotent). */
    unvote(topicId: number, opts?: CallOptions): Promise<{ votes: number; voted: boolean }> {
      return request<{ votes: number; voted: boolean }>('DELETE', `/topics/${topicId}/vote`, opts);
    },
    /** Staff, moderators and admins: where the idea stands, with a public note. */
    async setIdeaStatus(topicId: number, input: { status: IdeaStatus; note?: string }, opts?: CallOptions): Promise<Topic> {
      return (await request<{ topic: Topic }>('PUT', `/topics/${topicId}/idea-status`, { ...opts, body: input })).topic;
    },

    // -- reading state and notifications ------------------------------------------------------------

    /** Records how far the reader has read (never moves backwards). */
    async markTopicRead(topicId: number, number: number, opts?: CallOptions): Promise<number> {
      return (await request<{ lastReadNumber: number }>('PUT', `/topics/${topicId}/read`, { ...opts, body: { number } })).lastReadNumber;
    },
    async setTopicNotificationLevel(topicId: number, level: NotificationLevel, opts?: CallOptions): Promise<NotificationLevel> {
      return (await request<{ level: NotificationLevel }>('PUT', `/topics/${topicId}/notification-level`, { ...opts, body: { level } })).level;
    },
    async setCategoryNotificationLevel(slug: string, category: string, level: NotificationLevel, opts?: CallOptions): Promise<NotificationLevel> {
      return (
        await request<{ level: NotificationLevel }>('PUT', `/communities/${enc(slug)}/categories/${enc(category)}/notification-level`, {
          ...opts,
          body: { level },
        })
      ).level;
    },
    /** The reader's explicit category levels in a community (categories without one are absent). */
    async notificationLevels(slug: string, opts?: CallOptions): Promise<Record<string, NotificationLevel>> {
      return (await request<{ categories: Record<string, NotificationLevel> }>('GET', `/communities/${enc(slug)}/notification-levels`, opts))
        .categories;
    },
    /** Newest first. */
    async listNotifications(query: { unread?: boolean; cursor?: string; limit?: number } = {}, opts?: CallOptions): Promise<NotificationPage> {
      const page = await request<{ items: Notification[]; nextCursor?: string | null; unreadCount: number }>('GET', '/notifications', {
        ...opts,
        query: { unread: query.unread ? 'true' : undefined, cursor: query.cursor, limit: query.limit },
      });
      return { items: page.items, nextCursor: page.nextCursor ?? null, unreadCount: page.unreadCount };
    },
    async unreadNotificationCount(opts?: CallOptions): Promise<number> {
      return (await request<{ unreadCount: number }>('GET', '/notifications/unread-count', opts)).unreadCount;
    },
    markNotificationRead(id: number, opts?: CallOptions): Promise<{ notification: Notification; unreadCount: number }> {
      return request<{ notification: Notification; unreadCount: number }>('POST', `/notifications/${id}/read`, opts);
    },
    /** Marks every notification (or every one with an id up to `upTo`) read; returns the unread count. */
    async markAllNotificationsRead(upTo?: number, opts?: CallOptions): Promise<number> {
      return (await request<{ unreadCount: number }>('POST', '/notifications/read', { ...opts, body: upTo === undefined ? {} : { upTo } })).unreadCount;
    },

    // -- moderation ------------------------------------------------------------------------------

    async setTopicPinned(id: number, pinned: boolean, opts?: CallOptions): Promise<Topic> {
      return (await request<{ topic: Topic }>(pinned ? 'POST' : 'DELETE', `/topics/${id}/pin`, opts)).topic;
    },
    async setTopicLocked(id: number, locked: boolean, opts?: CallOptions): Promise<Topic> {
      return (await request<{ topic: Topic }>(locked ? 'POST' : 'DELETE', `/topics/${id}/lock`, opts)).topic;
    },
    async hideTopic(id: number, reason: string, opts?: CallOptions): Promise<Topic> {
      return (await request<{ topic: Topic }>('POST', `/topics/${id}/hide`, { ...opts, body: { reason } })).topic;
    },
    async unhideTopic(id: number, opts?: CallOptions): Promise<Topic> {
      return (await request<{ topic: Topic }>('DELETE', `/topics/${id}/hide`, opts)).topic;
    },
    async setPostPinned(id: number, pinned: boolean, opts?: CallOptions): Promise<Post> {
      return (await request<{ post: Post }>(pinned ? 'POST' : 'DELETE', `/posts/${id}/pin`, opts)).post;
    },
    async hidePost(id: number, reason: string, opts?: CallOptions): Promise<Post> {
      return (await request<{ post: Post }>('POST', `/posts/${id}/hide`, { ...opts, body: { reason } })).post;
    },
    async unhidePost(id: number, opts?: CallOptions): Promise<Post> {
      return (await request<{ post: Post }>('DELETE', `/posts/${id}/hide`, opts)).post;
    },
    /** Any signed-in reader; flagging again returns the first flag. */
    async flagPost(id: number, reason: string, opts?: CallOptions): Promise<Flag> {
      return (await request<{ flag: Flag }>('POST', `/posts/${id}/flags`, { ...opts, body: { reason } })).flag;
    },
    /** The author of a hidden post asks for another look, once per hiding. */
    async requestReview(id: number, message?: string, opts?: CallOptions): Promise<Flag> {
      return (await request<{ flag: Flag }>('POST', `/posts/${id}/review-request`, { ...opts, body: message ? { message } : {} })).flag;
    },
    listFlags(slug: string, query: { status?: FlagStatus | 'all'; cursor?: string } = {}, opts?: CallOptions): Promise<Paged<QueueItem>> {
      return paged<QueueItem>(`/communities/${enc(slug)}/flags`, { status: query.status, cursor: query.cursor }, opts);
    },
    /** Settles one queue item without touching the post. */
    async settleFlag(id: number, outcome: 'resolve' | 'dismiss', opts?: CallOptions): Promise<Flag> {
      return (await request<{ flag: Flag }>('POST', `/flags/${id}/${outcome}`, opts)).flag;
    },
    async banUser(slug: string, input: { handle: string; reason: string; until?: IsoDateTime }, opts?: CallOptions): Promise<Ban> {
      return (await request<{ ban: Ban }>('POST', `/communities/${enc(slug)}/bans`, { ...opts, body: input })).ban;
    },
    listBans(slug: string, query: { cursor?: string } = {}, opts?: CallOptions): Promise<Paged<Ban>> {
      return paged<Ban>(`/communities/${enc(slug)}/bans`, { cursor: query.cursor }, opts);
    },
    async liftBan(slug: string, handle: string, opts?: CallOptions): Promise<Ban> {
      return (await request<{ ban: Ban }>('DELETE', `/communities/${enc(slug)}/bans/${enc(handle)}`, opts)).ban;
    },
    /** The public moderation log, newest first. */
    moderationLog(slug: string, query: { cursor?: string } = {}, opts?: CallOptions): Promise<Paged<ModerationLogEntry>> {
      return paged<ModerationLogEntry>(`/communities/${enc(slug)}/moderation-log`, { cursor: query.cursor }, opts);
    },
    async moderationReasons(opts?: CallOptions): Promise<CannedReason[]> {
      return (await request<{ items: CannedReason[] }>('GET', '/moderation/reasons', opts)).items;
    },

    // -- reading ---------------------------------------------------------------------------------

    /** `GET /api/communities` */
    async listCommunities(query: { cursor?: string } = {}, opts?: CallOptions): Promise<Paged<CommunitySummary>> {
      const page = await request<{ items: CommunitySummary[]; nextCursor?: string | null }>('GET', '/communities', {
        ...opts,
        query: { cursor: query.cursor },
      });
      return { items: page.items, nextCursor: page.nextCursor ?? null };
    },

    /** `GET /api/communities/:slug`, with its categories and the viewer's role. */
    async getCommunity(slug: string, opts?: CallOptions): Promise<Community> {
      const res = await request<{ community: Community }>('GET', `/communities/${enc(slug)}`, opts);
      return res.community;
    },

    /**
     * `GET /api/communities/:slug/topics`: pinned topics first. For signed-in readers a first page
     * (no cursor) also records the visit, and items carry `viewer`.
     */
    async listTopics(slug: string, query: ListTopicsQuery = {}, opts?: CallOptions): Promise<TopicList> {
      const page = await request<{ items: Topic[]; nextCursor?: string | null; previousVisitAt?: IsoDateTime | null }>(
        'GET',
        `/communities/${enc(slug)}/topics`,
        {
          ...opts,
          query: { category: query.category, sort: query.sort, kind: query.kind, status: query.status, cursor: query.cursor },
        },
      );
      return {
        items: page.items, nextCursor: page.nextCursor ?? null,
        ...(page.previousVisitAt !== undefined ? { previousVisitAt: page.previousVisitAt } : {}),
      };
    },

    /** `GET /api/topics/:id`: the topic and the posts numbered after `after`, in order. */
    async getTopic(id: number, query: GetTopicQuery = {}, opts?: CallOptions): Promise<TopicPage> {
      const page = await request<TopicPage>('GET', `/topics/${enc(String(id))}`, {
        ...opts,
        query: { after: query.after, limit: query.limit },
      });
      return {
        topic: page.topic, viewerCan: page.viewerCan, solution: page.solution ?? null, posts: page.posts, nextCursor: page.nextCursor ?? null,
        ...(page.pinnedPosts ? { pinnedPosts: page.pinnedPosts } : {}),
        ...(page.viewerState ? { viewerState: page.viewerState } : {}),
      };
    },

    /** `GET /api/communities/:slug/helpers`: this month's top helpers (staff left out). */
    topHelpers(slug: string, query: { period?: 'month' } = {}, opts?: CallOptions): Promise<HelperList> {
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
      const session = await request<Omit<Me, 'user'> & { user: User | null }>('GET', '/auth/session', opts);
      return session.user ? { ...session, user: session.user } : null;
    },
  };
}

export type ApiClient = ReturnType<typeof createApi>;

/** The client for the current origin, with the browser's session cookie. */
export const api: ApiClient = createApi();

export const { listCommunities, getCommunity, listTopics, getTopic, getUser, me } = api;
