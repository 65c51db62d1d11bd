/**
 * Signing in inside the embed iframe, where third-party cookies may be blocked: both ways end in
 * a bearer session of kind 'embed', which the iframe keeps in memory and sends as
 * `Authorization: Bearer` (and as `{type:"auth", token}` on the live socket).
 *
 * - SSO: the organisation's server signs an HS256 JWT; `sub` maps to one account forever.
 * - A Parley account: a popup on the forum's own origin (first-party cookie) asks for a one-time
 *   code, hands it to the iframe by postMessage, and the iframe exchanges it once for a token.
 *   Codes and tokens never travel in URLs.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import { isUniqueViolation, type Db } from '../../db/client.js';
import { embedCodes, embedSettings, ssoTokenUses, users } from '../../db/schema.js';
import { AppError, unauthorized } from '../errors/errors.js';
import { findCommunity } from '../communities/communities.service.js';
import type { SessionStore } from '../auth/session.js';
import { presentUser } from '../users/users.present.js';
import type { Viewer } from '../visibility/viewer.js';
import { handleBase, invalidSsoToken, verifySsoToken, type SsoClaims } from './embed.sso.js';

/** How long a one-time sign-in code lives. */
export const CODE_TTL_MS = 60_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const constraintOf = (err: unknown): string => {
  const e = err as { constraint?: string; cause?: { constraint?: string }; message?: string; detail?: string };
  return e.constraint ?? e.cause?.constraint ?? e.message ?? '';
};

async function issueEmbedSession(sessions: SessionStore, user: typeof users.$inferSelect) {
  if (user.suspendedAt)
    throw new AppError(403, 'account_suspended', user.suspendedReason || 'This account is suspended.', { reason: user.suspendedReason ?? '' });
  const issued = await sessions.issue(user.id, 'embed');
  return { token: issued.token, expiresAt: issued.expiresAt.toISOString(), user: presentUser(user) };
}

/**
 * Exchanges an organisation's SSO token for an embed session. No secret configured is the same
 * 401 invalid_sso_token as a bad token (there is nothing it could have been signed with).
 * A token with a `jti` is accepted once (the id is kept until the token's `exp`, under a primary
 * key, so two uses at once still make one success); a token without one is reusable until its
 * `exp`, at most 10 minutes.
 */
export async function ssoSignIn(db: Db, sessions: SessionStore, slug: string, token: string) {
  const community = await findCommunity(db, slug);
  const [settings] = await db.select({ secret: embedSettings.ssoSecret }).from(embedSettings).where(eq(embedSettings.communityId, community.id));
  if (!settings?.secret) throw invalidSsoToken('This community has no SSO secret configured.', { problem: 'no_secret' });
  const claims = await verifySsoToken(token, settings.secret, community.slug);

  if (claims.jti) {
    await db.delete(ssoTokenUses).where(and(eq(ssoTokenUses.communityId, community.id), lt(ssoTokenUses.expiresAt, sql`now()`)));
    const recorded = await db
      .insert(ssoTokenUses)
      .values({ communityId: community.id, jti: claims.jti, expiresAt: new Date(claims.exp * 1000) })
      .onConflictDoNothing()
      .returning({ jti: ssoTokenUses.jti });
    if (!recorded.length) throw invalidSsoToken('This sign-in token was already used.', { problem: 'used' });
  }
  const user = await ssoUser(db, community.id, claims);
  // Its name and avatar may have just changed: sessions cached on any process carry the old ones.
  await sessions.accountChanged(user.id);
  return issueEmbedSession(sessions, user);
}

/**
 * The account of (community, sub): made on first sight, its name and avatar refreshed on later
 * sign-ins. The email claim is accepted but not stored: emails are unique site-wide, and any
 * community admin can mint tokens, so storing them would let one block others' sign-ups.
 */
async function ssoUser(db: Db, communityId: number, claims: SsoClaims): Promise<typeof users.$inferSelect> {
  const bySubject = async () =>
    (
      await db
        .select()
        .from(users)
        .where(and(eq(users.ssoCommunityId, communityId), eq(users.ssoSubject, claims.sub)))
    )[0];
  const displayName = (claims.name ?? claims.sub).slice(0, 64).trim() || 'Member';

  const known = await bySubject();
  if (known) {
    const [updated] = await db
      .update(users)
      .set({ ...(claims.name ? { displayName } : {}), avatarUrl: claims.avatarUrl })
      .where(eq(users.id, known.id))
      .returning();
    return updated!;
  }
  const base = handleBase(claims.name ?? claims.sub);
  for (let attempt = 0; attempt < 8; attempt++) {
    const handle = attempt === 0 ? base : `${base.slice(0, 32 - 7)}-${randomInt(100_000, 1_000_000)}`;
    try {
      const [row] = await db
        .insert(users)
        .values({
          handle,
          displayName,
          avatarUrl: claims.avatarUrl,
          email: null,
          passwordHash: null,
          ssoCommunityId: communityId,
          ssoSubject: claims.sub,
        })
        .returning();
      return row!;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // The same subject signing in twice at once: the other request made the account.
      if (constraintOf(err).includes('users_sso_key')) {
        const made = await bySubject();
        if (made) return made;
      }
      // Otherwise the handle is taken: try again with a suffix.
    }
  }
  throw new Error('could not find a free handle for an SSO account');
}

/** A one-time code for the signed-in viewer (a popup on the forum's origin asks for it). */
export async function issueCode(db: Db, viewer: Viewer, slug: string) {
  if (!viewer.user) throw unauthorized();
  const community = await findCommunity(db, slug);
  await db.delete(embedCodes).where(lt(embedCodes.expiresAt, sql`now()`));
  const code = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + CODE_TTL_MS);
  await db.insert(embedCodes).values({ codeHash: sha256(code), userId: viewer.user.id, communityId: community.id, expiresAt });
  return { code, expiresAt: expiresAt.toISOString() };
}

export const invalidCode = () => unauthorized('invalid_code', 'The sign-in code is unknown, used or expired.');

/** Exactly once: the code row is deleted by the statement that reads it. */
export async function exchangeCode(db: Db, sessions: SessionStore, slug: string, code: string) {
  const community = await findCommunity(db, slug);
  const [row] = await db
    .delete(embedCodes)
    .where(and(eq(embedCodes.codeHash, sha256(code)), eq(embedCodes.communityId, community.id)))
    .returning({ userId: embedCodes.userId, expiresAt: embedCodes.expiresAt });
  if (!row || row.expiresAt.getTime() <= Date.now()) throw invalidCode();
  const [user] = await db.select().from(users).where(eq(users.id, row.userId));
  if (!user) throw invalidCode();
  return issueEmbedSession(sessions, user);
}
