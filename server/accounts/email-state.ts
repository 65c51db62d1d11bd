import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { users, type MentionsFrom } from '../../db/schema.js';
import { unauthorized } from '../errors/errors.js';
import { isEmailVerified } from '../auth/session.js';
import { CODE_ATTEMPTS } from './email-tokens.js';

/** What the owner of an account sees of its address (GET /api/me): enough for the web app's banners. */
export interface EmailState {
  email: string | null;
  emailVerified: boolean;
  /** A new address waiting to be proven (a change of address), or null. */
  pendingEmail: string | null;
  /** Mail to the address bounces: only account mail still goes there. */
  emailBouncing: boolean;
}

/**
 * In one read, since every page asks (GET /api/auth/session); the same read brings the owner's
 * choice of who may mention them, which GET /api/me shows beside it.
 */
export async function emailState(db: Executor, userId: number, bounceThreshold: number): Promise<EmailState & { mentionsFrom: MentionsFrom }> {
  const [row] = await db
    .select({
      email: users.email,
      emailVerifiedAt: users.emailVerifiedAt,
      ssoSubject: users.ssoSubject,
      emailBounceScore: users.emailBounceScore,
      mentionsFrom: users.mentionsFrom,
      // Spelled out: drizzle leaves the table name off columns of a one-table select, and here that would mean the token's.
      pendingEmail: sql<string | null>`(SELECT t.email FROM email_tokens t
        WHERE t.user_id = ${userId} AND t.purpose = 'verify' AND t.used_at IS NULL AND t.expires_at > now() AND t.attempts < ${CODE_ATTEMPTS}
          AND lower(t.email) IS DISTINCT FROM lower("users"."email")
        LIMIT 1)`,
    })
    .from(users)
    .where(eq(users.id, userId));
  // A session of an account deleted meanwhile.
  if (!row) throw unauthorized();
  return {
    email: row.email,
    emailVerified: isEmailVerified(row),
    pendingEmail: row.pendingEmail,
    emailBouncing: row.email !== null && row.emailBounceScore >= bounceThreshold,
    mentionsFrom: row.mentionsFrom,
  };
}
