/**
 * The API calls of the staff inbox (what needs a person: unanswered questions, waiting askers,
 * popular ideas, held and flagged content) and its rules. Kept out of api.ts so that only the
 * inbox page, loaded on first use, carries them.
 */
import type { Static } from 'typebox';
import type * as inbox from '../../../server/inbox/inbox.schema.js';
import { api, type CallOptions } from './api';

type Request = typeof api.request;

// -- shapes (the server's contract: inbox.schema.ts) ---------------------------------------------

export type InboxReply = Static<typeof inbox.InboxReply>;
export type InboxItem = Static<typeof inbox.InboxItem>;
export type InboxClaim = NonNullable<InboxItem['claim']>;
export type InboxClaimState = InboxClaim['state'];
/** What puts items in the inbox; which threshold a rule has (`hours`, `days`, `votes`, or none) is fixed by its kind. */
export type InboxRule = Static<typeof inbox.InboxRule>;
export type InboxKind = InboxRule['kind'];
/** `open`: unclaimed and taken by anyone; the others: only those. */
export type InboxView = keyof InboxReply['counts'];
/** `open` gives the item back; `until` is required for a snooze (in the future, at most 30 days). `takeOver`: take an item someone else has taken. */
export type InboxItemChange = Static<typeof inbox.InboxItemBody>;

export const INBOX_KINDS = [
  'no_reply',
  'asker_waiting',
  'stale_unsolved',
  'popular_idea',
  'mentions_staff',
  'held',
  'flagged',
] as const satisfies readonly InboxKind[];
export const INBOX_VIEWS = ['open', 'taken', 'snoozed', 'done'] as const satisfies readonly InboxView[];
// The lists above must name every kind and view the server has, or this fails the type check.
type Assert<T extends true> = T;
export type InboxListsAreComplete = [
  Assert<[InboxKind] extends [(typeof INBOX_KINDS)[number]] ? true : false>,
  Assert<[InboxView] extends [(typeof INBOX_VIEWS)[number]] ? true : false>,
];

// -- calls -------------------------------------------------------------------------------------

const enc = encodeURIComponent;

export function inboxCalls(request: Request) {
  return {
    /** `401 not_signed_in`, `403 not_staff`. */
    inbox(slug: string, view: InboxView, opts?: CallOptions): Promise<InboxReply> {
      return request<InboxReply>('GET', `/communities/${enc(slug)}/inbox`, { ...opts, query: { view } });
    },
    /** `404 inbox_item_not_found` (not an item any more), `409 inbox_item_taken`, `400 invalid_snooze`. */
    async setInboxItem(slug: string, key: string, change: InboxItemChange, opts?: CallOptions): Promise<InboxItem> {
      const reply = await request<Static<typeof inbox.InboxItemReply>>('PUT', `/communities/${enc(slug)}/inbox/items/${enc(key)}`, {
        ...opts,
        body: change satisfies Static<typeof inbox.InboxItemBody>,
      });
      return reply.item;
    },
    async inboxRules(slug: string, opts?: CallOptions): Promise<InboxRule[]> {
      return (await request<Static<typeof inbox.InboxRulesReply>>('GET', `/communities/${enc(slug)}/inbox/rules`, opts)).rules;
    },
    /** Admins only (`403 not_admin`). */
    async saveInboxRules(slug: string, rules: InboxRule[], opts?: CallOptions): Promise<InboxRule[]> {
      return (
        await request<Static<typeof inbox.InboxRulesReply>>('PUT', `/communities/${enc(slug)}/inbox/rules`, {
          ...opts,
          body: { rules } satisfies Static<typeof inbox.InboxRulesBody>,
        })
      ).rules;
    },
  };
}

export const inboxApi = inboxCalls(api.request);
