/**
 * Handing a mail to an SMTP server (nodemailer), or, with none configured, keeping it in the
 * local mailbox: the mail_messages row is the mailbox, and the log line carries its links so the
 * embedded try-out can sign up and reset a password from the terminal too.
 */
import type { Config } from '../config/config.js';

export interface OutgoingMessage {
  from: string;
  to: string;
  /** The envelope sender (VERP): where bounces go. */
  returnPath: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
}

export type SendOutcome = { accepted: true; response: string };

/** A refusal: `temporary` (4xx, network) is retried with back-off; a permanent one (5xx) is not. */
export class SendFailure extends Error {
  constructor(
    message: string,
    readonly temporary: boolean,
    readonly responseCode: number | null,
  ) {
    super(message);
  }
}

export interface MailTransport {
  kind: 'smtp' | 'local';
  send(message: OutgoingMessage): Promise<SendOutcome>;
  close(): void;
}

export function createTransport(mail: Config['mail']): MailTransport {
  if (!mail.smtpUrl) {
    return { kind: 'local', send: async () => ({ accepted: true, response: 'kept in the local mailbox' }), close: () => {} };
  }
  const { smtpUrl } = mail;
  // nodemailer is loaded with the first mail, not at start (a few MB of heap). A stalled server
  // holds one worker, never a request; the timeouts make the worker give up and retry.
  const open = () =>
    import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 }),
    );
  let transporter: ReturnType<typeof open> | null = null;
  return {
    kind: 'smtp',
    async send(message) {
      try {
        const sender = await (transporter ??= open());
        const info = await sender.sendMail({
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: message.messageId,
          headers: message.headers,
          envelope: { from: message.returnPath, to: message.to },
          ...(mail.dkim ? { dkim: mail.dkim } : {}),
        });
        if (info.rejected.length > 0) throw new SendFailure(`recipient refused: ${info.response}`, false, 550);
        return { accepted: true, response: info.response };
      } catch (err) {
        if (err instanceof SendFailure) throw err;
        const e = err as { responseCode?: number; message?: string; code?: string };
        const code = typeof e.responseCode === 'number' ? e.responseCode : null;
        // No answer (refused, timed out, dropped) or a 4xx: try again later. A 5xx is final.
        throw new SendFailure(e.message ?? String(err), code === null || code < 500, code);
      }
    },
    close: () => {
      transporter?.then(
        (t) => t.close(),
        () => {},
      );
    },
  };
}
