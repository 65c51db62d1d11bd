import { ApiError } from '../../lib/api';
import { p } from '../../router';

/**
 * What to tell a moderator or admin when an action fails. The server's `message` is already
 * written for people; these override it where a shorter or more helpful sentence exists, and
 * callers pass their own for codes only they know how to explain (a field's error, say).
 */
const COMMON: Record<string, string> = {
  network_error: 'Could not reach the server. Check your connection and try again.',
  not_signed_in: 'Your session has ended. Sign in again to do this.',
  not_moderator: 'Only moderators of this community can do this.',
  not_community_admin: 'Only admins of this community can do this.',
  rate_limited: 'Too many changes at once. Wait a moment and try again.',
  csrf_origin_mismatch: 'The request was refused for security reasons. Reload the page and try again.',
};

export function describeError(error: unknown, messages: Record<string, string> = {}): string {
  if (error instanceof ApiError) return messages[error.code] ?? COMMON[error.code] ?? error.message;
  return 'Something unexpected went wrong. Try again.';
}

export const errorCode = (error: unknown): string | null => (error instanceof ApiError ? error.code : null);

/** 401 and 403: the page exists, but not for this viewer. Shown as an explanation, not a failure. */
export function isAccessError(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

/** `/login?next=<here>`: the login page sends the reader back after signing in. */
export function loginHref(next: string): string {
  return p('/login', { search: { next } });
}
