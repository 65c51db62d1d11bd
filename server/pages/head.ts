/**
 * The <head> of server-rendered pages: title, description, canonical URL, link previews (Open
 * Graph, Twitter), feeds and structured data, built from the same JSON the public API answers.
 * Pure: the page plugin loads the data, picks the translator and the canonical URL, and puts
 * renderHead's string into the shell. Every word comes from the catalogues (`pages.*`).
 */
import type { Static } from 'typebox';
import type { CommunitySummary } from '../schemas/common.schema.js';
import type { TopicSortName } from '../topics/topics.schema.js';
import { absoluteImage, collapse, excerpt } from './plain-text.js';
import {
  breadcrumbList,
  categoryUrl,
  communityUrl,
  profilePage,
  readTopicPage,
  topicStructuredData,
  type BreadcrumbItem,
  type CommunityData,
  type JsonLd,
  type PostData,
  type ProfileData,
  type TopicDataInput,
} from './structured-data.js';

export interface PageHead {
  title: string;
  /** Plain text; left out when empty. */
  description: string;
  /** Absolute; null on pages that have none (not found, private pages). */
  canonical: string | null;
  robots: 'index' | 'noindex';
  ogType: 'website' | 'article' | 'profile';
  siteName: string;
  /** og:title when it should differ from <title> (a topic's own title, without the community). */
  shareTitle?: string | undefined;
  /** Absolute http(s). */
  image?: string | undefined;
  publishedTime?: string | undefined;
  modifiedTime?: string | undefined;
  themeColor?: string | undefined;
  /** RSS feeds of this page. */
  alternates: { title: string; href: string }[];
  jsonLd: JsonLd[];
  locale: string;
}

/** A catalogue lookup in the reader's locale, e.g. `(key, params) => translator.t(locale, key, params)`. */
export type Translate = (key: string, params?: Record<string, unknown>) => string;
export type TopicSort = Static<typeof TopicSortName>;
export type CommunitySummaryData = Static<typeof CommunitySummary>;

interface HeadContext {
  /** The public origin, e.g. https://forum.example.org (no trailing slash). */
  origin: string;
  /** The product's name for pages outside any community (e.g. "Parley"). */
  siteName: string;
  locale: string;
  t: Translate;
}

// -- rendering ---------------------------------------------------------------------------------

const ATTRIBUTE_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Safe in text and in quoted attribute values alike. */
export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => ATTRIBUTE_ESCAPES[c]!);

const JSON_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };
/**
 * JSON for a <script> element: no `</script>`, `<!--` or `]]>` can form, and the line separators
 * older parsers end a line at are escaped. The same value comes back from JSON.parse.
 */
export const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => JSON_ESCAPES[c]!);

/** Only a plain colour reaches the page's theme-color; anything else an admin stored is left out. */
const THEME_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** Open Graph wants language_TERRITORY. */
const ogLocale = (locale: string): string => locale.replace('-', '_');

export function renderHead(head: PageHead): string {
  const meta = (attr: 'name' | 'property', key: string, content: string | undefined) =>
    content ? `<meta ${attr}="${key}" content="${escapeHtml(content)}">` : '';
  const lines = [
    `<title>${escapeHtml(head.title)}</title>`,
    meta('name', 'description', head.description),
    head.robots === 'noindex' ? '<meta name="robots" content="noindex">' : '',
    head.canonical ? `<link rel="canonical" href="${escapeHtml(head.canonical)}">` : '',
    meta('name', 'theme-color', head.themeColor && THEME_COLOR.test(head.themeColor) ? head.themeColor : undefined),
    ...head.alternates.map((a) => `<link rel="alternate" type="application/rss+xml" title="${escapeHtml(a.title)}" href="${escapeHtml(a.href)}">`),
  ];
  // Previews only for pages that have an address to share.
  if (head.canonical) {
    lines.push(
      meta('property', 'og:title', head.shareTitle ?? head.title),
      meta('property', 'og:description', head.description),
      meta('property', 'og:url', head.canonical),
      meta('property', 'og:type', head.ogType),
      meta('property', 'og:site_name', head.siteName),
      meta('property', 'og:locale', ogLocale(head.locale)),
      meta('property', 'og:image', head.image),
      meta('name', 'twitter:card', head.image ? 'summary_large_image' : 'summary'),
    );
    if (head.ogType === 'article') {
      lines.push(meta('property', 'article:published_time', head.publishedTime), meta('property', 'article:modified_time', head.modifiedTime));
    }
  }
  lines.push(...head.jsonLd.map((data) => `<script type="application/ld+json">${scriptJson(data)}</script>`));
  return lines.filter(Boolean).join('\n');
}

