/**
 * sv-router, as the server's render sees it. The real package reads `window.location` and
 * `history` (at import, too), and its <Router> resolves the page asynchronously, which a
 * synchronous server render cannot wait for. The SSR build aliases `sv-router` to this module:
 * links (`p`), route matching and the current route's params and search come from sv-router's own
 * helpers over the request's URL; navigation does not exist on the server.
 */
// A deep import of sv-router's own matcher (its package exports only the browser entry; its other
// helpers import the module that reads `location` on load, so links are built here, as it builds them).
// @ts-expect-error: sv-router ships no types for its helpers
import { matchRoute as untypedMatchRoute } from '../../../node_modules/sv-router/src/helpers/match-route.js';
import type { Routes } from 'sv-router';

export const matchRoute = untypedMatchRoute as (pathname: string, routes: Routes) => { match: unknown; params: Record<string, string> };
import { serverLocation } from './server-location';

export { default as Router } from './ServerRouter.svelte';

type Search = string | Record<string, string | number | boolean>;

export function serializeSearch(value: Search | undefined): string {
  if (!value) return '';
  if (typeof value === 'string') return value.startsWith('?') ? value : `?${value}`;
  const qs = new URLSearchParams(Object.entries(value).map(([k, v]) => [k, String(v)])).toString();
  return qs ? `?${qs}` : '';
}

function constructUrl(path: string, options?: { params?: Record<string, string | number | boolean>; search?: Search; hash?: string }): string {
  let result = path;
  for (const [key, value] of Object.entries(options?.params ?? {})) result = result.replace(`:${key}`, String(value));
  result += serializeSearch(options?.search);
  if (options?.hash) result += options.hash.startsWith('#') ? options.hash : `#${options.hash}`;
  return result;
}

let routes: Routes = {};

/** The route table the app declared (web/src/router.ts), for the server to match a URL against. */
export function serverRoutes(): Routes {
  return routes;
}

function navigate(): Promise<never> {
  return Promise.reject(new Error('navigate() is not available while rendering on the server'));
}

export function createRouter<T extends Routes>(table: T) {
  routes = table;
  return {
    p: constructUrl,
    navigate,
    isActive: (pathname: string) => serverLocation().pathname === pathname,
    preload: () => Promise.resolve(),
    route: {
      get params() {
        return serverLocation().params;
      },
      getParams() {
        return serverLocation().params;
      },
      get pathname() {
        return serverLocation().pathname;
      },
      get search() {
        return Object.fromEntries(new URLSearchParams(serverLocation().search));
      },
      get state() {
        return null;
      },
      get hash() {
        return '';
      },
      get meta() {
        return {};
      },
    },
  };
}

const params = () => new URLSearchParams(serverLocation().search);

/** Read-only: the server never changes the URL it renders. */
export const searchParams = {
  get: (name: string) => params().get(name),
  has: (name: string) => params().has(name),
  toString: () => params().toString(),
  toURLSearchParams: () => params(),
};

export function isActiveLink(): () => void {
  return () => {};
}

export function blockNavigation(): () => void {
  return () => {};
}
