import { ApiError } from '../../lib/api';
import { errorText } from '../../lib/error-text';
import { hasMessage, t } from '../../lib/i18n.svelte';
import { p } from '../../router';

/**
 * What to tell a moderator or admin when an action fails, in their language. The common text of
 * an error code (`errorText`) is the default; `moderation.errors.<code>` overrides it where a
 * shorter or more helpful sentence exists for these pages, and callers pass their own (already
 * translated: build them with t() at call time) for codes only they know how to explain.
 */
export function describeError(error: unknown, messages: Partial<Record<string, string>> = {}): string {
  if (error instanceof ApiError) {
    const own = messages[error.code];
    if (own) return own;
    const key = `moderation.errors.${error.code}`;
    if (hasMessage(key)) return t(key);
  }
  return errorText(error);
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
