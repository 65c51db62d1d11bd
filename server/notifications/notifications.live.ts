/**
 * What the events of a reader's own channel (`user:<id>`) carry, loaded through the same
 * reads and presenter as HTTP. Only that reader may subscribe to the channel.
 */
import { inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { users } from '../../db/schema.js';
import { userViewer } from '../visibility/viewer.js';
import type { ApiNotification } from './notifications.present.js';
import { countUnreadOf, visibleByIdsOf } from './notifications.service.js';

export interface UserChannelData {
  /** Notifications the events refer to that the reader may see now; absent ones render as null. */
  notifications: Map<number, ApiNotification>;
  /** Current, not as of each event: a badge shows how things are. */
  unreadCount: number;
}

/**
 * For many readers at once (a reply tells every watcher, and their channels are loaded together):
 * the readers in one query, the notifications in one, the unread counts in one, whatever their
 * number. Readers that no longer exist are absent.
 */
export async function loadUserChannelData(db: Executor, wants: Map<number, number[]>): Promise<Map<number, UserChannelData>> {
  const result = new Map<number, UserChannelData>();
  if (!wants.size) return result;
  const found = await db
    .select({
      id: users.id,
      handle: users.handle,
      displayName: users.displayName,
      avatarUrl: users.avatarUrl,
      createdAt: users.createdAt,
      isSiteAdmin: users.isSiteAdmin,
    })
    .from(users)
    .where(inArray(users.id, [...wants.keys()]));
  const viewers = found.map((user) => userViewer(user));
  const [notifications, counts] = await Promise.all([
    visibleByIdsOf(
      db,
      viewers.map((viewer) => ({ viewer, ids: wants.get(viewer.user!.id) ?? [] })),
    ),
    countUnreadOf(db, viewers),
  ]);
  for (const { user } of viewers) {
    result.set(user!.id, { notifications: notifications.get(user!.id) ?? new Map<number, ApiNotification>(), unreadCount: counts.get(user!.id) ?? 0 });
  }
  return result;
}
