import { eq, sql } from 'drizzle-orm';
import { isUniqueViolation, type Db } from '../../db/client.js';
import { memberships, communities, users, type MentionsFrom } from '../../db/schema.js';
import { AppError, conflict, tooMany, unauthorized, badRequest } from '../errors/errors.js';
import { hitCounter, peekCounter } from '../limits/counters.js';
import type { Viewer } from '../visibility/viewer.js';
import { hashPassword, verifyPassword } from './password.js';
import { presentUser, type ApiUser } from '../users/users.present.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { loadAccount } from '../accounts/account.js';
import { emailState } from '../accounts/email-state.js';
import { queuePasswordChanged } from '../accounts/password-reset.service.js';
import { queueVerification } from '../accounts/verification.service.js';
import { assertEmailDomainAllowed } from '../safety/spam/blocked-domains.service.js';

export interface SignupInput {
  handle: string;
  email: string;
  password: string;
  displayName?: string | undefined;
}

const constraintOf = (err: unknown): string => {
  const e = err as { constraint?: string; cause?: { constraint?: string }; message?: string };
  return e.constraint ?? e.cause?.constraint ?? e.message ?? '';
};

/** A new account, and with it the mail that proves its address (sent after the account exists, never before). */
export async function signup(ctx: ServiceContext, input: SignupInput, locale: string, opts: { firstIsSiteAdmin?: boolean } = {}): Promise<ApiUser> {
  const handle = input.handle;
  // Deleted accounts keep a `deleted-…` handle (server/safety/data-rights): nobody may pass for one.
  if (/^deleted-/i.test(handle)) throw conflict('handle_taken', 'This handle is already taken.');
  const email = input.email.trim();
  const displayName = (input.displayName ?? '').trim() || handle;
  await assertEmailDomainAllowed(ctx.db, email);
  const passwordHash = await hashPassword(input.password);
  try {
    return await write(ctx, async ({ tx }) => {
      const [row] = await tx.insert(users).values({ handle, email, passwordHash, displayName }).returning();
      // The try-out's operator is whoever signs up first: they can then read the local mailbox.
      if (opts.firstIsSiteAdmin)
        await tx.execute(sql`UPDATE users SET is_site_admin = true WHERE id = ${row!.id} AND NOT EXISTS (SELECT 1 FROM users WHERE is_site_admin)`);
      await queueVerification(ctx, tx, row!, email, locale);
      return presentUser(row!);
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      const which = constraintOf(err);
      if (which.includes('email')) throw conflict('email_taken', 'An account with this email already exists.');
      throw conflict('handle_taken', 'This handle is already taken.');
    }
    throw err;
  }
}

export interface LoginLimits {
  enabled: boolean;
  address: string;
}

const ADDRESS_MAX = 30;
const ACCOUNT_MAX_FAILURES = 10;
const WINDOW = 15 * 60;

/** Throttled per address (all attempts) and per account (failures), in the database so it holds across processes. */
export async function login(db: Db, login: string, password: string, limits: LoginLimits): Promise<{ id: number; user: ApiUser }> {
  if (limits.enabled) {
    const byAddress = await hitCounter(db, `login:address:${limits.address}`, WINDOW);
    if (byAddress.count > ADDRESS_MAX)
      throw tooMany('too_many_attempts', 'Too many sign-in attempts from this address.', byAddress.resetInSeconds, { scope: 'address' });
  }
  const lower = login.toLowerCase();
  const [row] = await db
    .select()
    .from(users)
    .where(login.includes('@') ? sql`lower(${users.email}) = ${lower}` : sql`lower(${users.handle}) = ${lower}`);
  // Failures count per account, whichever name (handle or email) they were made under.
  const accountKey = row ? `login:account:${row.id}` : `login:unknown:${lower}`;
  if (limits.enabled) {
    const byAccount = await peekCounter(db, accountKey, WINDOW);
    if (byAccount.count >= ACCOUNT_MAX_FAILURES)
      throw tooMany('too_many_attempts', 'Too many failed sign-ins for this account; try again later.', byAccount.resetInSeconds, { scope: 'account' });
  }
  const ok = await verifyPassword(row?.passwordHash ?? null, password);
  if (!row || !ok) {
    if (limits.enabled) await hitCounter(db, accountKey, WINDOW);
    throw unauthorized('invalid_credentials', 'The handle/email or password is wrong.');
  }
  // Told only to whoever knows the password: the site admin's reason is the member's to read.
  if (row.suspendedAt) throw new AppError(403, 'account_suspended', row.suspendedReason || 'This account is suspended.', { reason: row.suspendedReason ?? '' });
  return { id: row.id, user: presentUser(row) };
}

/** The address hears of it, so that a change made by someone else does not go unnoticed. */
export async function changePassword(ctx: ServiceContext, viewer: Viewer, current: string, next: string, locale: string): Promise<void> {
  if (!viewer.user) throw unauthorized();
  const account = await loadAccount(ctx.db, viewer.user.id);
  if (!account.passwordHash) throw badRequest('no_password', 'This account signs in through its organisation and has no password here.');
  if (!(await verifyPassword(account.passwordHash, current)))
    throw new AppError(403, 'invalid_credentials', 'The current password is wrong.', { field: 'currentPassword' });
  const passwordHash = await hashPassword(next);
  await write(ctx, async ({ tx }) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, account.id));
    await queuePasswordChanged(ctx, tx, account, 'change', locale);
  });
}

