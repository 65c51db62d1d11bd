/**
 * What the RSS feeds say: only what a guest may read, decided by the visibility module as for the
 * JSON API (a hidden topic is a 404, a hidden or deleted post is left out, never shown as text).
 *
 * A community's feed lists its latest 30 topics, leaving out categories kept out of search engines
 * (their own feed, asked for by name, still works: they are readable, only not advertised). A
 * topic's feed lists its latest 30 visible replies.
 */
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { findCommunity } from '../communities/communities.service.js';
import { findCategory } from '../communities/categories.js';
import { loadVisibleTopic, topicNotFound } from '../topics/topics.load.js';
import { canReadPostBody, canSeeTopic, publiclyReadableSql, type Standing } from '../visibility/visibility.js';
import { guestViewer } from '../visibility/viewer.js';
import type { Translator } from '../i18n/translator.js';
import { excerpt, htmlToText } from '../pages/plain-text.js';
import { communityFeedPath, communityPath, postPath, topicFeedPath, topicPath } from '../pages/sitemap.urls.js';
import type { RssChannel, RssItem } from './rss.js';

export const FEED_ITEMS = 30;
/** Long enough to tell what an item is about; the page has the rest. */
export const FEED_EXCERPT_LENGTH = 300;

const guest = (): Standing => ({ viewer: guestViewer(), role: null });
const latest = (dates: Date[], fallback: Date) => dates.reduce((a, b) => (b > a ? b : a), fallback);

interface FeedContext {
  origin: string;
  translator: Translator;
}

interface TopicItemRow {
  id: number;
  title: string;
  hidden: boolean;
  author_id: number;
  created_at: Date | string;
  handle: string;
  body_html: string | null;
  op_hidden: boolean | null;
  op_deleted: boolean | null;
  op_author_id: number | null;
  op_edited_at: Date | string | null;
}

/** A community's (or one of its categories') latest topics, newest first. */
export async function communityFeed(db: Executor, ctx: FeedContext, slug: string, categorySlug: string | undefined): Promise<RssChannel> {
  const community = await findCommunity(db, slug);
  const category = categorySlug === undefined ? null : await findCategory(db, community.id, categorySlug);
  const found = await rows<TopicItemRow>(
    db,
    sql`SELECT t.id, t.title, t.hidden, t.author_id, t.created_at, u.handle,
        op.body_html, op.hidden AS op_hidden, op.deleted AS op_deleted, op.author_id AS op_author_id, op.edited_at AS op_edited_at
      FROM topics t
      JOIN users u ON u.id = t.author_id
      JOIN categories cat ON cat.id = t.category_id
      LEFT JOIN posts op ON op.topic_id = t.id AND op.number = 1
      WHERE t.community_id = ${community.id} AND NOT t.hidden AND ${category ? sql`t.category_id = ${category.id}` : sql`NOT cat.unlisted`}
      ORDER BY t.id DESC
      LIMIT ${FEED_ITEMS}`,
  );
  const standing = guest();
  const items: (RssItem & { modified: Date })[] = found
    .filter((r) => canSeeTopic(standing, { hidden: r.hidden, authorId: r.author_id }))
    .map((r) => {
      const opening = r.body_html !== null ? { hidden: !!r.op_hidden, deleted: !!r.op_deleted, authorId: r.op_author_id ?? 0 } : null;
      const readable = opening !== null && canReadPostBody(standing, opening);
      const pubDate = new Date(r.created_at);
      return {
        title: r.title,
        link: ctx.origin + topicPath(community.slug, r),
        guid: `${ctx.origin}${communityPath(community.slug)}/t/${r.id}`,
        pubDate,
        description: readable ? excerpt(htmlToText(r.body_html!), FEED_EXCERPT_LENGTH) : '',
        author: r.handle,
        // An edit of the opening post changes the item: Last-Modified follows it.
        modified: readable && r.op_edited_at ? latest([new Date(r.op_edited_at)], pubDate) : pubDate,
      };
    });
  const t = (key: string, params?: Record<string, unknown>) => ctx.translator.t(community.language, key, params);
  const link = ctx.origin + communityPath(community.slug) + (category ? `?category=${encodeURIComponent(category.slug)}` : '');
  return {
    title: category ? t('feed.category.title', { category: category.name, community: community.name }) : community.name,
    link,
    self: ctx.origin + communityFeedPath(community.slug, category?.slug),
    description: category?.description || community.description || t('feed.community.description', { community: community.name }),
    language: community.language,
    lastBuildDate: latest(
      items.map((i) => i.modified),
      community.createdAt,
    ),
    items: items.map(({ modified: _modified, ...i }) => i),
  };
}

interface ReplyRow {
  id: number;
  number: number;
  body_html: string;
  hidden: boolean;
  deleted: boolean;
  author_id: number;
  created_at: Date | string;
  edited_at: Date | string | null;
  handle: string;
}

/** A topic's latest visible replies, newest first; 404 for a topic a guest cannot see or that is not in this community. */
export async function topicFeed(db: Executor, ctx: FeedContext, slug: string, topicId: number): Promise<RssChannel> {
  const loaded = await loadVisibleTopic(db, guestViewer(), topicId);
  if (loaded.communitySlug !== slug.toLowerCase()) throw topicNotFound();
  const community = await findCommunity(db, slug);
  const topic = loaded.topic;
  const found = await rows<ReplyRow>(
    db,
    sql`SELECT p.id, p.number, p.body_html, p.hidden, p.deleted, p.author_id, p.created_at, p.edited_at, u.handle
      FROM posts p JOIN topics t ON t.id = p.topic_id JOIN users u ON u.id = p.author_id
      WHERE p.topic_id = ${topic.id} AND p.number > 1 AND ${publiclyReadableSql('p', 't')}
      ORDER BY p.number DESC
      LIMIT ${FEED_ITEMS}`,
  );
  const standing = loaded.standing;
  const t = (key: string, params?: Record<string, unknown>) => ctx.translator.t(community.language, key, params);
  const replies = found.filter((r) => canReadPostBody(standing, { hidden: r.hidden, deleted: r.deleted, authorId: r.author_id }));
  return {
    title: t('feed.topic.title', { title: topic.title }),
    link: ctx.origin + topicPath(community.slug, topic),
    self: ctx.origin + topicFeedPath(community.slug, topic.id),
    description: t('feed.topic.description', { title: topic.title, community: community.name }),
    language: community.language,
    lastBuildDate: latest(
      replies.map((r) => new Date(r.edited_at ?? r.created_at)),
      topic.createdAt,
    ),
    items: replies.map((r) => ({
      title: t('feed.reply.title', { number: r.number, title: topic.title }),
      link: ctx.origin + postPath(community.slug, topic, r.number),
      guid: `${ctx.origin}${communityPath(community.slug)}/t/${topic.id}#post-${r.number}`,
      pubDate: new Date(r.created_at),
      description: excerpt(htmlToText(r.body_html), FEED_EXCERPT_LENGTH),
      author: r.handle,
    })),
  };
}
