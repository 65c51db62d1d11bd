/**
 * The canonical paths of public pages, as the sitemap and the feeds link them. They must be the
 * URLs the pages call canonical (the title slug is the web app's own `slugify`), or a crawler
 * would follow a redirect for every entry.
 */
import { slugify } from '../../web/src/lib/format.js';

import { TOPIC_PAGE_SIZE } from '../../web/src/lib/api-url.js';

/** Posts on one page of a topic (`?page=N`): the app's page, as its API client reads it. */
export const POSTS_PER_PAGE = TOPIC_PAGE_SIZE;

export const homePath = () => '/';

export const communityPath = (slug: string) => `/c/${encodeURIComponent(slug)}`;

/** `/c/<slug>/t/<id>-<title slug>` (just the id when the title has no letters or digits), `?page=N` past the first page. */
export function topicPath(communitySlug: string, topic: { id: number; title: string }, page = 1): string {
  const titleSlug = slugify(topic.title);
  const segment = titleSlug ? `${topic.id}-${titleSlug}` : String(topic.id);
  return `${communityPath(communitySlug)}/t/${segment}${page > 1 ? `?page=${page}` : ''}`;
}

/** A community's topic list as asked for: category, sort, idea status and page kept (each is its own page), nothing else. */
export function communityListPath(slug: string, search: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const name of ['category', 'sort', 'status', 'page']) {
    const value = search.get(name);
    if (value && !(name === 'sort' && value === 'latest') && !(name === 'page' && value === '1')) kept.set(name, value);
  }
  const qs = kept.toString();
  return `${communityPath(slug)}${qs ? `?${qs}` : ''}`;
}

/** A community's RSS feed, or one category's. */
export const communityFeedPath = (slug: string, categorySlug?: string | null) =>
  `${communityPath(slug)}/feed.rss${categorySlug ? `?category=${encodeURIComponent(categorySlug)}` : ''}`;

/** A topic's RSS feed of replies. */
export const topicFeedPath = (communitySlug: string, topicId: number) => `${communityPath(communitySlug)}/t/${topicId}/feed.rss`;

/** A post's place in its topic: the page that holds its number, and its anchor there. */
export const postPath = (communitySlug: string, topic: { id: number; title: string }, number: number) =>
  `${topicPath(communitySlug, topic, Math.ceil(number / POSTS_PER_PAGE))}#post-${number}`;
