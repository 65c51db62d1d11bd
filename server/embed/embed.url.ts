/**
 * One page, one thread: the canonical form of a host page's URL, which is what
 * `topics.embed_url` stores and what the unique index (community_id, embed_url) compares.
 * Pure: no I/O, no configuration.
 *
 * - only http and https; anything else (or an unparsable string) is not a page;
 * - scheme and host lower-cased, a trailing dot on the host dropped, default ports dropped
 *   (WHATWG URL parsing does most of this, and turns IDN hosts into punycode);
 * - user name and password dropped (they are not part of which page it is);
 * - the fragment dropped;
 * - tracking parameters dropped (TRACKING_PARAMS, plus every `utm_*`), case-insensitively;
 * - the remaining query parameters sorted by name (stable: repeated names keep their order) and
 *   written in application/x-www-form-urlencoded form (so `a%20b` and `a+b` are one value);
 * - the path decoded, then encoded again the one same way, segment by segment (an encoded
 *   slash stays encoded); trailing slashes removed except for the root, which is `/`.
 */

/** Query parameters that say how a visitor arrived, not which page they are on. */
export const TRACKING_PARAMS: readonly string[] = [
  // Google Ads / Analytics / DoubleClick
  'gclid',
  'gclsrc',
  'dclid',
  'gbraid',
  'wbraid',
  '_ga',
  '_gl',
  // Meta, Microsoft, X/Twitter, TikTok, LinkedIn, Instagram, Yandex
  'fbclid',
  'msclkid',
  'twclid',
  'ttclid',
  'li_fat_id',
  'igshid',
  'yclid',
  // Mailchimp, HubSpot, Marketo, Vero, Olytics
  'mc_cid',
  'mc_eid',
  '_hsenc',
  '_hsmi',
  '__hssc',
  '__hstc',
  '__hsfp',
  'hsctatracking',
  'mkt_tok',
  'vero_id',
  'vero_conv',
  'oly_anon_id',
  'oly_enc_id',
  // generic referral markers
  'ref',
  'ref_src',
  'ref_url',
  'referrer',
];
const TRACKING = new Set(TRACKING_PARAMS);
const isTracking = (name: string) => {
  const lower = name.toLowerCase();
  return lower.startsWith('utm_') || TRACKING.has(lower);
};

/** Longest canonical URL we keep (it is indexed); longer addresses are refused as invalid. */
export const MAX_CANONICAL_URL = 2048;

export interface CanonicalUrl {
  /** The canonical URL, e.g. `https://acme.example/blog/post-1?page=2`. */
  url: string;
  /** Its origin, as browsers serialise it (what `embed.allowedOrigins` holds). */
  origin: string;
}

// Characters a path segment may hold without escaping (RFC 3986 pchar minus pct-encoded),
// restored after encodeURIComponent, which is stricter.
const KEEP_IN_SEGMENT: Record<string, string> = { '%24': '$', '%26': '&', '%2B': '+', '%2C': ',', '%3B': ';', '%3D': '=', '%3A': ':', '%40': '@' };

function encodeSegment(decoded: string): string {
  return encodeURIComponent(decoded).replace(/%(24|26|2B|2C|3B|3D|3A|40)/g, (m) => KEEP_IN_SEGMENT[m]!);
}

/**
 * Decode-then-encode one segment. A segment that does not decode as UTF-8 (e.g. a Latin-1 `%E9`)
 * keeps its escapes (in upper-case hex) and has everything else encoded, so it is stable too.
 */
function canonicalSegment(segment: string): string {
  try {
    return encodeSegment(decodeURIComponent(segment));
  } catch {
    return segment
      .split(/(%[0-9A-Fa-f]{2})/)
      .map((part, i) => (i % 2 === 1 ? part.toUpperCase() : encodeSegment(part)))
      .join('');
  }
}

function canonicalPath(pathname: string): string {
  const trimmed = pathname.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.split('/').map(canonicalSegment).join('/');
}

/** The canonical form of a page URL, or null when it is not an http(s) URL. */
export function canonicalizeUrl(raw: string): CanonicalUrl | null {
  const input = raw.trim();
  if (!input || input.length > MAX_CANONICAL_URL) return null;
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (!parsed.hostname) return null;
  if (parsed.hostname.endsWith('.')) parsed.hostname = parsed.hostname.replace(/\.+$/, '');
  if (!parsed.hostname) return null;
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';

  const kept = [...parsed.searchParams].filter(([name]) => !isTracking(name));
  const params = new URLSearchParams(kept);
  params.sort();
  const query = params.toString();

  const origin = parsed.origin;
  const url = `${origin}${canonicalPath(parsed.pathname)}${query ? `?${query}` : ''}`;
  if (url.length > MAX_CANONICAL_URL) return null;
  return { url, origin };
}

/** A readable fallback title for a page: its decoded path, or host and path for the root. */
export function titleFromUrl(canonical: string): string {
  const parsed = new URL(canonical);
  let path = parsed.pathname;
  try {
    path = decodeURI(path);
  } catch {
    /* keep it encoded */
  }
  const readable = path.length >= 3 ? path : `${parsed.host}${path}`;
  return readable.length > 200 ? `${readable.slice(0, 199)}…` : readable;
}
