import { createHash, randomBytes } from 'node:crypto';
import { and, eq, lt, ne } from 'drizzle-orm';
import { Lucia, TimeSpan, type Adapter, type DatabaseSession, type DatabaseUser } from 'lucia';
import type { Db } from '../../db/client.js';
import { sessions, users } from '../../db/schema.js';
import type { ViewerUser } from '../visibility/viewer.js';
import type { Bus } from '../live/bus.js';
import { SessionCache, sessionSignal, userSignal } from './session-cache.js';

/** 'embed': a bearer session handed to the embed iframe (SSO or a one-time code). */
export type SessionKind = 'cookie' | 'bearer' | 'embed';

declare module 'lucia' {
  interface Register {
    Lucia: Lucia<{ kind: SessionKind }, Omit<ViewerUser, 'id'>>;
    UserId: number;
    DatabaseUserAttributes: Omit<ViewerUser, 'id'>;
    DatabaseSessionAttributes: { kind: SessionKind };
  }
}

export const SESSION_COOKIE = 'parley_session';

/** Only the digest is stored: someone who reads the sessions table cannot sign in with it. */
export const sessionIdOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** An account as the viewer of a request: what sessions (and anything else that acts for a member, such as mail) hand on. */
export const toViewerUser = (u: typeof users.$inferSelect): ViewerUser => ({
  id: u.id,
  handle: u.handle,
  displayName: u.displayName,
  avatarUrl: u.avatarUrl,
  createdAt: u.createdAt,
  isSiteAdmin: u.isSiteAdmin,
  locale: u.locale,
  emailVerified: isEmailVerified(u),
});

/** SSO accounts count as verified: their organisation vouches for them. */
export const isEmailVerified = (u: Pick<typeof users.$inferSelect, 'emailVerifiedAt' | 'ssoSubject'>): boolean =>
  u.emailVerifiedAt !== null || u.ssoSubject !== null;

function drizzleAdapter(db: Db): Adapter {
  const toSession = (row: typeof sessions.$inferSelect): DatabaseSession => ({
    id: row.id,
    userId: row.userId,
    expiresAt: row.expiresAt,
    attributes: { kind: row.kind as SessionKind },
  });
  return {
    async getSessionAndUser(sessionId) {
      const [row] = await db.select().from(sessions).innerJoin(users, eq(sessions.userId, users.id)).where(eq(sessions.id, sessionId));
      // A suspended account's sessions are ended when it is suspended; one that slips in later is no session either.
      if (!row || row.users.suspendedAt) return [null, null];
      const { id, ...attributes } = toViewerUser(row.users);
      const user: DatabaseUser = { id, attributes };
      return [toSession(row.sessions), user];
    },
    async getUserSessions(userId) {
      return (await db.select().from(sessions).where(eq(sessions.userId, userId))).map(toSession);
    },
    async setSession(session) {
      await db.insert(sessions).values({ id: session.id, userId: session.userId, expiresAt: session.expiresAt, kind: session.attributes.kind });
    },
    async updateSessionExpiration(sessionId, expiresAt) {
      await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, sessionId));
    },
    async deleteSession(sessionId) {
      await db.delete(sessions).where(eq(sessions.id, sessionId));
    },
    async deleteUserSessions(userId) {
      await db.delete(sessions).where(eq(sessions.userId, userId));
    },
    async deleteExpiredSessions() {
      await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
    },
  };
}

export interface IssuedSession {
  token: string;
  sessionId: string;
  expiresAt: Date;
}

export interface ValidatedSession {
  user: ViewerUser;
  sessionId: string;
  expiresAt: Date;
  /** The expiry was just extended: a cookie should be re-sent. */
  fresh: boolean;
  kind: SessionKind;
}

/**
 * Lucia does the bookkeeping (expiry, sliding renewal); we own tokens and their digests. In front of
 * it, a few seconds' cache of validated sessions (`cacheSeconds`, 0: off); whatever ends a session
 * or changes what it carries goes through here (or `accountChanged`) and is signalled on the bus,
 * so every process forgets it before the request that did it answers.
 */
export function createSessionStore(db: Db, ttlDays: number, options: { bus: Bus; cacheSeconds: number }) {
  const lucia = new Lucia(drizzleAdapter(db), {
    sessionExpiresIn: new TimeSpan(ttlDays, 'd'),
    sessionCookie: { name: SESSION_COOKIE },
    getUserAttributes: (attributes) => attributes,
    getSessionAttributes: (attributes) => attributes,
  });
  const { bus } = options;
  const cache = new SessionCache(options.cacheSeconds * 1000, bus);

  async function validateId(sessionId: string): Promise<ValidatedSession | null> {
    const cached = cache.get(sessionId);
    if (cached) return cached;
    const stamp = cache.stamp();
    const { session, user } = await lucia.validateSession(sessionId);
    if (!session) return null;
    const validated: ValidatedSession = {
      user: {
        id: user.id,
        handle: user.handle,
        displayName: user.displayName,
        avatarUrl: user.avatarUrl,
        createdAt: user.createdAt,
        isSiteAdmin: user.isSiteAdmin,
        locale: user.locale ?? null,
        emailVerified: user.emailVerified ?? false,
      },
      sessionId: session.id,
      expiresAt: session.expiresAt,
      // Renewal is lucia's, on a read past the cache: a cached hit is never `fresh`, and the next
      // miss (seconds later) renews a session that is past half its life.
      fresh: session.fresh,
      kind: session.kind,
    };
    cache.set(validated, stamp);
    return validated;
  }

  return {
    async issue(userId: number, kind: SessionKind = 'cookie'): Promise<IssuedSession> {
      const token = randomBytes(32).toString('base64url');
      const session = await lucia.createSession(userId, { kind }, { sessionId: sessionIdOf(token) });
      return { token, sessionId: session.id, expiresAt: session.expiresAt };
    },
    async validate(token: string): Promise<ValidatedSession | null> {
      if (!token || token.length > 128) return null;
      return validateId(sessionIdOf(token));
    },
    /** By the session's id (its token's digest), as a socket that signed in with it keeps it. */
    validateId,
    async revoke(sessionId: string) {
      await lucia.invalidateSession(sessionId);
      await bus.publishSignal(sessionSignal(sessionId));
    },
    async revokeAll(userId: number) {
      await lucia.invalidateUserSessions(userId);
      await bus.publishSignal(userSignal(userId));
    },
    async revokeAllExcept(userId: number, keepSessionId: string) {
      await db.delete(sessions).where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)));
      await bus.publishSignal(userSignal(userId));
    },
    /** After a committed change to what sessions carry (ViewerUser) or to the account's sessions. */
    accountChanged: (userId: number) => accountChanged(bus, userId),
    pruneExpired: () => lucia.deleteExpiredSessions(),
    close: () => cache.close(),
  };
}

/**
 * Every process forgets the account's cached sessions: after a committed change to what a session
 * carries (display name, avatar, site admin, locale, verified address) or a delete of its sessions
 * made outside the store (a password reset). Awaited before answering.
 */
export const accountChanged = (bus: Pick<Bus, 'publishSignal'>, userId: number): Promise<void> => bus.publishSignal(userSignal(userId));

export type SessionStore = ReturnType<typeof createSessionStore>;