export interface MeOptions {
  /** config.mail.bounceThreshold: from this bounce score on, the member is asked to fix their address. */
  bounceThreshold: number;
}

export async function me(db: Db, viewer: Viewer, options: MeOptions) {
  if (!viewer.user) throw unauthorized();
  const email = await emailState(db, viewer.user.id, options.bounceThreshold);
  const rows = await db
    .select({ slug: communities.slug, name: communities.name, id: communities.id, role: memberships.role })
    .from(memberships)
    .innerJoin(communities, eq(memberships.communityId, communities.id))
    .where(eq(memberships.userId, viewer.user.id))
    .orderBy(communities.name);
  return {
    user: {
      ...presentUser(viewer.user),
      locale: viewer.user.locale ?? null,
      ...email,
    },
    isSiteAdmin: viewer.user.isSiteAdmin,
    memberships: rows.map((r) => ({ community: { id: r.id, slug: r.slug, name: r.name }, role: r.role })),
  };
}

/** One of `available` as it is spelled there, whatever the case of `tag`; null when it is not offered. */
export const offered = (tag: string, available: readonly string[]): string | null => available.find((a) => a.toLowerCase() === tag.toLowerCase()) ?? null;

/**
 * The member's own settings. `locale`: one of the server's locales (translator.locales), or null
 * to have it chosen automatically (the community's language, then the browser's).
 */
export async function updatePreferences(
  db: Db,
  viewer: Viewer,
  input: { locale?: string | null | undefined; mentionsFrom?: MentionsFrom | undefined },
  locales: readonly string[],
  options: MeOptions,
) {
  if (!viewer.user) throw unauthorized();
  let locale: string | null = null;
  if (input.locale !== undefined && input.locale !== null) {
    locale = offered(input.locale, locales);
    if (!locale)
      throw badRequest('unknown_locale', `"${input.locale}" is not a language this forum offers.`, { locale: input.locale, available: [...locales] });
  }
  // Each setting changes only when sent.
  const changes = { ...(input.locale !== undefined ? { locale } : {}), ...(input.mentionsFrom ? { mentionsFrom: input.mentionsFrom } : {}) };
  if (Object.keys(changes).length) await db.update(users).set(changes).where(eq(users.id, viewer.user.id));
  // This request answers with the new choice (and its error replies, if any, speak it).
  if (input.locale !== undefined) viewer.user.locale = locale;
  return me(db, viewer, options);
}
