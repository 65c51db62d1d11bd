import { ApiError } from '../api-request';
import { errorText } from '../error-text';
import { t } from '../i18n.svelte';

// The limits themselves (BODY, TITLE) and charCount are the server's: see ../input-rules.

/**
 * A sentence for a failed send, in the reader's language: the text is always kept, so these say
 * so; other codes read as errorText() words them. The widget loads this too: `common.*` keys only.
 */
export function sendErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return t('common.send_error.unknown');
  switch (error.code) {
    case 'network_error':
      return t('common.send_error.network');
    case 'post_limit':
    case 'topic_limit':
    case 'rate_limited': {
      const wait = Number(error.details?.retryAfter);
      return Number.isFinite(wait) && wait > 0 ? `${errorText(error)} ${t('common.send_error.wait', waitIn(wait))}` : errorText(error);
    }
    case 'topic_locked':
      return t('common.send_error.locked');
    case 'not_signed_in':
    case 'unauthorized':
      return t('common.send_error.session');
    default:
      if (error.status === 401) return t('common.send_error.session');
      if (error.status === 413) return t('common.send_error.too_large');
      if (error.status >= 500) return t('common.send_error.server');
      return errorText(error);
  }
}

function waitIn(seconds: number): { unit: 'second' | 'minute' | 'hour'; n: number } {
  if (seconds < 90) return { unit: 'second', n: Math.ceil(seconds) };
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? { unit: 'minute', n: minutes } : { unit: 'hour', n: Math.ceil(minutes / 60) };
}
