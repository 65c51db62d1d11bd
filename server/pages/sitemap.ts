/**
 * The sitemap: the home page, every listed community and exactly the indexable topics
 * (indexable.ts), each topic with its honest last modification.
 *
 * A small site gets one `<urlset>`. Past `pageSize` URLs, `/sitemap.xml` is an index of pages:
 * `/sitemap-0.xml` holds the home and community pages, and `/sitemap-<n>.xml` (n ≥ 1) the indexable
 * topics whose ids lie in ((n-1)·pageSize, n·pageSize]. Pages by id range keep every page under the
 * limit, read each page with one range scan of the topics' primary key, and keep a topic on the same
 * page for good (pages by position would shift every later topic whenever one left the index).
 * Page 0 is not split: it assumes fewer communities than a page holds.
 */
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { escapeXml } from '../feeds/xml.js';
import { indexableFrom, indexableTopicSql, lastModifiedSql } from './indexable.js';
import { communityPath, homePath, topicPath } from './sitemap.urls.js';

/** The sitemap protocol's limit of URLs in one file. */
export const SITEMAP_PAGE_SIZE = 50_000;

export interface SitemapUrl {
  loc: string;
  lastmod: Date | null;
}

interface TopicRow {
  id: number;
  title: string;
  slug: string;
  lastmod: Date | string | null;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';

const lastmodTag = (at: Date | null) => (at ? `<lastmod>${at.toISOString()}</lastmod>` : '');

export function urlsetXml(urls: SitemapUrl[]): string {
  const body = urls.map((u) => `<url><loc>${escapeXml(u.loc)}</loc>${lastmodTag(u.lastmod)}</url>\n`).join('');
  return `${XML_HEAD}<urlset xmlns="${NS}">\n${body}</urlset>\n`;
}

export function sitemapIndexXml(maps: SitemapUrl[]): string {
  const body = maps.map((m) => `<sitemap><loc>${escapeXml(m.loc)}</loc>${lastmodTag(m.lastmod)}</sitemap>\n`).join('');
  return `${XML_HEAD}<sitemapindex xmlns="${NS}">\n${body}</sitemapindex>\n`;
}

const toDate = (at: Date | string | null) => (at === null ? null : new Date(at));

/** The home page and each listed community's page. */
async function pageUrls(db: Executor, origin: string): Promise<SitemapUrl[]> {
  const found = await rows<{ slug: string }>(db, sql`SELECT slug FROM communities WHERE NOT unlisted ORDER BY slug`);
  return [{ loc: origin + homePath(), lastmod: null }, ...found.map((c) => ({ loc: origin + communityPath(c.slug), lastmod: null }))];
}

/** Indexable topics with ids in (after, upTo], by id. */
async function topicUrls(db: Executor, origin: string, after: number, upTo: number | null): Promise<SitemapUrl[]> {
  const found = await rows<TopicRow>(
    db,
    sql`SELECT t.id, t.title, c.slug, ${lastModifiedSql()} AS lastmod FROM ${indexableFrom()}
      WHERE t.id > ${after} ${upTo === null ? sql`` : sql`AND t.id <= ${upTo}`} AND ${indexableTopicSql()}
      ORDER BY t.id`,
  );
  return found.map((t) => ({ loc: origin + topicPath(t.slug, t), lastmod: toDate(t.lastmod) }));
}

/** How many indexable topics each id-range page holds, and its latest modification. */
async function topicPages(db: Executor, pageSize: number) {
  const found = await rows<{ page: number; urls: number; lastmod: Date | string | null }>(
    db,
    sql`SELECT (t.id - 1) / ${pageSize}::int + 1 AS page, count(*)::int AS urls, max(${lastModifiedSql()}) AS lastmod
      FROM ${indexableFrom()} WHERE ${indexableTopicSql()} GROUP BY 1 ORDER BY 1`,
  );
  return found.map((p) => ({ page: Number(p.page), urls: Number(p.urls), lastmod: toDate(p.lastmod) }));
}

export const sitemapPagePath = (page: number) => `/sitemap-${page}.xml`;

/** `/sitemap.xml`: the whole urlset while it fits in one file, else the index of its pages. */
export async function sitemapXml(db: Executor, origin: string, pageSize = SITEMAP_PAGE_SIZE): Promise<string> {
  const [pages, topics] = await Promise.all([pageUrls(db, origin), topicPages(db, pageSize)]);
  const topicCount = topics.reduce((sum, p) => sum + p.urls, 0);
  if (pages.length + topicCount <= pageSize) return urlsetXml([...pages, ...(topicCount ? await topicUrls(db, origin, 0, null) : [])]);
  return sitemapIndexXml([
    { loc: origin + sitemapPagePath(0), lastmod: null },
    ...topics.map((p) => ({ loc: origin + sitemapPagePath(p.page), lastmod: p.lastmod })),
  ]);
}

/** `/sitemap-<page>.xml`, or null when that page lists nothing (a crawler's stale link gets a 404). */
export async function sitemapPageXml(db: Executor, origin: string, page: number, pageSize = SITEMAP_PAGE_SIZE): Promise<string | null> {
  const urls = page === 0 ? await pageUrls(db, origin) : await topicUrls(db, origin, (page - 1) * pageSize, page * pageSize);
  return urls.length ? urlsetXml(urls) : null;
}
