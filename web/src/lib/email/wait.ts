import { ApiError } from '../api-request';
import { errorText } from '../error-text';
import { hasMessage, t } from '../i18n.svelte';

/**
 * What to say when asking for mail failed: the catalogue's words for the error's code, else, for a
 * limit (429), when to ask again (its details carry `retryAfter` in seconds, shown in the largest
 * whole unit, as the composer's limits are).
 */
export function mailRequestError(error: unknown): string {
  if (error instanceof ApiError && error.status === 429 && !hasMessage(`errors.${error.code}`)) {
    const seconds = Number(error.details?.retryAfter);
    if (Number.isFinite(seconds) && seconds > 0) return `${t('app.email.too_many')} ${t('common.send_error.wait', waitIn(seconds))}`;
    return t('app.email.too_many');
  }
  return errorText(error);
}

function waitIn(seconds: number): { unit: 'second' | 'minute' | 'hour'; n: number } {
  if (seconds < 90) return { unit: 'second', n: Math.ceil(seconds) };
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? { unit: 'minute', n: minutes } : { unit: 'hour', n: Math.ceil(minutes / 60) };
}