// -- builders ----------------------------------------------------------------------------------

const SEPARATOR = ' · ';
const titled = (...parts: (string | undefined)[]) => parts.filter(Boolean).join(SEPARATOR);
const paged = (t: Translate, title: string, pageNumber: number) => (pageNumber > 1 ? t('pages.title.paged', { title, page: pageNumber }) : title);

/** Set by an admin (issue 12): readable, but kept out of search engines. Read structurally, so older data without it is listed. */
const unlisted = (thing: object | undefined): boolean => !!thing && 'unlisted' in thing && thing.unlisted === true;

const communityCrumbs = (ctx: HeadContext, community: { slug: string; name: string }): BreadcrumbItem[] => [
  { name: ctx.t('pages.communities'), url: `${ctx.origin}/` },
  { name: community.name, url: communityUrl(ctx.origin, community.slug) },
];

export interface TopicHeadInput extends HeadContext, Omit<TopicDataInput, 'origin'> {
  community: CommunityData;
  /** 1-based; the canonical URL carries `?page=N` beyond the first. */
  pageNumber: number;
  /** False for thin topics and other pages kept out of the index (hidden topics and unlisted places are never indexed). */
  indexable: boolean;
  feedUrl?: string | undefined;
  /** The topic's honest last change (as the sitemap's lastmod), when known; else the latest edit or post on this page. */
  lastModified?: string | undefined;
}

export function topicHead(input: TopicHeadInput): PageHead {
  const { t, community, page, pageNumber } = input;
  const topic = page.topic;
  const base = { canonical: input.canonical, siteName: community.name, locale: input.locale, themeColor: community.accentColor ?? undefined };
  if (topic.hidden) {
    // Nothing of a hidden topic leaves the page body a moderator sees: not its title, not its text.
    return {
      ...base,
      title: titled(t('pages.title.hidden_topic'), community.name),
      description: '',
      robots: 'noindex',
      ogType: 'website',
      alternates: [],
      jsonLd: [],
    };
  }
  const read = readTopicPage({ ...input, origin: input.origin });
  const category = community.categories.find((c) => c.slug === topic.category);
  // Page 1 is described by its question or opening post; later pages by their own first reply, so no two share one.
  const describing = pageNumber > 1 ? (read.replies[0] ?? read.opening) : (read.opening ?? read.replies[0]);
  const shown: PostData[] = [...(read.opening && pageNumber === 1 ? [read.opening.post] : []), ...read.replies.map((r) => r.post)];
  const latest = shown.map((p) => p.editedAt ?? p.createdAt).reduce<string | undefined>((a, b) => (!a || Date.parse(b) > Date.parse(a) ? b : a), undefined);
  const structured = topicStructuredData(input.origin, read);
  const crumbs = [
    ...communityCrumbs(input, community),
    ...(category ? [{ name: category.name, url: categoryUrl(input.origin, community.slug, category.slug) }] : []),
    { name: topic.title, url: read.topicUrl },
  ];
  return {
    ...base,
    title: titled(paged(t, topic.title, pageNumber), community.name),
    shareTitle: paged(t, topic.title, pageNumber),
    description: describing ? excerpt(describing.plain.text) : t('pages.description.topic', { title: topic.title, community: community.name }),
    robots: input.indexable && !unlisted(community) && !unlisted(category) ? 'index' : 'noindex',
    ogType: 'article',
    image: absoluteImage(read.opening?.plain.firstImage, input.origin),
    publishedTime: topic.createdAt,
    modifiedTime: input.lastModified ?? latest,
    alternates: input.feedUrl ? [{ title: t('pages.feed.topic', { title: topic.title }), href: input.feedUrl }] : [],
    jsonLd: [...(structured ? [structured] : []), breadcrumbList(crumbs)],
  };
}

export interface CommunityHeadInput extends HeadContext {
  community: CommunityData;
  /** The category slug of `?category=`, if any (an unknown one is the caller's 404). */
  category?: string | undefined;
  sort?: TopicSort | undefined;
  pageNumber: number;
  canonical: string;
  indexable: boolean;
  /** The community's feed, or its category's when a category is shown. */
  feedUrl?: string | undefined;
}

