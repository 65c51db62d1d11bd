/**
 * One-time tokens sent by mail (email_tokens): a link's secret and, for verification, a code to type.
 * Only hashes are stored. An account has at most one token per purpose: a new one deletes the older,
 * so a replaced link stops working. A token is bound to the address it was sent to.
 */
import { timingSafeEqual } from 'node:crypto';
import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { emailTokens, type EmailTokenPurpose } from '../../db/schema.js';
import { badRequest } from '../errors/errors.js';
import { hashSecret, looksLikeSecret, newCode, newSecret } from '../mail/mail.secrets.js';

export const TOKEN_LIFETIME_SECONDS: Record<EmailTokenPurpose, number> = { verify: 24 * 3600, reset: 3600 };
/** Wrong codes a verification token survives; the fifth voids it. */
export const CODE_ATTEMPTS = 5;

export interface IssuedToken {
  token: string;
  /** Six digits (verification only). */
  code: string | null;
}

export type TokenRow = typeof emailTokens.$inferSelect;

/** One message for every way a token can fail (unknown, used, expired, replaced, too many codes): none is told apart. */
export const invalidToken = () => badRequest('invalid_token', 'This link or code is not valid (any more); ask for a new one.', { via: 'email' });

export async function issueToken(tx: Executor, input: { userId: number; purpose: EmailTokenPurpose; email: string }): Promise<IssuedToken> {
  const secret = newSecret();
  const code = input.purpose === 'verify' ? newCode() : null;
  await tx.delete(emailTokens).where(and(eq(emailTokens.userId, input.userId), eq(emailTokens.purpose, input.purpose)));
  await tx.insert(emailTokens).values({
    userId: input.userId,
    purpose: input.purpose,
    tokenHash: secret.hash,
    codeHash: code ? hashSecret(code) : null,
    email: input.email,
    expiresAt: sql`now() + make_interval(secs => ${TOKEN_LIFETIME_SECONDS[input.purpose]})`,
  });
  return { token: secret.token, code };
}

const usable = () => and(isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, sql`now()`), lt(emailTokens.attempts, CODE_ATTEMPTS));

/**
 * Marks the token used and answers it, or throws invalid_token. One statement, so two requests
 * with the same link cannot both get it.
 */
export async function consumeToken(tx: Executor, purpose: EmailTokenPurpose, token: string): Promise<TokenRow> {
  if (!looksLikeSecret(token)) throw invalidToken();
  const [row] = await tx
    .update(emailTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(emailTokens.tokenHash, hashSecret(token)), eq(emailTokens.purpose, purpose), usable()))
    .returning();
  if (!row) throw invalidToken();
  return row;
}

/**
 * Checks a typed code against the account's verification token. The attempt is counted first, in a
 * statement of its own that commits whatever follows, so parallel guesses cannot exceed the limit.
 * Answers the token's id when the code is right (the caller consumes it with `consumeTokenById`).
 */
export async function checkCode(db: Executor, userId: number, code: string): Promise<number> {
  const [row] = await db
    .update(emailTokens)
    .set({ attempts: sql`${emailTokens.attempts} + 1` })
    .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, 'verify'), usable()))
    .returning({ id: emailTokens.id, codeHash: emailTokens.codeHash, attempts: emailTokens.attempts });
  if (!row?.codeHash) throw invalidToken();
  const given = Buffer.from(hashSecret(code), 'hex');
  if (!timingSafeEqual(given, Buffer.from(row.codeHash, 'hex'))) {
    throw badRequest('invalid_token', 'This code is not right.', { via: 'email', attemptsLeft: Math.max(0, CODE_ATTEMPTS - row.attempts) });
  }
  return row.id;
}

/** Uses a token whose code was just checked. The attempt limit no longer matters: the last allowed attempt may be the right one. */
export async function consumeTokenById(tx: Executor, id: number): Promise<TokenRow> {
  const [row] = await tx
    .update(emailTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(emailTokens.id, id), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, sql`now()`)))
    .returning();
  if (!row) throw invalidToken();
  return row;
}

/** The account's verification token still waiting to be used, if any. */
export async function pendingVerification(db: Executor, userId: number): Promise<TokenRow | null> {
  const [row] = await db
    .select()
    .from(emailTokens)
    .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, 'verify'), usable()));
  return row ?? null;
}
