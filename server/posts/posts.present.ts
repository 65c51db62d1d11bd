import type { PostRow } from '../../db/columns.js';
import type { ReactionKind } from '../../db/schema.js';
import { presentUser, type UserRow } from '../users/users.present.js';
import { canReadPostBody, type Standing } from '../visibility/visibility.js';
import { presentHiddenState } from '../moderation/system-reasons.js';

export type { PostRow };

/** A post as this viewer may see it: tombstones keep their shape but lose their text. */
export function presentPost(post: PostRow, author: UserRow, standing: Standing, viewerReactions?: ReactionKind[]) {
  const readable = canReadPostBody(standing, post);
  return {
    id: post.id,
    topicId: post.topicId,
    number: post.number,
    author: presentUser(author),
    authorRole: post.authorRole,
    replyToId: post.replyToId,
    body: readable ? post.body : null,
    bodyHtml: readable ? post.bodyHtml : null,
    createdAt: post.createdAt.toISOString(),
    editedAt: post.editedAt?.toISOString() ?? null,
    pinned: post.pinned,
    ...presentHiddenState(post),
    deleted: post.deleted,
    reactions: { like: post.likeCount, helpful: post.helpfulCount },
    ...(viewerReactions ? { viewerReactions } : {}),
  };
}
export type ApiPost = ReturnType<typeof presentPost>;
