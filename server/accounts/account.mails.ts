/**
 * The account mails (verification, reset, password changed, address change notice) as drafts.
 * All are critical: they go out even to a bouncing address and carry no unsubscribe, because an
 * account cannot be recovered or proven without them.
 */
import type { Translator } from '../i18n/translator.js';
import type { MailDraft } from '../mail/mail.draft.js';
import type { MailLinks } from '../mail/mail.links.js';

export interface Recipient {
  userId: number;
  handle: string;
  displayName: string;
  /** Where this mail goes (for a change of address, the new one). */
  email: string;
  locale: string;
}

export interface MailWords {
  translator: Translator;
  links: MailLinks;
}

const site = (links: MailLinks) => new URL(links.origin).host;

function draftFor(
  words: MailWords,
  to: Recipient,
  kind: string,
  build: (t: (key: string, params?: Record<string, unknown>) => string) => Omit<MailDraft, 'kind' | 'userId' | 'to' | 'locale' | 'critical'>,
): MailDraft {
  const params = { site: site(words.links), name: to.displayName, handle: to.handle };
  const t = (key: string, extra?: Record<string, unknown>) => words.translator.t(to.locale, key, { ...params, ...extra });
  return { kind, userId: to.userId, to: to.email, locale: to.locale, critical: true, ...build(t) };
}

/** A link and a code that prove `to.email` is the member's; `change`: it is to replace their current address. */
export function verifyEmailMail(words: MailWords, to: Recipient, issued: { token: string; code: string }, change: boolean): MailDraft {
  return draftFor(words, to, 'verify_email', (t) => ({
    subject: t('mail.verify_email.subject'),
    preheader: t('mail.verify_email.preheader', { code: issued.code }),
    blocks: [
      { type: 'heading', text: t('mail.verify_email.heading') },
      { type: 'paragraph', text: t(change ? 'mail.verify_email.intro_change' : 'mail.verify_email.intro', { email: to.email }) },
      { type: 'action', label: t('mail.verify_email.action'), url: words.links.verifyEmail(issued.token) },
      { type: 'paragraph', text: t('mail.verify_email.code') },
      { type: 'code', text: issued.code },
      { type: 'paragraph', text: t('mail.verify_email.ignore') },
    ],
  }));
}

export function passwordResetMail(words: MailWords, to: Recipient, token: string): MailDraft {
  return draftFor(words, to, 'password_reset', (t) => ({
    subject: t('mail.password_reset.subject'),
    preheader: t('mail.password_reset.preheader'),
    blocks: [
      { type: 'heading', text: t('mail.password_reset.heading') },
      { type: 'paragraph', text: t('mail.password_reset.intro') },
      { type: 'action', label: t('mail.password_reset.action'), url: words.links.resetPassword(token) },
      { type: 'paragraph', text: t('mail.password_reset.ignore') },
    ],
  }));
}

/** `via`: a reset signed everyone out; a change from the settings kept the session that made it. */
export function passwordChangedMail(words: MailWords, to: Recipient, via: 'reset' | 'change'): MailDraft {
  return draftFor(words, to, 'password_changed', (t) => ({
    subject: t('mail.password_changed.subject'),
    blocks: [
      { type: 'heading', text: t('mail.password_changed.heading') },
      { type: 'paragraph', text: t('mail.password_changed.body', { via }) },
      { type: 'paragraph', text: t('mail.password_changed.not_you') },
      { type: 'action', label: t('mail.password_changed.action'), url: words.links.at('/forgot-password') },
    ],
  }));
}

/** The address as the old mailbox may see it: enough to recognise, not enough to hand on. */
export function maskAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/**
 * To the old address when a change is asked for. It holds no link that acts on the account (whoever
 * reads this mailbox may not be its owner any more), only the way to take the account back.
 */
export function emailChangeNotice(words: MailWords, to: Recipient, newEmail: string): MailDraft {
  return draftFor(words, to, 'email_change_notice', (t) => ({
    subject: t('mail.email_change.subject'),
    blocks: [
      { type: 'heading', text: t('mail.email_change.heading') },
      { type: 'paragraph', text: t('mail.email_change.body', { email: maskAddress(newEmail) }) },
      { type: 'paragraph', text: t('mail.email_change.not_you') },
      { type: 'action', label: t('mail.email_change.action'), url: words.links.at('/forgot-password') },
    ],
  }));
}
