import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { createCommunity, createTopic, reply, setRole, signUp, unique } from './helpers/factories.js';

// Rate limits on, like production. Sign-ups are limited to 10 an hour per address,
// so this file uses seven accounts in all.
let t: TestApp;
let admin: TestClient & { handle: string; userId: number };
let slug: string;
let otherSlug: string;
let topicId: number;

beforeAll(async () => {
  t = await startTestApp({ rateLimits: true });
  admin = await signUp(t);
  slug = (await createCommunity(admin)).slug;
  otherSlug = (await createCommunity(admin)).slug;
  topicId = (await createTopic(admin, slug)).topic.id;
});
afterAll(async () => {
  await t?.close();
});

const startTopic = (who: TestClient, over: Record<string, unknown> = {}, where = slug) =>
  who.post(`/api/communities/${where}/topics`, { category: 'general', title: `Topic ${unique()}`, body: `Body ${unique()}`, ...over });
const threeLinks = () => `See https://a.example/${unique()} and https://b.example/x and https://c.example/y`;
const twoLinks = () => `See https://a.example/${unique()} and [the docs](https://b.example/docs)`;

describe('posting limits for brand-new accounts', () => {
  it('allows three topics on day one; the fourth is 429 topic_limit with Retry-After', async () => {
    const newbie = await signUp(t, { newAccount: true });
    for (let i = 0; i < 3; i++) expect((await startTopic(newbie)).status).toBe(201);
    const res = await startTopic(newbie);
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('topic_limit');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const list = await t.guest().get(`/api/communities/${slug}/topics?limit=100`);
    expect(list.body.items.filter((x: any) => x.author.handle === newbie.handle)).toHaveLength(3);
  });

  it('refuses a post with three links with 403 too_many_links; two are fine', async () => {
    const newbie = await signUp(t, { newAccount: true });
    const ok = await newbie.post(`/api/topics/${topicId}/posts`, { body: twoLinks() });
    expect(ok.status).toBe(201);
    const res = await newbie.post(`/api/topics/${topicId}/posts`, { body: threeLinks() });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('too_many_links');
    const asTopic = await startTopic(newbie, { body: threeLinks() });
    expect(asTopic.status).toBe(403);
    expect(asTopic.body.code).toBe('too_many_links');
  });

  it('refuses posting faster than the per-minute budget with 429 post_limit and Retry-After', async () => {
    const newbie = await signUp(t, { newAccount: true });
    const clientId = unique('cid-');
    const first = await newbie.post(`/api/topics/${topicId}/posts`, { body: `Quick ${unique()}`, clientId });
    expect(first.status).toBe(201);
    for (let i = 0; i < 2; i++) expect((await newbie.post(`/api/topics/${topicId}/posts`, { body: `Quick ${unique()}` })).status).toBe(201);
    const res = await newbie.post(`/api/topics/${topicId}/posts`, { body: `One too many ${unique()}` });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('post_limit');
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A clientId retry of a post that did go through is still answered, not limited.
    const retry = await newbie.post(`/api/topics/${topicId}/posts`, { body: first.body.post.body, clientId });
    expect(retry.status).toBe(200);
    expect(retry.body.post.id).toBe(first.body.post.id);
    const page = await t.guest().get(`/api/topics/${topicId}?limit=100`);
    expect(page.body.posts.filter((p: any) => p.author.handle === newbie.handle)).toHaveLength(3);
  });
});

describe('posting limits for everyone', () => {
  it('lets an established account post links and topics freely, but refuses the same text twice (409 duplicate_post) and bursts (429 post_limit)', async () => {
    const regular = await signUp(t);
    for (let i = 0; i < 4; i++) expect((await startTopic(regular)).status).toBe(201);
    expect((await regular.post(`/api/topics/${topicId}/posts`, { body: threeLinks() })).status).toBe(201);

    const same = `Exactly these words ${unique()}`;
    expect((await regular.post(`/api/topics/${topicId}/posts`, { body: same })).status).toBe(201);
    const dup = await regular.post(`/api/topics/${topicId}/posts`, { body: same });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('duplicate_post');
    // Also as a new topic.
    const dupTopic = await startTopic(regular, { body: same });
    expect(dupTopic.status).toBe(409);
    expect(dupTopic.body.code).toBe('duplicate_post');

    // Six posts so far; an established account gets ten a minute.
    for (let i = 0; i < 4; i++) expect((await regular.post(`/api/topics/${topicId}/posts`, { body: `Burst ${unique()}` })).status).toBe(201);
    const res = await regular.post(`/api/topics/${topicId}/posts`, { body: `Burst ${unique()}` });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('post_limit');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('exemptions', () => {
  it('exempts a brand-new moderator from the new-account budget, in the community they moderate', async () => {
    const mod = await signUp(t, { newAccount: true });
    await setRole(admin, slug, mod.handle, 'moderator');
    for (let i = 0; i < 5; i++) expect((await startTopic(mod)).status).toBe(201);
    expect((await mod.post(`/api/topics/${topicId}/posts`, { body: threeLinks() })).status).toBe(201);
    // Elsewhere they are an ordinary new account.
    const elsewhere = await startTopic(mod, {}, otherSlug);
    expect(elsewhere.status).toBe(429);
    expect(elsewhere.body.code).toBe('topic_limit');
  });

  it('exempts a brand-new admin in their own community', async () => {
    const founder = await signUp(t, { newAccount: true });
    const own = await createCommunity(founder);
    for (let i = 0; i < 5; i++) expect((await startTopic(founder, {}, own.slug)).status).toBe(201);
    const { topic } = await createTopic(founder, own.slug, { body: threeLinks() });
    expect(topic.postCount).toBe(1);
    await reply(founder, topic.id, { body: threeLinks() });
  });
});
