/**
 * Forgotten passwords, after OWASP's Forgot Password cheat sheet. The request is answered the same
 * way, in the same time, whether or not an account uses the address: it only counts the request
 * and hands the address to a job, which looks it up away from any response. The link's token is
 * 128 random bits, kept hashed, good for an hour and once, and a newer one replaces it.
 */
import { randomInt } from 'node:crypto';
import { and, eq, ne } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { emailTokens, sessions, users } from '../../db/schema.js';
import { accountChanged } from '../auth/session.js';
import type { RunningJob } from '../jobs/job-queue.js';
import { hashPassword } from '../auth/password.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { countResetRequest, type MailLimits } from './account-mail.limits.js';
import { findByEmail, loadAccount, normaliseEmail, recipientOf, sameEmail, type AccountRow } from './account.js';
import { passwordChangedMail, passwordResetMail } from './account.mails.js';
import { looksLikeSecret } from '../mail/mail.secrets.js';
import { consumeToken, invalidToken, issueToken } from './email-tokens.js';

export const PASSWORD_RESET_JOB = 'auth.password-reset';
/** The job starts this long after the request, at random (a worker may take up to its polling interval more). */
const RESET_DELAY_MS = { min: 200, max: 1500 };

export interface ResetJob {
  email: string;
  /** The asker's language, for an account that chose none. */
  locale: string;
}

/** Counts the request and queues its job; the caller answers 202 whatever happens next. */
export async function requestPasswordReset(ctx: ServiceContext, input: { email: string; ip: string; locale: string }, limits: MailLimits): Promise<void> {
  const email = normaliseEmail(input.email);
  await countResetRequest(ctx.db, limits, { email, ip: input.ip });
  // Started a moment later, at a random time: the extra work an account's lookup causes (a token, a
  // mail) must not land on the asker's next request, where its timing would tell the account exists.
  await ctx.jobs.send<ResetJob>(
    PASSWORD_RESET_JOB,
    { email, locale: input.locale },
    { startAfterSeconds: randomInt(RESET_DELAY_MS.min, RESET_DELAY_MS.max) / 1000 },
  );
}

/** The job: an account with a password at that address gets a link; any other address gets nothing. */
export async function runPasswordReset(ctx: ServiceContext, job: RunningJob<ResetJob>): Promise<void> {
  const account = await findByEmail(ctx.db, job.data.email);
  if (!account?.passwordHash || !account.email) return;
  const email = account.email;
  await write(ctx, async ({ tx }) => {
    const { token } = await issueToken(tx, { userId: account.id, purpose: 'reset', email });
    await ctx.mail.queue(tx, passwordResetMail(words(ctx), recipientOf(account, email, job.data.locale), token));
  });
}

const words = (ctx: Pick<ServiceContext, 'mail' | 'translator'>) => ({ translator: ctx.translator, links: ctx.mail.links });

/** Tells the account's address that its password changed (inside the write that changed it). */
export async function queuePasswordChanged(
  ctx: Pick<ServiceContext, 'mail' | 'translator'>,
  tx: Executor,
  account: AccountRow,
  via: 'reset' | 'change',
  locale: string,
) {
  if (!account.email) return;
  await ctx.mail.queue(tx, passwordChangedMail(words(ctx), recipientOf(account, account.email, locale), via));
}

/**
 * Sets the new password and, in the same transaction, ends every session of the account (whoever
 * was signed in with the old password is out) and drops a change of address still waiting, since
 * it may be the intruder's. The link proved the address it went to: when that is still the
 * account's, it counts as verified.
 */
export async function confirmPasswordReset(ctx: ServiceContext, input: { token: string; password: string }, locale: string): Promise<void> {
  // Hashing is the slow part: not for something that cannot be a token.
  if (!looksLikeSecret(input.token)) throw invalidToken();
  const passwordHash = await hashPassword(input.password);
  const userId = await write(ctx, async ({ tx }) => {
    const used = await consumeToken(tx, 'reset', input.token);
    const account = await loadAccount(tx, used.userId, true);
    const proven = sameEmail(account.email, used.email);
    const [updated] = await tx
      .update(users)
      .set({ passwordHash, ...(proven ? { emailVerifiedAt: account.emailVerifiedAt ?? new Date(), emailBounceScore: 0 } : {}) })
      .where(eq(users.id, account.id))
      .returning();
    await tx.delete(sessions).where(eq(sessions.userId, account.id));
    if (account.email) {
      await tx.delete(emailTokens).where(and(eq(emailTokens.userId, account.id), eq(emailTokens.purpose, 'verify'), ne(emailTokens.email, account.email)));
    }
    await queuePasswordChanged(ctx, tx, updated!, 'reset', locale);
    return account.id;
  });
  // Its sessions are gone (and its address may now count as proven): no process may still hold them.
  await accountChanged(ctx.bus, userId);
}
