/**
 * What a server-rendered page was rendered from, embedded in it as JSON (`<script
 * id="parley-data" type="application/json">`): the reader's locale, the server's "now", and the
 * API replies the page read, keyed by URL (lib/api-url.ts). The browser hydrates from the same
 * replies, so it renders the same markup and asks for none of them again.
 */
export interface PageData {
  locale: string;
  /** The moment the server rendered at (ms since the epoch): relative times read it until hydrated. */
  now: number;
  /** GET replies by URL. */
  replies: Record<string, unknown>;
  /** The language of the community the page is about (one of the choices the locale was made from), if any. */
  community?: string | null;
  /** The server rendered the "not found" page (the URL's topic, community or person does not exist). */
  notFound?: boolean;
}

let replies = new Map<string, unknown>();

/** Makes a page's replies available (the browser at start, the server before each render). */
export function usePageData(data: Pick<PageData, 'replies'> | null): void {
  replies = new Map(Object.entries(data?.replies ?? {}));
}

/** The embedded reply for a URL, if any, for a value a component shows from its first render. */
export function preloadedReply<T>(url: string): T | undefined {
  return replies.get(url) as T | undefined;
}

/**
 * The embedded reply for a URL, once: the first request for it is answered from the page, any
 * later one (a reload, a retry) goes to the server.
 */
export function takePreloadedReply(url: string): { value: unknown } | undefined {
  if (!replies.has(url)) return undefined;
  const value = replies.get(url);
  replies.delete(url);
  return { value };
}

/** The page's data block, in the browser; null for a page the server did not render. */
export function readPageData(): PageData | null {
  // Typed without the DOM: the API client (and so this module) also runs in Node (tests, the server's render).
  const doc = (globalThis as { document?: { getElementById(id: string): { textContent: string | null } | null } }).document;
  const element = doc?.getElementById('parley-data');
  if (!element?.textContent) return null;
  try {
    return JSON.parse(element.textContent) as PageData;
  } catch {
    return null;
  }
}
