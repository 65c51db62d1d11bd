/**
 * The API calls of personal boundaries: the members one ignores, and who may mention one (a field
 * of PUT /api/me/preferences, in api.ts). Kept out of api.ts: only the profile page's button and
 * the settings page, both loaded on first use, carry them.
 */
import type { Static } from 'typebox';
import type * as ignores from '../../../server/safety/boundaries/ignores.schema.js';
import type * as auth from '../../../server/auth/auth.schema.js';
import { api, type CallOptions } from './api';

type Request = typeof api.request;

export type IgnoredMember = Static<typeof ignores.IgnoredList>['items'][number];
export type MentionsFrom = NonNullable<Static<typeof auth.PreferencesBody>['mentionsFrom']>;

export const MENTIONS_FROM_CHOICES = ['anyone', 'staff', 'nobody'] as const satisfies readonly MentionsFrom[];
// The list above must name every choice the server has, or this fails the type check.
type Assert<T extends true> = T;
export type MentionChoicesAreComplete = Assert<[MentionsFrom] extends [(typeof MENTIONS_FROM_CHOICES)[number]] ? true : false>;

const enc = encodeURIComponent;

export function boundaryCalls(request: Request) {
  return {
    /** Everyone the viewer ignores, most recent first (one page: at most 1,000). */
    async ignored(opts?: CallOptions): Promise<IgnoredMember[]> {
      return (await request<Static<typeof ignores.IgnoredList>>('GET', '/me/ignored', opts)).items;
    },
    /** Idempotent. `400 cannot_ignore_self`, `404 user_not_found`, `409 too_many_ignores`. */
    async ignore(handle: string, opts?: CallOptions): Promise<void> {
      await request<void>('PUT', `/me/ignored/${enc(handle)}`, opts);
    },
    /** Idempotent. */
    async stopIgnoring(handle: string, opts?: CallOptions): Promise<void> {
      await request<void>('DELETE', `/me/ignored/${enc(handle)}`, opts);
    },
  };
}

export const boundariesApi = boundaryCalls(api.request);
