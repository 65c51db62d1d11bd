import { and, eq, sql } from 'drizzle-orm';
import { rows, type Db, type Executor } from '../../db/client.js';
import { categories, embedSettings, topics } from '../../db/schema.js';
import { AppError, badRequest, forbidden, unauthorized } from '../errors/errors.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { findCategory } from '../communities/categories.js';
import { embedOrigins, findCommunity, requireAdmin } from '../communities/communities.service.js';
import type { CommunityRow } from '../communities/communities.present.js';
import { createReply } from '../posts/posts.service.js';
import { readCreated, readTopicPage } from '../topics/topics.service.js';
import { PAGE_TAKEN, submitPost, type PostContent } from '../posts/posts.pipeline.js';
import { loadVisibleTopic, presentLoaded, topicNotFound } from '../topics/topics.load.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';
import { readablePostSql } from '../visibility/visibility.js';
import { pageAfter } from '../topics/topics.cursor.js';
import { canonicalizeUrl, titleFromUrl, type CanonicalUrl } from './embed.url.js';

/** The category embed threads go into when the community has not chosen one (made on first need). */
export const DEFAULT_EMBED_CATEGORY = { slug: 'comments', name: 'Comments', description: 'Discussions started under pages of our own site.', position: 1000 };

/** What the embed iframe needs before it renders: public. */
export async function embedConfig(db: Executor, slug: string) {
  const community = await findCommunity(db, slug);
  const [settings] = await db
    .select({ origins: embedSettings.allowedOrigins, secret: embedSettings.ssoSecret })
    .from(embedSettings)
    .where(eq(embedSettings.communityId, community.id));
  return {
    community: { slug: community.slug, name: community.name, accentColor: community.accentColor },
    allowedOrigins: settings?.origins ?? [],
    sso: !!settings?.secret,
  };
}

/** Origins allowed to frame the community's embed, for the CSP `frame-ancestors` directive. */
export async function frameAncestors(db: Executor, slug: string): Promise<string[]> {
  const community = await findCommunity(db, slug);
  // Stored canonical by the communities service; re-checked here because the value goes into a header.
  return (await embedOrigins(db, community.id)).filter((o) => /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/.test(o));
}

/** The canonical page URL, if it is an http(s) URL on one of the community's allowed origins. */
export async function allowedPage(db: Executor, community: CommunityRow, raw: string): Promise<CanonicalUrl> {
  const page = canonicalizeUrl(raw);
  if (!page) throw badRequest('invalid_url', 'The page URL must be an absolute http(s) URL.', { target: 'page' });
  const origins = await embedOrigins(db, community.id);
  if (!origins.includes(page.origin)) {
    throw forbidden('origin_not_allowed', `${page.origin} is not among the origins allowed to embed this community.`, { origin: page.origin });
  }
  return page;
}

async function findThread(db: Executor, communityId: number, url: string): Promise<number | null> {
  const [row] = await db
    .select({ id: topics.id })
    .from(topics)
    .where(and(eq(topics.communityId, communityId), eq(topics.embedUrl, url)));
  return row?.id ?? null;
}

export const forumTopicUrl = (siteOrigin: string, slug: string, topicId: number) => `${siteOrigin}/c/${slug}/t/${topicId}`;

