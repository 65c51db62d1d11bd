import './app.css';
import { hydrate, mount } from 'svelte';
import messages from 'virtual:parley-i18n/app';
import App from './App.svelte';
import { freezeClock } from './lib/clock.svelte';
import { startI18n, useTimeZone } from './lib/i18n.svelte';
import { readPageData, usePageData } from './lib/page-data';
import { session } from './lib/session.svelte';
import { keepNativeLinkClicks, navigate } from './router';

keepNativeLinkClicks();
// A page the server rendered carries what it was rendered from: the app starts from the same.
const data = readPageData();
usePageData(data);
session.start();
void session.load();
// The first paint is in the reader's language: its messages load before the app mounts.
await startI18n(messages, { rendered: data ? { locale: data.locale, community: data.community ?? null } : undefined });

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
if (data) {
  // Hydrate exactly what the server wrote: its "now" and its time zone, and the page resolved
  // before the router renders (sv-router resolves asynchronously, which would render nothing first).
  freezeClock(data.now);
  useTimeZone('UTC');
  if (!data.notFound) {
    // Any path of the app (the router types only its patterns; a concrete path has no params to fill).
    const here = location.pathname as '/';
    await navigate(here, { replace: true, search: location.search, hash: location.hash, scrollToTop: false });
  }
  hydrate(App, { target, props: { notFound: data.notFound ?? false } });
  // Then relative times move on from the server's moment, and dates show in the reader's zone.
  freezeClock(null);
  useTimeZone(undefined);
} else {
  mount(App, { target });
}
