import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { users } from '../../db/schema.js';
import { isEmailVerified } from '../auth/session.js';
import type { ViewerUser } from '../visibility/viewer.js';

/**
 * Whether the member proved their address (SSO accounts count: their organisation vouches). A
 * viewer from a session knows; one built elsewhere (a post by mail) is looked up.
 */
export async function hasVerifiedEmail(db: Executor, user: ViewerUser): Promise<boolean> {
  if (user.emailVerified !== undefined) return user.emailVerified;
  const [row] = await db.select({ emailVerifiedAt: users.emailVerifiedAt, ssoSubject: users.ssoSubject }).from(users).where(eq(users.id, user.id));
  return row ? isEmailVerified(row) : false;
}
