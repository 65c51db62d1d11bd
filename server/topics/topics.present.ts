import type { IdeaStatusChanger, TopicRow } from '../../db/columns.js';
import { presentUser, type UserRow } from '../users/users.present.js';
import { presentHiddenState } from '../moderation/system-reasons.js';

export type { TopicRow };

export interface TopicContext {
  communitySlug: string;
  categorySlug: string;
  author: UserRow;
}

/** The organisation's public answer to an idea, or null while it has none. */
function presentIdeaStatus(t: TopicRow) {
  if (!t.ideaStatus || !t.ideaStatusAt || !t.ideaStatusBy) return null;
  return {
    status: t.ideaStatus,
    note: t.ideaStatusNote,
    changedAt: t.ideaStatusAt.toISOString(),
    changedBy: presentUser(changerRow(t.ideaStatusBy)),
    // Answers come from staff, moderators and admins: readers see which, as on their posts.
    changedByRole: t.ideaStatusBy.role,
  };
}

// The changer arrives as JSON, where timestamps are text.
const changerRow = (u: IdeaStatusChanger): UserRow => ({ ...u, createdAt: new Date(u.createdAt) });

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
  ...presentHiddenState(t),
  solutionPostId: t.solutionPostId,
  votes: t.votes,
  ideaStatus: presentIdeaStatus(t),
  slowModeSeconds: t.slowModeSeconds,
  timers: presentTimers(t),
});

const DAY_MS = 86_400_000;

/** A timer's due time: its fixed time, or for an idle timer the last reply plus its days. */
function presentTimers(t: TopicRow) {
  return (t.timers ?? []).map((timer) => {
    const runsAt = timer.runAt ? new Date(timer.runAt) : new Date(t.lastPostAt.getTime() + (timer.idleDays ?? 0) * DAY_MS);
    return {
      action: timer.action,
      at: timer.runAt ? runsAt.toISOString() : null,
      idleDays: timer.idleDays,
      closesAt: timer.action === 'close' ? runsAt.toISOString() : null,
      runsAt: runsAt.toISOString(),
    };
  });
}
