/**
 * The addresses Parley receives mail at: `reply+<key>@<reply domain>` (a member's reply to a
 * notification) and `bounce+<key>@<reply domain>` (a delivery report about a mail we sent, VERP).
 * Anything else is not ours: the SMTP listener refuses it at RCPT, the HTTP hook drops it.
 */
import { looksLikeAddressKey } from '../mail.secrets.js';

export interface LocalAddress {
  kind: 'reply' | 'bounce';
  /** The key (lower-case hex, whatever case it arrived in); only its hash is ever looked up. */
  key: string;
}

const LOCAL = /^(reply|bounce)\+([^@]+)@([^@]+)$/i;

export function parseLocalAddress(address: string, replyDomain: string): LocalAddress | null {
  const match = LOCAL.exec(address.trim().replace(/^<|>$/g, ''));
  if (!match) return null;
  const [, kind, key, domain] = match as unknown as [string, string, string, string];
  // Keys are hex so that an MTA folding the local part's case (some do) cannot break them.
  const folded = key.toLowerCase();
  if (domain.toLowerCase() !== replyDomain.toLowerCase() || !looksLikeAddressKey(folded)) return null;
  return { kind: kind.toLowerCase() as LocalAddress['kind'], key: folded };
}
