import type { NotificationKind, NotificationReason, ReasonCode, Role, TopicKind } from '../../db/schema.js';
import { shownReason } from './notifications.reasons.js';
import { isReasonCode, reasonText } from '../moderation/system-reasons.js';
import { presentUser, type ApiUser, type UserRow } from '../users/users.present.js';
import { canReadPostBody, canSeeTopic, type Standing } from '../visibility/visibility.js';
import type { Viewer } from '../visibility/viewer.js';

/** A stored notification with what deciding and presenting it needs, as one reader's row. */
export interface NotificationRow {
  id: number;
  kind: NotificationKind;
  count: number;
  data: Record<string, unknown>;
  /** As stored: null on rows from before reasons were stored. */
  reason: string | null;
  readAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  community: { id: number; slug: string; name: string };
  topic: { id: number; title: string; kind: TopicKind; hidden: boolean; authorId: number; categorySlug: string } | null;
  post: { id: number; number: number; hidden: boolean; deleted: boolean; authorId: number; html: string } | null;
  actor: UserRow | null;
  /** The reader's role in the notification's community, null when not a member. */
  readerRole: Role | null;
}

export interface ApiNotification {
  id: number;
  kind: NotificationKind;
  read: boolean;
  createdAt: string;
  updatedAt: string;
  count: number;
  community: { slug: string; name: string };
  topic: { id: number; title: string; kind: TopicKind } | null;
  category: string | null;
  post: { id: number; number: number; excerpt: string | null } | null;
  actor: ApiUser | null;
  reason: NotificationReason | null;
  data: { action?: string; reason?: string | null; reasonCode?: ReasonCode | null; status?: string; note?: string | null };
}

/** Kinds that are about what a post says: unreadable post, no notification. */
export const ABOUT_A_POST: ReadonlySet<NotificationKind> = new Set<NotificationKind>(['reply', 'mention', 'new_topic', 'solution']);

/** What deciding a notification's visibility looks at (counting unread reads no more than this). */
export interface VisibilityFacts {
  kind: NotificationKind;
  readerRole: Role | null;
  topic: { hidden: boolean; authorId: number } | null;
  post: { hidden: boolean; deleted: boolean; authorId: number } | null;
}

const standingOf = (viewer: Viewer, row: Pick<VisibilityFacts, 'readerRole'>): Standing => ({ viewer, role: row.readerRole });

/**
 * Whether the reader may see this notification now: the topic must be one they may see and,
 * for notifications about what a post says, the post one they may read. Decided when read, so
 * hiding a post or topic takes its notifications away from everyone who may no longer see it.
 */
export function isVisible(viewer: Viewer, row: VisibilityFacts): boolean {
  const standing = standingOf(viewer, row);
  if (row.topic && !canSeeTopic(standing, row.topic)) return false;
  if (row.post && ABOUT_A_POST.has(row.kind) && !canReadPostBody(standing, row.post)) return false;
  return true;
}

export const EXCERPT_LENGTH = 140;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

const decodeEntity = (whole: string, name: string): string => {
  if (name[0] === '#') {
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  }
  return ENTITIES[name.toLowerCase()] ?? whole;
};

/**
 * Plain text from a post's rendered (sanitised) HTML, for a one-line preview. Clients show it as
 * text, never as HTML. Cut on a character boundary (an emoji is never split) with an ellipsis.
 */
export function plainExcerpt(html: string, max = EXCERPT_LENGTH): string {
  // Most posts give their first words within a few hundred characters of markup: those are read
  // first, and the whole only when they fall short (a long link, a code block's highlighting).
  // Enough text to spare that a tag or entity cut at the end of the slice cannot reach the excerpt.
  const head = html.length > max * 4 ? cut(plainText(html.slice(0, max * 4)), max, 12) : null;
  if (head !== null) return head;
  const text = plainText(html);
  return cut(text, max) ?? text;
}

/** The text cut to `max` characters with an ellipsis; null unless it is longer than `max` by more than `spare`. */
function cut(text: string, max: number, spare = 0): string | null {
  // No more UTF-16 units than that: no more characters either.
  if (text.length <= max + spare) return null;
  // Counted in place (an array of every character cost more than the rest of the excerpt): a
  // character is one unit, or two for a surrogate pair, so an emoji is never split.
  let end = 0;
  let i = 0;
  let count = 0;
  while (i < text.length && count <= max + spare) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    i += unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    if (++count === max - 1) end = i;
  }
  return count <= max + spare ? null : `${text.slice(0, end).trimEnd()}…`;
}

function plainText(html: string): string {
  return (
    html
      // Block boundaries separate words; inline markup (links, mentions, emphasis) sits inside them.
      .replace(/<\/?(?:p|br|hr|li|ul|ol|h[1-6]|div|blockquote|pre|table|tr|td|th)\b[^>]*(>|$)/gi, ' ')
      .replace(/<[^>]*(>|$)/g, '')
      .replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, decodeEntity)
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** Only the documented keys of `data` travel: whatever else a writer stored stays on the server. */
function presentData(kind: NotificationKind, data: Record<string, unknown>): ApiNotification['data'] {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  if (kind === 'moderation') {
    const reasonCode = isReasonCode(data.reasonCode) ? data.reasonCode : null;
    // The code travels only when the reason is one (the system's, or a canned one), beside its
    // words in the source locale; a moderator's own words travel alone.
    return { action: text(data.action) ?? '', reason: reasonText(text(data.reason), reasonCode), ...(reasonCode ? { reasonCode } : {}) };
  }
  if (kind === 'idea_status') return { status: text(data.status) ?? '', note: text(data.note) };
  return {};
}

/** A notification as its reader gets it; call only for rows `isVisible` allowed. */
export function presentNotification(viewer: Viewer, row: NotificationRow): ApiNotification {
  const readable = !!row.post && canReadPostBody(standingOf(viewer, row), row.post);
  return {
    id: row.id,
    kind: row.kind,
    read: row.readAt !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    count: row.count,
    community: { slug: row.community.slug, name: row.community.name },
    topic: row.topic ? { id: row.topic.id, title: row.topic.title, kind: row.topic.kind } : null,
    category: row.topic?.categorySlug ?? null,
    post: row.post ? { id: row.post.id, number: row.post.number, excerpt: readable ? plainExcerpt(row.post.html) : null } : null,
    actor: row.actor ? presentUser(row.actor) : null,
    reason: shownReason(row.kind, row.reason, { id: viewer.user?.id ?? 0, topicAuthorId: row.topic?.authorId ?? null }),
    data: presentData(row.kind, row.data),
  };
}
