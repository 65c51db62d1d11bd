import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene } from './helpers/factories.js';
import { sitemapRoutes } from '../server/pages/sitemap.routes.js';
import { isTopicIndexable, topicLastModified } from '../server/pages/indexable.js';

let t: TestApp;
/** The same routes over the same database, with pages of 2 URLs: the index at work without 50,000 topics. */
let small: FastifyInstance;
beforeAll(async () => {
  t = await startTestApp();
  small = Fastify();
  await small.register(sitemapRoutes, { config: t.config, db: t.app.parley.ctx.db, pageSize: 2 });
});
afterAll(async () => {
  await small?.close();
  await t?.close();
});

interface Entry {
  loc: string;
  lastmod: string | null;
}

const entries = (xml: string): Entry[] =>
  [...xml.matchAll(/<(?:url|sitemap)><loc>([^<]*)<\/loc>(?:<lastmod>([^<]*)<\/lastmod>)?<\/(?:url|sitemap)>/g)].map((m) => ({
    loc: m[1]!,
    lastmod: m[2] ?? null,
  }));

async function sitemap(path = '/sitemap.xml') {
  const res = await t.guest().get(path);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
  return res.text;
}

/** This community's entries in the one urlset, in order. */
const entriesOf = async (slug: string) => entries(await sitemap()).filter((e) => e.loc.startsWith(`${ORIGIN}/c/${slug}/`) || e.loc === `${ORIGIN}/c/${slug}`);
const topicUrl = (slug: string, topic: { id: number }, titleSlug: string) => `${ORIGIN}/c/${slug}/t/${topic.id}-${titleSlug}`;
const db = () => t.app.parley.ctx.db;

describe('which topics the sitemap lists', () => {
  it('lists exactly the indexable topics: no hidden topic, no question without a visible reply', async () => {
    const { member, other, moderator, slug } = await scene(t);
    const discussion = (await createTopic(member, slug, { title: 'A discussion', kind: 'discussion' })).topic;
    const idea = (await createTopic(member, slug, { title: 'An idea!', kind: 'idea' })).topic;
    const answered = (await createTopic(member, slug, { title: 'Answered question?', kind: 'question' })).topic;
    await reply(other, answered.id);
    const unanswered = (await createTopic(member, slug, { title: 'Unanswered', kind: 'question' })).topic;
    const hiddenReplyOnly = (await createTopic(member, slug, { title: 'Only a hidden reply', kind: 'question' })).topic;
    await moderator.api.hidePost((await reply(other, hiddenReplyOnly.id)).id, 'spam');
    const deletedReplyOnly = (await createTopic(member, slug, { title: 'Only a deleted reply', kind: 'question' })).topic;
    await other.api.deletePost((await reply(other, deletedReplyOnly.id)).id);
    const hidden = (await createTopic(member, slug, { title: 'Hidden discussion' })).topic;
    await moderator.api.hideTopic(hidden.id, 'off topic');
    const openerDeleted = (await createTopic(member, slug, { title: 'Opening post removed' })).topic;
    await db().execute(sql`UPDATE posts SET deleted = true WHERE topic_id = ${openerDeleted.id} AND number = 1`);

    expect((await entriesOf(slug)).map((e) => e.loc)).toEqual([
      `${ORIGIN}/c/${slug}`,
      topicUrl(slug, discussion, 'a-discussion'),
      topicUrl(slug, idea, 'an-idea'),
      topicUrl(slug, answered, 'answered-question'),
    ]);
    for (const thin of [unanswered, hiddenReplyOnly, deletedReplyOnly, hidden, openerDeleted]) expect(await isTopicIndexable(db(), thin.id)).toBe(false);
    expect(await isTopicIndexable(db(), answered.id)).toBe(true);

    // The question gains a visible answer: from then on it is worth finding.
    await reply(other, unanswered.id);
    expect((await entriesOf(slug)).map((e) => e.loc)).toContain(topicUrl(slug, unanswered, 'unanswered'));
    expect(await isTopicIndexable(db(), 999_999)).toBe(false);
  });

  it('lists the home page and every community page', async () => {
    const { slug } = await scene(t);
    const locs = entries(await sitemap()).map((e) => e.loc);
    expect(locs[0]).toBe(`${ORIGIN}/`);
    expect(locs).toContain(`${ORIGIN}/c/${slug}`);
  });
});

describe('lastmod', () => {
  it('is the latest creation or edit of a visible post: an edit moves it, a reply hidden since does not', async () => {
    const { member, other, moderator, slug } = await scene(t);
    const { topic, post } = await createTopic(member, slug, { title: 'Dates' });
    const lastmod = async () => (await entriesOf(slug)).find((e) => e.loc === topicUrl(slug, topic, 'dates'))!.lastmod;
    expect(await lastmod()).toBe(post.createdAt);

    const second = await reply(other, topic.id);
    expect(await lastmod()).toBe(second.createdAt);

    const edited = await member.api.editPost(post.id, 'The opening post, corrected');
    expect(edited.editedAt! > second.createdAt).toBe(true);
    expect(await lastmod()).toBe(edited.editedAt);

    // Someone else's reply bumps the topic, then is hidden: what the page shows did not change since the edit.
    const bump = await reply(other, topic.id);
    await moderator.api.hidePost(bump.id, 'spam');
    const bumped = await t.guest().api.getTopic(topic.id);
    expect(bumped.topic.lastPostAt >= bump.createdAt).toBe(true);
    expect(await lastmod()).toBe(edited.editedAt);
    expect((await topicLastModified(db(), topic.id))?.toISOString()).toBe(edited.editedAt);
  });
});

describe('splitting into an index', () => {
  it('stays one urlset while it fits, and becomes an index of pages of at most the page size', async () => {
    const { member, other, slug } = await scene(t);
    for (let i = 0; i < 3; i++) await createTopic(member, slug, { title: `Page filler ${i}` });
    await reply(other, (await createTopic(member, slug, { title: 'Asked and answered', kind: 'question' })).topic.id);
    const whole = await sitemap();
    expect(whole).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">/);
    const everything = entries(whole);

    const index = await small.inject({ method: 'GET', url: '/sitemap.xml' });
    expect(index.body).toContain('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
    const pages = entries(index.body);
    expect(pages[0]).toEqual({ loc: `${ORIGIN}/sitemap-0.xml`, lastmod: null });

    const listed: Entry[] = [];
    for (const page of pages) {
      const res = await small.inject({ method: 'GET', url: new URL(page.loc).pathname });
      expect(res.statusCode).toBe(200);
      const urls = entries(res.body);
      expect(res.body).toContain('<urlset');
      if (page.loc.endsWith('/sitemap-0.xml')) {
        expect(urls.every((u) => !u.loc.includes('/t/'))).toBe(true);
      } else {
        expect(urls.length).toBeGreaterThan(0);
        expect(urls.length).toBeLessThanOrEqual(2);
        // The index's lastmod for a page is its latest entry's.
        expect(page.lastmod).toBe(
          urls
            .map((u) => u.lastmod!)
            .sort()
            .at(-1),
        );
      }
      listed.push(...urls);
    }
    // Every URL of the one big urlset, each exactly once, with the same dates.
    expect(listed).toEqual(everything);
  });

  it('answers 404 for a page that lists nothing or is not a page', async () => {
    for (const path of ['/sitemap-99999.xml', '/sitemap-x.xml', '/sitemap-9999999.xml']) {
      const res = await small.inject({ method: 'GET', url: path });
      expect(res.statusCode, path).toBe(404);
    }
  });
});
