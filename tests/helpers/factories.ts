import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Community, NewReply, NewTopic, Post, Role, Topic } from '../../web/src/lib/api.js';
import type { TestApp } from './app.js';
import type { TestClient } from './client.js';

export const unique = (prefix = 'x') => `${prefix}${randomBytes(4).toString('hex')}`;
export const PASSWORD = 'correct horse battery';

export type SignedIn = TestClient & { handle: string; userId: number };

/**
 * A signed-in member. Accounts are aged a week so first-day limits stay out of the way unless a
 * test wants them. `verified`: the address is proven, as if the verification link had been
 * followed (everyday mail goes only to proven addresses).
 */
export async function signUp(t: TestApp, opts: { handle?: string; newAccount?: boolean; verified?: boolean } = {}): Promise<SignedIn> {
  const client = t.guest();
  const handle = opts.handle ?? unique('user');
  const user = await client.api.signup({ handle, email: `${handle}@example.org`, password: PASSWORD });
  expect(client.lastStatus).toBe(201);
  if (!opts.newAccount) {
    await t.app.parley.ctx.db.execute(sql`UPDATE users SET created_at = now() - interval '7 days' WHERE id = ${user.id}`);
  }
  if (opts.verified) await t.app.parley.ctx.db.execute(sql`UPDATE users SET email_verified_at = now() WHERE id = ${user.id}`);
  return Object.assign(client, { handle, userId: user.id });
}

export async function makeSiteAdmin(t: TestApp, userId: number) {
  await t.app.parley.ctx.db.execute(sql`UPDATE users SET is_site_admin = true WHERE id = ${userId}`);
  // As the CLI does: sessions cached for a few seconds hear of the promotion.
  await t.app.parley.bus.publishSignal(`user:${userId}`);
}

export async function createCommunity(admin: TestClient, slug = unique('c')): Promise<Community> {
  const community = await admin.api.createCommunity({ slug, name: `Community ${slug}`, description: 'for tests' });
  expect(admin.lastStatus).toBe(201);
  return community;
}

export async function setRole(admin: TestClient, slug: string, handle: string, role: Role) {
  await admin.api.setMemberRole(slug, handle, role);
  expect(admin.lastStatus).toBe(200);
}

/** A new topic in the community's "general" category (201: `over` may not replay a clientId). */
export async function createTopic(client: TestClient, slug: string, over: Partial<NewTopic> = {}): Promise<{ topic: Topic; post: Post }> {
  const created = await client.api.createTopic(slug, { category: 'general', title: `Topic ${unique()}`, body: `Opening ${unique()}`, ...over });
  expect(client.lastStatus).toBe(201);
  return created;
}

export async function reply(client: TestClient, topicId: number, over: Partial<NewReply> = {}): Promise<Post> {
  const post = await client.api.reply(topicId, { body: `Reply ${unique()}`, ...over });
  expect(client.lastStatus).toBe(201);
  return post;
}

/** A community with an admin, a moderator, a staff member and two ordinary members. */
export async function scene(t: TestApp) {
  const admin = await signUp(t);
  const community = await createCommunity(admin);
  const moderator = await signUp(t);
  const staff = await signUp(t);
  const member = await signUp(t);
  const other = await signUp(t);
  await setRole(admin, community.slug, moderator.handle, 'moderator');
  await setRole(admin, community.slug, staff.handle, 'staff');
  return { admin, moderator, staff, member, other, community, slug: community.slug };
}
