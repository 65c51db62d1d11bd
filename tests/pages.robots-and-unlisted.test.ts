import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, scene, signUp } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';
import { isCommunityIndexable, isTopicIndexable } from '../server/pages/indexable.js';
import { robotsRoutes } from '../server/pages/robots.routes.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const sitemapLocs = async () => [...(await t.guest().get('/sitemap.xml')).text.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => m[1]);

describe('robots.txt', () => {
  it('lets crawlers read every page but the API, and names the sitemap at the public origin', async () => {
    const res = await t.guest().get('/robots.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    const lines = res.text.split('\n').filter(Boolean);
    expect(lines).toEqual(['User-agent: *', 'Allow: /', 'Disallow: /api/', `Sitemap: ${ORIGIN}/sitemap.xml`]);
  });

  it('derives the origin from the request when none is configured', async () => {
    // The routes alone: no database is needed to say where the sitemap is.
    const bare = Fastify();
    await bare.register(robotsRoutes, { config: { ...t.config, origin: undefined } });
    try {
      const res = await bare.inject({ method: 'GET', url: '/robots.txt', headers: { host: 'forum.example:8080' } });
      expect(res.body).toContain('Sitemap: http://forum.example:8080/sitemap.xml');
    } finally {
      await bare.close();
    }
  });
});

describe('keeping a community or a category out of search engines', () => {
  it('is off for a new community and its categories, and shows in the community JSON', async () => {
    const admin = await signUp(t);
    const community = await createCommunity(admin);
    expect(community.unlisted).toBe(false);
    expect(community.categories.map((c) => c.unlisted)).toEqual([false]);
    const listed = await t.guest().api.listCommunities();
    expect(listed.items.find((c) => c.slug === community.slug)?.unlisted).toBe(false);
  });

  it('an admin unlists the community: still readable, out of the sitemap, its topics not indexable', async () => {
    const { admin, member, slug } = await scene(t);
    const { topic } = await createTopic(member, slug, { kind: 'discussion' });
    expect(await isTopicIndexable(t.app.parley.ctx.db, topic.id)).toBe(true);
    expect(await sitemapLocs()).toContain(`${ORIGIN}/c/${slug}`);

    const updated = await admin.api.updateCommunity(slug, { unlisted: true });
    expect(updated.unlisted).toBe(true);
    expect((await t.guest().api.getCommunity(slug)).unlisted).toBe(true);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).status).toBe(200);
    expect(await isCommunityIndexable(t.app.parley.ctx.db, slug)).toBe(false);
    expect(await isTopicIndexable(t.app.parley.ctx.db, topic.id)).toBe(false);
    const locs = await sitemapLocs();
    expect(locs.filter((l) => l!.startsWith(`${ORIGIN}/c/${slug}`))).toEqual([]);

    await admin.api.updateCommunity(slug, { unlisted: false });
    expect(await isTopicIndexable(t.app.parley.ctx.db, topic.id)).toBe(true);
  });

  it('an admin unlists one category: its topics leave the sitemap, the community stays', async () => {
    const { admin, member, slug } = await scene(t);
    await admin.api.createCategory(slug, { slug: 'internal', name: 'Internal' });
    const kept = (await createTopic(member, slug, { title: 'Kept in the index' })).topic;
    const out = (await createTopic(member, slug, { category: 'internal', title: 'Left out' })).topic;

    const category = await admin.api.updateCategory(slug, 'internal', { unlisted: true });
    expect(category).toMatchObject({ slug: 'internal', unlisted: true });
    expect((await t.guest().api.getCommunity(slug)).categories.find((c) => c.slug === 'internal')?.unlisted).toBe(true);
    expect(await isCommunityIndexable(t.app.parley.ctx.db, slug)).toBe(true);
    expect(await isCommunityIndexable(t.app.parley.ctx.db, slug, 'internal')).toBe(false);
    expect(await isCommunityIndexable(t.app.parley.ctx.db, slug, 'general')).toBe(true);

    const locs = (await sitemapLocs()).filter((l) => l!.startsWith(`${ORIGIN}/c/${slug}`));
    expect(locs).toEqual([`${ORIGIN}/c/${slug}`, `${ORIGIN}/c/${slug}/t/${kept.id}-kept-in-the-index`]);
    expect(out.id).toBeGreaterThan(kept.id);
  });

  it('only an admin changes it: 401 for guests, 403 for members and moderators, 404 for an unknown category', async () => {
    const { admin, moderator, member, slug } = await scene(t);
    expectError(await t.guest().patch(`/api/communities/${slug}`, { unlisted: true }), 401, 'not_signed_in');
    expectError(await member.patch(`/api/communities/${slug}`, { unlisted: true }), 403, 'not_community_admin');
    expectError(await moderator.patch(`/api/communities/${slug}/categories/general`, { unlisted: true }), 403, 'not_community_admin');
    expectError(await admin.patch(`/api/communities/${slug}/categories/nope`, { unlisted: true }), 404, 'category_not_found');
    expectError(await admin.patch(`/api/communities/${slug}/categories/general`, { unlisted: 'yes' }), 400, 'invalid_input');
    expect((await t.guest().api.getCommunity(slug)).unlisted).toBe(false);
  });
});
