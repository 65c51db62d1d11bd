/**
 * The inbox's kinds of items and its views. A module of its own, without imports, so the API
 * schema (and through it the web client's types) can name them without the inbox's queries.
 */
export const INBOX_KINDS = ['no_reply', 'asker_waiting', 'stale_unsolved', 'popular_idea', 'mentions_staff', 'held', 'flagged'] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

/** `open`: nobody snoozed or finished it (taken or not); the others: items in that state. */
export const INBOX_VIEWS = ['open', 'taken', 'snoozed', 'done'] as const;
export type InboxView = (typeof INBOX_VIEWS)[number];
