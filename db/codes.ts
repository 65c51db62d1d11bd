/**
 * Codes the database stores instead of words, in a module without imports: the API schemas (and
 * through them the web client's types) name them without loading the tables.
 */

/**
 * What the system wrote on its own, stored instead of sentences and put into words
 * when shown (server/moderation/system-reasons.ts): held_first_post / held_first_topic (waiting
 * for approval), flagged (hidden after the community's flag threshold), review_requested (an
 * author's review request without a message of their own).
 */
export const SYSTEM_REASONS = ['held_first_post', 'held_first_topic', 'flagged', 'review_requested'] as const;
export type SystemReason = (typeof SYSTEM_REASONS)[number];
