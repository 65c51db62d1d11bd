import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';

/**
 * Acting on content settles the queue items about it. A flag asks for the content to go, so
 * hiding resolves it and restoring dismisses it; a held first post and an author's review
 * request ask for it to stay, so the opposite holds for them.
 */
export async function settleQueue(
  tx: Executor,
  target: { type: 'post' | 'topic'; id: number },
  outcome: 'hidden' | 'visible',
  moderatorId: number,
): Promise<number> {
  const [forFlags, forOthers] = outcome === 'hidden' ? ['resolved', 'dismissed'] : ['dismissed', 'resolved'];
  const column = target.type === 'post' ? sql.raw('post_id') : sql.raw('topic_id');
  const settled = await rows<{ id: number }>(
    tx,
    sql`
    UPDATE queue_items SET status = CASE WHEN kind = 'flag' THEN ${forFlags} ELSE ${forOthers} END,
      resolved_by_id = ${moderatorId}, resolved_at = now()
    WHERE status = 'open' AND target_type = ${target.type} AND ${column} = ${target.id}
    RETURNING id`,
  );
  return settled.length;
}
