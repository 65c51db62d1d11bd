import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { scene } from './helpers/factories.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

describe('GET /api/communities/:slug/members', () => {
  it('lists who holds a role (admins, moderators, staff) to anyone, guests included', async () => {
    const res = await t.guest().get(`/api/communities/${s.slug}/members`);
    expect(res.status).toBe(200);
    const roles = Object.fromEntries(res.body.items.map((m: any) => [m.user.handle, m.role]));
    expect(roles).toEqual({ [s.admin.handle]: 'admin', [s.moderator.handle]: 'moderator', [s.staff.handle]: 'staff' });
    expect(JSON.stringify(res.body)).not.toContain('@example.org');
  });

  it('filters by role, and keeps the list of plain members for admins', async () => {
    await s.member.post(`/api/communities/${s.slug}/topics`, { category: 'general', title: 'Joining in', body: 'Hello there' });
    const mods = await t.guest().get(`/api/communities/${s.slug}/members?role=moderator`);
    expect(mods.body.items.map((m: any) => m.user.handle)).toEqual([s.moderator.handle]);
    expectError(await t.guest().get(`/api/communities/${s.slug}/members?role=member`), 401, 'not_signed_in');
    expectError(await s.moderator.get(`/api/communities/${s.slug}/members?role=member`), 403, 'not_community_admin');
    const members = await s.admin.get(`/api/communities/${s.slug}/members?role=member`);
    expect(members.body.items.map((m: any) => m.user.handle)).toEqual([s.member.handle]);
  });

  it('pages with a cursor and refuses one it did not hand out', async () => {
    const first = await t.guest().get(`/api/communities/${s.slug}/members?limit=2`);
    expect(first.body.items).toHaveLength(2);
    const rest = await t.guest().get(`/api/communities/${s.slug}/members?limit=2&cursor=${first.body.nextCursor}`);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
    expectError(await t.guest().get(`/api/communities/${s.slug}/members?cursor=abc`), 400, 'invalid_cursor');
  });
});

describe('POST /api/communities/:slug/sso-secret', () => {
  it('shows a new secret once to an admin; afterwards only when it was made', async () => {
    const made = await s.admin.post(`/api/communities/${s.slug}/sso-secret`);
    expect(made.status).toBe(201);
    expect(made.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const community = await s.admin.get(`/api/communities/${s.slug}`);
    expect(community.body.community.embed.ssoSecretCreatedAt).toEqual(expect.any(String));
    expect(community.text).not.toContain(made.body.secret);
    const again = await s.admin.post(`/api/communities/${s.slug}/sso-secret`);
    expect(again.body.secret).not.toBe(made.body.secret);
  });

  it('is refused to everyone but admins', async () => {
    expectError(await t.guest().post(`/api/communities/${s.slug}/sso-secret`), 401, 'not_signed_in');
    for (const who of [s.moderator, s.staff, s.member]) {
      expectError(await who.post(`/api/communities/${s.slug}/sso-secret`), 403, 'not_community_admin');
    }
    expect((await s.moderator.get(`/api/communities/${s.slug}`)).body.community.embed).toBeUndefined();
  });
});

describe('POST /api/markdown/preview', () => {
  it('renders a draft exactly as the post would be, sanitised', async () => {
    const res = await s.member.post('/api/markdown/preview', { body: '**bold** <script>alert(1)</script> [x](javascript:alert(1)) https://example.org' });
    expect(res.status).toBe(200);
    expect(res.body.html).toContain('<strong>bold</strong>');
    expect(res.body.html).not.toMatch(/<script|href="javascript/i);
    expect(res.body.links).toBe(1);
  });

  it('needs a signed-in writer and a body within the post limits', async () => {
    expectError(await t.guest().post('/api/markdown/preview', { body: 'hi' }), 401, 'not_signed_in');
    expectError(await s.member.post('/api/markdown/preview', { body: '' }), 400, 'invalid_input');
    expectError(await s.member.post('/api/markdown/preview', { body: 'x'.repeat(50_001) }), 400, 'invalid_input');
  });
});
