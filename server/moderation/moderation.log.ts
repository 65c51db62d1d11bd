import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { moderationLog, type ReasonCode } from '../../db/schema.js';
import { isReasonCode, reasonText } from './system-reasons.js';
import { SOURCE_LOCALE } from '../i18n/locales.js';
import { decodeIdCursor } from '../topics/topics.cursor.js';
import { findCommunity } from '../communities/communities.service.js';
import { presentUser, type UserRow } from '../users/users.present.js';
import { canSeeTopic, type Standing } from '../visibility/visibility.js';
import { canModerate } from '../visibility/permissions.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';

import type { ModerationAction } from './moderation.actions.js';

export { MODERATION_ACTIONS, type ModerationAction } from './moderation.actions.js';
/** What an action was done to; the categories' order is the community's. */
export type TargetType = 'post' | 'topic' | 'user' | 'category' | 'community';

export interface LogEntry {
  communityId: number;
  /** Null when the system acted on its own. */
  moderatorId: number | null;
  action: ModerationAction;
  targetType: TargetType;
  targetId: number;
  /** A moderator's own words. */
  reason?: string | null;
  /** The system's reason when it acted on its own, or the canned reason a moderator picked. */
  reasonCode?: ReasonCode | null;
  detail?: string | null;
  /** The watched-word rule the system acted by. */
  ruleId?: number | null;
}

/**
 * What a moderator's action reverses of the system's: restoring a post or topic (approving a held
 * one, or the one-step undo) undoes the automatic holds and hides of it, and dismissing a flag
 * undoes a rule's flag of the post. Those entries are marked undone by this one, however it was done.
 */
const REVERSES: Partial<Record<ModerationAction, ModerationAction[]>> = {
  unhide_post: ['hold_post', 'hide_post'],
  unhide_topic: ['hold_topic', 'hide_topic'],
  dismiss_flag: ['flag_post'],
};

/** Written in the same transaction as the action, so the log never misses or invents one. Answers the entry's id. */
export async function logAction(tx: Executor, entry: LogEntry): Promise<number> {
  const [logged] = await tx
    .insert(moderationLog)
    .values({
      communityId: entry.communityId,
      moderatorId: entry.moderatorId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      reason: entry.reason ?? null,
      reasonCode: entry.reasonCode ?? null,
      detail: entry.detail ?? null,
      automatic: entry.moderatorId === null,
      ruleId: entry.ruleId ?? null,
    })
    .returning({ id: moderationLog.id });
  const reversed = entry.moderatorId === null ? undefined : REVERSES[entry.action];
  if (reversed) {
    await tx.execute(sql`
      UPDATE moderation_log SET undone_at = now(), undone_by_log_id = ${logged!.id}
      WHERE community_id = ${entry.communityId} AND target_type = ${entry.targetType} AND target_id = ${entry.targetId}
        AND automatic AND undone_at IS NULL
        -- A rule's flag is undone only once that rule's flag is settled, not by dismissing a member's.
        AND (action <> 'flag_post' OR NOT EXISTS (
          SELECT 1 FROM queue_items q WHERE q.post_id = moderation_log.target_id AND q.rule_id = moderation_log.rule_id AND q.kind = 'flag' AND q.status = 'open'))
        AND action IN (${sql.join(
          reversed.map((a) => sql`${a}`),
          sql`, `,
        )})`);
  }
  return logged!.id;
}

interface LogRow {
  id: number;
  action: ModerationAction;
  target_type: TargetType;
  target_id: number;
  reason: string | null;
  reason_code: ReasonCode | null;
  detail: string | null;
  automatic: boolean;
  rule_id: number | null;
  undone_at: string | null;
  created_at: string;
  mod_id: number | null;
  mod_handle: string;
  mod_display_name: string;
  mod_avatar_url: string | null;
  mod_created_at: string;
  mod_deleted_at: string | null;
  topic_id: number | null;
  topic_title: string | null;
  topic_hidden: boolean | null;
  topic_author_id: number | null;
  post_number: number | null;
  user_handle: string | null;
  category_slug: string | null;
  category_name: string | null;
}

