/**
 * What the events of a reader's own channel (`user:<id>`) carry, loaded through the same
 * reads and presenter as HTTP. Only that reader may subscribe to the channel.
 */
import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { users } from '../../db/schema.js';
import { userViewer } from '../visibility/viewer.js';
import type { ApiNotification } from './notifications.present.js';
import { countUnread, visibleByIds } from './notifications.service.js';

export interface UserChannelData {
  /** Notifications the events refer to that the reader may see now; absent ones render as null. */
  notifications: Map<number, ApiNotification>;
  /** Current, not as of each event: a badge shows how things are. */
  unreadCount: number;
}

export async function loadUserChannelData(db: Executor, userId: number, notificationIds: number[]): Promise<UserChannelData> {
  const [user] = await db
    .select({
      id: users.id,
      handle: users.handle,
      displayName: users.displayName,
      avatarUrl: users.avatarUrl,
      createdAt: users.createdAt,
      isSiteAdmin: users.isSiteAdmin,
    })
    .from(users)
    .where(eq(users.id, userId));
  if (!user) return { notifications: new Map(), unreadCount: 0 };
  const viewer = userViewer(user);
  return { notifications: await visibleByIds(db, viewer, notificationIds), unreadCount: await countUnread(db, viewer) };
}
