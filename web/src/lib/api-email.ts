/**
 * The API calls for e-mail: verifying an address, resetting a password, changing the address,
 * mail preferences, unsubscribe links and the site admins' local mailbox. Kept out of api.ts so
 * that only the pages which use them (all loaded on first use) carry them: the SPA's and the
 * widget's first loads share api.ts and have tight budgets.
 */
import type { Static } from 'typebox';
import type * as accounts from '../../../server/accounts/accounts.schema.js';
import type * as preferences from '../../../server/mail/preferences.schema.js';
import type * as unsubscribe from '../../../server/mail/unsubscribe.schema.js';
import { api, type CallOptions, type Me, type Paged } from './api';

type Request = typeof api.request;

// -- shapes (the server's contract, API.md "E-mail") ---------------------------------------------

export type EmailNotifications = Static<typeof preferences.NotificationMailChoice>;
export type EmailDigest = Static<typeof preferences.DigestChoice>;

export const EMAIL_NOTIFICATION_CHOICES = ['never', 'away', 'always'] as const satisfies readonly EmailNotifications[];
export const EMAIL_DIGEST_CHOICES = ['off', 'daily', 'weekly'] as const satisfies readonly EmailDigest[];
// The lists above must name every choice the server has, or this fails the type check.
type Assert<T extends true> = T;
export type ChoicesAreComplete = [
  Assert<[EmailNotifications] extends [(typeof EMAIL_NOTIFICATION_CHOICES)[number]] ? true : false>,
  Assert<[EmailDigest] extends [(typeof EMAIL_DIGEST_CHOICES)[number]] ? true : false>,
];

/** Notification mail, the digest, and the topics and kinds stopped by unsubscribe links (`optOuts`, labelled). */
export type EmailPreferences = Static<typeof preferences.EmailPreferences>;
export type EmailOptOut = EmailPreferences['optOuts'][number];

/** What an unsubscribe link stops (`label`, in the reader's language) and whether it is stopped now. */
export type UnsubscribeState = Static<typeof unsubscribe.UnsubscribeState>;
export type UndoUnsubscribe = Static<typeof unsubscribe.UndoBody>;

/** Proof of an address: the link's token, or the six-digit code from the same mail (signed in). */
export type VerifyProof = { token: string } | { code: string };

export type MailStatus = 'queued' | 'sent' | 'failed' | 'suppressed';

/** A mail in the local mailbox list (`GET /api/admin/mail`). */
export interface MailSummary {
  id: number;
  kind: string;
  to: string;
  subject: string;
  status: MailStatus;
  /** `local`: kept here, not sent (no SMTP server configured). */
  transport: 'smtp' | 'local' | null;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** One mail as sent (`GET /api/admin/mail/:id`). */
export interface MailMessage extends MailSummary {
  messageId: string;
  headers: Record<string, string>;
  text: string;
  html: string;
}

// -- calls -------------------------------------------------------------------------------------

const enc = encodeURIComponent;

export function emailCalls(request: Request) {
  return {
    /** `202` whether or not an account uses the address (nothing to learn from the answer). */
    async requestPasswordReset(email: string, opts?: CallOptions): Promise<void> {
      await request<unknown>('POST', '/auth/password-reset', { ...opts, body: { email } satisfies Static<typeof accounts.ResetRequestBody> });
    },
    /** Sets the new password and ends every session of the account; `400 invalid_token`. */
    async confirmPasswordReset(token: string, password: string, opts?: CallOptions): Promise<void> {
      await request<void>('POST', '/auth/password-reset/confirm', { ...opts, body: { token, password } satisfies Static<typeof accounts.ResetConfirmBody> });
    },
    /** `400 invalid_token` for a link or code that is unknown, used, expired or replaced. */
    async verifyEmail(proof: VerifyProof, opts?: CallOptions): Promise<void> {
      await request<unknown>('POST', '/auth/verify-email', { ...opts, body: proof satisfies Static<typeof accounts.VerifyBody> });
    },
    /** A new link and code to the address waiting for verification (a pending change's first); `429 too_many_mails`. */
    async resendVerification(opts?: CallOptions): Promise<void> {
      await request<unknown>('POST', '/auth/verify-email/resend', opts);
    },
    /**
     * Starts a change of address: it takes effect when the new address is verified. `403
     * invalid_credentials` (password), `409 email_taken` / `email_unchanged`, `400 no_password` (SSO).
     */
    async changeEmail(email: string, password: string, opts?: CallOptions): Promise<void> {
      await request<unknown>('PUT', '/me/email', { ...opts, body: { email, password } satisfies Static<typeof accounts.ChangeEmailBody> });
    },
    emailPreferences(opts?: CallOptions): Promise<EmailPreferences> {
      return request<EmailPreferences>('GET', '/me/email-preferences', opts);
    },
    /** A field left out stays as it is. */
    updateEmailPreferences(choice: Static<typeof preferences.EmailPreferencesBody>, opts?: CallOptions): Promise<EmailPreferences> {
      return request<EmailPreferences>('PUT', '/me/email-preferences', { ...opts, body: choice });
    },
    /** Mail about that topic or kind of notification again (undoes an unsubscribe link). */
    removeOptOut(optOut: Pick<EmailOptOut, 'stream' | 'target'>, opts?: CallOptions): Promise<EmailPreferences> {
      return request<EmailPreferences>('DELETE', `/me/email-preferences/opt-outs/${enc(optOut.stream)}/${enc(optOut.target)}`, opts);
    },
    /** No sign-in needed (the token is the credential); reading changes nothing. `404 unsubscribe_not_found`. */
    unsubscribeState(token: string, opts?: CallOptions): Promise<UnsubscribeState> {
      return request<UnsubscribeState>('GET', `/unsubscribe/${enc(token)}`, opts);
    },
    /** Stops the mail; twice is the same as once. A digest or "all" answers the choices before (`previous`). */
    unsubscribe(token: string, opts?: CallOptions): Promise<UnsubscribeState> {
      return request<UnsubscribeState>('POST', `/unsubscribe/${enc(token)}`, { ...opts, body: {} });
    },
    /** Takes it back; `restore`: the choices to return to (from the unsubscribe's `previous`). */
    undoUnsubscribe(token: string, restore: UndoUnsubscribe = {}, opts?: CallOptions): Promise<UnsubscribeState> {
      return request<UnsubscribeState>('POST', `/unsubscribe/${enc(token)}/undo`, { ...opts, body: restore });
    },
    /** Site admins: mail sent and queued, newest first; `to` narrows to one address. */
    async listMail(query: { cursor?: string | undefined; to?: string | undefined } = {}, opts?: CallOptions): Promise<Paged<MailSummary>> {
      const page = await request<Paged<MailSummary>>('GET', '/admin/mail', { ...opts, query: { cursor: query.cursor, to: query.to } });
      return { items: page.items, nextCursor: page.nextCursor ?? null };
    },
    readMail(id: number, opts?: CallOptions): Promise<MailMessage> {
      return request<MailMessage>('GET', `/admin/mail/${enc(String(id))}`, opts);
    },
  };
}

export const emailApi = emailCalls(api.request);

/** Where a new verification mail goes: the address a change waits for, else the unproven one. */
export const addressToVerify = (user: Me['user']): string => user.pendingEmail ?? user.email ?? '';
