import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { sql } from 'drizzle-orm';
import type { TestApp } from './app.js';
import type { TestClient } from './client.js';

export const unique = (prefix = 'x') => `${prefix}${randomBytes(4).toString('hex')}`;
export const PASSWORD = 'correct horse battery';

/** A signed-in member. Accounts are aged a week so first-day limits stay out of the way unless a test wants them. */
export async function signUp(t: TestApp, opts: { handle?: string; newAccount?: boolean } = {}): Promise<TestClient & { handle: string; userId: number }> {
  const client = t.guest();
  const handle = opts.handle ?? unique('user');
  const res = await client.post('/api/auth/signup', { handle, email: `${handle}@example.org`, password: PASSWORD });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  if (!opts.newAccount) {
    await t.app.parley.ctx.db.execute(sql`UPDATE users SET created_at = now() - interval '7 days' WHERE id = ${res.body.user.id}`);
  }
  return Object.assign(client, { handle, userId: res.body.user.id as number });
}

export async function makeSiteAdmin(t: TestApp, userId: number) {
  await t.app.parley.ctx.db.execute(sql`UPDATE users SET is_site_admin = true WHERE id = ${userId}`);
}

export async function createCommunity(admin: TestClient, slug = unique('c')) {
  const res = await admin.post('/api/communities', { slug, name: `Community ${slug}`, description: 'for tests' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.community as { id: number; slug: string };
}

export async function setRole(admin: TestClient, slug: string, handle: string, role: string) {
  const res = await admin.put(`/api/communities/${slug}/members/${handle}`, { role });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export async function createTopic(client: TestClient, slug: string, over: Record<string, unknown> = {}) {
  const res = await client.post(`/api/communities/${slug}/topics`, { category: 'general', title: `Topic ${unique()}`, body: `Opening ${unique()}`, ...over });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { topic: any; post: any };
}

export async function reply(client: TestClient, topicId: number, over: Record<string, unknown> = {}) {
  const res = await client.post(`/api/topics/${topicId}/posts`, { body: `Reply ${unique()}`, ...over });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.post;
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
