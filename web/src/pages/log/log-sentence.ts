// First: the log's words load with it (a chunk of their own), before any sentence is made.
import './log-messages';
import { formatIn, messageParts, t, type MessageKey, type MessageParams } from '../../lib/i18n.svelte';
import { IDEA_STATUSES, type ModerationLogEntry } from '../../lib/api';

import { communityHref, topicHref, userHref } from '../../router';
import { reasonText } from '../../lib/reason-text';
import { paceUnit } from '../../lib/composer/slow-mode.svelte';

/** A piece of a log sentence: plain text, or a link. Rendered as text nodes, never as HTML. */
export interface Part {
  text: string;
  href?: string;
}

/**
 * A message whose named placeholders are filled with parts (links, or smaller messages cut into
 * parts themselves), so each sentence stays one message that translators can reorder.
 */
function fill(key: MessageKey, params: MessageParams, slots: Record<string, Part[]> = {}): Part[] {
  return messageParts(key, params, Object.keys(slots)).flatMap((piece) => (typeof piece === 'string' ? [{ text: piece }] : (slots[piece.slot] ?? [])));
}

/** "@mod", linking to their profile; the system when nobody acted. */
export function actorParts(entry: ModerationLogEntry): Part[] {
  // A moderator who deleted their account has a placeholder handle and no profile.
  if (entry.moderator?.deleted) return [{ text: t('log.actor.former_member') }];
  if (entry.moderator) return [{ text: `@${entry.moderator.handle}`, href: userHref(entry.moderator.handle) }];
  // "The system, by rule #12": a watched-word rule acted.
  if (entry.automatic && entry.ruleId !== null) return [{ text: t('log.actor.system_rule', { rule: String(entry.ruleId) }) }];
  return [{ text: entry.automatic ? t('log.actor.system') : t('log.actor.former_moderator') }];
}

/** The topic's title, linked, or null when it is gone or the viewer may not see it (the server sends no title). */
function titleLink(entry: ModerationLogEntry, slug: string): Part[] | null {
  const { topicId, title } = entry.target;
  return topicId !== null && title !== null ? [{ text: title, href: topicHref(slug, { id: topicId, title }) }] : null;
}

/** "the topic “Title”", "a hidden topic" or "a topic that no longer exists". */
function topicParts(entry: ModerationLogEntry, slug: string): Part[] {
  const title = titleLink(entry, slug);
  const state = title ? 'shown' : entry.target.topicId === null ? 'gone' : 'hidden';
  return fill('log.topic', { state }, title ? { title } : {});
}

/** "post #3 in “Title”", the post number linking to the post itself. */
function postParts(entry: ModerationLogEntry, slug: string): Part[] {
  const { topicId, title, postNumber } = entry.target;
  if (postNumber === null) return fill('log.post', { state: 'gone' });
  const text = t('log.post_number', { number: String(postNumber) });
  const link = titleLink(entry, slug);
  const post: Part[] =
    link && topicId !== null && title !== null ? [{ text, href: `${topicHref(slug, { id: topicId, title })}#post-${postNumber}` }] : [{ text }];
  const state = link ? 'shown' : topicId === null ? 'topic_gone' : 'hidden';
  return fill('log.post', { state }, link ? { post, title: link } : { post });
}

/** The member acted on: "@handle", linked, or (in the message) "a former member". */
function userSlot(entry: ModerationLogEntry): { params: MessageParams; slots: Record<string, Part[]> } {
  const handle = entry.target.handle;
  return handle ? { params: { who: 'known' }, slots: { user: [{ text: `@${handle}`, href: userHref(handle) }] } } : { params: { who: 'former' }, slots: {} };
}

/** The server's `detail` of a ban: "until <ISO time>" or "permanent". */
function banEnd(detail: string | null): MessageParams {
  const until = detail?.match(/^until (.+)$/)?.[1];
  if (until) return { end: 'until', until: formatIn.dateTime(until) };
  return { end: detail === 'permanent' ? 'permanent' : 'none' };
}

/** The server's `detail` of a role change: "member → staff", each role in the reader's words. */
function roleChange(detail: string | null): MessageParams {
  if (!detail) return { change: 'none' };
  const roles = detail.match(/^(\S+) → (\S+)$/);
  if (!roles?.[1] || !roles[2]) return { change: 'raw', detail };
  return { change: 'roles', from: t('log.role', { role: roles[1] }), to: t('log.role', { role: roles[2] }) };
}

