/**
 * The signed-in reader's unread notification count, kept live: the header subscribes the reader's
 * own channel (`user:<id>`) and every notification event carries the new count. After each
 * (re)connect or a reset the count is read again over HTTP, since events may have been missed.
 */
import { api } from './api';
import { formatIn } from './i18n.svelte';
import type { LiveEvent, LiveEventOf, LiveHandlers } from './live';

/** A notification event from the reader's channel (its data may be null: no longer visible). */
export type NotificationEvent = LiveEventOf<'notification.created' | 'notification.updated' | 'notifications.read'>;

export function isNotificationEvent(e: LiveEvent): e is NotificationEvent {
  return e.event === 'notification.created' || e.event === 'notification.updated' || e.event === 'notifications.read';
}

class UnreadNotifications {
  /** Unread notifications; 0 for guests and until known. */
  count = $state(0);
  /** Bumped by every authoritative change, so a slower HTTP answer never overwrites a newer count. */
  #version = 0;

  set = (count: number): void => {
    this.#version++;
    this.count = Math.max(0, count);
  };

  /** Read the count over HTTP (after a reconnect, a reset, or when the reader changes). */
  refresh = async (): Promise<void> => {
    const version = ++this.#version;
    try {
      const count = await api.unreadNotificationCount();
      if (version === this.#version) this.count = Math.max(0, count);
    } catch {
      // Signed out meanwhile, or offline: the next reconnect reads it again.
    }
  };

  clear = (): void => {
    this.#version++;
    this.count = 0;
  };

  /** The handlers the header subscribes `user:<id>` with. */
  readonly handlers: LiveHandlers = {
    subscribed: () => void this.refresh(),
    reset: () => void this.refresh(),
    event: (e) => {
      if (!isNotificationEvent(e)) return;
      // No data: about something this reader may no longer see; the count is read again.
      if (e.data) this.set(e.data.unreadCount);
      else void this.refresh();
    },
  };
}

export const unreadNotifications = new UnreadNotifications();

/** "Notifications, 3 unread"; the badge shows "99+" past 99. */
export function unreadBadge(count: number): string {
  return count > 99 ? `${formatIn.number(99)}+` : formatIn.number(count);
}
