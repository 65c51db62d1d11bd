import { sql } from 'drizzle-orm';
import { rows } from '../../db/client.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { markReadByPosition } from '../notifications/notifications.service.js';
import { unauthorized } from '../errors/errors.js';
import { loadVisibleTopic } from '../topics/topics.load.js';
import type { Viewer } from '../visibility/viewer.js';

/**
 * Records how far the viewer has read a topic. The position only moves forward (two tabs, or a
 * late request from a page read earlier, cannot move it back) and never past the topic's last
 * post, whatever number the client sends. Reading past what a notification points at reads
 * the notification too.
 */
export async function recordReadPosition(ctx: ServiceContext, viewer: Viewer, topicId: number, number: number) {
  const { db } = ctx;
  const user = viewer.user;
  if (!user) throw unauthorized();
  await loadVisibleTopic(db, viewer, topicId);
  const [row] = await rows<{ last_read_number: number }>(
    db,
    sql`
    INSERT INTO topic_reads (user_id, topic_id, last_read_number, updated_at)
    SELECT ${user.id}, t.id, least(${number}::int, t.last_number), now() FROM topics t WHERE t.id = ${topicId}
    ON CONFLICT (user_id, topic_id) DO UPDATE
      SET last_read_number = greatest(topic_reads.last_read_number, excluded.last_read_number), updated_at = now()
    RETURNING last_read_number`,
  );
  const lastReadNumber = Number(row?.last_read_number ?? 0);
  await markReadByPosition(ctx, user.id, topicId, lastReadNumber);
  return { lastReadNumber };
}
