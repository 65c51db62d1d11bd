/**
 * Changing the account's address: nothing changes until the new address is proven with the mail
 * sent to it (verification.service.ts), and the old address hears of the request at once, so an
 * intruder who knows the password cannot quietly move the account away.
 */
import { and, ne, sql } from 'drizzle-orm';
import { users } from '../../db/schema.js';
import { AppError, badRequest, conflict, unauthorized } from '../errors/errors.js';
import type { Viewer } from '../visibility/viewer.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { verifyPassword } from '../auth/password.js';
import { countVerificationMail, type MailLimits } from './account-mail.limits.js';
import { loadAccount, normaliseEmail, recipientOf, sameEmail } from './account.js';
import { emailChangeNotice } from './account.mails.js';
import { emailTaken, queueVerification } from './verification.service.js';
import { assertEmailDomainAllowed } from '../safety/spam/blocked-domains.service.js';

export interface ChangeEmailInput {
  email: string;
  password: string;
}

export async function requestEmailChange(ctx: ServiceContext, viewer: Viewer, input: ChangeEmailInput, limits: MailLimits, locale: string): Promise<void> {
  if (!viewer.user) throw unauthorized();
  const account = await loadAccount(ctx.db, viewer.user.id);
  if (!account.passwordHash) throw badRequest('no_password', 'This account signs in through its organisation and has no password here.');
  if (!(await verifyPassword(account.passwordHash, input.password)))
    throw new AppError(403, 'invalid_credentials', 'The password is wrong.', { field: 'password' });
  const email = input.email.trim();
  if (sameEmail(account.email, email)) throw conflict('email_unchanged', 'This is already the address of your account.');
  await assertEmailDomainAllowed(ctx.db, email);
  const [other] = await ctx.db
    .select({ id: users.id })
    .from(users)
    .where(and(sql`lower(${users.email}) = ${normaliseEmail(email)}`, ne(users.id, account.id)));
  if (other) throw emailTaken();
  await countVerificationMail(ctx.db, limits, account.id);
  await write(ctx, async ({ tx }) => {
    await queueVerification(ctx, tx, account, email, locale);
    if (account.email) {
      const words = { translator: ctx.translator, links: ctx.mail.links };
      await ctx.mail.queue(tx, emailChangeNotice(words, recipientOf(account, account.email, locale), email));
    }
  });
}
