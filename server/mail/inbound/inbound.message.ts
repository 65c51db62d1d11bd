/**
 * A received mail, read once with mailparser into the few facts the reply and bounce handling
 * need. Whatever the way in (the SMTP listener or a provider's HTTP hook), it is read here.
 */
import type { AddressObject, HeaderValue, ParsedMail } from 'mailparser';

export interface InboundMail {
  /** The Message-ID as written (angle brackets included), or null when the sender set none. */
  messageId: string | null;
  /** The From address, lower-cased (for comparing with an account's); null when there is none. */
  from: string | null;
  subject: string;
  /** The text part, or the HTML part as text (blockquotes become `>` lines). */
  text: string;
  /** `multipart/report`: a delivery or read report, never a person's words. */
  report: boolean;
  /** Sent by a machine on its own (out-of-office, autoresponders, lists): never answered. */
  automatic: boolean;
  /** Addresses named by the headers relays and providers set, most telling first: Delivered-To, X-Original-To, To, Cc. */
  headerRecipients: string[][];
}

/** HTML bigger than this is not converted to text (a reply is never that long; converting is slow). */
const MAX_HTML_TO_TEXT = 1_000_000;

export async function readInboundMail(raw: Buffer): Promise<InboundMail> {
  // Loaded with the first mail, not at start: a server that never receives one keeps its memory.
  const { simpleParser } = await import('mailparser');
  const parsed = await simpleParser(raw, { skipImageLinks: true, keepCidLinks: true, maxHtmlLengthToParse: MAX_HTML_TO_TEXT });
  const contentType = parsed.headers.get('content-type');
  const report = typeof contentType === 'object' && 'value' in contentType && contentType.value === 'multipart/report';
  return {
    messageId: parsed.messageId?.trim() || null,
    from: addressesOf(parsed.from)[0]?.toLowerCase() ?? null,
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    report,
    automatic: report || isAutomatic(parsed),
    headerRecipients: [
      addressesIn(header(parsed, 'delivered-to')),
      addressesIn(header(parsed, 'x-original-to')),
      addressesOf(parsed.to),
      addressesOf(parsed.cc),
    ],
  };
}

/**
 * RFC 3834 (Auto-Submitted other than "no"), the older X-Autoreply/X-Autorespond flags, and
 * Precedence bulk/junk/list/auto_reply: answering these is how mail loops start.
 */
function isAutomatic(parsed: ParsedMail): boolean {
  const autoSubmitted = header(parsed, 'auto-submitted')?.trim().toLowerCase().split(';')[0]?.trim();
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder']) {
    const value = header(parsed, name)?.trim().toLowerCase();
    if (value && value !== 'no' && value !== 'false') return true;
  }
  const precedence = header(parsed, 'precedence')?.trim().toLowerCase();
  return precedence !== undefined && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence);
}

/** A header as one string (its first value). */
function header(parsed: ParsedMail, name: string): string | undefined {
  const text = (value: HeaderValue | undefined): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return text(value[0]);
    if (value instanceof Date) return value.toISOString();
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('value' in value && typeof value.value === 'string') return value.value;
    return undefined;
  };
  return text(parsed.headers.get(name));
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return (
    objects
      .flatMap((o) => o.value)
      .flatMap((a) => (a.group ? a.group : [a]))
      // Not lower-cased: the key in a reply or bounce address is case-sensitive.
      .flatMap((a) => (a.address ? [a.address] : []))
  );
}

/** Delivered-To and X-Original-To hold a bare address (mailparser leaves them unparsed). */
const addressesIn = (value: string | undefined): string[] => [...(value ?? '').matchAll(/[^\s<>,;"]+@[^\s<>,;"]+/g)].map((m) => m[0]);
