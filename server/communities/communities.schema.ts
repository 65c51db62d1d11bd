import { Type } from 'typebox';
import {
  Body,
  Category,
  Community,
  CommunitySummary,
  Cursor,
  DateTime,
  errors,
  Handle,
  Nullable,
  Ref,
  RoleName,
  Slug,
  SlugParams,
  Text,
  UploadFileTypes,
  User,
} from '../schemas/common.schema.js';
import { CATEGORY_DESCRIPTION, CATEGORY_NAME, COMMUNITY_DESCRIPTION, COMMUNITY_NAME, SLUG } from '../rules/input-rules.js';

export const Origin = Type.String({ maxLength: 200, pattern: '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$' });

export const CreateCommunityBody = Body({
  slug: Slug,
  name: Text(COMMUNITY_NAME),
  description: Type.Optional(Text(COMMUNITY_DESCRIPTION)),
});

export const UpdateCommunityBody = Body({
  name: Type.Optional(Text(COMMUNITY_NAME)),
  description: Type.Optional(Text(COMMUNITY_DESCRIPTION)),
  accentColor: Type.Optional(Nullable(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' }))),
  language: Type.Optional(
    Type.String({
      minLength: 2,
      maxLength: 35,
      pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
      description: 'one of the server’s catalogue languages (e.g. `en`, `de`); anything else is 400 `unknown_language`',
    }),
  ),
  unlisted: Type.Optional(Type.Boolean({ description: 'keep the community out of search engines (sitemap, feeds listing; its pages say noindex)' })),
  healthPanel: Type.Optional(
    Type.Boolean({ description: 'show everyone the health panel: solved rate, time to a first response, members’ share of replies (last 90 days)' }),
  ),
  uploadFileTypes: Type.Optional(UploadFileTypes),
  embed: Type.Optional(Type.Object({ allowedOrigins: Type.Array(Origin, { maxItems: 50 }) }, { additionalProperties: false })),
  moderation: Type.Optional(
    Type.Object(
      {
        flagThreshold: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: '0 turns automatic hiding off' })),
        holdFirstPosts: Type.Optional(Type.Boolean()),
        requireVerifiedEmail: Type.Optional(Type.Boolean({ description: 'only members with a verified e-mail address may post' })),
        holdNewMemberLinks: Type.Optional(Type.Boolean({ description: 'posts with links by accounts in their first 24 hours wait for a moderator' })),
        keepAcceptedAnswers: Type.Optional(
          Type.Boolean({ description: 'accepted answers stay, anonymised, when their author deletes their account with “remove my posts”' }),
        ),
      },
      { additionalProperties: false },
    ),
  ),
});

export const MemberParams = Type.Object({ slug: SlugParams.properties.slug, handle: Handle });
export const MemberBody = Body({ role: RoleName });
export const Member = Type.Object({ user: Ref(User), role: RoleName, community: Type.String({ description: 'community slug' }), joinedAt: DateTime });
export const MemberReply = Type.Object({ member: Member });
export const MemberList = Type.Object({ items: Type.Array(Member), nextCursor: Nullable(Type.String()) });
export const MembersQuery = Type.Object({
  role: Type.Optional(RoleName),
  cursor: Type.Optional(Type.String({ maxLength: 16 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});
export const SsoSecretReply = Type.Object({ secret: Type.String({ description: 'HS256 key for your SSO tokens; shown only this once' }) });

export const CreateCategoryBody = Body({
  slug: Slug,
  name: Text(CATEGORY_NAME),
  description: Type.Optional(Text(CATEGORY_DESCRIPTION)),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
});

export const CategoryParams = Type.Object({ slug: SlugParams.properties.slug, category: Type.String({ minLength: 1, maxLength: 64 }) });
export const UpdateCategoryBody = Body({
  name: Type.Optional(Text(CATEGORY_NAME)),
  description: Type.Optional(Text(CATEGORY_DESCRIPTION)),
  slug: Type.Optional(
    Text(SLUG, { description: 'a new address: topic links (by id) keep working, old `?category=` links do not; taken is 409 `category_slug_taken`' }),
  ),
  unlisted: Type.Optional(Type.Boolean({ description: 'keep the category out of search engines (sitemap; its pages say noindex)' })),
});

export const CategoryOrderBody = Body({
  categories: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
    maxItems: 1000,
    description: 'every category slug of the community, once each, in the new order; anything else is 400 `category_order_mismatch`',
  }),
});

export const RemoveCategoryQuery = Type.Object({
  moveTo: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'the category its topics move to; required when it has any (409 `category_not_empty`)',
    }),
  ),
});
export const RemoveCategoryReply = Type.Object({
  movedTopics: Type.Integer({ description: 'topics moved to `moveTo`' }),
  community: Ref(Community),
});

export const CommunityReply = Type.Object({ community: Ref(Community) });
export const CommunityList = Type.Object({ items: Type.Array(Ref(CommunitySummary)), nextCursor: Nullable(Type.String()) });
export const CommunitiesQuery = Type.Object({
  cursor: Type.Optional(Cursor),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'communities per page, by name' })),
});
export const CategoryReply = Type.Object({ category: Ref(Category) });
export const communityErrors = errors(400, 401, 403, 404, 409, 413, 429);
