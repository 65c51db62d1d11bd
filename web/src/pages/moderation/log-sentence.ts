import { formatIn } from '../../lib/i18n.svelte';
import type { ModerationLogEntry } from '../../lib/api';

import { topicHref, userHref } from '../../router';

/** A piece of a log sentence: plain text, or a link. Rendered as text nodes, never as HTML. */
export interface Part {
  text: string;
  href?: string;
}

/** "@mod", linking to their profile; the system when nobody acted. */
export function actorParts(entry: ModerationLogEntry): Part[] {
  if (entry.moderator) return [{ text: `@${entry.moderator.handle}`, href: userHref(entry.moderator.handle) }];
  return [{ text: entry.automatic ? 'The system' : 'A former moderator' }];
}

/** “Title”, linked; "a hidden topic" when the viewer may not see it (the server sends no title). */
function topicParts(entry: ModerationLogEntry, slug: string): Part[] {
  const { topicId, title } = entry.target;
  if (topicId === null) return [{ text: 'a topic that no longer exists' }];
  if (title === null) return [{ text: 'a hidden topic' }];
  return [{ text: `“${title}”`, href: topicHref(slug, { id: topicId, title }) }];
}

/** "the topic “Title”", or just "a hidden topic". */
function theTopicParts(entry: ModerationLogEntry, slug: string): Part[] {
  const parts = topicParts(entry, slug);
  return parts[0]?.href ? [{ text: 'the topic ' }, ...parts] : parts;
}

/** "post #3 in “Title”", the post number linking to the post itself. */
function postParts(entry: ModerationLogEntry, slug: string): Part[] {
  const { topicId, title, postNumber } = entry.target;
  if (postNumber === null) return [{ text: 'a post that no longer exists' }];
  const post: Part =
    topicId !== null && title !== null
      ? { text: `post #${postNumber}`, href: `${topicHref(slug, { id: topicId, title })}#post-${postNumber}` }
      : { text: `post #${postNumber}` };
  return [post, { text: ' in ' }, ...topicParts(entry, slug)];
}

function userParts(entry: ModerationLogEntry): Part[] {
  const handle = entry.target.handle;
  return handle ? [{ text: `@${handle}`, href: userHref(handle) }] : [{ text: 'a former member' }];
}

/** The server's `detail` of a ban: "until <ISO time>" or "permanent". */
function banEnd(detail: string | null): string {
  const until = detail?.match(/^until (.+)$/)?.[1];
  if (until) return ` until ${formatIn.dateTime(until)}`;
  return detail === 'permanent' ? ', with no end' : '';
}

/** The server's `detail` of a settled queue item is its kind's code. */
function queueItem(detail: string | null): string {
  switch (detail) {
    case 'flag':
      return 'a member flag on ';
    case 'first_post':
      return 'the hold on ';
    case 'review_request':
      return 'a review request for ';
    default:
      return 'a queue item on ';
  }
}

/**
 * What the actor did, as the rest of a sentence after their name: "hid post #3 in “Title”".
 * Automatic entries carry their explanation here ("after 3 flags (pending review)"), so the
 * words of their reason code are left out by the caller.
 */
export function actionParts(entry: ModerationLogEntry, slug: string): Part[] {
  const t = (text: string): Part => ({ text });
  const topic = () => theTopicParts(entry, slug);
  const post = () => postParts(entry, slug);
  switch (entry.action) {
    case 'pin_topic':
      return [t('pinned '), ...topic()];
    case 'unpin_topic':
      return [t('unpinned '), ...topic()];
    case 'lock_topic':
      return [t('locked '), ...topic()];
    case 'unlock_topic':
      return [t('unlocked '), ...topic()];
    case 'hide_topic':
      return [t('hid '), ...topic()];
    case 'unhide_topic':
      return [t('restored '), ...topic()];
    case 'pin_post':
      return [t('pinned '), ...post()];
    case 'unpin_post':
      return [t('unpinned '), ...post()];
    case 'hide_post':
      if (entry.automatic) {
        // `detail` is the number of flags that hid it.
        return [t('hid '), ...post(), t(`${entry.detail ? ` after ${entry.detail} flags` : ''} (pending review)`)];
      }
      return [t('hid '), ...post()];
    case 'unhide_post':
      return [t('restored '), ...post()];
    case 'hold_post':
      return [t('held '), ...post(), t(' for approval (a member’s first post)')];
    case 'hold_topic':
      return [t('held '), ...topic(), t(' for approval (a member’s first topic)')];
    case 'resolve_flag':
      return [t(`resolved ${queueItem(entry.detail)}`), ...post()];
    case 'dismiss_flag':
      return [t(`dismissed ${queueItem(entry.detail)}`), ...post()];
    case 'ban_user':
      return [t('banned '), ...userParts(entry), t(banEnd(entry.detail))];
    case 'unban_user':
      return [t('lifted the ban on '), ...userParts(entry)];
    case 'change_role':
      return [t('changed '), ...userParts(entry), t(`’s role${entry.detail ? `: ${entry.detail}` : ''}`)];
    default: {
      // An action newer than this client: say what we can rather than nothing.
      const action: string = entry.action;
      return [t(`${action.replace(/_/g, ' ')} `), ...(entry.target.type === 'user' ? userParts(entry) : entry.target.type === 'post' ? post() : topic())];
    }
  }
}

/** The reason shown after the sentence, or null. Automatic actions explain themselves already. */
export function shownReason(entry: ModerationLogEntry): string | null {
  if (entry.automatic) return null;
  return entry.reason?.trim() || null;
}
