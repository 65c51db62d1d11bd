import { api, type CannedReason } from '../../lib/api';

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
