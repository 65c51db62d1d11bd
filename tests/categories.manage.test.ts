/**
 * Admins rename, describe, reorder and remove categories (issue 21): through the API, live to open
 * community pages, each change in the public moderation log, and refused with a code when it
 * cannot be done.
 */
import { describe, expect, it } from 'vitest';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, reply, signUp, unique } from './helpers/factories.js';
import { LiveClient, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';
import type { TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ t, url, s } = ready));

/** A fresh community of `s.admin` with categories general (first), then the given ones in order. */
async function communityWith(...slugs: string[]) {
  const community = await createCommunity(s.admin);
  for (const slug of slugs) {
    const res = await s.admin.post(`/api/communities/${community.slug}/categories`, { slug, name: slug.toUpperCase() });
    expect(res.status, res.text).toBe(201);
  }
  return community.slug;
}

const categoriesOf = async (client: TestClient, slug: string) =>
  (await client.get(`/api/communities/${slug}`)).body.community.categories as Array<{ slug: string; name: string; description: string; position: number }>;

const log = async (slug: string) => (await t.guest().get(`/api/communities/${slug}/moderation-log`)).body.items as any[];

const updated = (channel: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel && m.event === 'community.updated';

describe('renaming and describing a category', () => {
  it('changes the name and description for every reader, keeps its address, and logs each change', async () => {
    const slug = await communityWith('help');
    const { topic } = await createTopic(s.admin, slug, { category: 'help' });

    const res = await s.admin.patch(`/api/communities/${slug}/categories/help`, { name: '  Support  ', description: 'Ask anything about your lamp.' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.category).toMatchObject({ slug: 'help', name: 'Support', description: 'Ask anything about your lamp.' });

    expect((await categoriesOf(t.guest(), slug)).find((c) => c.slug === 'help')).toMatchObject({
      name: 'Support',
      description: 'Ask anything about your lamp.',
    });
    // The address did not change: the filter and the topic still find it.
    const listed = await t.guest().get(`/api/communities/${slug}/topics?category=help`);
    expect(listed.body.items.map((x: any) => x.id)).toEqual([topic.id]);

    const [describe, rename] = await log(slug);
    expect(rename).toMatchObject({
      action: 'rename_category',
      moderator: { handle: s.admin.handle },
      target: { type: 'category', category: { slug: 'help', name: 'Support' } },
    });
    expect(JSON.parse(rename.detail)).toMatchObject({ name: 'HELP', to: 'Support', slug: 'help', toSlug: 'help' });
    expect(describe).toMatchObject({ action: 'describe_category', target: { type: 'category' } });
    expect(JSON.parse(describe.detail)).toMatchObject({ name: 'Support' });

    // Saving the same words again is no change: nothing more in the log.
    expect((await s.admin.patch(`/api/communities/${slug}/categories/help`, { name: 'Support', description: 'Ask anything about your lamp.' })).status).toBe(
      200,
    );
    expect(await log(slug)).toHaveLength(3); // the two above and adding "help"
  });

  it('a new address: old filter links are 404, topic links keep working and name the new one (also from the guests’ cache)', async () => {
    const slug = await communityWith('help');
    const { topic } = await createTopic(s.admin, slug, { category: 'help' });
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.category).toBe('help');

    const res = await s.admin.patch(`/api/communities/${slug}/categories/help`, { slug: 'support' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.category).toMatchObject({ slug: 'support', name: 'HELP' });

    expectError(await t.guest().get(`/api/communities/${slug}/topics?category=help`), 404, 'category_not_found');
    expect((await t.guest().get(`/api/communities/${slug}/topics?category=support`)).body.items.map((x: any) => x.id)).toEqual([topic.id]);
    const read = await t.guest().get(`/api/topics/${topic.id}`);
    expect(read.status).toBe(200);
    expect(read.body.topic.category).toBe('support');
    expect(JSON.parse((await log(slug))[0].detail)).toMatchObject({ slug: 'help', toSlug: 'support' });
  });

  it('refuses an address another category has (409 category_slug_taken) and bad input (400)', async () => {
    const slug = await communityWith('help');
    expectError(await s.admin.patch(`/api/communities/${slug}/categories/help`, { slug: 'general' }), 409, 'category_slug_taken');
    expectError(await s.admin.patch(`/api/communities/${slug}/categories/help`, { name: '' }), 400, 'invalid_input');
    expectError(await s.admin.patch(`/api/communities/${slug}/categories/help`, { slug: 'Not A Slug' }), 400, 'invalid_input');
    expectError(await s.admin.patch(`/api/communities/${slug}/categories/nope`, { name: 'X' }), 404, 'category_not_found');
    expect((await categoriesOf(s.admin, slug)).map((c) => c.name)).toEqual(['General', 'HELP']);
  });
});

describe('the order of categories', () => {
  it('new categories go at the end; a new order is kept by every list and logged once', async () => {
    const slug = await communityWith('help', 'ideas');
    expect((await categoriesOf(t.guest(), slug)).map((c) => c.slug)).toEqual(['general', 'help', 'ideas']);

    const res = await s.admin.put(`/api/communities/${slug}/categories/order`, { categories: ['ideas', 'general', 'help'] });
    expect(res.status, res.text).toBe(200);
    expect(res.body.community.categories.map((c: any) => [c.slug, c.position])).toEqual([
      ['ideas', 0],
      ['general', 1],
      ['help', 2],
    ]);
    expect((await categoriesOf(t.guest(), slug)).map((c) => c.slug)).toEqual(['ideas', 'general', 'help']);
    expect((await log(slug))[0]).toMatchObject({ action: 'reorder_categories', target: { type: 'community' }, moderator: { handle: s.admin.handle } });
    expect(JSON.parse((await log(slug))[0].detail)).toEqual({ order: ['IDEAS', 'General', 'HELP'] });

    // The same order again changes nothing and logs nothing.
    const entries = (await log(slug)).length;
    expect((await s.admin.put(`/api/communities/${slug}/categories/order`, { categories: ['ideas', 'general', 'help'] })).status).toBe(200);
    expect(await log(slug)).toHaveLength(entries);

    // One added later goes after all of them.
    await s.admin.post(`/api/communities/${slug}/categories`, { slug: 'news', name: 'News' });
    expect((await categoriesOf(t.guest(), slug)).map((c) => c.slug)).toEqual(['ideas', 'general', 'help', 'news']);
  });

  it('refuses an order that does not name every category exactly once (400 category_order_mismatch)', async () => {
    const slug = await communityWith('help');
    for (const order of [['help'], ['help', 'general', 'general'], ['help', 'elsewhere'], ['help', 'general', 'extra']]) {
      const body = expectError(await s.admin.put(`/api/communities/${slug}/categories/order`, { categories: order }), 400, 'category_order_mismatch');
      expect(body.details).toEqual({ categories: ['general', 'help'] });
    }
    expect((await categoriesOf(s.admin, slug)).map((c) => c.slug)).toEqual(['general', 'help']);
  });
});

describe('removing a category', () => {
  it('moves its topics, with everything else about them kept, to the category the admin picks', async () => {
    const slug = await communityWith('help', 'old');
    const pinned = (await createTopic(s.member, slug, { category: 'old', title: `Pinned ${unique()}` })).topic;
    await reply(s.other, pinned.id);
    expect((await s.admin.post(`/api/topics/${pinned.id}/pin`)).status).toBe(200);
    const plain = (await createTopic(s.other, slug, { category: 'old' })).topic;
    const stays = (await createTopic(s.member, slug, { category: 'help' })).topic;
    const before = (await t.guest().get(`/api/topics/${pinned.id}`)).body.topic;
    // A reader watching the removed category: that choice goes with it.
    expect((await s.member.put(`/api/communities/${slug}/categories/old/notification-level`, { level: 'watching' })).status).toBe(200);
    // The guests' list of the destination is cached before the move.
    expect((await t.guest().get(`/api/communities/${slug}/topics?category=help`)).body.items.map((x: any) => x.id)).toEqual([stays.id]);

    const res = await s.admin.delete(`/api/communities/${slug}/categories/old?moveTo=help`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.movedTopics).toBe(2);
    expect(res.body.community.categories.map((c: any) => c.slug)).toEqual(['general', 'help']);

    const after = (await t.guest().get(`/api/topics/${pinned.id}`)).body.topic;
    expect(after).toEqual({ ...before, category: 'help' });
    const listed = (await t.guest().get(`/api/communities/${slug}/topics?category=help`)).body.items.map((x: any) => x.id);
    expect(listed).toHaveLength(3);
    expect(listed).toEqual(expect.arrayContaining([pinned.id, plain.id, stays.id]));
    expect(listed[0]).toBe(pinned.id); // still pinned, so first
    expectError(await t.guest().get(`/api/communities/${slug}/topics?category=old`), 404, 'category_not_found');
    expect((await s.member.get(`/api/communities/${slug}/notification-levels`)).body.categories).toEqual({});

    const [entry] = await log(slug);
    expect(entry).toMatchObject({ action: 'remove_category', moderator: { handle: s.admin.handle }, target: { type: 'category', category: null } });
    expect(JSON.parse(entry.detail)).toEqual({ name: 'OLD', slug: 'old', topics: 2, moveTo: 'help', moveToName: 'HELP' });
  });

  it('removes an empty category without asking where its topics go', async () => {
    const slug = await communityWith('empty');
    const res = await s.admin.delete(`/api/communities/${slug}/categories/empty`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.movedTopics).toBe(0);
    expect(JSON.parse((await log(slug))[0].detail)).toEqual({ name: 'EMPTY', slug: 'empty', topics: 0 });
  });

  it('refuses with a code what it cannot do, and changes nothing', async () => {
    const slug = await communityWith('help');
    await createTopic(s.member, slug, { category: 'help' });
    const base = `/api/communities/${slug}/categories`;

    const notEmpty = expectError(await s.admin.delete(`${base}/help`), 409, 'category_not_empty');
    expect(notEmpty.details).toMatchObject({ category: 'help', topics: 1 });
    expect(notEmpty.message).toContain('1 topic');
    expectError(await s.admin.delete(`${base}/help?moveTo=help`), 400, 'move_to_same_category');
    expectError(await s.admin.delete(`${base}/help?moveTo=elsewhere`), 400, 'move_target_not_found');
    expectError(await s.admin.delete(`${base}/nope?moveTo=general`), 404, 'category_not_found');
    expect((await categoriesOf(s.admin, slug)).map((c) => c.slug)).toEqual(['general', 'help']);

    expect((await s.admin.delete(`${base}/general`)).status).toBe(200);
    expectError(await s.admin.delete(`${base}/help?moveTo=general`), 409, 'last_category');
    expect((await categoriesOf(s.admin, slug)).map((c) => c.slug)).toEqual(['help']);
    // In the community's language too.
    expect((await s.admin.patch(`/api/communities/${slug}`, { language: 'de' })).status).toBe(200);
    expect((await s.admin.delete(`${base}/help`)).body.message).toBe('Eine Community braucht mindestens eine Kategorie.');
  });
});

describe('who may manage categories', () => {
  it('only admins: 401 for guests, 403 not_community_admin for members and moderators; nothing changes', async () => {
    const slug = s.slug;
    await s.admin.post(`/api/communities/${slug}/categories`, { slug: 'perm', name: 'Perm' });
    const base = `/api/communities/${slug}/categories`;
    for (const client of [s.member, s.moderator, s.staff]) {
      expectError(await client.patch(`${base}/perm`, { name: 'Mine now' }), 403, 'not_community_admin');
      expectError(await client.put(`${base}/order`, { categories: ['perm', 'general'] }), 403, 'not_community_admin');
      expectError(await client.delete(`${base}/perm?moveTo=general`), 403, 'not_community_admin');
      expectError(await client.post(base, { slug: unique('p'), name: 'Nope' }), 403, 'not_community_admin');
    }
    expectError(await t.guest().delete(`${base}/perm?moveTo=general`), 401, 'not_signed_in');
    const stranger = await signUp(t);
    expectError(await stranger.patch(`${base}/perm`, { description: 'x' }), 403, 'not_community_admin');
    expect((await categoriesOf(s.admin, slug)).map((c) => [c.slug, c.name])).toEqual([
      ['general', 'General'],
      ['perm', 'Perm'],
    ]);
  });
});

describe('open pages hear it live', () => {
  it('a rename, a new order and a removal reach a community socket as community.updated; moved topics tell their own pages', async () => {
    const slug = await communityWith('help', 'old');
    const { topic } = await createTopic(s.member, slug, { category: 'old' });
    const channel = `community:${slug}`;
    const guest = await LiveClient.connect(url);
    open.push(guest);
    await guest.subscribe(channel);
    await guest.subscribe(`topic:${topic.id}`);

    expect((await s.admin.patch(`/api/communities/${slug}/categories/help`, { name: 'Support' })).status).toBe(200);
    const renamed = await guest.next(updated(channel));
    expect(renamed.data.categories.map((c: any) => c.name)).toEqual(['General', 'Support', 'OLD']);

    expect((await s.admin.put(`/api/communities/${slug}/categories/order`, { categories: ['old', 'help', 'general'] })).status).toBe(200);
    const reordered = await guest.next(updated(channel));
    expect(reordered.data.categories.map((c: any) => c.slug)).toEqual(['old', 'help', 'general']);

    expect((await s.admin.delete(`/api/communities/${slug}/categories/old?moveTo=general`)).status).toBe(200);
    const moved = await guest.next((m) => m.type === 'event' && m.channel === `topic:${topic.id}` && m.event === 'topic.updated');
    expect(moved.channel).toBe(`topic:${topic.id}`);
    const removed = await guest.next(updated(channel));
    expect(removed.data.categories.map((c: any) => c.slug)).toEqual(['help', 'general']);
  });

  it('a refused removal sends nothing', async () => {
    const slug = await communityWith('help');
    await createTopic(s.member, slug, { category: 'help' });
    const channel = `community:${slug}`;
    const guest = await LiveClient.connect(url);
    open.push(guest);
    await guest.subscribe(channel);
    expect((await s.admin.delete(`/api/communities/${slug}/categories/help`)).status).toBe(409);
    expect(await guest.quiet(updated(channel))).toEqual([]);
  });
});
