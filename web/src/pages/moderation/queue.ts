import type { Flag, FlagStatus, Post, QueueItem, Topic, User } from '../../lib/api';

export const QUEUE_STATUSES = ['open', 'resolved', 'dismissed', 'all'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

/** What a moderator just did from one queue item; it can settle other items too. */
export type QueueOutcome =
  | { type: 'post'; post: Post; outcome: 'hidden' | 'visible'; wasHidden: boolean }
  | { type: 'topic'; topic: Topic; outcome: 'hidden' | 'visible' }
  | { type: 'flag'; flag: Flag };

/**
 * The queue as it stands after an action, without reloading it: mirrors the server's
 * settleQueue. A flag asks for the content to go, so hiding resolves it and restoring dismisses
 * it; a held first post and a review request ask for it to stay, so the opposite. Settled items
 * stay in the list (showing the verdict) until the next load, so nothing jumps under the pointer.
 */
export function applyOutcome(items: QueueItem[], change: QueueOutcome, me: User | null, now = new Date().toISOString()): QueueItem[] {
  const settle = (item: QueueItem, outcome: 'hidden' | 'visible'): QueueItem => {
    if (item.status !== 'open') return item;
    const forFlags: FlagStatus = outcome === 'hidden' ? 'resolved' : 'dismissed';
    const forOthers: FlagStatus = outcome === 'hidden' ? 'dismissed' : 'resolved';
    return { ...item, status: item.kind === 'flag' ? forFlags : forOthers, resolvedBy: me, resolvedAt: now };
  };

  switch (change.type) {
    case 'post':
      return items.map((item) => {
        if (item.postId !== change.post.id) return item;
        // Restoring a post that was not hidden changes nothing on the server.
        const settles = item.targetType === 'post' && (change.outcome === 'hidden' || change.wasHidden);
        const updated = { ...item, post: change.post, openFlags: settles ? 0 : item.openFlags };
        return settles ? settle(updated, change.outcome) : updated;
      });
    case 'topic':
      return items.map((item) => {
        if (item.topicId !== change.topic.id) return item;
        const topic = { ...item.topic, title: change.topic.title, hidden: change.topic.hidden, locked: change.topic.locked };
        const updated = { ...item, topic };
        return item.targetType === 'topic' ? settle(updated, change.outcome) : updated;
      });
    case 'flag': {
      const before = items.find((item) => item.id === change.flag.id);
      const closesMemberFlag = before?.status === 'open' && before.kind === 'flag' && change.flag.status !== 'open';
      return items.map((item) => {
        if (item.id === change.flag.id) {
          return {
            ...item,
            status: change.flag.status,
            resolvedBy: me,
            resolvedAt: now,
            openFlags: closesMemberFlag ? Math.max(0, item.openFlags - 1) : item.openFlags,
          };
        }
        if (closesMemberFlag && item.postId === change.flag.postId) return { ...item, openFlags: Math.max(0, item.openFlags - 1) };
        return item;
      });
    }
  }
}
