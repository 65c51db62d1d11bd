import { Type } from 'typebox';
import { Body, Cursor, INT4_MAX, Id, IdParams, Nullable, Paged, SlugParams, TopicKindName, errors } from '../schemas/common.schema.js';

export const Title = Type.String({ minLength: 3, maxLength: 200, pattern: '\\S' });
export const PostBody = Type.String({ minLength: 1, maxLength: 50_000, pattern: '\\S' });
export const ClientId = Type.String({ minLength: 1, maxLength: 64 });

export const ListTopicsQuery = Type.Object({
  category: Type.Optional(Type.String({ maxLength: 64 })),
  sort: Type.Optional(Type.Union([Type.Literal('latest'), Type.Literal('top'), Type.Literal('unanswered')], { default: 'latest' })),
  cursor: Type.Optional(Cursor),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 30 })),
});

export const CreateTopicBody = Body({
  category: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Id], { description: 'category slug (or id)' }),
  title: Title,
  body: PostBody,
  kind: Type.Optional(TopicKindName),
  clientId: Type.Optional(ClientId),
});

export const ReadTopicQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, maximum: INT4_MAX, description: 'show posts numbered after this' })),
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$', description: 'nextCursor of the previous page (same as after)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
});

export const UpdateTopicBody = Body({ title: Type.Optional(Title), category: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) });
export const SolutionBody = Body({ postId: Nullable(Id) });

export const TopicReply = Type.Object({ topic: Type.Ref('Topic') });
export const TopicWithPost = Type.Object({ topic: Type.Ref('Topic'), post: Type.Ref('Post') });
export const TopicPage = Type.Object({
  topic: Type.Ref('Topic'),
  solution: Nullable(Type.Ref('Post')),
  pinnedPosts: Type.Optional(Type.Array(Type.Ref('Post'), { description: 'on the first page only: posts a moderator pinned, by number, wherever they sit' })),
  posts: Type.Array(Type.Ref('Post')),
  nextCursor: Nullable(Type.String()),
});
export const TopicList = Paged(Type.Ref('Topic'));
export { IdParams, SlugParams };
export const topicErrors = errors(400, 401, 403, 404, 409, 413, 429);
