import { Type } from 'typebox';
import {
  Body,
  Cursor,
  DateTime,
  errors,
  Id,
  IdeaStatusName,
  IdParams,
  INT4_MAX,
  NotificationLevelName,
  Nullable,
  Post,
  Ref,
  SlugParams,
  Text,
  Topic,
  TopicCapabilities,
  TopicKindName,
} from '../schemas/common.schema.js';
import { BODY, TITLE } from '../rules/input-rules.js';

export const Title = Text(TITLE);
export const PostBody = Text(BODY);
export const ClientId = Type.String({ minLength: 1, maxLength: 64 });

/** `unanswered`: topics without a reply or an accepted answer; `votes`: most votes first, then newest (ideas). */
export const TopicSortName = Type.Union([Type.Literal('latest'), Type.Literal('top'), Type.Literal('unanswered'), Type.Literal('votes')]);

export const ListTopicsQuery = Type.Object({
  category: Type.Optional(Type.String({ maxLength: 64 })),
  sort: Type.Optional(Type.Union(TopicSortName.anyOf, { default: 'latest', description: 'votes: most votes first, then newest' })),
  kind: Type.Optional(TopicKindName),
  status: Type.Optional(IdeaStatusName),
  cursor: Type.Optional(Cursor),
  page: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, description: 'page N of the list (numbered pages of the rendered community page); ignored with a cursor' }),
  ),
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

export const TopicReply = Type.Object({ topic: Ref(Topic) });
export const TopicWithPost = Type.Object({ topic: Ref(Topic), post: Ref(Post) });
/** The signed-in reader's own relation to a topic: on topic pages and list items, never for guests. */
export const ViewerState = Type.Object(
  {
    lastReadNumber: Type.Integer({ description: '0 = never opened' }),
    notificationLevel: Type.Union(NotificationLevelName.anyOf, {
      description: "effective: the topic's setting, else its category's, else the default",
    }),
    voted: Type.Boolean(),
    ignoredUserIds: Type.Array(Type.Integer(), {
      description: 'the members you ignore (PUT /api/me/ignored/:handle): their posts, here and arriving live, fold for you; only you see this',
    }),
  },
  { description: 'signed-in readers only' },
);

export const ListViewerState = Type.Object(
  {
    lastReadNumber: Type.Integer({ description: '0 = never opened' }),
    unread: Type.Integer({ description: 'posts after lastReadNumber; 0 for a topic never opened' }),
    isNew: Type.Boolean({ description: 'never opened, not yours, started after your previous visit' }),
    voted: Type.Boolean(),
  },
  { description: 'signed-in readers only' },
);

export const TopicPage = Type.Object({
  topic: Ref(Topic),
  viewerState: Type.Optional(ViewerState),
  viewerCan: TopicCapabilities,
  solution: Nullable(Ref(Post)),
  pinnedPosts: Type.Optional(Type.Array(Ref(Post), { description: 'on the first page only: posts a moderator pinned, by number, wherever they sit' })),
  posts: Type.Array(Ref(Post)),
  nextCursor: Nullable(Type.String()),
});
/** A topic as lists show it: for signed-in readers, with how far they have read it. */
export const ListedTopic = Type.Object({ ...Topic.properties, viewer: Type.Optional(ListViewerState) });
export const TopicList = Type.Object({
  items: Type.Array(ListedTopic),
  nextCursor: Nullable(Type.String()),
  previousVisitAt: Type.Optional(
    Type.Union([DateTime, Type.Null()], {
      description: 'signed-in readers only: when your previous visit ended, null before a first one (a first page records this visit)',
    }),
  ),
});
export { IdParams, SlugParams };
export const topicErrors = errors(400, 401, 403, 404, 409, 413, 429);