/** The automatic actions a moderator can undo in one step (POST …/moderation-log/:id/undo). */
export const UNDOABLE: readonly ModerationAction[] = ['hold_post', 'hold_topic', 'hide_post', 'flag_post'];

export interface LogPage {
  cursor?: string | undefined;
  limit?: number | undefined;
}

/**
 * The public moderation log, newest first. It names actions, targets and reasons, never the text
 * of what was hidden; a hidden topic's title shows only to those who may see the topic.
 */
export async function listModerationLog(db: Executor, viewer: Viewer, slug: string, page: LogPage, locale: string = SOURCE_LOCALE) {
  const community = await findCommunity(db, slug);
  const standing: Standing = { viewer, role: await roleIn(db, viewer, community.id) };
  const limit = page.limit ?? 50;
  const before = decodeIdCursor(page.cursor);
  const found = await rows<LogRow>(
    db,
    sql`
    SELECT l.id, l.action, l.target_type, l.target_id, l.reason, l.reason_code, l.detail, l.automatic, l.rule_id, l.undone_at, l.created_at,
      m.id AS mod_id, m.handle AS mod_handle, m.display_name AS mod_display_name, m.avatar_url AS mod_avatar_url, m.created_at AS mod_created_at, m.deleted_at AS mod_deleted_at,
      t.id AS topic_id, t.title AS topic_title, t.hidden AS topic_hidden, t.author_id AS topic_author_id,
      p.number AS post_number, CASE WHEN u.deleted_at IS NULL THEN u.handle END AS user_handle, cat.slug AS category_slug, cat.name AS category_name
    FROM moderation_log l
    LEFT JOIN users m ON m.id = l.moderator_id
    LEFT JOIN posts p ON l.target_type = 'post' AND p.id = l.target_id
    LEFT JOIN topics t ON t.id = CASE WHEN l.target_type = 'topic' THEN l.target_id ELSE p.topic_id END
    LEFT JOIN users u ON l.target_type = 'user' AND u.id = l.target_id
    LEFT JOIN categories cat ON l.target_type = 'category' AND cat.id = l.target_id
    WHERE l.community_id = ${community.id} AND (${before}::int IS NULL OR l.id < ${before}::int)
    ORDER BY l.id DESC LIMIT ${limit + 1}`,
  );
  const items = found.slice(0, limit).map((r) => presentEntry(r, standing, locale));
  return { items, nextCursor: found.length > limit ? String(found[limit - 1]!.id) : null };
}

function presentEntry(r: LogRow, standing: Standing, locale: string) {
  const topicVisible = r.topic_id !== null && canSeeTopic(standing, { hidden: !!r.topic_hidden, authorId: r.topic_author_id ?? 0 });
  const moderator: UserRow | null =
    r.mod_id === null
      ? null
      : {
          id: r.mod_id,
          handle: r.mod_handle,
          displayName: r.mod_display_name,
          avatarUrl: r.mod_avatar_url,
          createdAt: new Date(r.mod_created_at),
          // A moderator who deleted their account shows as a former member.
          deletedAt: r.mod_deleted_at === null ? null : new Date(r.mod_deleted_at),
        };
  return {
    id: r.id,
    action: r.action,
    moderator: moderator ? presentUser(moderator) : null,
    automatic: r.automatic,
    // "The system, by rule #R": the watched-word rule an automatic action followed.
    ruleId: r.rule_id === null ? null : Number(r.rule_id),
    undone: r.undone_at !== null,
    undoable: r.automatic && r.undone_at === null && UNDOABLE.includes(r.action) && canModerate(standing),
    target: {
      type: r.target_type,
      id: r.target_id,
      topicId: r.target_type === 'post' || r.target_type === 'topic' ? r.topic_id : null,
      postNumber: r.post_number,
      title: topicVisible ? r.topic_title : null,
      handle: r.user_handle,
      // The category as it is now (null once removed); `detail` has its name at the time.
      ...(r.target_type === 'category' ? { category: r.category_slug === null ? null : { slug: r.category_slug, name: r.category_name ?? '' } } : {}),
    },
    reason: reasonText(r.reason, r.reason_code, locale),
    reasonCode: isReasonCode(r.reason_code) ? r.reason_code : null,
    detail: r.detail,
    createdAt: new Date(r.created_at).toISOString(),
  };
}