export function communityHead(input: CommunityHeadInput): PageHead {
  const { t, community, pageNumber } = input;
  const category = input.category ? community.categories.find((c) => c.slug === input.category) : undefined;
  const sort = input.sort && input.sort !== 'latest' ? t('pages.title.sort', { sort: input.sort }) : undefined;
  const [first, ...rest] = [sort, category?.name, community.name].filter((p): p is string => !!p);
  const own = category ? collapse(category.description) : collapse(community.description);
  const fallback = category
    ? t('pages.description.category', { category: category.name, community: community.name })
    : t('pages.description.community', { community: community.name });
  const crumbs = [
    ...communityCrumbs(input, community),
    ...(category ? [{ name: category.name, url: categoryUrl(input.origin, community.slug, category.slug) }] : []),
  ];
  const feedTitle = category
    ? t('pages.feed.category', { category: category.name, community: community.name })
    : t('pages.feed.community', { community: community.name });
  return {
    title: titled(paged(t, first!, pageNumber), ...rest, input.siteName),
    description: excerpt(own || fallback),
    canonical: input.canonical,
    robots: input.indexable && !unlisted(community) && !unlisted(category) ? 'index' : 'noindex',
    ogType: 'website',
    siteName: community.name,
    themeColor: community.accentColor ?? undefined,
    alternates: input.feedUrl ? [{ title: feedTitle, href: input.feedUrl }] : [],
    jsonLd: [breadcrumbList(crumbs)],
    locale: input.locale,
  };
}

export interface CommunityListHeadInput extends HeadContext {
  canonical: string;
  pageNumber?: number | undefined;
}

export function communityListHead(input: CommunityListHeadInput): PageHead {
  const { t } = input;
  return {
    title: titled(paged(t, t('pages.communities'), input.pageNumber ?? 1), input.siteName),
    description: t('pages.description.communities'),
    canonical: input.canonical,
    robots: 'index',
    ogType: 'website',
    siteName: input.siteName,
    alternates: [],
    jsonLd: [],
    locale: input.locale,
  };
}

export interface ProfileHeadInput extends HeadContext {
  profile: ProfileData;
  canonical: string;
  indexable?: boolean | undefined;
}

export function profileHead(input: ProfileHeadInput): PageHead {
  const { t, profile } = input;
  const { user, stats } = profile;
  const name = t('pages.title.profile', { name: user.displayName, handle: user.handle });
  return {
    title: titled(name, input.siteName),
    shareTitle: name,
    description: t('pages.description.profile', {
      name: user.displayName,
      handle: user.handle,
      site: input.siteName,
      posts: stats.posts,
      solutions: stats.solutions,
      helpful: stats.helpful,
    }),
    canonical: input.canonical,
    robots: input.indexable === false ? 'noindex' : 'index',
    ogType: 'profile',
    siteName: input.siteName,
    image: absoluteImage(user.avatarUrl ?? undefined, input.origin),
    alternates: [],
    jsonLd: [profilePage({ origin: input.origin, profile, canonical: input.canonical })],
    locale: input.locale,
  };
}

export interface ModerationLogHeadInput extends HeadContext {
  community: CommunitySummaryData;
  canonical: string;
  pageNumber?: number | undefined;
  indexable?: boolean | undefined;
}

export function moderationLogHead(input: ModerationLogHeadInput): PageHead {
  const { t, community } = input;
  const name = t('pages.title.moderation_log');
  return {
    title: titled(paged(t, name, input.pageNumber ?? 1), community.name, input.siteName),
    description: t('pages.description.moderation_log', { community: community.name }),
    canonical: input.canonical,
    robots: input.indexable !== false && !unlisted(community) ? 'index' : 'noindex',
    ogType: 'website',
    siteName: community.name,
    themeColor: community.accentColor ?? undefined,
    alternates: [],
    jsonLd: [breadcrumbList([...communityCrumbs(input, community), { name, url: input.canonical }])],
    locale: input.locale,
  };
}

export function notFoundHead(input: Pick<HeadContext, 'siteName' | 'locale' | 't'>): PageHead {
  return privatePageHead(titled(input.t('pages.title.not_found'), input.siteName), { locale: input.locale, siteName: input.siteName });
}

/** Pages that are no one's to find (settings, queue, composer, sign-in, search results): a title, and noindex. */
export function privatePageHead(title: string, opts: { locale?: string; siteName?: string } = {}): PageHead {
  return {
    title,
    description: '',
    canonical: null,
    robots: 'noindex',
    ogType: 'website',
    siteName: opts.siteName ?? '',
    alternates: [],
    jsonLd: [],
    locale: opts.locale ?? 'en',
  };
}
