import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { users } from '../../db/schema.js';

export type UserRow = Pick<typeof users.$inferSelect, 'id' | 'handle' | 'displayName' | 'avatarUrl' | 'createdAt'> &
  Partial<Pick<typeof users.$inferSelect, 'deletedAt'>>;

export interface ApiUser {
  id: number;
  handle: string;
  displayName: string;
  avatarUrl: string | null;
  createdAt: string;
  /** Only on a deleted account (server/safety/data-rights/): its handle is a placeholder, its name empty. */
  deleted?: true;
}

/** The public face of an account: never an email, a hash or an SSO subject. */
export const presentUser = (u: UserRow): ApiUser => ({
  id: u.id,
  handle: u.handle,
  displayName: u.displayName,
  avatarUrl: u.avatarUrl,
  createdAt: u.createdAt.toISOString(),
  ...(u.deletedAt ? { deleted: true as const } : {}),
});

type PublicUserColumn = 'id' | 'handle' | 'displayName' | 'avatarUrl' | 'createdAt' | 'deletedAt';

/** The columns presentUser needs, from the users table or an alias of it. */
export const userColumns = <T extends Record<PublicUserColumn, AnyPgColumn>>(t: T): Pick<T, PublicUserColumn> => ({
  id: t.id,
  handle: t.handle,
  displayName: t.displayName,
  avatarUrl: t.avatarUrl,
  createdAt: t.createdAt,
  deletedAt: t.deletedAt,
});
