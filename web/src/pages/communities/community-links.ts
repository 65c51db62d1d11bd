/**
 * URLs of a community's own pages, built from the routes in router.ts. (router.ts has the helpers
 * every domain shares; these are used by the community and search pages only.)
 */
import { navigate, p } from '../../router';

/** The community sub-pages that take nothing but the slug. */
export type CommunitySubpage = 'search' | 'log' | 'inbox' | 'insights' | 'queue' | 'bans' | 'settings';

export function communitySubpageHref(slug: string, page: CommunitySubpage): string {
  return p(`/c/:slug/${page}`, { params: { slug: encodeURIComponent(slug) } });
}

/** The search page, with the words searched for (none: the empty search form). */
export function searchHref(slug: string, q: string): string {
  const params = { slug: encodeURIComponent(slug) };
  // sv-router 0.16 appends "undefined" for an empty search object: pass one only when needed.
  return q ? p('/c/:slug/search', { params, search: { q } }) : p('/c/:slug/search', { params });
}

/** Goes to the search page for `q` in the app (sv-router's navigate takes the query apart from the path). */
export function goToSearch(slug: string, q: string): Promise<unknown> {
  const params = { slug: encodeURIComponent(slug) };
  return q ? navigate('/c/:slug/search', { params, search: { q } }) : navigate('/c/:slug/search', { params });
}

/** The new-topic form, with the category preselected when the reader is in one. */
export function newTopicHref(slug: string, category: string | null): string {
  const params = { slug: encodeURIComponent(slug) };
  return category ? p('/c/:slug/new', { params, search: { category } }) : p('/c/:slug/new', { params });
}

/** Sign in first, then come back to `next` (a same-site path; the login page checks it too). */
export function signInHref(next: string): string {
  return p('/login', { search: { next } });
}

/** Create an account first, then go on to `next`. */
export function signUpHref(next: string): string {
  return p('/signup', { search: { next } });
}