/** The server's `detail` of a category action: names and slugs as they were then (JSON). */
function categoryFacts(detail: string | null): Record<string, unknown> {
  try {
    const facts: unknown = JSON.parse(detail ?? '');
    return facts && typeof facts === 'object' ? (facts as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The category's name as the action left it, linked to the category while it still exists. */
function categoryParts(entry: ModerationLogEntry, slug: string, name: string): Part[] {
  const now = entry.target.category;
  return [{ text: name || now?.name || '?', ...(now ? { href: communityHref(slug, { category: now.slug }) } : {}) }];
}

function categorySentence(entry: ModerationLogEntry, slug: string, actor: Part[]): Part[] {
  const facts = categoryFacts(entry.detail);
  switch (entry.action) {
    case 'add_category':
      return fill('log.add_category', {}, { actor, category: categoryParts(entry, slug, text(facts.name)) });
    case 'rename_category': {
      const address = facts.toSlug !== undefined && facts.toSlug !== facts.slug ? 'changed' : 'same';
      return fill(
        'log.rename_category',
        { from: text(facts.name), address, toSlug: text(facts.toSlug) },
        { actor, category: categoryParts(entry, slug, text(facts.to)) },
      );
    }
    case 'describe_category':
      return fill('log.describe_category', {}, { actor, category: categoryParts(entry, slug, text(facts.name)) });
    case 'reorder_categories': {
      const order = Array.isArray(facts.order) ? facts.order.map(text).join(', ') : '';
      return fill('log.reorder_categories', { order }, { actor });
    }
    default: {
      const topics = typeof facts.topics === 'number' ? facts.topics : 0;
      return fill('log.remove_category', { name: text(facts.name), topics, moveTo: text(facts.moveToName) }, { actor });
    }
  }
}

/**
 * The server's `detail` of an inbox rules change: `{rules}`, the changed rules as they became, each
 * said as "no reply after 48 hours (on)".
 */
function inboxRuleChanges(detail: string | null): string {
  const rules = categoryFacts(detail).rules;
  if (!Array.isArray(rules)) return '';
  return rules
    .map((rule: unknown) => {
      const r = rule && typeof rule === 'object' ? (rule as Record<string, unknown>) : {};
      const n = [r.hours, r.days, r.votes].find((v) => typeof v === 'number');
      return t('log.inbox_rule', { kind: text(r.kind), n: typeof n === 'number' ? n : 0, enabled: r.enabled === false ? 'no' : 'yes' });
    })
    .join(', ');
}

/** The server's `detail` of a settled queue item is its kind's code. */
function queueKind(detail: string | null): string {
  return detail === 'flag' || detail === 'first_post' || detail === 'review_request' ? detail : 'other';
}

/** The server's `detail` of a `change_settings`: the moderation settings that changed, as they became (JSON). */
function settingChanges(detail: string | null): string {
  return Object.entries(categoryFacts(detail))
    .map(([setting, value]) =>
      t('log.setting', { setting, value: typeof value === 'boolean' ? (value ? 'on' : 'off') : 'number', n: typeof value === 'number' ? value : 0 }),
    )
    .join(', ');
}

/** "one reply every 2 minutes", "slow mode off": the seconds of a `set_slow_mode`. */
function paceWords(seconds: number): string {
  return seconds > 0 ? t('moderation.calm.pace', paceUnit(seconds)) : t('moderation.calm.pace_off');
}

/**
 * Calmer threads (slow mode, topic timers, holding new members' links, the settings' changes):
 * their sentences, or null for any other entry.
 */
function calmSentence(entry: ModerationLogEntry, slug: string, actor: Part[]): Part[] | null {
  const topic = () => topicParts(entry, slug);
  const facts = () => categoryFacts(entry.detail);
  switch (entry.action) {
    case 'set_slow_mode':
      return fill('log.set_slow_mode', { pace: paceWords(Number(entry.detail)) }, { actor, topic: topic() });
    case 'set_topic_timer': {
      const f = facts();
      const params =
        typeof f.idleDays === 'number'
          ? { action: text(f.action), kind: 'idle', days: f.idleDays, at: '' }
          : { action: text(f.action), kind: 'at', days: 0, at: typeof f.at === 'string' ? formatIn.dateTime(f.at) : '' };
      return fill('log.set_topic_timer', params, { actor, topic: topic() });
    }
    case 'clear_topic_timer':
      return fill('log.clear_topic_timer', { action: text(facts().action) }, { actor, topic: topic() });
    case 'change_settings': {
      const changes = settingChanges(entry.detail);
      return fill('log.change_settings', { changes, listed: changes ? 'yes' : 'no' }, { actor });
    }
    case 'lock_topic':
    case 'unlock_topic':
      return entry.automatic && entry.reasonCode === 'topic_timer' ? fill('log.topic_timer_ran', { action: entry.action }, { actor, topic: topic() }) : null;
    case 'hold_post':
      return entry.reasonCode === 'held_links' ? fill('log.held_links', { target: 'post' }, { actor, target: postParts(entry, slug) }) : null;
    case 'hold_topic':
      return entry.reasonCode === 'held_links' ? fill('log.held_links', { target: 'topic' }, { actor, target: topic() }) : null;
    default:
      return null;
  }
}

/** What a watched-word rule held or flagged (server/safety/watched-words/), or null for any other entry. */
function ruleSentence(entry: ModerationLogEntry, slug: string, actor: Part[]): Part[] | null {
  if (entry.reasonCode !== 'watched_word') return null;
  switch (entry.action) {
    case 'hold_post':
      return fill('log.rule_hold', {}, { actor, target: postParts(entry, slug) });
    case 'hold_topic':
      return fill('log.rule_hold', {}, { actor, target: topicParts(entry, slug) });
    case 'flag_post':
      return fill('log.rule_flag', {}, { actor, post: postParts(entry, slug) });
    default:
      return null;
  }
}

/**
 * The whole sentence of a log entry: "@mod hid post #3 in “Title”". Automatic entries carry
 * their explanation in it ("after 3 flags (pending review)"), so the words of their reason code
 * are left out (see shownReason).
 */
export function logSentence(entry: ModerationLogEntry, slug: string): Part[] {
  const actor = actorParts(entry);
  const topic = () => topicParts(entry, slug);
  const post = () => postParts(entry, slug);
  const calm = calmSentence(entry, slug, actor) ?? ruleSentence(entry, slug, actor);
  if (calm) return calm;
  switch (entry.action) {
    case 'pin_topic':
    case 'unpin_topic':
    case 'lock_topic':
    case 'unlock_topic':
    case 'hide_topic':
    case 'unhide_topic':
    case 'hold_topic':
      return fill('log.topic_action', { action: entry.action }, { actor, topic: topic() });
    case 'hide_post':
      if (entry.automatic) {
        // `detail` is the number of flags that hid it.
        const flags = Number(entry.detail);
        return fill('log.post_auto_hidden', { flags: Number.isFinite(flags) ? flags : 0 }, { actor, post: post() });
      }
      return fill('log.post_action', { action: entry.action }, { actor, post: post() });
    case 'pin_post':
    case 'unpin_post':
    case 'unhide_post':
    case 'hold_post':
      return fill('log.post_action', { action: entry.action }, { actor, post: post() });
    case 'resolve_flag':
    case 'dismiss_flag':
      return fill('log.queue_item', { action: entry.action, kind: queueKind(entry.detail) }, { actor, post: post() });
    case 'ban_user': {
      const user = userSlot(entry);
      return fill('log.ban', { ...user.params, ...banEnd(entry.detail) }, { actor, ...user.slots });
    }
    case 'unban_user': {
      const user = userSlot(entry);
      return fill('log.unban', user.params, { actor, ...user.slots });
    }
    case 'change_role': {
      const user = userSlot(entry);
      return fill('log.change_role', { ...user.params, ...roleChange(entry.detail) }, { actor, ...user.slots });
    }
    case 'clear_idea_status': {
      // `detail` is the status it had.
      const had = IDEA_STATUSES.find((s) => s === entry.detail);
      const params = had ? { had: 'yes', status: t('app.idea_status', { status: had }) } : { had: 'no' };
      return fill('log.idea_status_cleared', params, { actor, topic: topic() });
    }
    case 'add_category':
    case 'rename_category':
    case 'describe_category':
    case 'reorder_categories':
    case 'remove_category':
      return categorySentence(entry, slug, actor);
    case 'change_inbox_rules': {
      const changes = inboxRuleChanges(entry.detail);
      return fill('log.change_inbox_rules', { changes, listed: changes ? 'yes' : 'no' }, { actor });
    }
    case 'suspend_user': {
      // `detail`: {removed, posts, topics}, what the suspension hid in this community.
      const user = userSlot(entry);
      const facts = categoryFacts(entry.detail);
      const count = (v: unknown) => (typeof v === 'number' ? v : 0);
      const removed = facts.removed === true ? 'yes' : 'no';
      return fill('log.suspend_user', { ...user.params, removed, posts: count(facts.posts), topics: count(facts.topics) }, { actor, ...user.slots });
    }
    case 'unsuspend_user': {
      const user = userSlot(entry);
      return fill('log.unsuspend_user', user.params, { actor, ...user.slots });
    }
    default: {
      // An action newer than this client: say what we can rather than nothing.
      const action: string = entry.action;
      const type = entry.target.type;
      let target: Part[];
      if (type === 'user') {
        const user = userSlot(entry);
        target = fill('log.user', user.params, user.slots);
      } else {
        target = type === 'post' ? post() : topic();
      }
      return fill('log.unknown', { action: action.replace(/_/g, ' ') }, { actor, target });
    }
  }
}

/**
 * The reason shown after the sentence, or null. Automatic actions explain themselves already.
 * A reason with a code (a system reason, or a moderator's canned one) is said in the reader's
 * language; a moderator's own words are shown as written.
 */
export function shownReason(entry: ModerationLogEntry): string | null {
  if (entry.automatic) return null;
  return reasonText(entry.reasonCode, entry.reason?.trim());
}
