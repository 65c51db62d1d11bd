/**
 * Public pages rendered by the server (issue 12): one HTML answer for every reader and user agent,
 * with the content, the right status and URL, the head (title, description, previews, structured
 * data), and the data block the browser hydrates from. Pages that are nobody's to find (settings,
 * sign-in, the composer…) get the app's shell, marked noindex; an unknown path gets the "not found"
 * page with 404.
 *
 * Guests' topic pages are kept rendered (TopicPageCache, cleared by the bus as the JSON is).
 */
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { communities } from '../../db/schema.js';
import { contrastText, safeAccent } from '../../web/src/lib/format.js';
import type { Db } from '../../db/client.js';
import type { Config } from '../config/config.js';
import { siteOrigin } from '../auth/origin.js';
import type { Translator } from '../i18n/translator.js';
import { parseAcceptLanguage } from '../i18n/locales.js';
import type { TopicPageCache } from '../topics/topic-page.cache.js';
import type { Bus } from '../live/bus.js';
import type { PublicPage } from './page-contract.js';
import { firstViewUrls, topicPageCount } from '../../web/src/lib/api-url.js';
import { communityFeedPath, communityListPath, topicFeedPath, topicPath } from './sitemap.urls.js';
import {
  communityHead,
  communityListHead,
  moderationLogHead,
  notFoundHead,
  privatePageHead,
  profileHead,
  renderHead,
  topicHead,
  type PageHead,
  escapeHtml,
} from './head.js';
import { isCommunityIndexable, topicIndexFacts } from './indexable.js';
import type { PageRenderer, WebBuild } from './page-renderer.js';
import { PRECOMPRESSED, precompress, takenEncoding, type Precompressed } from '../compression/precompress.js';
import { fillTemplate } from './page-template.js';
import { loadReplies } from './pages.service.js';
import { communityUrl, userUrl, type CommunityData, type ProfileData, type TopicPageData } from './structured-data.js';

const SITE_NAME = 'Parley';

export interface PagesOptions {
  config: Config;
  db: Db;
  translator: Translator;
  renderer: PageRenderer;
  build: WebBuild;
  cache: TopicPageCache;
  bus: Bus;
}

const safeDecode = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

type Outcome = { status: number; html: string } | { redirect: string };

