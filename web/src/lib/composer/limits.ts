import { ApiError } from '../api';

/** The server's limits (API.md): a post body is 1–50,000 characters, a title 3–200. */
export const BODY_MAX = 50_000;
export const TITLE_MIN = 3;
export const TITLE_MAX = 200;

/**
 * Length as the server's validator counts it: Unicode code points, so an emoji is one character
 * (JavaScript's `length` would count two).
 */
export function charCount(text: string): number {
  // Iterating a string walks code points, not UTF-16 units.
  return [...text].length;
}

/** A sentence for a failed send: the server's own words, with the context some codes carry. */
export function sendErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Your text is kept: try again.';
  switch (error.code) {
    case 'network_error':
      return 'Could not reach the server. Your text is kept: send it again when you are back online — it will not be posted twice.';
    case 'post_limit':
    case 'topic_limit':
    case 'rate_limited': {
      const wait = Number(error.details?.retryAfter);
      return Number.isFinite(wait) && wait > 0 ? `${error.message} Try again in ${formatWait(wait)}.` : error.message;
    }
    case 'topic_locked':
      return 'This topic is locked: no new replies can be posted.';
    case 'not_signed_in':
    case 'unauthorized':
      return 'Your session has ended. Sign in again to send this (your text is kept).';
    default:
      if (error.status === 401) return 'Your session has ended. Sign in again to send this (your text is kept).';
      if (error.status === 413) return 'This is too large to send.';
      if (error.status >= 500) return 'The server had a problem. Your text is kept: try again in a moment.';
      return error.message;
  }
}

function formatWait(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? `${minutes} minutes` : `${Math.ceil(minutes / 60)} hours`;
}
