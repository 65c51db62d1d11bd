/**
 * A reason stored as a code (db/codes.ts: what the system did on its own, or the canned reason a
 * moderator picked) is put into words only here, when it is shown, from the catalogues
 * (`reasons.<code>` in locales/): rewording or translating a sentence can never change what a
 * stored row means. A person's own words (a moderator's reason, a reporter's message) are stored
 * and shown as written.
 */
import { REASON_CODES, SYSTEM_REASONS, type QueueItemKind, type ReasonCode, type SystemReason } from '../../db/schema.js';
import { SOURCE_LOCALE } from '../i18n/locales.js';
import { catalogueTranslator } from '../i18n/translator.js';

/** Only these codes are ever stored: anything else read back (a hand-edited row) shows as no reason. */
export const isReasonCode = (value: unknown): value is ReasonCode => typeof value === 'string' && (REASON_CODES as readonly string[]).includes(value);
/** Whether the code is one the system writes on its own (not a moderator's canned reason). */
export const isSystemReason = (value: unknown): value is SystemReason => typeof value === 'string' && (SYSTEM_REASONS as readonly string[]).includes(value);

/** A reason code in words, in the given locale (the source locale where one text serves every reader). */
export const reasonWords = (code: ReasonCode, locale: string = SOURCE_LOCALE): string => catalogueTranslator().t(locale, `reasons.${code}`);

/** A stored reason as shown: the person's own words, else the code in words, else none. */
export const reasonText = (own: string | null | undefined, code: ReasonCode | null | undefined, locale: string = SOURCE_LOCALE): string | null =>
  own ?? (isReasonCode(code) ? reasonWords(code, locale) : null);

/** Why a queue item the system raised, or one raised without a message, is in the queue. */
export function queueReasonCode(item: { kind: QueueItemKind; targetType: 'post' | 'topic'; ruleId?: number | null }): SystemReason | null {
  // A watched-word rule holds (its own kind) or flags (a flag without a reporter).
  if (item.kind === 'watched_word' || (item.ruleId ?? null) !== null) return 'watched_word';
  if (item.kind === 'first_post') return item.targetType === 'topic' ? 'held_first_topic' : 'held_first_post';
  if (item.kind === 'review_request') return 'review_requested';
  return null;
}

/**
 * A post's or topic's hidden state as every reader gets it: why (in words, in the source locale:
 * the live hub renders once for all readers; and as a code unless a moderator wrote their own
 * words) and whether it waits for a moderator's review (flags, a held first post).
 */
export const presentHiddenState = (row: { hidden: boolean; hiddenReason: string | null; hiddenReasonCode: ReasonCode | null; hiddenPending: boolean }) => ({
  hidden: row.hidden,
  hiddenReason: row.hidden ? reasonText(row.hiddenReason, row.hiddenReasonCode) : null,
  hiddenReasonCode: row.hidden && isReasonCode(row.hiddenReasonCode) ? row.hiddenReasonCode : null,
  pendingReview: row.hidden && row.hiddenPending,
});
