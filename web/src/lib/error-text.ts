import { ApiError } from './api-request';
import { hasMessage, t, type MessageParams } from './i18n.svelte';

/**
 * What to tell the reader about a failed request, in their language: the catalogue's text for the
 * error's stable code (`errors.<code>`, with the error's details as parameters), else the server's
 * message (already in the reader's language: the client sends it as Accept-Language; the widget's
 * small bundle relies on this), else a general sentence.
 */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return t('common.errors.network');
    const key = `errors.${error.code}`;
    if (hasMessage(key)) return t(key, (error.details ?? {}) as MessageParams);
    if (error.message) return error.message;
  }
  return t('common.errors.unexpected');
}
