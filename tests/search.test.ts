import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { createCommunity, createTopic, reply, scene, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);
/** A made-up word that only this test uses (letters only, so the stemmer leaves it alone). */
const word = () => `zq${unique('').replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}`;

describe('search', () => {
  let s: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    s = await scene(t);
  });

  const search = (who: TestClient, q: string, slug = s.slug) => who.get(`/api/communities/${slug}/search?q=${encodeURIComponent(q)}`);

  it('finds a post by a word of its body: {topic, post, snippet, snippetHtml} with <mark>', async () => {
    const w = word();
    const { topic } = await createTopic(s.member, s.slug);
    const post = await reply(s.other, topic.id, { body: `You can fix it with the ${w} setting in the admin panel.` });
    const res = await search(t.guest(), w);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    const [item] = res.body.items;
    expect(item.topic).toMatchObject({ id: topic.id, title: topic.title, community: s.slug });
    expect(item.post).toMatchObject({ id: post.id, topicId: topic.id, number: 2, body: post.body });
    expect(item.snippet).toContain(w);
    expect(item.snippet).not.toContain('<mark>');
    expect(item.snippetHtml).toContain(`<mark>${w}</mark>`);
  });

  it('stems words: "resetting" finds "reset" and "resets"', async () => {
    const w = word();
    const { topic, post } = await createTopic(s.member, s.slug, { body: `How to reset the ${w} router` });
    const r = await reply(s.other, topic.id, { body: `It resets when the ${w} light blinks` });
    await reply(s.other, topic.id, { body: `Unrelated ${w} chatter` });
    const res = await search(t.guest(), `resetting ${w}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => i.post.id).sort((a: number, b: number) => a - b)).toEqual([post.id, r.id].sort((a, b) => a - b));
    for (const item of res.body.items) expect(item.snippetHtml).toMatch(/<mark>reset/i);
  });

  it('finds a topic by a word of its title, through its opening post', async () => {
    const w = word();
    const { topic, post } = await createTopic(s.member, s.slug, { title: `Resetting the ${w} gadget`, body: 'The body says nothing about it.' });
    await reply(s.other, topic.id, { body: 'A reply that does not mention it either.' });
    const res = await search(t.guest(), w);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => i.post.id)).toEqual([post.id]);
    expect(res.body.items[0].topic.title).toBe(`Resetting the ${w} gadget`);
    // Stemming works for titles as well.
    expect((await search(t.guest(), `${w} reset`)).body.items.map((i: any) => i.post.id)).toEqual([post.id]);
  });

  it('escapes HTML in snippets: a <script> in a post never comes back as markup', async () => {
    const w = word();
    const { topic } = await createTopic(s.member, s.slug);
    await reply(s.other, topic.id, { body: `Try <script>alert("${w}")</script> and <img src=x onerror=alert(1)> then ${w} & friends` });
    const res = await search(t.guest(), w);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    const { snippetHtml, post } = res.body.items[0];
    expect(snippetHtml).not.toMatch(/<script/i);
    expect(snippetHtml).not.toMatch(/<img/i);
    expect(snippetHtml).toContain('&amp; friends');
    // Only <mark> survives as markup.
    expect(snippetHtml.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
    expect(snippetHtml).toContain(`<mark>${w}</mark>`);
    // The rendered post is sanitised too.
    expect(post.bodyHtml).not.toMatch(/<script/i);
  });

  it('never shows a hidden post, to guests, members, moderators or its author', async () => {
    const w = word();
    const { topic } = await createTopic(s.member, s.slug);
    const hidden = await reply(s.other, topic.id, { body: `Buy ${w} pills now` });
    expect((await search(t.guest(), w)).body.items).toHaveLength(1);
    await exec(sql`update posts set hidden = true, hidden_reason = 'spam' where id = ${hidden.id}`);
    for (const who of [t.guest(), s.member, s.other, s.moderator, s.admin]) {
      const res = await search(who, w);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
      expect(res.text).not.toContain(w);
    }
  });

  it('never shows a hidden opening post, even through its title', async () => {
    const w = word();
    const { post } = await createTopic(s.member, s.slug, { title: `About ${w}`, body: `Hidden ${w} body` });
    await exec(sql`update posts set hidden = true, hidden_reason = 'spam' where id = ${post.id}`);
    for (const who of [t.guest(), s.member, s.moderator]) expect((await search(who, w)).body.items).toEqual([]);
  });

  it('never shows a deleted post', async () => {
    const w = word();
    const { topic } = await createTopic(s.member, s.slug);
    const gone = await reply(s.other, topic.id, { body: `Oops ${w}` });
    expect((await s.other.delete(`/api/posts/${gone.id}`)).status).toBe(204);
    for (const who of [t.guest(), s.other, s.moderator]) expect((await search(who, w)).body.items).toEqual([]);
  });

  it('never shows posts of a hidden topic, not even to moderators', async () => {
    const w = word();
    const { topic } = await createTopic(s.member, s.slug, { title: `Topic on ${w}`, body: `Opening about ${w}` });
    await reply(s.other, topic.id, { body: `Reply about ${w}` });
    expect((await search(t.guest(), w)).body.items).toHaveLength(2);
    await exec(sql`update topics set hidden = true, hidden_reason = 'off-topic' where id = ${topic.id}`);
    for (const who of [t.guest(), s.member, s.other, s.moderator, s.admin]) {
      const res = await search(who, w);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    }
  });

  it('searches one community only', async () => {
    const w = word();
    const elsewhere = await createCommunity(s.admin);
    await createTopic(s.member, elsewhere.slug, { body: `Elsewhere ${w}` });
    const { post } = await createTopic(s.member, s.slug, { body: `Here ${w}` });
    expect((await search(t.guest(), w)).body.items.map((i: any) => i.post.id)).toEqual([post.id]);
    expect((await search(t.guest(), w, elsewhere.slug)).body.items.map((i: any) => i.post.id)).not.toContain(post.id);
  });

  it('answers an empty list for a query that matches nothing, or only stop words', async () => {
    for (const q of [word(), 'the', '"', '!!!', '-', 'a & b | c']) {
      const res = await search(t.guest(), q);
      expect(res.status, q).toBe(200);
      expect(Array.isArray(res.body.items)).toBe(true);
    }
    expect((await search(t.guest(), word())).body).toEqual({ items: [], nextCursor: null });
  });

  it('pages long result lists with nextCursor, without repeats', async () => {
    const w = word();
    const { topic } = await createTopic(s.member, s.slug);
    for (let i = 0; i < 23; i++) await reply(i % 2 ? s.other : s.staff, topic.id, { body: `${w} number ${i}` });
    const first = await search(t.guest(), w);
    expect(first.body.items).toHaveLength(20);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.guest().get(`/api/communities/${s.slug}/search?q=${w}&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(3);
    expect(second.body.nextCursor).toBeNull();
    const all = [...first.body.items, ...second.body.items].map((i: any) => i.post.id);
    expect(new Set(all).size).toBe(23);
  });

  it.each([
    ['garbage', 'not-a-cursor!!'],
    ['a negative offset', Buffer.from(JSON.stringify([-5])).toString('base64url')],
    ['a fractional offset', Buffer.from(JSON.stringify([1.5])).toString('base64url')],
    ['a huge offset', Buffer.from(JSON.stringify([1e300])).toString('base64url')],
  ])('refuses a bad cursor (%s) with 400 invalid_cursor', async (_label, cursor) => {
    const res = await t.guest().get(`/api/communities/${s.slug}/search?q=anything&cursor=${encodeURIComponent(cursor)}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_cursor');
  });

  it('refuses an empty or blank q with 400', async () => {
    for (const q of ['', '%20%20', undefined]) {
      const res = await t.guest().get(`/api/communities/${s.slug}/search${q === undefined ? '' : `?q=${q}`}`);
      expect(res.status, String(q)).toBe(400);
      expect(res.body.code).toBe('invalid_input');
    }
    expect((await t.guest().get(`/api/communities/${s.slug}/search?q=${'x'.repeat(201)}`)).status).toBe(400);
  });

  it('answers 404 community_not_found for an unknown community', async () => {
    const res = await search(t.guest(), 'anything', unique('nope'));
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('community_not_found');
  });
});
