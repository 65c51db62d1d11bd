import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { memberships, type Role } from '../../db/schema.js';

export interface ViewerUser {
  id: number;
  handle: string;
  displayName: string;
  avatarUrl: string | null;
  createdAt: Date;
  isSiteAdmin: boolean;
  /** The interface language the member chose (users.locale); null or absent: not chosen. */
  locale?: string | null;
  /**
   * The member proved their address, or signs in through an organisation (SSO), which vouches for
   * them. Absent where the viewer was built without it: whoever needs it then reads the account.
   */
  emailVerified?: boolean;
}

/** Who is asking. Roles are looked up per community on first need and remembered for the request. */
export interface Viewer {
  user: ViewerUser | null;
  /** Id of the session that authenticated this request, if any. */
  sessionId: string | null;
  roles: Map<number, Role | null>;
}

export const guestViewer = (): Viewer => ({ user: null, sessionId: null, roles: new Map() });
export const userViewer = (user: ViewerUser, sessionId: string | null = null): Viewer => ({ user, sessionId, roles: new Map() });

export async function roleIn(db: Executor, viewer: Viewer, communityId: number): Promise<Role | null> {
  if (!viewer.user) return null;
  if (viewer.roles.has(communityId)) return viewer.roles.get(communityId) ?? null;
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.communityId, communityId), eq(memberships.userId, viewer.user.id)));
  const role = row?.role ?? null;
  viewer.roles.set(communityId, role);
  return role;
}
