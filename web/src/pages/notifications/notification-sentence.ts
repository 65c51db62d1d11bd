// Explicit .js extensions: the tests run this file under Node's module resolution.
import { IDEA_STATUSES, type Notification } from '../../lib/api.js';
import { messageParts, t, type MessageKey, type MessageParams } from '../../lib/i18n.svelte.js';
import { reasonText } from '../../lib/reason-text.js';

/**
 * What a notification says, in three parts so that the page can set the topic's title apart:
 * `before` + `title` + `after` read as one sentence ("@ann replied in " “Lamp flickers” "").
 * Each kind is one whole message with a `{topic}` placeholder, cut around it here, so a translation
 * may put the title wherever its grammar wants it. Everything here is plain text: the page shows it
 * as text, never as HTML.
 */
export interface NotificationSentence {
  before: string;
  title: string;
  after: string;
}

const MODERATION_ACTIONS = ['hide_post', 'unhide_post', 'hide_topic', 'unhide_topic'] as const;
type ModerationAction = (typeof MODERATION_ACTIONS)[number] | 'other';

/** Each action's message, and its message with the reason (restoring gives none). */
const MODERATION: Record<ModerationAction, { plain: MessageKey; reason?: MessageKey }> = {
  hide_post: { plain: 'notification.moderation.hide_post', reason: 'notification.moderation.hide_post_reason' },
  unhide_post: { plain: 'notification.moderation.unhide_post' },
  hide_topic: { plain: 'notification.moderation.hide_topic', reason: 'notification.moderation.hide_topic_reason' },
  unhide_topic: { plain: 'notification.moderation.unhide_topic' },
  other: { plain: 'notification.moderation.other', reason: 'notification.moderation.other_reason' },
};

/** The reason as shown: the system's code in the reader's language, else the moderator's own words. */
const reasonOf = (data: Notification['data']): string | null => reasonText(data.reasonCode, data.reason);

export function notificationSentence(n: Notification): NotificationSentence {
  const actor = n.actor ? `@${n.actor.handle}` : n.kind === 'moderation' ? t('notification.a_moderator') : t('notification.someone');
  const title = n.topic?.title ?? n.community.name;
  const say = (key: MessageKey, params: MessageParams = {}): NotificationSentence => {
    const parts = messageParts(key, { actor, community: n.community.name, ...params }, ['topic']);
    const at = parts.findIndex((part) => typeof part !== 'string');
    const text = (pieces: typeof parts) => pieces.filter((piece) => typeof piece === 'string').join('');
    return at < 0 ? { before: text(parts), title, after: '' } : { before: text(parts.slice(0, at)), title, after: text(parts.slice(at + 1)) };
  };
  switch (n.kind) {
    case 'reply':
      return n.count > 1 ? say('notification.reply_many', { count: n.count }) : say('notification.reply');
    case 'mention':
      return say('notification.mention');
    case 'solution':
      return say('notification.solution');
    case 'new_topic':
      return say('notification.new_topic');
    case 'idea_status': {
      // The status is the text stored with the notification (a string): one the app does not know goes unnamed.
      const status = n.data.status && (IDEA_STATUSES as readonly string[]).includes(n.data.status) ? n.data.status : null;
      const note = n.data.note || null;
      if (status) return say(note ? 'notification.idea_status_note' : 'notification.idea_status', { status, note });
      return say(note ? 'notification.idea_status_unknown_note' : 'notification.idea_status_unknown', { note });
    }
    case 'moderation': {
      const action = (MODERATION_ACTIONS as readonly string[]).includes(n.data.action ?? '') ? (n.data.action as ModerationAction) : 'other';
      const reason = reasonOf(n.data);
      const keys = MODERATION[action];
      return reason && keys.reason ? say(keys.reason, { reason }) : say(keys.plain);
    }
    case 'reminder':
      return say('notification.reminder');
    default:
      return say('notification.other');
  }
}
