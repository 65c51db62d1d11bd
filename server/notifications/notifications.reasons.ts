/**
 * Why a reader was told. The trigger that decides who is told also says why, per recipient; the
 * code is stored with the notification and shown beside it with a link to the setting that made
 * it so (the topic's or category's level, or the account's settings).
 */
import { sql, type SQL } from 'drizzle-orm';
import { NOTIFICATION_REASONS, type NotificationKind, type NotificationReason } from '../../db/schema.js';

export { NOTIFICATION_REASONS, type NotificationReason };

/** One reason for every recipient of a draft, or one per recipient. */
export type DraftReason = NotificationReason | ReadonlyMap<number, NotificationReason>;

/** Kinds that can only have one reason: their drafts need not say it. */
const ONLY_REASON: Partial<Record<NotificationKind, NotificationReason>> = {
  mention: 'mention',
  solution: 'own_post',
  moderation: 'moderation',
  reminder: 'own_topic',
};

/** The reason stored for one recipient of a draft (null: the trigger gave none). */
export function reasonFor(draft: { kind: NotificationKind; reason?: DraftReason | undefined }, userId: number): NotificationReason | null {
  const given = draft.reason;
  const reason = typeof given === 'string' ? given : given?.get(userId);
  return reason ?? ONLY_REASON[draft.kind] ?? null;
}

export const isNotificationReason = (v: unknown): v is NotificationReason => typeof v === 'string' && (NOTIFICATION_REASONS as readonly string[]).includes(v);

/** The stronger of two reasons (the list's order: the more personal one wins). */
export function strongerReason(a: NotificationReason | null, b: NotificationReason | null): NotificationReason | null {
  if (a === null) return b;
  if (b === null) return a;
  return NOTIFICATION_REASONS.indexOf(a) <= NOTIFICATION_REASONS.indexOf(b) ? a : b;
}

/** `strongerReason` in SQL, for a coalescing upsert: `stored` is the row's, `incoming` the new one's. */
export function strongerReasonSql(stored: SQL, incoming: SQL): SQL {
  const order = sql`ARRAY[${sql.join(
    NOTIFICATION_REASONS.map((r) => sql`${r}::text`),
    sql`, `,
  )}]`;
  return sql`CASE WHEN ${stored} IS NULL OR array_position(${order}, ${incoming}) < array_position(${order}, ${stored}) THEN coalesce(${incoming}, ${stored}) ELSE ${stored} END`;
}

/** Why someone watching is told: by their own choice for the topic, by the category's, or because they started it. */
export function watchReason(p: { topic_level: string | null; category_level: string | null }): NotificationReason {
  if (p.topic_level !== null) return 'watching_topic';
  if (p.category_level !== null) return 'watching_category';
  return 'own_topic';
}

/**
 * The reason a notification shows: the stored one, else (rows stored before reasons were) what
 * its kind implies. An idea's news reaches its author and its voters; an older reply or new
 * topic cannot say.
 */
export function shownReason(kind: NotificationKind, stored: unknown, reader: { id: number; topicAuthorId: number | null }): NotificationReason | null {
  if (isNotificationReason(stored)) return stored;
  if (kind === 'idea_status') return reader.topicAuthorId === reader.id ? 'own_topic' : 'voted';
  return ONLY_REASON[kind] ?? null;
}
