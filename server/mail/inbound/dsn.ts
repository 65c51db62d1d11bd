/**
 * What a bounce says about delivery (RFC 3464 delivery status notifications): per recipient, an
 * Action and a Status `class.subject.detail`. A failed 5.x.x is permanent (no such mailbox), a
 * failed 4.x.x a transient trouble the remote server gave up on (mailbox full for days); "delayed",
 * "relayed" and "delivered" reports say nothing against the address.
 */
import type { InboundMail } from './inbound.message.js';

export interface BounceVerdict {
  severity: 'hard' | 'soft';
  /** The enhanced status code, e.g. 5.1.1. */
  status: string;
  /** The remote server's own words (Diagnostic-Code), when given. */
  diagnostic: string | null;
}

const STATUS = /^Status:\s*([245])\.(\d{1,3})\.(\d{1,3})\b/i;
const ACTION = /^Action:\s*([a-z-]+)/i;
const DIAGNOSTIC = /^Diagnostic-Code:\s*(.+)$/i;
/** "550 5.1.1 …" in a bounce written for people only (qmail's "failure notice", some providers). */
const SMTP_REPLY = /\b([45])\d\d[ -]([45])\.(\d{1,3})\.(\d{1,3})\b[^\n]*/;
const FROM_DAEMON = /^(?:mailer-daemon|postmaster)@/i;

interface Field {
  action: string | null;
  status: string | null;
  diagnostic: string | null;
}

/** The per-recipient field groups of a delivery-status part (mailparser hands it over as text). */
function recipientFields(text: string): Field[] {
  const groups: Field[] = [];
  let current: Field = { action: null, status: null, diagnostic: null };
  const flush = () => {
    if (current.action || current.status) groups.push(current);
    current = { action: null, status: null, diagnostic: null };
  };
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    const status = STATUS.exec(line);
    if (status) current.status = `${status[1]}.${status[2]}.${status[3]}`;
    const action = ACTION.exec(line);
    if (action) current.action = action[1]!.toLowerCase();
    const diagnostic = DIAGNOSTIC.exec(line);
    if (diagnostic) current.diagnostic = diagnostic[1]!.trim();
  }
  flush();
  return groups;
}

/** The bounce's verdict, or null when it is not a failure report (a delay warning, an autoreply to the return path). */
export function readBounce(mail: InboundMail): BounceVerdict | null {
  const failed = recipientFields(mail.text).filter((f) => f.status && (f.action === null || f.action === 'failed'));
  const hard = failed.find((f) => f.status!.startsWith('5'));
  const chosen = hard ?? failed.find((f) => f.status!.startsWith('4'));
  if (chosen) return { severity: chosen.status!.startsWith('5') ? 'hard' : 'soft', status: chosen.status!, diagnostic: chosen.diagnostic };
  if (mail.report || !mail.from || !FROM_DAEMON.test(mail.from)) return null;
  const reply = SMTP_REPLY.exec(mail.text);
  if (!reply || reply[1] !== reply[2]) return null;
  return { severity: reply[1] === '5' ? 'hard' : 'soft', status: `${reply[2]}.${reply[3]}.${reply[4]}`, diagnostic: reply[0].trim() };
}
