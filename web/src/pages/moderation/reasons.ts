import { api, type CannedReason } from '../../lib/api';

/**
 * A moderator's reason as the API takes it: a canned reason's code (shown to each reader in their
 * own language) or the moderator's own words (shown as written).
 */
export type GivenReason = { reasonCode: CannedReason['code'] } | { reason: string };

let cached: Promise<CannedReason[]> | null = null;

/**
 * The canned hiding reasons, fetched once per page load: every HideDialog on a long thread would
 * otherwise ask for the same six strings. A failure is not cached, so the next dialog retries.
 */
export function loadReasons(): Promise<CannedReason[]> {
  cached ??= api.moderationReasons().catch((error: unknown) => {
    cached = null;
    throw error;
  });
  return cached;
}
