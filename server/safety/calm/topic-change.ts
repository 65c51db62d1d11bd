import { eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client.js';
import { communities, topics, type ReasonCode } from '../../../db/schema.js';
import { communityChannel, topicChannel } from '../../live/outbox.js';
import { logAction, type ModerationAction } from '../../moderation/moderation.log.js';
import { topicNotFound } from '../../topics/topics.load.js';
import { write, type ServiceContext } from '../../write/unit-of-work.js';

export interface CalmChange {
  topicId: number;
  /** Null when the system acts (a timer that came due). */
  moderatorId: number | null;
  action: ModerationAction;
  reasonCode?: ReasonCode | null;
  detail?: string | null;
  /**
   * The change, made under the topic row's lock; answers false when there was nothing to change
   * (then nothing is announced or logged), or the log entry's detail when only the change knows it.
   */
  apply(tx: Tx, current: { locked: boolean; slowModeSeconds: number }): Promise<boolean | { detail: string }>;
}

/**
 * A change to how a topic may be written in (slow mode, timers, a timer closing it) has the shape
 * of every topic action (server/moderation/moderation.topics.ts): lock the row, change it, tell
 * the topic's readers and the community's lists (`topic.updated`, which also clears the kept
 * topic pages and lists, in this process and through the bus in the others) and log it, in one
 * transaction. Answers whether anything changed.
 */
export async function changeTopicCalm(ctx: Pick<ServiceContext, 'db' | 'bus'>, change: CalmChange): Promise<boolean> {
  return write(ctx, async ({ tx, emit }) => {
    const [current] = await tx
      .select({ locked: topics.locked, slowModeSeconds: topics.slowModeSeconds, communityId: topics.communityId })
      .from(topics)
      .where(eq(topics.id, change.topicId))
      .for('update');
    if (!current) throw topicNotFound();
    const applied = await change.apply(tx, current);
    if (!applied) return false;
    const slug = await communitySlug(tx, current.communityId);
    await emit(topicChannel(change.topicId), 'topic.updated', { topicId: change.topicId });
    await emit(communityChannel(slug), 'topic.updated', { topicId: change.topicId });
    await logAction(tx, {
      communityId: current.communityId,
      moderatorId: change.moderatorId,
      action: change.action,
      targetType: 'topic',
      targetId: change.topicId,
      reasonCode: change.reasonCode ?? null,
      detail: typeof applied === 'object' ? applied.detail : (change.detail ?? null),
    });
    return true;
  });
}

async function communitySlug(tx: Tx, communityId: number): Promise<string> {
  const [row] = await tx.select({ slug: communities.slug }).from(communities).where(eq(communities.id, communityId));
  return row!.slug;
}
