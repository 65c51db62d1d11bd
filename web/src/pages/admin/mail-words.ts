import type { MailStatus } from '../../lib/api-email';
import type { BadgeTone } from '../../lib/Badge.svelte';

/** How a mail's status looks in the mailbox: trouble stands out, the usual does not. */
export const statusTone: Record<MailStatus, BadgeTone> = {
  queued: 'info',
  sent: 'success',
  failed: 'danger',
  suppressed: 'warning',
};

/** "https://…" runs in a mail's text part, cut so each can be a link; trailing punctuation stays text. */
export function linkParts(text: string): { text: string; href?: string }[] {
  const parts: { text: string; href?: string }[] = [];
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"]+/g)) {
    const href = match[0].replace(/[.,;:!?)\]'"]+$/, '');
    const start = match.index;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: href, href });
    last = start + href.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
