/**
 * The server's entry to the web app (built by `vite build --ssr`, loaded by server/pages): the
 * public pages rendered by the same components the browser hydrates. Rendering is synchronous
 * (svelte/server's `render`): the request's URL, data, locale and "now" are set just before it, in
 * the same synchronous step, so no other request can come between (module state stands in for a
 * per-request context; README, "Found by search engines", says why). If rendering becomes
 * asynchronous (Svelte's async SSR), this must become a per-request context.
 */
import { render } from 'svelte/server';
import type { Component } from 'svelte';
import messages from 'virtual:parley-i18n/app';
import App from './App.svelte';
import { freezeClock } from './lib/clock.svelte';
import { loadMessages, useRenderLocale, useTimeZone } from './lib/i18n.svelte';
import { usePageData } from './lib/page-data';
import { session } from './lib/session.svelte';
import type { PageMatch, PageRenderer, PublicPage, RenderedPage, RenderInput } from '../../server/pages/page-contract';
import { pageRequests, publicPage } from './loaders';
// Importing the router declares the routes (with sv-router aliased to the server's: ssr/sv-router.server.ts).
import './router';
import { matchRoute, serverRoutes } from './ssr/sv-router.server';
import { setServerLocation } from './ssr/server-location';

export type { PublicPage };

export const matchPage: PageRenderer['matchPage'] = (pathname: string, search: string): PageMatch => {
  const routes = serverRoutes();
  const found = matchRoute(pathname, routes);
  const route = Object.keys(routes).find((key) => routes[key as keyof typeof routes] === found.match) ?? '*';
  const query = new URLSearchParams(search);
  const page = publicPage(route, found.params, query);
  return { route, params: found.params, page, requests: page ? pageRequests(page, query) : [] };
};

type Lazy = () => Promise<{ default: Component }>;

/** A route loaded on demand (`() => import(…)`; a component takes its renderer and props). */
const isLazy = (value: unknown): value is Lazy => typeof value === 'function' && value.length === 0;

export const renderPage: PageRenderer['renderPage'] = async (input: RenderInput): Promise<RenderedPage> => {
  const found = matchRoute(input.pathname, serverRoutes());
  const component = isLazy(found.match) ? (await found.match()).default : found.match;
  const catalogue = (await loadMessages(messages, input.locale)) ?? messages.source;

  // From here to the end of render(): synchronous.
  setServerLocation({ pathname: input.pathname, search: input.search, params: found.params, component });
  usePageData({ replies: input.replies });
  useRenderLocale(messages, input.locale, catalogue);
  useTimeZone('UTC');
  freezeClock(input.now);
  session.start();
  try {
    const { head, body } = render(App, { props: { notFound: input.notFound ?? false } });
    // A page loaded on demand: the server links its CSS and script (found by this name in the build's manifest).
    return { head, body, lazyComponent: isLazy(found.match) && !input.notFound ? (component as { name?: string }).name || null : null };
  } finally {
    usePageData(null);
    session.reset();
  }
};