/** What the widget's header counts: the thread's posts this viewer can read, whichever page shows them. */
async function commentCount(db: Executor, viewer: Viewer, communityId: number, topicId: number): Promise<number> {
  const standing = { viewer, role: await roleIn(db, viewer, communityId) };
  const [row] = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM posts WHERE topic_id = ${topicId} AND ${readablePostSql(standing)}`);
  return Number(row?.n ?? 0);
}

export interface ReadThreadInput {
  url?: string | undefined;
  topic?: number | undefined;
  after?: number | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/**
 * A page's thread, as the viewer may see it. Never writes. By URL, a page nobody has posted on
 * yet and a thread hidden from this viewer read the same (`topic: null, posts: []`); by topic id,
 * a hidden topic is a 404 like a missing one, as on GET /api/topics/:id.
 */
export async function readThread(db: Executor, viewer: Viewer, slug: string, input: ReadThreadInput, siteOrigin: string) {
  if ((input.url === undefined) === (input.topic === undefined)) {
    throw badRequest('invalid_thread_query', 'Give exactly one of `url` or `topic`.');
  }
  const community = await findCommunity(db, slug);
  const pageInput = { after: pageAfter(input.after, input.cursor), limit: input.limit ?? 50 };

  if (input.topic !== undefined) {
    const [row] = await db.select({ communityId: topics.communityId, embedUrl: topics.embedUrl }).from(topics).where(eq(topics.id, input.topic));
    if (!row || row.communityId !== community.id) throw topicNotFound();
    const [page, count] = await Promise.all([readTopicPage(db, viewer, input.topic, pageInput), commentCount(db, viewer, community.id, input.topic)]);
    return { ...page, ...ignoredOf(page), url: row.embedUrl, forumUrl: forumTopicUrl(siteOrigin, community.slug, input.topic), commentCount: count };
  }

  const target = await allowedPage(db, community, input.url!);
  const empty = { topic: null, solution: null, posts: [], nextCursor: null, url: target.url, forumUrl: null, commentCount: 0 };
  const topicId = await findThread(db, community.id, target.url);
  if (topicId === null) return empty;
  try {
    const [page, count] = await Promise.all([readTopicPage(db, viewer, topicId, pageInput), commentCount(db, viewer, community.id, topicId)]);
    return { ...page, ...ignoredOf(page), url: target.url, forumUrl: forumTopicUrl(siteOrigin, community.slug, topicId), commentCount: count };
  } catch (err) {
    if (err instanceof AppError && err.code === 'topic_not_found') return empty;
    throw err;
  }
}

/** The embed has no viewer state of its own; of the topic page's, it needs whom the reader ignores (their posts fold). */
const ignoredOf = (page: { viewerState?: { ignoredUserIds: number[] } }) => (page.viewerState ? { viewerIgnoredUserIds: page.viewerState.ignoredUserIds } : {});

/** The community's embed category: the one chosen in settings, else "comments", made on first need. */
async function embedCategory(db: Executor, communityId: number): Promise<number> {
  const [settings] = await db.select({ slug: embedSettings.categorySlug }).from(embedSettings).where(eq(embedSettings.communityId, communityId));
  const bySlug = async (slug: string) =>
    (
      await db
        .select({ id: categories.id })
        .from(categories)
        .where(and(eq(categories.communityId, communityId), eq(categories.slug, slug)))
    )[0]?.id;
  if (settings?.slug) {
    const chosen = await bySlug(settings.slug);
    if (chosen) return chosen;
  }
  const existing = await bySlug(DEFAULT_EMBED_CATEGORY.slug);
  if (existing) return existing;
  await db
    .insert(categories)
    .values({ communityId, ...DEFAULT_EMBED_CATEGORY })
    .onConflictDoNothing();
  const made = await bySlug(DEFAULT_EMBED_CATEGORY.slug);
  if (!made) throw new Error('embed category could not be created');
  return made;
}

/** The body's title, whitespace-collapsed and cut to 200; shorter than 3 characters: the page's path. */
export function threadTitle(raw: string | undefined, canonicalUrl: string): string {
  const title = (raw ?? '').replace(/\s+/g, ' ').trim().slice(0, 200).trim();
  if (title.length >= 3) return title;
  const fromUrl = titleFromUrl(canonicalUrl);
  return fromUrl.length >= 3 ? fromUrl : canonicalUrl.slice(0, 200);
}

export interface PostToThreadInput extends PostContent {
  url: string;
  title?: string | undefined;
}

/**
 * A comment under a page, through the post pipeline like every post. The first one starts the
 * page's topic; two first comments at once still make one topic (the unique index on
 * (community, embed_url) decides, and the loser replies into the winner's topic).
 */
export async function postToThread(ctx: ServiceContext, viewer: Viewer, slug: string, input: PostToThreadInput) {
  const { db } = ctx;
  if (!viewer.user) throw unauthorized();
  const community = await findCommunity(db, slug);
  const { url, title, ...post } = input;
  const page = await allowedPage(db, community, url);

  const existing = await findThread(db, community.id, page.url);
  if (existing === null) {
    const category = () => embedCategory(db, community.id);
    const destination = { type: 'topic', community, category, title: threadTitle(title, page.url), kind: 'discussion', embedUrl: page.url } as const;
    const posted = await submitPost(ctx, viewer, { destination, ...post });
    if (posted !== PAGE_TAKEN) return { created: posted.created, ...(await readCreated(db, viewer, posted.topicId, posted.postId)) };
  }
  // The page has its topic (perhaps since a moment ago, from someone else's first comment): this one is a reply.
  const topicId = existing ?? (await findThread(db, community.id, page.url));
  if (topicId === null) throw new Error('embed thread vanished after a conflicting insert');
  const { created, post: reply } = await createReply(ctx, viewer, topicId, post);
  return { created, topic: presentLoaded(await loadVisibleTopic(db, viewer, topicId)), post: reply };
}

/** Admins choose the category embed threads go into (null: the default "comments"). */
export async function setEmbedCategory(db: Db, viewer: Viewer, slug: string, categorySlug: string | null) {
  if (!viewer.user) throw unauthorized();
  const community = await findCommunity(db, slug);
  await requireAdmin(db, viewer, community);
  // Stored as the category spells its slug, so embedCategory finds it again.
  const chosen = categorySlug === null ? null : (await findCategory(db, community.id, categorySlug)).slug;
  await db
    .insert(embedSettings)
    .values({ communityId: community.id, categorySlug: chosen })
    .onConflictDoUpdate({ target: embedSettings.communityId, set: { categorySlug: chosen } });
  return { categorySlug: chosen };
}
