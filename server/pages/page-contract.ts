/**
 * What the server build of the web app (web/src/entry-server.ts) offers the server (server/pages):
 * both sides type-check against this file, which imports nothing (the web's tsconfig includes it).
 */

/** A public page, as the web app's loaders recognise it from a URL. */
export type PublicPage =
  | { page: 'communities' }
  | { page: 'community'; slug: string; category: string; sort: string; pageNumber: number }
  | { page: 'topic'; slug: string; topicId: number; pageNumber: number }
  | { page: 'user'; handle: string }
  | { page: 'log'; slug: string };

export interface PageMatch {
  /** The route pattern ('/c/:slug/t/:topic'), '*' for an unknown path. */
  route: string;
  params: Record<string, string>;
  /** The public page, or null for one the browser renders alone (settings, sign-in…) or an unknown path. */
  page: PublicPage | null;
  /** The API GETs to make before rendering (URLs as the browser's API client writes them), the page's own subject first. */
  requests: string[];
}

export interface RenderInput {
  pathname: string;
  search: string;
  locale: string;
  /** The moment of the request (ms): relative times are written against it. */
  now: number;
  /** API replies by URL (what the page's loaders asked for), the session's included. */
  replies: Record<string, unknown>;
  /** Render the "not found" page in place of the route's (its subject does not exist). */
  notFound?: boolean;
}

export interface RenderedPage {
  /** What the components put in <head> (the title), with their hydration markers. */
  head: string;
  body: string;
  /** The component of a page loaded on demand, whose CSS and script the page must link; else null. */
  lazyComponent: string | null;
}

export interface PageRenderer {
  matchPage(pathname: string, search: string): PageMatch;
  renderPage(input: RenderInput): Promise<RenderedPage>;
}
