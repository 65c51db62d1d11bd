import { sql, type Placeholder } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { topics, type NotificationLevel } from '../../db/schema.js';
import { effectiveLevel } from '../notifications/notifications.write.js';

/** A signed-in reader's own relation to one topic, as the topic page shows it. */
export type TopicViewerState = ReturnType<typeof presentTopicViewerState>;

export interface TopicViewerStateRow {
  last_read_number: number | null;
  voted: boolean;
  topic_level: NotificationLevel | null;
  category_level: NotificationLevel | null;
  /** Whom the reader ignores (at most MAX_IGNORES): their posts fold, live ones too, so the whole list and not the page's authors. */
  ignored?: number[] | null;
}

/** A value, or a prepared statement's placeholder for one. */
type Param = number | Placeholder;

/**
 * The columns of that state, by primary key, for a select of its own or a larger one (the topic
 * page's per-reader overlay reads them with the reader's role and reactions in one round trip).
 */
export const topicViewerStateColumns = (userId: Param, topic: { id: Param; categoryId: Param }) => ({
  last_read_number: sql<number | null>`(SELECT last_read_number FROM topic_reads WHERE user_id = ${userId} AND topic_id = ${topic.id})`,
  voted: sql<boolean>`EXISTS (SELECT 1 FROM topic_votes WHERE topic_id = ${topic.id} AND user_id = ${userId})`,
  topic_level: sql<NotificationLevel | null>`(SELECT level FROM notification_levels WHERE user_id = ${userId} AND target_type = 'topic' AND target_id = ${topic.id})`,
  category_level: sql<NotificationLevel | null>`(SELECT level FROM notification_levels WHERE user_id = ${userId} AND target_type = 'category' AND target_id = ${topic.categoryId})`,
  ignored: sql<number[] | null>`(SELECT json_agg(ignored_id ORDER BY ignored_id) FROM user_ignores WHERE user_id = ${userId})`,
});

export const presentTopicViewerState = (userId: number, topic: { id: number; authorId: number }, row: TopicViewerStateRow | undefined) => ({
  lastReadNumber: Number(row?.last_read_number ?? 0),
  notificationLevel: effectiveLevel(userId, topic, { topic: row?.topic_level ?? null, category: row?.category_level ?? null }),
  voted: row?.voted === true,
  ignoredUserIds: (row?.ignored ?? []).map(Number),
});

/** A signed-in reader's own relation to one topic, for the topic page. Never cached, never for guests. */
export async function topicViewerState(db: Executor, userId: number, topic: { id: number; categoryId: number; authorId: number }) {
  const [row] = await db.select(topicViewerStateColumns(userId, topic)).from(sql`(SELECT 1) AS one`);
  return presentTopicViewerState(userId, topic, row);
}

/**
 * Extra columns for a topic list: a signed-in viewer's read position and vote, looked up by
 * primary key per listed topic inside the list's own query (no query per item); constants for guests.
 */
export const listViewerColumns = (userId: number | null) =>
  userId === null
    ? { lastRead: sql<number | null>`NULL::int`, voted: sql<boolean>`false` }
    : {
        lastRead: sql<number | null>`(SELECT r.last_read_number FROM topic_reads r WHERE r.user_id = ${userId} AND r.topic_id = ${topics.id})`,
        voted: sql<boolean>`EXISTS (SELECT 1 FROM topic_votes v WHERE v.topic_id = ${topics.id} AND v.user_id = ${userId})`,
      };

/**
 * `unread` counts the posts numbered after the reader's position (every number is a place in the
 * thread, tombstones included); a topic never opened has no position, so it is `isNew` instead
 * when someone else started it after the reader's previous visit.
 */
export function listViewerState(
  t: { lastNumber: number; authorId: number; createdAt: Date },
  row: { lastRead: number | null; voted: boolean },
  userId: number,
  previousVisitAt: Date | null,
) {
  const lastReadNumber = row.lastRead === null ? 0 : Number(row.lastRead);
  const opened = row.lastRead !== null;
  return {
    lastReadNumber,
    unread: opened ? Math.max(0, t.lastNumber - lastReadNumber) : 0,
    isNew: !opened && t.authorId !== userId && previousVisitAt !== null && t.createdAt > previousVisitAt,
    voted: row.voted === true,
  };
}
