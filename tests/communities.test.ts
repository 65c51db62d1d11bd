import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, scene, setRole, signUp, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('creating communities', () => {
  it('creates a community: 201, the creator is admin and a "general" category exists', async () => {
    const ann = await signUp(t);
    const slug = unique('c');
    const res = await ann.post('/api/communities', { slug, name: 'Acme Users', description: 'Talk about Acme' });
    expect(res.status).toBe(201);
    const c = res.body.community;
    expect(c).toMatchObject({ slug, name: 'Acme Users', description: 'Talk about Acme', viewerRole: 'admin' });
    expect(Number.isInteger(c.id) && c.id > 0).toBe(true);
    expect(c.categories.map((x: any) => x.slug)).toEqual(['general']);

    const me = await ann.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.memberships).toContainEqual(expect.objectContaining({ role: 'admin', community: expect.objectContaining({ slug }) }));

    const got = await ann.get(`/api/communities/${slug}`);
    expect(got.status).toBe(200);
    expect(got.body.community.viewerRole).toBe('admin');
    expect(got.body.community.categories).toEqual([expect.objectContaining({ slug: 'general' })]);
  });

  it('refuses a taken slug with 409 community_slug_taken', async () => {
    const ann = await signUp(t);
    const bob = await signUp(t);
    const { slug } = await createCommunity(ann);
    const res = await bob.post('/api/communities', { slug, name: 'Squatter' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('community_slug_taken');
    // The original is untouched and bob did not become anything in it.
    const got = await bob.get(`/api/communities/${slug}`);
    expect(got.body.community.name).toBe(`Community ${slug}`);
    expect(got.body.community.viewerRole).toBeNull();
  });

  it.each([
    ['upper case', 'Acme'],
    ['spaces', 'ac me'],
    ['one character', 'a'],
    ['leading dash', '-acme'],
    ['trailing dash', 'acme-'],
    ['punctuation', 'acme!'],
    ['too long', 'a'.repeat(49)],
  ])('refuses a bad slug (%s) with 400', async (_label, slug) => {
    const ann = await signUp(t);
    const res = await ann.post('/api/communities', { slug, name: 'Bad' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_input');
  });

  it('refuses a missing or empty name with 400', async () => {
    const ann = await signUp(t);
    expect((await ann.post('/api/communities', { slug: unique('c') })).status).toBe(400);
    expect((await ann.post('/api/communities', { slug: unique('c'), name: '' })).status).toBe(400);
  });

  it('refuses guests with 401', async () => {
    const slug = unique('c');
    const res = await t.guest().post('/api/communities', { slug, name: 'Guest made' });
    expect(res.status).toBe(401);
    expect((await t.guest().get(`/api/communities/${slug}`)).status).toBe(404);
  });

  it('lists communities for anyone, including a new one', async () => {
    const ann = await signUp(t);
    const { slug } = await createCommunity(ann);
    const res = await t.guest().get('/api/communities');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.items)).toBe(true);
    const mine = res.body.items.find((c: any) => c.slug === slug);
    expect(mine).toMatchObject({ slug, name: `Community ${slug}` });
    // The public list never leaks admin-only settings.
    expect(mine.embed).toBeUndefined();
  });
});

describe('the list of communities', () => {
  const names = async () => {
    const res = await t.guest().get('/api/communities?limit=100');
    expect(res.status).toBe(200);
    return { cache: res.headers['x-parley-cache'], names: (res.body.items as { slug: string; name: string }[]).map((c) => `${c.slug}:${c.name}`) };
  };

  it('is kept for every reader, and shows a new or renamed community at once', async () => {
    const ann = await signUp(t);
    await names();
    expect((await names()).cache).toBe('hit');
    // The same bytes for a signed-in reader: nothing in the list is theirs.
    expect((await ann.get('/api/communities?limit=100')).headers['x-parley-cache']).toBe('hit');

    const { slug } = await createCommunity(ann);
    expect((await names()).names).toContain(`${slug}:Community ${slug}`);

    expect((await ann.patch(`/api/communities/${slug}`, { name: 'Called something else' })).status).toBe(200);
    await expect.poll(async () => (await names()).names).toContain(`${slug}:Called something else`);
    expect((await names()).cache).toBe('hit');
  });
});

describe('reading a community', () => {
  let s: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('gives guests the community with categories and viewerRole null', async () => {
    const res = await t.guest().get(`/api/communities/${s.slug}`);
    expect(res.status).toBe(200);
    expect(res.body.community.slug).toBe(s.slug);
    expect(res.body.community.viewerRole).toBeNull();
    expect(res.body.community.categories.map((c: any) => c.slug)).toContain('general');
  });

  it('finds the community whatever the case of the slug in the URL', async () => {
    const res = await t.guest().get(`/api/communities/${s.slug.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.body.community.slug).toBe(s.slug);
  });

  it('gives viewerRole null to a signed-in non-member and member after the first post', async () => {
    const newcomer = await signUp(t);
    expect((await newcomer.get(`/api/communities/${s.slug}`)).body.community.viewerRole).toBeNull();
    await createTopic(newcomer, s.slug);
    const res = await newcomer.get(`/api/communities/${s.slug}`);
    expect(res.status).toBe(200);
    expect(res.body.community.viewerRole).toBe('member');
  });

  it('shows the viewer their own role (moderator, staff)', async () => {
    expect((await s.moderator.get(`/api/communities/${s.slug}`)).body.community.viewerRole).toBe('moderator');
    expect((await s.staff.get(`/api/communities/${s.slug}`)).body.community.viewerRole).toBe('staff');
  });

  it('answers 404 community_not_found for an unknown slug', async () => {
    const res = await t.guest().get(`/api/communities/${unique('nope')}`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('community_not_found');
    expect(res.body.statusCode).toBe(404);
  });
});

describe('changing community settings', () => {
  let s: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('lets an admin change name and description', async () => {
    const res = await s.admin.patch(`/api/communities/${s.slug}`, { name: 'Renamed', description: 'New words' });
    expect(res.status).toBe(200);
    expect(res.body.community).toMatchObject({ slug: s.slug, name: 'Renamed', description: 'New words' });
    const again = await t.guest().get(`/api/communities/${s.slug}`);
    expect(again.body.community).toMatchObject({ name: 'Renamed', description: 'New words' });
  });

  it('stores embed.allowedOrigins in canonical form and shows them to admins only', async () => {
    const res = await s.admin.patch(`/api/communities/${s.slug}`, {
      embed: { allowedOrigins: ['https://Acme.example/', 'https://acme.example', 'http://Docs.Acme.example:8080'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.community.embed.allowedOrigins).toEqual(['https://acme.example', 'http://docs.acme.example:8080']);

    const asAdmin = await s.admin.get(`/api/communities/${s.slug}`);
    expect(asAdmin.body.community.embed).toEqual({ allowedOrigins: ['https://acme.example', 'http://docs.acme.example:8080'], ssoSecretCreatedAt: null });
    for (const viewer of [t.guest(), s.member, s.staff, s.moderator]) {
      const other = await viewer.get(`/api/communities/${s.slug}`);
      expect(other.status).toBe(200);
      expect(other.body.community.embed).toBeUndefined();
      expect(other.text).not.toContain('acme.example');
    }
  });

  it('refuses an origin that is not an origin with 400', async () => {
    for (const origin of ['javascript:alert(1)', 'https://acme.example/path', 'acme.example', 'ftp://acme.example']) {
      const res = await s.admin.patch(`/api/communities/${s.slug}`, { embed: { allowedOrigins: [origin] } });
      expect(res.status, origin).toBe(400);
      expect(res.body.code).toBe('invalid_input');
    }
  });

  it('refuses members, staff and moderators with 403 not_community_admin', async () => {
    for (const who of [s.member, s.staff, s.moderator]) {
      const res = await who.patch(`/api/communities/${s.slug}`, { name: 'Hijacked' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_community_admin');
    }
    expect((await t.guest().get(`/api/communities/${s.slug}`)).body.community.name).not.toBe('Hijacked');
  });

  it('refuses guests with 401', async () => {
    const res = await t.guest().patch(`/api/communities/${s.slug}`, { name: 'Hijacked' });
    expect(res.status).toBe(401);
  });

  it('answers 404 for an unknown community', async () => {
    const res = await s.admin.patch(`/api/communities/${unique('nope')}`, { name: 'x' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('community_not_found');
  });
});

describe('member roles', () => {
  let s: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('lets an admin give a role: 200 {member}', async () => {
    const u = await signUp(t);
    const res = await s.admin.put(`/api/communities/${s.slug}/members/${u.handle}`, { role: 'moderator' });
    expect(res.status).toBe(200);
    expect(res.body.member).toMatchObject({ role: 'moderator', community: s.slug, user: { id: u.userId, handle: u.handle } });
    expect(res.body.member.user.email).toBeUndefined();
    expect((await u.get(`/api/communities/${s.slug}`)).body.community.viewerRole).toBe('moderator');
    const me = await u.get('/api/me');
    expect(me.body.memberships).toContainEqual(expect.objectContaining({ role: 'moderator', community: expect.objectContaining({ slug: s.slug }) }));
    // And back down again.
    const back = await s.admin.put(`/api/communities/${s.slug}/members/${u.handle}`, { role: 'member' });
    expect(back.status).toBe(200);
    expect(back.body.member.role).toBe('member');
    expect((await u.get(`/api/communities/${s.slug}`)).body.community.viewerRole).toBe('member');
  });

  it('accepts the handle in any case', async () => {
    const u = await signUp(t);
    const res = await s.admin.put(`/api/communities/${s.slug}/members/${u.handle.toUpperCase()}`, { role: 'staff' });
    expect(res.status).toBe(200);
    expect(res.body.member.user.handle).toBe(u.handle);
    expect((await u.get(`/api/communities/${s.slug}`)).body.community.viewerRole).toBe('staff');
  });

  it('refuses moderators, staff and members with 403 not_community_admin', async () => {
    await createTopic(s.member, s.slug);
    for (const who of [s.moderator, s.staff, s.member]) {
      const res = await who.put(`/api/communities/${s.slug}/members/${s.other.handle}`, { role: 'admin' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_community_admin');
    }
    // Not even for themselves.
    const self = await s.moderator.put(`/api/communities/${s.slug}/members/${s.moderator.handle}`, { role: 'admin' });
    expect(self.status).toBe(403);
    expect((await s.other.get(`/api/communities/${s.slug}`)).body.community.viewerRole).toBeNull();
    expect((await s.moderator.get(`/api/communities/${s.slug}`)).body.community.viewerRole).toBe('moderator');
  });

  it('refuses guests with 401', async () => {
    const res = await t.guest().put(`/api/communities/${s.slug}/members/${s.other.handle}`, { role: 'admin' });
    expect(res.status).toBe(401);
  });

  it('answers 404 user_not_found for an unknown handle, community_not_found for an unknown community', async () => {
    const res = await s.admin.put(`/api/communities/${s.slug}/members/${unique('ghost')}`, { role: 'moderator' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('user_not_found');
    const nc = await s.admin.put(`/api/communities/${unique('nope')}/members/${s.other.handle}`, { role: 'moderator' });
    expect(nc.status).toBe(404);
    expect(nc.body.code).toBe('community_not_found');
  });

  it('refuses an unknown role with 400', async () => {
    for (const role of ['owner', 'ADMIN', '', null]) {
      const res = await s.admin.put(`/api/communities/${s.slug}/members/${s.other.handle}`, { role });
      expect(res.status, String(role)).toBe(400);
      expect(res.body.code).toBe('invalid_input');
    }
    expect((await s.admin.put(`/api/communities/${s.slug}/members/${s.other.handle}`, {})).status).toBe(400);
    expect((await s.other.get(`/api/communities/${s.slug}`)).body.community.viewerRole).toBeNull();
  });

  it('refuses to demote the last admin with 409 last_admin, but allows it once there is another', async () => {
    const founder = await signUp(t);
    const { slug } = await createCommunity(founder);
    const res = await founder.put(`/api/communities/${slug}/members/${founder.handle}`, { role: 'member' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('last_admin');
    expect((await founder.get(`/api/communities/${slug}`)).body.community.viewerRole).toBe('admin');

    const second = s.other;
    await setRole(founder, slug, second.handle, 'admin');
    const now = await founder.put(`/api/communities/${slug}/members/${founder.handle}`, { role: 'moderator' });
    expect(now.status).toBe(200);
    expect(now.body.member.role).toBe('moderator');
    // The remaining admin is now the last one.
    const last = await second.put(`/api/communities/${slug}/members/${second.handle}`, { role: 'member' });
    expect(last.status).toBe(409);
    expect(last.body.code).toBe('last_admin');
    expect((await second.get(`/api/communities/${slug}`)).body.community.viewerRole).toBe('admin');
  });
});

describe('categories', () => {
  let s: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    s = await scene(t);
  });

  it('lets an admin add a category: 201 {category}, listed on the community and usable for topics', async () => {
    const slug = unique('cat');
    const res = await s.admin.post(`/api/communities/${s.slug}/categories`, { slug, name: 'Questions', description: 'Ask here' });
    expect(res.status).toBe(201);
    expect(res.body.category).toMatchObject({ slug, name: 'Questions', description: 'Ask here' });
    const community = await t.guest().get(`/api/communities/${s.slug}`);
    expect(community.body.community.categories.map((c: any) => c.slug)).toEqual(expect.arrayContaining(['general', slug]));
    const { topic } = await createTopic(s.member, s.slug, { category: slug });
    expect(topic.category).toBe(slug);
  });

  it('refuses a duplicate category slug with 409', async () => {
    const slug = unique('cat');
    expect((await s.admin.post(`/api/communities/${s.slug}/categories`, { slug, name: 'One' })).status).toBe(201);
    const res = await s.admin.post(`/api/communities/${s.slug}/categories`, { slug, name: 'Two' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('category_slug_taken');
    const dupGeneral = await s.admin.post(`/api/communities/${s.slug}/categories`, { slug: 'general', name: 'Again' });
    expect(dupGeneral.status).toBe(409);
  });

  it('allows the same category slug in another community', async () => {
    const other = await createCommunity(s.admin);
    const slug = unique('cat');
    expect((await s.admin.post(`/api/communities/${s.slug}/categories`, { slug, name: 'Here' })).status).toBe(201);
    expect((await s.admin.post(`/api/communities/${other.slug}/categories`, { slug, name: 'There' })).status).toBe(201);
  });

  it('refuses moderators, staff and members with 403, guests with 401', async () => {
    for (const who of [s.moderator, s.staff, s.member]) {
      const res = await who.post(`/api/communities/${s.slug}/categories`, { slug: unique('cat'), name: 'Nope' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_community_admin');
    }
    expect((await t.guest().post(`/api/communities/${s.slug}/categories`, { slug: unique('cat'), name: 'Nope' })).status).toBe(401);
  });

  it('refuses a bad category slug with 400', async () => {
    const res = await s.admin.post(`/api/communities/${s.slug}/categories`, { slug: 'Bad Slug', name: 'Bad' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_input');
  });
});
