// Explicit .js extensions: the tests run this file under Node's module resolution.
import type { Notification } from '../../lib/api.js';
import { t } from '../../lib/i18n.svelte.js';

/** Where the setting that decides a notification lives. */
export type ReasonSetting = 'topic' | 'category' | 'account';

/**
 * Why the reader was told, and which setting to change for less (or more) of it: plain text, and
 * `setting` null when none would (a moderator's action on your post always reaches you).
 */
export interface NotificationReasonLine {
  text: string;
  setting: { where: ReasonSetting; label: string } | null;
}

const SETTING: Record<NonNullable<Notification['reason']>, ReasonSetting | null> = {
  // The mentions a reader gets are theirs to choose in their account (mail, and muting topics).
  mention: 'account',
  own_post: 'topic',
  own_topic: 'topic',
  watching_topic: 'topic',
  watching_category: 'category',
  voted: 'topic',
  moderation: null,
};

/** Null when the notification does not say (stored before reasons were). */
export function notificationReason(n: Notification): NotificationReasonLine | null {
  if (!n.reason) return null;
  let where = SETTING[n.reason];
  // Without its topic or category (none of today's kinds) it can only point at the account.
  if ((where === 'topic' && !n.topic) || (where === 'category' && !n.category)) where = 'account';
  return {
    text: t('notification.reason.because', { reason: n.reason }),
    setting: where ? { where, label: t('notification.reason.setting', { target: where }) } : null,
  };
}
