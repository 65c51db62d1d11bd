/**
 * How much account mail one person can make Parley send: each of these mails goes to an address the
 * asker names or controls, so without a limit they would be a way to flood someone's mailbox.
 */
import type { Executor } from '../../db/client.js';
import { tooMany } from '../errors/errors.js';
import { hitCounter } from '../limits/counters.js';
import { hashSecret } from '../mail/mail.secrets.js';

const HOUR = 3600;
/** Verification mails per account and hour (resends and changes of address together). */
export const VERIFY_MAILS_PER_HOUR = 3;
/** Reset requests per address and hour, counted whether or not an account uses it. */
export const RESETS_PER_ADDRESS_PER_HOUR = 3;
/** Reset requests per client address (IP) and hour. */
export const RESETS_PER_CLIENT_PER_HOUR = 10;

export interface MailLimits {
  enabled: boolean;
}

const tooManyMails = (kind: 'verify' | 'reset', scope: 'account' | 'address' | 'client', retryAfter: number) =>
  tooMany('too_many_mails', 'Too many mails asked for; try again later.', retryAfter, { kind, scope, minutes: Math.ceil(retryAfter / 60) });

export async function countVerificationMail(db: Executor, limits: MailLimits, userId: number): Promise<void> {
  if (!limits.enabled) return;
  const hit = await hitCounter(db, `mail:verify:${userId}`, HOUR);
  if (hit.count > VERIFY_MAILS_PER_HOUR) throw tooManyMails('verify', 'account', hit.resetInSeconds);
}

/**
 * Counts a reset request by client and by the address asked for. The answer is the same for an
 * address nobody uses: a refusal tells nothing about who has an account.
 */
export async function countResetRequest(db: Executor, limits: MailLimits, input: { email: string; ip: string }): Promise<void> {
  if (!limits.enabled) return;
  const byClient = await hitCounter(db, `mail:reset:client:${input.ip}`, HOUR);
  if (byClient.count > RESETS_PER_CLIENT_PER_HOUR) throw tooManyMails('reset', 'client', byClient.resetInSeconds);
  // Hashed: addresses that may belong to nobody here are not kept in the clear.
  const byAddress = await hitCounter(db, `mail:reset:address:${hashSecret(input.email)}`, HOUR);
  if (byAddress.count > RESETS_PER_ADDRESS_PER_HOUR) throw tooManyMails('reset', 'address', byAddress.resetInSeconds);
}
