import type { UnsubscribeStream } from '../../db/schema.js';

/**
 * A mail's content as blocks: the layout (mail.layout.ts) turns them into the plain-text and HTML
 * parts, so every mail looks and reads alike and none writes its own markup.
 */
export type MailBlock =
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; text: string }
  /** A button in HTML; "label: url" in text. */
  | { type: 'action'; label: string; url: string }
  /** Something to type, such as a verification code: large, monospaced. */
  | { type: 'code'; text: string }
  /** A post: `html` is the sanitiser's output (markdown.sanitize), `text` its plain reading. */
  | { type: 'post'; author: string; meta: string; url: string; html: string; text: string }
  | { type: 'list'; items: { text: string; url?: string; detail?: string }[] }
  | { type: 'divider' };

export interface MailDraft {
  /** What it is, for the mailbox and the record: verify_email, password_reset, notification, digest… */
  kind: string;
  userId: number | null;
  to: string;
  /** The recipient's language (catalogue locale): the layout's own words use it. */
  locale: string;
  subject: string;
  /** The opening line the layout puts first, and mail clients show as the preview. */
  preheader?: string;
  blocks: MailBlock[];
  /** One sentence on why this person got this mail ("You get this because you watch …"). */
  reason?: string;
  /** Sent even when the address bounces (reset, verification); such mail has no unsubscribe. */
  critical?: boolean;
  /** Mail about a topic threads with that topic's other mails in the reader's client. */
  thread?: { topicId: number };
  /** The community the mail comes from: its `List-Id`. */
  list?: { slug: string; name: string };
  /** What one-click unsubscribe stops (RFC 8058); required for any mail that is not critical. */
  unsubscribe?: { stream: UnsubscribeStream; target?: string };
  /** Where a reply goes, e.g. `reply+<key>@<reply domain>` for reply by e-mail. */
  replyTo?: string;
}
