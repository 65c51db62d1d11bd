import { Type } from 'typebox';
import { Body, DateTime, errors, Id, INT4_MAX, Nullable, Post, Ref, Topic, User } from '../schemas/common.schema.js';
import { ClientId, PostBody } from '../topics/topics.schema.js';

export const CommunityParams = Type.Object({ community: Type.String({ minLength: 1, maxLength: 64 }) });

/** Long enough for any real page address; the canonical form must fit in 2048 characters. */
const PageUrl = Type.String({ minLength: 1, maxLength: 4096, description: 'absolute http(s) URL of the host page' });

export const EmbedConfigReply = Type.Object({
  community: Type.Object({ slug: Type.String(), name: Type.String(), accentColor: Nullable(Type.String()) }),
  allowedOrigins: Type.Array(Type.String(), { description: 'origins allowed to embed this community' }),
  sso: Type.Boolean({ description: 'the community has an SSO secret: its own site can sign people in' }),
});

export const ThreadQuery = Type.Object({
  url: Type.Optional(PageUrl),
  topic: Type.Optional(Id),
  after: Type.Optional(Type.Integer({ minimum: 0, maximum: INT4_MAX, description: 'show posts numbered after this' })),
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$', description: 'nextCursor of the previous page (same as after)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
});

export const ThreadReply = Type.Object({
  topic: Nullable(Ref(Topic)),
  solution: Nullable(Ref(Post)),
  pinnedPosts: Type.Optional(Type.Array(Ref(Post))),
  posts: Type.Array(Ref(Post)),
  nextCursor: Nullable(Type.String()),
  url: Nullable(Type.String({ description: 'the canonical page URL (by topic: the one it was created for, if any)' })),
  forumUrl: Nullable(Type.String({ description: 'the full thread on the forum' })),
  viewerIgnoredUserIds: Type.Optional(
    Type.Array(Type.Integer(), { description: 'signed-in readers only: the members they ignore, whose posts (live ones too) fold for them' }),
  ),
  commentCount: Type.Integer({
    description:
      "the thread's posts this viewer can read, on every page: not deleted, and not hidden (moderators and a hidden post's author read it); 0 without a topic",
  }),
});

export const ThreadPostBody = Body({
  url: PageUrl,
  title: Type.Optional(
    Type.String({
      maxLength: 1000,
      description: 'the page title; used for the topic created by the first post (cut to 200; under 3 characters: the URL path)',
    }),
  ),
  body: PostBody,
  replyToId: Type.Optional(Id),
  clientId: Type.Optional(ClientId),
});

export const ThreadPostReply = Type.Object({ topic: Ref(Topic), post: Ref(Post) });

export const SsoSessionBody = Body({ token: Type.String({ minLength: 1, maxLength: 8192, description: 'HS256 JWT signed with the community SSO secret' }) });
export const CodeExchangeBody = Body({ code: Type.String({ minLength: 1, maxLength: 128 }) });

export const EmbedSessionReply = Type.Object({
  token: Type.String({ description: 'bearer token for the API (`Authorization: Bearer`) and the live socket (`{type:"auth", token}`)' }),
  expiresAt: DateTime,
  user: Ref(User),
});

export const CodeReply = Type.Object({ code: Type.String({ description: 'one-time, valid 60 s' }), expiresAt: DateTime });

export const EmbedSettingsBody = Body({
  categorySlug: Nullable(
    Type.String({ minLength: 1, maxLength: 64, description: 'category for topics the embed creates; null: "comments", created on first need' }),
  ),
});
export const EmbedSettingsReply = Type.Object({ categorySlug: Nullable(Type.String()) });

export const EmbedPageQuery = Type.Object({
  url: Type.Optional(Type.String({ maxLength: 4096 })),
  topic: Type.Optional(Type.String({ maxLength: 16 })),
  title: Type.Optional(Type.String({ maxLength: 1000 })),
  parent: Type.Optional(Type.String({ maxLength: 4096 })),
  theme: Type.Optional(Type.String({ maxLength: 16 })),
  accent: Type.Optional(Type.String({ maxLength: 32 })),
});

export const embedErrors = errors(400, 401, 403, 404, 409, 413, 429);
