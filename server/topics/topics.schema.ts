import { Type } from 'typebox';
import {
  Body, Cursor, DateTime, INT4_MAX, Id, IdParams, IdeaStatusName, Nullable, SlugParams, Text, Topic, TopicCapabilities, TopicKindName, errors,
} from '../schemas/common.schema.js';
import { BODY, TITLE } from '../rules/input-rules.js';

export const Title = Text(TITLE);
export const PostBody = Text(BODY);
export const ClientId = Type.String({ minLength: 1, maxLength: 64 });

export const ListTopicsQuery = Type.Object({
  category: Type.Optional(Type.String({ maxLength: 64 })),
  sort: Type.Optional(Type.Union(
    [Type.Literal('latest'), Type.Literal('top'), Type.Literal('unanswered'), Type.Literal('votes')],
    { default: 'latest', description: 'votes: most votes first, then newest' },
  )),
  kind: Type.Optional(TopicKindName),
  status: Type.Optional(IdeaStatusName),
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
/** The signed-in reader's own relation to a topic: on topic pages and list items, never for guests. */
const ViewerState = Type.Object({
  lastReadNumber: Type.Integer({ description: '0 = never opened' }),
  notificationLevel: Type.Union([Type.Literal('watching'), Type.Literal('normal'), Type.Literal('muted')], {
    description: 'effective: the topic\'s setting, else its category\'s, else the default',
  }),
  voted: Type.Boolean(),
}, { description: 'signed-in readers only' });

const ListViewerState = Type.Object({
  lastReadNumber: Type.Integer({ description: '0 = never opened' }),
  unread: Type.Integer({ description: 'posts after lastReadNumber; 0 for a topic never opened' }),
  isNew: Type.Boolean({ description: 'never opened, not yours, started after your previous visit' }),
  voted: Type.Boolean(),
}, { description: 'signed-in readers only' });

export const TopicPage = Type.Object({
  topic: Type.Ref('Topic'),
  viewerState: Type.Optional(ViewerState),
  viewerCan: TopicCapabilities,
  solution: Nullable(Type.Ref('Post')),
  pinnedPosts: Type.Optional(Type.Array(Type.Ref('Post'), { description: 'on the first page only: posts a moderator pinned, by number, wherever they sit' })),
  posts: Type.Array(Type.Ref('Post')),
  nextCursor: Nullable(Type.String()),
});
export const TopicList = Type.Object({
  items: Type.Array(Type.Object({ ...Topic.properties, viewer: Type.Optional(ListViewerState) })),
  nextCursor: Nullable(Type.String()),
  previousVisitAt: Type.Optional(Type.Union([DateTime, Type.Null()], {
    description: 'signed-in readers only: when your previous visit ended, null before a first one (a first page records this visit)',
  })),
});
export { IdParams, SlugParams };
export const topicErrors = errors(400, 401, 403, 404, 409, 413, 429);
