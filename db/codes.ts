/**
 * Codes the database stores instead of words, in a module without imports: the API schemas (and
 * through them the web client's types) name them without loading the tables.
 */

/**
 * What the system wrote on its own, stored instead of sentences and put into words
 * when shown (server/moderation/system-reasons.ts): held_first_post / held_first_topic (waiting
 * for approval), flagged (hidden after the community's flag threshold), review_requested (an
 * author's review request without a message of their own), held_links (a new member's post with links,
 * where the community holds those), watched_word (held or flagged by a
 * community's watched-word rule; the log entry names the rule), topic_timer (a moderator's timer closed or opened a topic),
 * account_suspended (removed with everything its author posted when a site admin suspended them).
 */
export const SYSTEM_REASONS = [
  'held_first_post',
  'held_first_topic',
  'flagged',
  'review_requested',
  'held_links',
  'topic_timer',
  'watched_word',
  'account_suspended',
] as const;
export type SystemReason = (typeof SYSTEM_REASONS)[number];

/**
 * The reasons a moderator picks from a list (GET /api/moderation/reasons) instead of writing their
 * own: stored as these codes too, and put into words (the reader's language) when shown.
 */
export const CANNED_REASONS = ['spam', 'off_topic', 'abusive', 'personal_information', 'misinformation', 'duplicate'] as const;
export type CannedReason = (typeof CANNED_REASONS)[number];

/** Every reason stored as a code: the system's own and the moderators' canned ones. Words: `reasons.<code>` in locales/. */
export const REASON_CODES = [...SYSTEM_REASONS, ...CANNED_REASONS] as const;
export type ReasonCode = (typeof REASON_CODES)[number];
