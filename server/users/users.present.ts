import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { users } from '../../db/schema.js';

export type UserRow = Pick<typeof users.$inferSelect, 'id' | 'handle' | 'displayName' | 'avatarUrl' | 'createdAt'>;

export interface ApiUser {
  id: number;
  handle: string;
  displayName: string;
  avatarUrl: string | null;
  createdAt: string;
}

/** The public face of an account: never an email, a hash or an SSO subject. */
export const presentUser = (u: UserRow): ApiUser => ({
  id: u.id,
  handle: u.handle,
  displayName: u.displayName,
  avatarUrl: u.avatarUrl,
  createdAt: u.createdAt.toISOString(),
});

type PublicUserColumn = 'id' | 'handle' | 'displayName' | 'avatarUrl' | 'createdAt';

/** The columns presentUser needs, from the users table or an alias of it. */
export const userColumns = <T extends Record<PublicUserColumn, AnyPgColumn>>(t: T): Pick<T, PublicUserColumn> => ({
  id: t.id,
  handle: t.handle,
  displayName: t.displayName,
  avatarUrl: t.avatarUrl,
  createdAt: t.createdAt,
});
