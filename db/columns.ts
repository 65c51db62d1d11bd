import { getTableColumns, sql } from 'drizzle-orm';
import { posts, topics, type Role, type TopicTimerAction } from './schema.js';

/**
 * Rows as the app reads them: everything except the search vectors and their configurations, which
 * only the database's own search uses (the vectors are larger than the text they index).
 */
const { search: _postSearch, searchConfig: _postSearchConfig, ...postColumnSet } = getTableColumns(posts);
const { search: _topicSearch, searchConfig: _topicSearchConfig, ...topicColumnSet } = getTableColumns(topics);

/** The public fields of the account that last changed an idea's status, as the database sends JSON. */
export interface IdeaStatusChanger {
  id: number;
  handle: string;
  displayName: string;
  avatarUrl: string | null;
  createdAt: string;
  role: Role | null;
}

export const postColumns = postColumnSet;
/**
 * A topic row plus the staff member who answered it (ideas only). Every reader of topics selects
 * these columns, so the changer travels with the topic wherever it is presented (HTTP, live,
 * search) without a join at each call site; for the topics without a status (nearly all) the
 * CASE skips the lookup.
 */
export const topicColumns = {
  ...topicColumnSet,
  ideaStatusBy: sql<IdeaStatusChanger | null>`(CASE WHEN ${topics.ideaStatusById} IS NULL THEN NULL ELSE (
    SELECT json_build_object('id', u.id, 'handle', u.handle, 'displayName', u.display_name, 'avatarUrl', u.avatar_url, 'createdAt', u.created_at,
      'role', (SELECT m.role FROM memberships m WHERE m.community_id = ${topics.communityId} AND m.user_id = u.id))
    FROM users u WHERE u.id = ${topics.ideaStatusById}) END)`,
  /** Its timers (server/safety/calm/topic-timers.ts), by action; null when it has none (nearly all: one probe of the timers' key). */
  timers: sql<TopicTimerJson[] | null>`(SELECT json_agg(json_build_object('action', tt.action, 'runAt', tt.run_at, 'idleDays', tt.idle_days) ORDER BY tt.action)
    FROM topic_timers tt WHERE tt.topic_id = ${topics.id})`,
};
export type PostRow = Omit<typeof posts.$inferSelect, 'search' | 'searchConfig'>;
export type TopicRow = Omit<typeof topics.$inferSelect, 'search' | 'searchConfig'> & {
  ideaStatusBy: IdeaStatusChanger | null;
  timers: TopicTimerJson[] | null;
};

/** A topic timer as the database sends JSON, where timestamps are text. */
export interface TopicTimerJson {
  action: TopicTimerAction;
  runAt: string | null;
  idleDays: number | null;
}

/** What moderation reads under a post's or topic's row lock: pinned and the hidden state. */
export const moderationStateColumns = (t: typeof posts | typeof topics) => ({
  pinned: t.pinned,
  hidden: t.hidden,
  hiddenPending: t.hiddenPending,
  hiddenReason: t.hiddenReason,
  hiddenReasonCode: t.hiddenReasonCode,
});
