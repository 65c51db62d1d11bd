/**
 * The public pages' loaders: for a URL, the API replies its page reads when it opens. The server
 * asks the API for exactly these before rendering and embeds the replies in the page
 * (lib/page-data.ts), and the page's components find them there, in the browser as on the server.
 * Pages not listed here are not rendered by the server (private or personal: settings, the queue,
 * the composer, notifications, sign-in, search results).
 */
import { firstViewUrls, TOPIC_PAGE_SIZE } from './lib/api-url';
import { pageOf, parseTopicSegment } from './lib/format';
import { communityListQuery, topicsQuery } from './pages/communities/community-query';

import type { PublicPage } from '../../server/pages/page-contract';

export type { PublicPage };

/** The public page a route and its params are, or null for a page the browser renders alone. */
export function publicPage(route: string, params: Record<string, string>, search: URLSearchParams): PublicPage | null {
  const decode = (value: string | undefined) => {
    try {
      return decodeURIComponent(value ?? '');
    } catch {
      return '';
    }
  };
  switch (route) {
    case '/':
      return { page: 'communities' };
    case '/c/:slug': {
      const query = communityListQuery((name) => search.get(name));
      return { page: 'community', slug: decode(params.slug), category: query.category, sort: query.sort, pageNumber: query.page };
    }
    case '/c/:slug/t/:topic': {
      const topicId = parseTopicSegment(params.topic);
      return topicId === null ? null : { page: 'topic', slug: decode(params.slug), topicId, pageNumber: pageOf(search.get('page')) };
    }
    case '/u/:handle':
      return { page: 'user', handle: decode(params.handle) };
    case '/c/:slug/log':
      return { page: 'log', slug: decode(params.slug) };
    default:
      return null;
  }
}

/** The API GETs a public page makes when it opens; the first one is the page's own subject (its 404 is the page's). */
export function pageRequests(page: PublicPage, search: URLSearchParams): string[] {
  switch (page.page) {
    case 'communities':
      return [firstViewUrls.communities()];
    case 'community':
      return [
        firstViewUrls.community(page.slug),
        firstViewUrls.topics(page.slug, topicsQuery(communityListQuery((name) => search.get(name)))),
        firstViewUrls.helpers(page.slug),
      ];
    case 'topic': {
      const after = (page.pageNumber - 1) * TOPIC_PAGE_SIZE;
      return [firstViewUrls.topic(page.topicId, { after: after || undefined, limit: TOPIC_PAGE_SIZE }), firstViewUrls.community(page.slug)];
    }
    case 'user':
      return [firstViewUrls.user(page.handle)];
    case 'log':
      return [firstViewUrls.community(page.slug), firstViewUrls.moderationLog(page.slug)];
  }
}
