/**
 * Proving an address: a link and a six-digit code go to it; either one, used once and in time,
 * proves it. The token names the address it was sent to, so it proves that address and no other:
 * for a change of address, using it is what makes the change.
 */
import { and, eq, ne, sql } from 'drizzle-orm';
import { isUniqueViolation, type Executor } from '../../db/client.js';
import { users } from '../../db/schema.js';
import { badRequest, conflict, unauthorized } from '../errors/errors.js';
import { presentUser, type ApiUser } from '../users/users.present.js';
import type { Viewer } from '../visibility/viewer.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { countVerificationMail, type MailLimits } from './account-mail.limits.js';
import { loadAccount, normaliseEmail, recipientOf, sameEmail, type AccountRow } from './account.js';
import { verifyEmailMail } from './account.mails.js';
import { checkCode, consumeToken, consumeTokenById, issueToken, pendingVerification } from './email-tokens.js';
import { accountChanged, isEmailVerified } from '../auth/session.js';

type MailContext = Pick<ServiceContext, 'mail' | 'translator'>;

export const emailTaken = () => conflict('email_taken', 'An account with this email already exists.');

/**
 * Issues a verification token for `email` (replacing the account's older one) and queues its mail,
 * inside the caller's write. `email` is the account's address, or the one it is to change to.
 */
export async function queueVerification(ctx: MailContext, tx: Executor, account: AccountRow, email: string, locale: string): Promise<void> {
  const issued = await issueToken(tx, { userId: account.id, purpose: 'verify', email });
  const change = !sameEmail(account.email, email);
  const words = { translator: ctx.translator, links: ctx.mail.links };
  await ctx.mail.queue(tx, verifyEmailMail(words, recipientOf(account, email, locale), { token: issued.token, code: issued.code! }, change));
}

/** Makes `email` the account's proven address; when it is a new one, it must still be free. */
async function prove(tx: Executor, userId: number, email: string): Promise<AccountRow> {
  const account = await loadAccount(tx, userId, true);
  const proven = { emailVerifiedAt: sql`now()`, emailBounceScore: 0 } as const;
  if (sameEmail(account.email, email)) {
    const [row] = await tx.update(users).set(proven).where(eq(users.id, userId)).returning();
    return row!;
  }
  const [other] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(sql`lower(${users.email}) = ${normaliseEmail(email)}`, ne(users.id, userId)));
  if (other) throw emailTaken();
  try {
    const [row] = await tx
      .update(users)
      .set({ ...proven, email })
      .where(eq(users.id, userId))
      .returning();
    return row!;
  } catch (err) {
    // Another account took the address between the check and the update.
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
}

export type VerifyInput = { token?: string | undefined; code?: string | undefined };

/** `{token}` from the mail's link (anyone may follow it), or `{code}` typed by the signed-in member. */
export async function verifyEmail(ctx: ServiceContext, viewer: Viewer, input: VerifyInput): Promise<ApiUser> {
  if ((input.token === undefined) === (input.code === undefined)) throw badRequest('token_or_code', 'Give exactly one of `token` or `code`.');
  if (input.token !== undefined) {
    const token = input.token;
    return announced(
      ctx,
      await write(ctx, async ({ tx }) => {
        const used = await consumeToken(tx, 'verify', token);
        return presentUser(await prove(tx, used.userId, used.email));
      }),
    );
  }
  if (!viewer.user) throw unauthorized();
  const userId = viewer.user.id;
  const tokenId = await checkCode(ctx.db, userId, input.code!);
  return announced(
    ctx,
    await write(ctx, async ({ tx }) => {
      const used = await consumeTokenById(tx, tokenId);
      return presentUser(await prove(tx, userId, used.email));
    }),
  );
}

/** Sessions carry whether the address is proven: every process forgets the account's cached ones. */
async function announced(ctx: ServiceContext, user: ApiUser): Promise<ApiUser> {
  await accountChanged(ctx.bus, user.id);
  return user;
}

/**
 * Sends the verification mail again: to the address a change waits for, else to the account's own
 * while it is unproven. Nothing to prove is a 409 `email_already_verified`, so the web app can say so.
 */
export async function resendVerification(ctx: ServiceContext, viewer: Viewer, limits: MailLimits, locale: string): Promise<void> {
  if (!viewer.user) throw unauthorized();
  const account = await loadAccount(ctx.db, viewer.user.id);
  const pending = await pendingVerification(ctx.db, account.id);
  // An account without an address (SSO) counts as verified: it has nothing to prove either.
  const target = pending && !sameEmail(pending.email, account.email) ? pending.email : isEmailVerified(account) ? null : account.email;
  if (target === null) throw conflict('email_already_verified', 'This address is verified already.');
  await countVerificationMail(ctx.db, limits, account.id);
  await write(ctx, ({ tx }) => queueVerification(ctx, tx, account, target, locale));
}
