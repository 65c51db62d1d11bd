/** An account as the e-mail flows read it: its row, and the recipient of mail about it. */
import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { users } from '../../db/schema.js';
import { unauthorized } from '../errors/errors.js';
import type { Recipient } from './account.mails.js';

export type AccountRow = typeof users.$inferSelect;

/** Addresses are unique without regard to case (users_email_lower_key): compare and look up in one form. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();
export const sameEmail = (a: string | null, b: string | null): boolean => a !== null && b !== null && normaliseEmail(a) === normaliseEmail(b);

/** The signed-in account; `forUpdate` inside a write holds it against a concurrent change. */
export async function loadAccount(db: Executor, userId: number, forUpdate = false): Promise<AccountRow> {
  const query = db.select().from(users).where(eq(users.id, userId));
  const [row] = forUpdate ? await query.for('update') : await query;
  // A session of an account deleted meanwhile.
  if (!row) throw unauthorized();
  return row;
}

export async function findByEmail(db: Executor, email: string): Promise<AccountRow | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${normaliseEmail(email)}`);
  return row ?? null;
}

/** Mail about an account is in its member's language, else in the language of the request or job that caused it. */
export const recipientOf = (row: AccountRow, email: string, fallbackLocale: string): Recipient => ({
  userId: row.id,
  handle: row.handle,
  displayName: row.displayName,
  email,
  locale: row.locale ?? fallbackLocale,
});
