/**
 * Where the API client's GETs go, built in one place: the client's requests, the replies a
 * server-rendered page embeds (keyed by these URLs, so the browser does not ask again) and the
 * server's page loaders (which ask the API for exactly what the page will read) must agree to the
 * character. No DOM and no Node here: both sides import it.
 */
export type Query = Record<string, string | number | boolean | null | undefined>;

/** `/api<path>?<query>`: empty values left out, keys in the order given. */
export function apiUrl(path: string, query?: Query): string {
  let url = `/api${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  return url;
}

const enc = encodeURIComponent;

/** Posts on a page of a topic (and the API's default page). */
export const TOPIC_PAGE_SIZE = 50;

/** How many numbered pages a topic of `postCount` posts has (at least one). */
export const topicPageCount = (postCount: number): number => Math.max(1, Math.ceil(postCount / TOPIC_PAGE_SIZE));

export interface TopicsUrlQuery {
  category?: string | null;
  sort?: string | null;
  kind?: string | null;
  status?: string | null;
  cursor?: string | null;
  page?: number | null;
}

/** The GETs the public pages make when they open. */
export const firstViewUrls = {
  session: () => apiUrl('/auth/session'),
  communities: () => apiUrl('/communities', { cursor: undefined }),
  community: (slug: string) => apiUrl(`/communities/${enc(slug)}`),
  topics: (slug: string, q: TopicsUrlQuery = {}) =>
    apiUrl(`/communities/${enc(slug)}/topics`, { category: q.category, sort: q.sort, kind: q.kind, status: q.status, cursor: q.cursor, page: q.page }),
  topic: (id: number, q: { after?: number; limit?: number } = {}) => apiUrl(`/topics/${enc(String(id))}`, { after: q.after, limit: q.limit }),
  helpers: (slug: string) => apiUrl(`/communities/${enc(slug)}/helpers`, { period: 'month' }),
  user: (handle: string) => apiUrl(`/users/${enc(handle)}`),
  moderationLog: (slug: string) => apiUrl(`/communities/${enc(slug)}/moderation-log`, { cursor: undefined }),
};
