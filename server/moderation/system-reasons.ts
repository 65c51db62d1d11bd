/**
 * What the system did on its own is stored as a code (db/schema.ts SYSTEM_REASONS) and put into
 * words only here, when it is shown: rewording (or translating) a sentence can never change what
 * a stored row means. A person's own words (a moderator's reason, a reporter's message) are
 * stored and shown as written.
 */
import type { QueueItemKind, SystemReason } from '../../db/schema.js';

const WORDS: Record<SystemReason, string> = {
  held_first_post: "A member's first post here waits for a moderator's approval.",
  held_first_topic: "A member's first topic here waits for a moderator's approval.",
  // The number of flags is in the log entry's detail.
  flagged: "Hidden automatically after members flagged it; waiting for a moderator's review.",
  review_requested: 'The author asks a moderator to look again.',
};

/** A stored reason as shown: the person's own words, else the system's code in words, else none. */
export const reasonText = (words: string | null | undefined, code: SystemReason | null | undefined): string | null => words ?? (code ? WORDS[code] : null);

/** Why a queue item the system raised, or one raised without a message, is in the queue. */
export function queueReasonCode(item: { kind: QueueItemKind; targetType: 'post' | 'topic' }): SystemReason | null {
  if (item.kind === 'first_post') return item.targetType === 'topic' ? 'held_first_topic' : 'held_first_post';
  if (item.kind === 'review_request') return 'review_requested';
  return null;
}

/** Only these codes are ever stored: anything else read back (a hand-edited row) shows as no reason. */
export const isSystemReason = (value: unknown): value is SystemReason => typeof value === 'string' && Object.hasOwn(WORDS, value);

/**
 * A post's or topic's hidden state as every reader gets it: why (in words, and as a code when the
 * system hid it) and whether it waits for a moderator's review (flags, a held first post).
 */
export const presentHiddenState = (row: { hidden: boolean; hiddenReason: string | null; hiddenReasonCode: SystemReason | null; hiddenPending: boolean }) => ({
  hidden: row.hidden,
  hiddenReason: row.hidden ? reasonText(row.hiddenReason, row.hiddenReasonCode) : null,
  hiddenReasonCode: row.hidden ? row.hiddenReasonCode : null,
  pendingReview: row.hidden && row.hiddenPending,
});
