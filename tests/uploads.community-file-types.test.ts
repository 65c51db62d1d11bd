import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, makeSiteAdmin, scene, signUp } from './helpers/factories.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

const fileTypes = async (slug: string, viewer = t.guest()): Promise<unknown> => (await viewer.get(`/api/communities/${slug}`)).body.community.uploadFileTypes;

describe('which files other than images a community accepts', () => {
  it('is none for a new community: images only', async () => {
    const ann = await signUp(t);
    const { slug } = await createCommunity(ann);
    expect(await fileTypes(slug)).toEqual([]);
    const listed = await t.guest().get(`/api/communities?limit=100`);
    expect(listed.status).toBe(200);
    for (const c of listed.body.items) expect(c.uploadFileTypes, c.slug).toEqual(expect.any(Array));
  });

  it('an admin sets, and everyone reads it with the community (the composer offers what it accepts)', async () => {
    const res = await s.admin.patch(`/api/communities/${s.slug}`, { uploadFileTypes: ['application/pdf'] });
    expect(res.status).toBe(200);
    expect(res.body.community.uploadFileTypes).toEqual(['application/pdf']);
    for (const viewer of [t.guest(), s.member, s.moderator, s.admin]) expect(await fileTypes(s.slug, viewer)).toEqual(['application/pdf']);
  });

  it('is kept in one order whatever order the admin gave, and an empty list turns it off', async () => {
    const both = await s.admin.patch(`/api/communities/${s.slug}`, { uploadFileTypes: ['text/plain', 'application/pdf'] });
    expect(both.status).toBe(200);
    expect(both.body.community.uploadFileTypes).toEqual(['application/pdf', 'text/plain']);

    const none = await s.admin.patch(`/api/communities/${s.slug}`, { uploadFileTypes: [] });
    expect(none.status).toBe(200);
    expect(await fileTypes(s.slug)).toEqual([]);
  });

  it('is left as it was by a change of other settings', async () => {
    await s.admin.patch(`/api/communities/${s.slug}`, { uploadFileTypes: ['text/plain'] });
    const res = await s.admin.patch(`/api/communities/${s.slug}`, { description: 'Other words' });
    expect(res.status).toBe(200);
    expect(res.body.community.uploadFileTypes).toEqual(['text/plain']);
  });

  it('a site admin may set it in any community', async () => {
    const root = await signUp(t);
    await makeSiteAdmin(t, root.userId);
    const res = await root.patch(`/api/communities/${s.slug}`, { uploadFileTypes: ['application/pdf', 'text/plain'] });
    expect(res.status).toBe(200);
    expect(await fileTypes(s.slug)).toEqual(['application/pdf', 'text/plain']);
  });

  it('members, staff and moderators may not change it (403), guests neither (401)', async () => {
    const before = await fileTypes(s.slug);
    for (const who of [s.member, s.staff, s.moderator]) {
      const res = await who.patch(`/api/communities/${s.slug}`, { uploadFileTypes: ['text/plain'] });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_community_admin');
    }
    expect((await t.guest().patch(`/api/communities/${s.slug}`, { uploadFileTypes: [] })).status).toBe(401);
    expect(await fileTypes(s.slug)).toEqual(before);
  });

  it.each([
    ['an SVG', ['image/svg+xml']],
    ['HTML', ['text/html']],
    ['an image type (images need no setting)', ['image/png']],
    ['a type in other case', ['application/PDF']],
    ['parameters', ['text/plain; charset=utf-8']],
    ['a wildcard', ['*/*']],
    ['the same type twice', ['application/pdf', 'application/pdf']],
    ['a string instead of a list', 'application/pdf'],
    ['null', null],
    ['a number', [1]],
  ])('refuses %s with 400 invalid_input', async (_label, value) => {
    const before = await fileTypes(s.slug);
    const res = await s.admin.patch(`/api/communities/${s.slug}`, { uploadFileTypes: value });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_input');
    expect(await fileTypes(s.slug)).toEqual(before);
  });
});
