/** What the embed page is asked to show, read from its URL (set by embed.js, or by hand). */
import { LOCALE_TAG } from '../../../server/i18n/locales';
import { t } from '../lib/i18n.svelte';

export type EmbedTheme = 'auto' | 'light' | 'dark';

export interface EmbedParams {
  /** The community's slug, from `/embed/<slug>`. */
  slug: string;
  /** `/embed/<slug>/signin`: the sign-in popup, not a thread. */
  signin: boolean;
  /** The host page the thread belongs to (or `topic`). */
  url: string | null;
  topic: number | null;
  /** The host page's title: the topic's title when the first comment creates it. */
  title: string;
  /** The origin the host page claims to be; trusted only once it is in the community's allowed origins. */
  parent: string | null;
  theme: EmbedTheme;
  /** `#rrggbb` only. */
  accent: string | null;
  /** The host's language (`data-parley-locale`, else the host page's `lang`): a BCP 47 tag. */
  locale: string | null;
}

/** An exact origin ("https://acme.example"), or null for anything else. */
export function exactOrigin(raw: string | null): string | null {
  if (!raw) return null;
  try {
    const origin = new URL(raw).origin;
    return origin !== 'null' && origin === raw ? origin : null;
  } catch {
    return null;
  }
}

export function readParams(loc: Pick<Location, 'pathname' | 'search'> = location): EmbedParams | null {
  const match = /^\/embed\/([^/]+)(\/signin)?\/?$/.exec(loc.pathname);
  if (!match?.[1]) return null;
  let slug: string;
  try {
    slug = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  const q = new URLSearchParams(loc.search);
  const topicRaw = q.get('topic') ?? '';
  const topic = /^[1-9]\d{0,14}$/.test(topicRaw) ? Number(topicRaw) : null;
  const url = q.get('url')?.trim() || null;
  const theme = q.get('theme');
  const accent = q.get('accent');
  const locale = q.get('locale');
  return {
    slug,
    signin: match[2] !== undefined,
    url,
    topic: url ? null : topic,
    title: (q.get('title') ?? '').trim().slice(0, 200),
    parent: exactOrigin(q.get('parent')),
    theme: theme === 'light' || theme === 'dark' ? theme : 'auto',
    accent: accent && /^#[0-9a-f]{6}$/i.test(accent) ? accent : null,
    locale: locale && LOCALE_TAG.test(locale) ? locale : null,
  };
}

/** A topic title for the page: its own title when usable (3–200 characters), else its address. */
export function topicTitle(params: EmbedParams): string {
  if (params.title.length >= 3) return params.title;
  const fallback = (params.url ?? '').replace(/^https?:\/\//, '').slice(0, 200);
  return fallback.length >= 3 ? fallback : t('embed.comments');
}
