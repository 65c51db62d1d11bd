import { INBOX_VIEWS, type InboxItem, type InboxKind, type InboxRule, type InboxView } from '../../lib/api-inbox';
import type { MessageParams } from '../../lib/i18n.svelte';
import { p, topicHref } from '../../router';

export function inboxHref(slug: string, view: InboxView = 'open'): string {
  const params = { slug: encodeURIComponent(slug) };
  // "open" is the default: keep its URL clean (and sv-router 0.16 mangles an empty search).
  return view === 'open' ? p('/c/:slug/inbox', { params }) : p('/c/:slug/inbox', { params, search: { view } });
}

export const viewOf = (param: string | null): InboxView => INBOX_VIEWS.find((v) => v === param) ?? 'open';

/** The server's defaults (contract "Inbox"), for a rule the reply leaves out. */
export const DEFAULT_RULES: Readonly<Record<InboxKind, InboxRule>> = {
  no_reply: { kind: 'no_reply', enabled: true, hours: 24 },
  asker_waiting: { kind: 'asker_waiting', enabled: true, hours: 24 },
  stale_unsolved: { kind: 'stale_unsolved', enabled: true, days: 7 },
  popular_idea: { kind: 'popular_idea', enabled: true, votes: 10 },
  mentions_staff: { kind: 'mentions_staff', enabled: true, days: 7 },
  held: { kind: 'held', enabled: true },
  flagged: { kind: 'flagged', enabled: true },
};

/** Which threshold a kind of rule has, and the range the server accepts for it. */
export type Threshold = 'hours' | 'days' | 'votes';
export const THRESHOLDS: Readonly<Record<InboxKind, { field: Threshold; min: number; max: number } | null>> = {
  no_reply: { field: 'hours', min: 1, max: 720 },
  asker_waiting: { field: 'hours', min: 1, max: 720 },
  stale_unsolved: { field: 'days', min: 1, max: 90 },
  popular_idea: { field: 'votes', min: 1, max: 100_000 },
  mentions_staff: { field: 'days', min: 1, max: 90 },
  held: null,
  flagged: null,
};

export function ruleFor(rules: readonly InboxRule[], kind: InboxKind): InboxRule {
  return { ...DEFAULT_RULES[kind], ...rules.find((rule) => rule.kind === kind) };
}

/**
 * The parameters of `inbox.item.why` for one item: its kind, the rule's threshold, and what the
 * item itself counts (an idea's votes, a post's flags) where it says more than the rule.
 */
export function whyParams(item: InboxItem, rules: readonly InboxRule[]): MessageParams {
  const rule = ruleFor(rules, item.kind);
  return {
    kind: item.kind,
    hours: rule.hours ?? DEFAULT_RULES[item.kind].hours ?? 0,
    days: rule.days ?? DEFAULT_RULES[item.kind].days ?? 0,
    votes: item.detail.votes ?? rule.votes ?? 0,
    flags: item.detail.flags ?? 1,
  };
}

/** Whether an item, as it is now, belongs in a view (after an action, before the list is read again). */
export function belongsIn(item: InboxItem, view: InboxView, me: number | null): boolean {
  const state = item.claim?.state ?? null;
  switch (view) {
    case 'open':
      return state === null || state === 'taken';
    case 'taken':
      return state === 'taken' && item.claim?.by.id === me;
    case 'snoozed':
      return state === 'snoozed';
    case 'done':
      return state === 'done';
  }
}

/**
 * Where an item leads: held and flagged content to its place in the review queue (for those who
 * may open it), everything else to the post (the topic, for its opening post).
 */
export function itemHref(slug: string, item: InboxItem, canModerate: boolean): string | null {
  if ((item.kind === 'held' || item.kind === 'flagged') && canModerate) {
    const queue = p('/c/:slug/queue', { params: { slug: encodeURIComponent(slug) } });
    return item.detail.queueItemId !== undefined ? `${queue}#queue-item-${item.detail.queueItemId}` : queue;
  }
  if (!item.topic) return null;
  const topic = topicHref(slug, item.topic);
  return item.post && item.post.number > 1 ? `${topic}#post-${item.post.number}` : topic;
}

export const HOUR_MS = 3_600_000;
export const SNOOZES = [
  { length: 'hour', ms: HOUR_MS },
  { length: 'day', ms: 24 * HOUR_MS },
  { length: 'week', ms: 7 * 24 * HOUR_MS },
] as const;
export type SnoozeLength = (typeof SNOOZES)[number]['length'];
