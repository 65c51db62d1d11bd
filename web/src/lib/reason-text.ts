import { hasMessage, t } from './i18n.svelte';

/**
 * A stored reason as the reader should see it: a code (one the system set, or a canned reason a
 * moderator picked) in the reader's language; else the words the server sent (a moderator's own,
 * shown as written, or the server's text for a code this build does not know). Null for none.
 */
export function reasonText(code: string | null | undefined, words: string | null | undefined): string | null {
  const key = `reasons.${code}`;
  return code && hasMessage(key) ? t(key) : words || null;
}
