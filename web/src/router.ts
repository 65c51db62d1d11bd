/**
 * The SPA's routes (sv-router, history mode). Every route is declared here; pages import `p`,
 * `route` and the link helpers below to build URLs and read parameters.
 *
 * Page components live in pages/<domain>/ (communities, topics, users), named after the route.
 */
import { createRouter, searchParams } from 'sv-router';
import type { IdeaStatus, TopicSort } from './lib/api';
import { slugify } from './lib/format';
import NotFoundPage from './pages/NotFoundPage.svelte';
import CommunityListPage from './pages/communities/CommunityListPage.svelte';
import CommunityPage from './pages/communities/CommunityPage.svelte';
import TopicPage from './pages/topics/TopicPage.svelte';
import LoginPage from './pages/auth/LoginPage.svelte';
import SignupPage from './pages/auth/SignupPage.svelte';

// Pages most visits never open load on first use, keeping the first load small.
export const { p, navigate, isActive, route } = createRouter({
  '/': CommunityListPage,
  /** `?next=<path>`: where to go after signing in (a same-site path only). */
  '/login': LoginPage,
  '/signup': SignupPage,
  /** `?token=`: the link in the verification mail; without it, the code form. */
  '/verify-email': () => import('./pages/auth/VerifyEmailPage.svelte'),
  '/forgot-password': () => import('./pages/auth/ForgotPasswordPage.svelte'),
  /** `?token=`: the link in the reset mail. */
  '/reset-password': () => import('./pages/auth/ResetPasswordPage.svelte'),
  /** The signed-in member's account: e-mail address and mail preferences (`#email`). */
  '/settings': () => import('./pages/account/AccountSettingsPage.svelte'),
  /** An unsubscribe link from a mail: says what it stops, stops it on confirmation, can undo. */
  '/unsubscribe/:token': () => import('./pages/account/UnsubscribePage.svelte'),
  /** Site admins: every mail sent or kept (the local mailbox when no SMTP server is set). */
  '/admin/mail': () => import('./pages/admin/MailboxPage.svelte'),
  '/admin/mail/:id': () => import('./pages/admin/MailPage.svelte'),
  /** Site admins: the sign-up challenge, blocked e-mail domains, site-wide suspensions. */
  '/admin/safety': () => import('./pages/safety/SafetyPage.svelte'),
  '/new-community': () => import('./pages/communities/NewCommunityPage.svelte'),
  '/c/:slug': CommunityPage,
  /** `?category=<slug>` preselects the category. */
  '/c/:slug/new': () => import('./pages/topics/NewTopicPage.svelte'),
  /** `?q=<words>` */
  '/c/:slug/search': () => import('./pages/search/SearchPage.svelte'),
  /** The public moderation log. */
  '/c/:slug/log': () => import('./pages/log/ModerationLogPage.svelte'),
  /** Moderators: the review queue (`?status=`) and bans. */
  '/c/:slug/queue': () => import('./pages/moderation/QueuePage.svelte'),
  '/c/:slug/bans': () => import('./pages/moderation/BansPage.svelte'),
  /** Moderators: the community's watched words, tried on sample text before saving. */
  '/c/:slug/watched-words': () => import('./pages/safety/WatchedWordsPage.svelte'),
  /** Staff, moderators and admins: what needs a person now (`?view=open|taken|snoozed|done`), and its rules. */
  '/c/:slug/inbox': () => import('./pages/inbox/InboxPage.svelte'),
  /** Staff, moderators and admins: figures, trends and searches over a window (`?days=7|30|90|365&interval=day|week`). */
  '/c/:slug/insights': () => import('./pages/insights/InsightsPage.svelte'),
  /** Admins: settings, categories, roles, embed, SSO, moderation settings. */
  '/c/:slug/settings': () => import('./pages/admin/SettingsPage.svelte'),
  /** `:topic` is "<id>-<slugified title>" or just "<id>"; only the id counts (parseTopicSegment). */
  '/c/:slug/t/:topic': TopicPage,
  '/u/:handle': () => import('./pages/users/UserPage.svelte'),
  /** The signed-in reader's notifications; `?show=unread` for unread ones only. */
  '/notifications': () => import('./pages/notifications/NotificationsPage.svelte'),
  '*': NotFoundPage,
});

/**
 * A query parameter exactly as written in the URL, or null. (sv-router's `route.search` coerces
 * values, so a category slugged "2024" would come back as a number.) Reactive.
 */
export function queryParam(name: string): string | null {
  return searchParams.toURLSearchParams().get(name);
}

export function communityHref(slug: string, query: { category?: string | null; sort?: TopicSort; status?: IdeaStatus | null; page?: number } = {}): string {
  const search: Record<string, string> = {};
  if (query.category) search.category = query.category;
  if (query.sort && query.sort !== 'latest') search.sort = query.sort;
  if (query.status) search.status = query.status;
  if (query.page && query.page > 1) search.page = String(query.page);
  // sv-router 0.16 appends "undefined" for an empty search object: pass one only when needed.
  const params = { slug: encodeURIComponent(slug) };
  return Object.keys(search).length > 0 ? p('/c/:slug', { params, search }) : p('/c/:slug', { params });
}

export function topicHref(communitySlug: string, topic: { id: number; title: string }, page = 1): string {
  const titleSlug = slugify(topic.title);
  const params = { slug: encodeURIComponent(communitySlug), topic: titleSlug ? `${topic.id}-${titleSlug}` : String(topic.id) };
  return page > 1 ? p('/c/:slug/t/:topic', { params, search: { page: String(page) } }) : p('/c/:slug/t/:topic', { params });
}

export function userHref(handle: string): string {
  return p('/u/:handle', { params: { handle: encodeURIComponent(handle) } });
}

/** Same-origin paths that are not SPA pages: the API, the embed app and loader, built assets, uploaded files. */
const SERVER_PATHS = /^\/(?:api|embed|assets|uploads)(?:[/.]|$)/;

/**
 * sv-router 0.16 turns every same-origin link click into an in-app navigation, including
 * ctrl/cmd/shift/alt-clicks that should open a new tab or window (fixed upstream after 0.16.1)
 * and links to server paths such as /api/docs (possible in post bodies). Stop those clicks before
 * they reach its window listener, so that the browser does its default.
 */
export function keepNativeLinkClicks(): void {
  window.addEventListener(
    'click',
    (event) => {
      const anchor = event.target instanceof Element ? event.target.closest('a[href]') : null;
      if (!(anchor instanceof HTMLAnchorElement)) return;
      const modified = event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || event.button !== 0;
      const serverPath = anchor.origin === location.origin && SERVER_PATHS.test(anchor.pathname);
      if (modified || serverPath) event.stopPropagation();
    },
    { capture: true },
  );
}
