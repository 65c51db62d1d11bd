import { Type } from 'typebox';
import { Body, errors, Id, IdParams, Paged, Post, ReactionKindName, Reactions, Ref } from '../schemas/common.schema.js';
import { ClientId, PostBody } from '../topics/topics.schema.js';

export const ReplyBody = Body({ body: PostBody, replyToId: Type.Optional(Id), clientId: Type.Optional(ClientId) });
export const EditBody = Body({ body: PostBody });
export const ReactionBody = Body({ kind: ReactionKindName });
export const ReactionParams = Type.Object({ id: Id, kind: ReactionKindName });
export const PostReply = Type.Object({ post: Ref(Post) });
export const ReactionsReply = Type.Object({ reactions: Ref(Reactions) });
/** The `reactions.changed` live event's data (the counts only: who reacted is not broadcast). */
export const ReactionsChanged = Type.Object({ postId: Type.Integer(), reactions: Ref(Reactions) });
export const Revisions = Paged(
  Type.Object({
    id: Type.Integer(),
    body: Type.String(),
    replacedAt: Type.String(),
    editor: Type.Object({ id: Type.Integer(), handle: Type.String() }),
  }),
);
export const RevisionsQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 16, description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
});
export { IdParams, ReactionKindName };
export const postErrors = errors(400, 401, 403, 404, 409, 413, 429);