export function createPageServer(app: FastifyInstance, opts: PagesOptions) {
  const { config, db, translator, renderer, build, cache, bus } = opts;

  // A cached page also wears its community's name, language and accent: a change of the community
  // (signalled by every write that announces `community.updated`) starts a new generation, so pages
  // rendered before it are not served. Topic list bumps on the same channel leave the pages alone.
  const communityGenerations = new Map<string, number>();
  const stopListening = bus.onSignal((payload) => {
    if (!payload.startsWith('community:')) return;
    const slug = payload.slice('community:'.length);
    communityGenerations.set(slug, (communityGenerations.get(slug) ?? 0) + 1);
  });
  // (After a resync the cache itself is emptied: TopicPageCache listens for it.)
  app.addHook('onClose', async () => stopListening());

  /** The shell for a page the browser renders alone: noindex, in the reader's language. */
  async function shell(request: FastifyRequest): Promise<string> {
    const locale = await request.locale;
    const head = renderHead(privatePageHead(SITE_NAME, { locale, siteName: SITE_NAME }));
    return fillTemplate(build.template, { locale, head, body: '', data: null, noscript: translator.t(locale, 'app.noscript') });
  }

  // A community's accent colour from the first paint: inline styles are refused by the CSP, so
  // the page links this small stylesheet, which applies while <html data-accent> names the
  // community (useAccent takes over in the browser, and removes the attribute on leaving).
  app.get('/c/:slug/accent.css', { schema: { hide: true } }, async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const [row] = /^[a-z0-9-]{1,64}$/.test(slug)
      ? await db.select({ accent: communities.accentColor }).from(communities).where(eq(communities.slug, slug))
      : [];
    const accent = safeAccent(row?.accent);
    const css = accent ? `html[data-accent="${slug}"]{--accent:${accent};--accent-contrast:${contrastText(accent)}}\n` : '';
    return reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(css);
  });

  async function render(input: {
    url: URL;
    locale: string;
    replies: Record<string, unknown>;
    head: PageHead;
    notFound?: boolean;
    community?: CommunityData | undefined;
  }): Promise<string> {
    const now = Date.now();
    const rendered = await renderer.renderPage({
      pathname: input.url.pathname,
      search: input.url.search,
      locale: input.locale,
      now,
      replies: input.replies,
      notFound: input.notFound ?? false,
    });
    // The components write the <title> (and keep it current after hydration); the rest of the head is ours.
    let head = renderHead(input.head);
    if (rendered.head.includes('<title>')) head = head.replace(/<title>[\s\S]*?<\/title>\n?/, '');
    const lazy = rendered.lazyComponent ? build.lazyAssets(rendered.lazyComponent) : null;
    const accent = input.notFound ? undefined : safeAccent(input.community?.accentColor);
    const assets = [
      ...(lazy?.css ?? []).map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`),
      accent ? `<link rel="stylesheet" href="/c/${encodeURIComponent(input.community!.slug)}/accent.css?v=${encodeURIComponent(accent.slice(1))}">` : '',
      lazy?.script ? `<link rel="modulepreload" href="${escapeHtml(lazy.script)}">` : '',
    ].filter(Boolean);
    return fillTemplate(build.template, {
      locale: input.locale,
      head: [rendered.head, head, ...assets].join('\n'),
      body: rendered.body,
      data: {
        locale: input.locale,
        now,
        replies: input.replies,
        community: input.community?.language ?? null,
        ...(input.notFound ? { notFound: true } : {}),
      },
      noscript: null,
      accentOf: accent ? input.community!.slug : undefined,
    });
  }

  async function notFound(request: FastifyRequest, url: URL, replies: Record<string, unknown>): Promise<Outcome> {
    const locale = await request.locale;
    const t = (key: string, params?: Record<string, unknown>) => translator.t(locale, key, params);
    const head = notFoundHead({ siteName: SITE_NAME, locale, t });
    return { status: 404, html: await render({ url, locale, replies, head, notFound: true }) };
  }

  async function publicPage(request: FastifyRequest, url: URL, page: PublicPage, requests: string[]): Promise<Outcome> {
    // One address per page: ?page=1 is the bare URL.
    if ((page.page === 'topic' || page.page === 'community') && url.searchParams.get('page') === '1') {
      url.searchParams.delete('page');
      return { redirect: url.pathname + url.search };
    }
    // What the topic's head needs from the database, asked beside the page's API reads.
    const topicFacts = page.page === 'topic' ? topicIndexFacts(db, page.topicId) : null;
    topicFacts?.catch(() => undefined);
    const { replies, subjectStatus, subject } = await loadReplies(app, request, requests);
    if (subjectStatus >= 500) throw new Error(`page subject ${requests[0]} answered ${subjectStatus}`);
    if (subjectStatus !== 200) return notFound(request, url, replies);

    const origin = siteOrigin(config, request);
    const member = request.viewer.user?.locale ?? null;
    const browser = parseAcceptLanguage(request.headers['accept-language']);
    const communityOf = (slug: string) => (replies[firstViewUrls.community(slug)] as { community: CommunityData } | undefined)?.community;
    const base = (locale: string) => ({
      origin,
      siteName: SITE_NAME,
      locale,
      t: (key: string, params?: Record<string, unknown>) => translator.t(locale, key, params),
    });

    switch (page.page) {
      case 'topic': {
        const data = subject as TopicPageData;
        const topic = data.topic;
        if (page.pageNumber > topicPageCount(topic.postCount)) return notFound(request, url, replies);
        const canonical = topicPath(topic.community, topic, page.pageNumber);
        if (safeDecode(url.pathname) !== safeDecode(topicPath(topic.community, topic))) return { redirect: canonical };
        const community = communityOf(topic.community);
        if (!community) return notFound(request, url, replies);
        const locale = translator.choose({ member, community: community.language, browser });
        const { indexable, lastModified } = await topicFacts!;
        const head = topicHead({
          ...base(locale),
          community,
          page: data,
          pageNumber: page.pageNumber,
          canonical: origin + canonical,
          indexable,
          feedUrl: origin + topicFeedPath(topic.community, topic.id),
          lastModified: lastModified?.toISOString(),
        });
        return { status: 200, html: await render({ url, locale, replies, head, community }) };
      }
      case 'community': {
        const community = (subject as { community: CommunityData }).community;
        const topicsReply = replies[requests[1]!] as { items: unknown[] } | undefined;
        const category = page.category || undefined;
        // An unknown category, or a page past the end of the list.
        if (!topicsReply || (page.pageNumber > 1 && topicsReply.items.length === 0)) return notFound(request, url, replies);
        const locale = translator.choose({ member, community: community.language, browser });
        const head = communityHead({
          ...base(locale),
          community,
          category,
          sort: page.sort as Parameters<typeof communityHead>[0]['sort'],
          pageNumber: page.pageNumber,
          canonical: origin + communityListPath(community.slug, url.searchParams),
          indexable: await isCommunityIndexable(db, community.slug, category),
          feedUrl: origin + communityFeedPath(community.slug, category),
        });
        return { status: 200, html: await render({ url, locale, replies, head, community }) };
      }
      case 'communities': {
        const locale = translator.choose({ member, browser });
        const head = communityListHead({ ...base(locale), canonical: `${origin}/` });
        return { status: 200, html: await render({ url, locale, replies, head }) };
      }
      case 'user': {
        const profile = subject as ProfileData;
        const locale = translator.choose({ member, browser });
        const head = profileHead({ ...base(locale), profile, canonical: userUrl(origin, profile.user.handle) });
        return { status: 200, html: await render({ url, locale, replies, head }) };
      }
      case 'log': {
        const community = (subject as { community: CommunityData }).community;
        const locale = translator.choose({ member, community: community.language, browser });
        const head = moderationLogHead({
          ...base(locale),
          community,
          canonical: `${communityUrl(origin, community.slug)}/log`,
          indexable: await isCommunityIndexable(db, community.slug),
        });
        return { status: 200, html: await render({ url, locale, replies, head, community }) };
      }
    }
  }

  /** Every GET of a page: public pages rendered, others the shell, unknown paths 404. */
  async function serve(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const url = new URL(request.url, 'http://parley.invalid');
    const match = renderer.matchPage(url.pathname, url.search);
    const guest = !request.viewer.user;
    reply.header('cache-control', guest ? 'no-cache' : 'private, no-cache').header('vary', 'cookie, accept-encoding');
    if (!match.page) {
      if (match.route === '*') {
        const outcome = await notFound(request, url, (await loadReplies(app, request, [])).replies);
        return sendOutcome(reply, outcome);
      }
      return reply.type('text/html; charset=utf-8').send(await shell(request));
    }
    // Guests' topic pages: one render serves them all until the topic changes.
    const topicId = match.page.page === 'topic' ? match.page.topicId : null;
    const slug = 'slug' in match.page ? match.page.slug : '';
    const key = `html:${communityGenerations.get(slug) ?? 0}:${url.pathname}${url.search}`;
    // Kept compressed too (brotli and gzip): a page is mostly its posts twice (the markup, and the
    // data it hydrates from), which both fold to a fraction; compressed once per render, not once
    // per reader, so a cached read costs no compression work.
    const encoding = takenEncoding(request.headers['accept-encoding']);
    if (guest && topicId !== null) {
      const packed = encoding ? cache.get(`${key}:${encoding}`) : undefined;
      if (packed) return sendPage(reply, packed, encoding, 'hit');
      const plain = cache.get(key);
      if (plain) return sendPage(reply, plain, null, 'hit');
    }
    const generation = topicId === null ? 0 : cache.generation(topicId);
    const outcome = await publicPage(request, url, match.page, match.requests);
    if (guest && topicId !== null && 'html' in outcome && outcome.status === 200) {
      const bytes = Buffer.from(outcome.html);
      cache.set(key, topicId, bytes, generation);
      // Compressed after the answer (this one reader's copy is compressed on the way out, by the
      // compression plugin): a miss waits for no packing.
      for (const kept of PRECOMPRESSED) {
        precompress(bytes, kept).then(
          (packed) => cache.set(`${key}:${kept}`, topicId, packed, generation),
          (error: unknown) => request.log.warn({ err: error }, 'could not compress a rendered page'),
        );
      }
      return sendPage(reply, bytes, null, 'miss');
    }
    return sendOutcome(reply, outcome);
  }

  function sendPage(reply: FastifyReply, bytes: Buffer, encoding: Precompressed | null, cacheState: 'hit' | 'miss'): FastifyReply {
    reply.type('text/html; charset=utf-8').header('x-parley-cache', cacheState);
    if (encoding) reply.header('content-encoding', encoding);
    return reply.send(bytes);
  }

  function sendOutcome(reply: FastifyReply, outcome: Outcome): FastifyReply {
    if ('redirect' in outcome) return reply.redirect(outcome.redirect, 301);
    return reply.code(outcome.status).type('text/html; charset=utf-8').send(outcome.html);
  }

  return { serve };
}

export type PageServer = ReturnType<typeof createPageServer>;
