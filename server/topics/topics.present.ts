import type { TopicRow } from '../../db/columns.js';
import { presentUser, type UserRow } from '../users/users.present.js';

export type { TopicRow };

export interface TopicContext {
  communitySlug: string;
  categorySlug: string;
  author: UserRow;
}

export const presentTopic = (t: TopicRow, ctx: TopicContext) => ({
  id: t.id,
  community: ctx.communitySlug,
  category: ctx.categorySlug,
  title: t.title,
  kind: t.kind,
  author: presentUser(ctx.author),
  createdAt: t.createdAt.toISOString(),
  lastPostAt: t.lastPostAt.toISOString(),
  postCount: t.postCount,
  pinned: t.pinned,
  locked: t.locked,
  hidden: t.hidden,
  hiddenReason: t.hidden ? t.hiddenReason : null,
  pendingReview: t.hidden && t.hiddenPending,
  solutionPostId: t.solutionPostId,
  votes: t.votes,
});
export type ApiTopic = ReturnType<typeof presentTopic>;
