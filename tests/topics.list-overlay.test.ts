import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTopics } from '../server/topics/topics.service.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, type SignedIn } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** The list as the route answers a reader, and as listTopics reads it for them in full, without noting a visit. */
async function both(reader: SignedIn, slug: string, query = '') {
  const res = await reader.get(`/api/communities/${slug}/topics?limit=10${query}`);
  expect(res.status, res.text).toBe(200);
  const user = { id: reader.userId, handle: reader.handle, displayName: reader.handle, avatarUrl: null, createdAt: new Date(), isSiteAdmin: false };
  const viewer = { user, sessionId: null, roles: new Map() };
  const full = await listTopics(t.app.parley.ctx.db, viewer, slug, { limit: 10, cursor: new URLSearchParams(query).get('cursor') ?? undefined });
  return { served: res.body, full: JSON.parse(JSON.stringify(full)) };
}

describe("signed-in topic lists: the guests' list plus the reader's own state", () => {
  it('answers what the full read answers: unread counts, votes, new topics, the next cursor', async () => {
    const s = await scene(t);
    const topics: { id: number }[] = [];
    for (let i = 0; i < 12; i++) topics.push((await createTopic(s.member, s.slug, i === 10 ? { kind: 'idea' } : {})).topic);
    // The guests' list is kept now; what happens next is the reader's own or announced.
    expect((await t.guest().get(`/api/communities/${s.slug}/topics?limit=10`)).status).toBe(200);
    await s.other.get(`/api/topics/${topics[11]!.id}`);
    await reply(s.member, topics[11]!.id);
    await reply(s.member, topics[11]!.id);
    expect((await s.other.post(`/api/topics/${topics[10]!.id}/vote`, {})).status).toBeLessThan(300);

    const first = await both(s.other, s.slug);
    expect(first.served.items).toEqual(first.full.items);
    expect(first.served.nextCursor).toEqual(first.full.nextCursor);
    expect(first.served.items.find((i: { id: number }) => i.id === topics[10]!.id).viewer).toMatchObject({ voted: true });

    const second = await both(s.other, s.slug, `&cursor=${encodeURIComponent(first.served.nextCursor)}`);
    expect(second.served.items).toEqual(second.full.items);
    expect(second.served.items.length).toBeGreaterThan(0);
  });

  it("leaves out a topic hidden since the guests' list was kept; moderators still see it", async () => {
    const s = await scene(t);
    const { topic } = await createTopic(s.member, s.slug);
    expect((await t.guest().get(`/api/communities/${s.slug}/topics`)).status).toBe(200);
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    const ids = async (who: SignedIn) => ((await who.get(`/api/communities/${s.slug}/topics`)).body.items as { id: number }[]).map((i) => i.id);
    expect(await ids(s.other)).not.toContain(topic.id);
    expect(await ids(s.moderator)).toContain(topic.id);
  });
});
