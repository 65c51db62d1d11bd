import sanitizeHtml from 'sanitize-html';

// Second line of defence behind markdown-it (which already runs with
// `html: false`). Everything here assumes the input might be hostile HTML, so
// the allow-list holds even if markdown-it is reconfigured or has a bug.

const LINK_REL = 'nofollow ugc noopener';

const PROSE_TAGS = [
  'p',
  'br',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'ul',
  'ol',
  'li',
  'strong',
  'em',
  's',
  'del',
  'code',
  'pre',
  'a',
  'img',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
];

const CELL_ALIGN = { name: 'align', values: ['left', 'center', 'right'] };

// Browsers drop or skip these characters while parsing URLs, which is how
// `java\tscript:` style payloads get past naive scheme checks. markdown-it
// percent-encodes them, so an href that still contains one did not come from
// a well-formed link and is not worth interpreting.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const URL_JUNK = /[\u0000-\u0020\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\ufeff]/;
// Browsers treat `\` like `/` in http(s) URLs, so `/\host` is protocol-relative.
const PROTOCOL_RELATIVE = /^[/\\]{2}/;
const SITE_PATH = /^\/(?![/\\])/;

// This site's stored files (server/uploads/): the SHA-256 of the bytes in lower-case hex, exactly,
// so `..`, a query, another extension or a look-alike never counts as one of ours.
/** An uploaded image as posts write it: `/uploads/<hash>.<ext>`; groups: the hash, the extension. */
export const UPLOAD_IMAGE_PATH = /^\/uploads\/([0-9a-f]{64})\.(png|jpg|webp|gif)$/;
/** What an `<img>` may load from this site: an uploaded image or its thumbnail, nothing else. */
const UPLOAD_IMAGE_SRC = /^\/uploads\/[0-9a-f]{64}(?:-thumb)?\.(?:png|jpg|webp|gif)$/;

/** The class of the link the renderer wraps around an uploaded image, opening it full size. */
export const UPLOAD_IMAGE_CLASS = 'upload-image';

/** The thumbnail's path of an uploaded image (the server answers with the original when there is none). */
export const uploadThumbPath = (hash: string, ext: string): string => `/uploads/${hash}-thumb.${ext}`;

type UrlKind = 'href' | 'src';

/**
 * Returns the URL to emit, or undefined to drop the attribute.
 *
 * An image loads without a click, so its src is an allow-list: absolute
 * http(s), or exactly one of our upload paths. Any other same-site path is
 * refused on purpose (`![](/logout)` would make every reader's browser fire a
 * credentialed GET at our own API), and so is a protocol-relative one: it is
 * neither, and `//host/uploads/…` must not pass for ours anywhere downstream.
 *
 * Protocol-relative links are rewritten to https: they are equivalent on an
 * https site, and rewriting keeps the invariant "starts with `/` means
 * same-site" true for any client code that routes such links internally.
 *
 * Other relative forms (`foo`, `#x`, `?q`) are dropped: their meaning depends
 * on the page the post is rendered in (thread page, embed widget, feed), so
 * they would be broken links at best.
 */
function safeUrl(raw: string | undefined, kind: UrlKind): string | undefined {
  if (raw === undefined || raw === '' || URL_JUNK.test(raw)) return undefined;
  if (kind === 'src') return /^https?:/i.test(raw) || UPLOAD_IMAGE_SRC.test(raw) ? raw : undefined;
  if (PROTOCOL_RELATIVE.test(raw)) return `https://${raw.replace(/^[/\\]+/, '')}`;
  if (/^https?:/i.test(raw)) return raw;
  if (/^mailto:/i.test(raw)) return raw;
  if (SITE_PATH.test(raw)) return raw;
  return undefined;
}

// allowedEmptyAttributes is supported at runtime but missing from the types.
type Options = sanitizeHtml.IOptions & { allowedEmptyAttributes: string[] };

const OPTIONS: Options = {
  allowedTags: PROSE_TAGS,
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'loading', 'referrerpolicy'],
    ol: ['start'],
    th: [CELL_ALIGN],
    td: [CELL_ALIGN],
  },
  allowedClasses: {
    a: ['mention', UPLOAD_IMAGE_CLASS],
    // Bounded so the class cannot smuggle arbitrary text to client-side
    // highlighters that key off it.
    code: [/^language-[a-z0-9_+#.-]{1,32}$/i],
  },
  // Backstop only: safeUrl() has already decided; these must agree with it.
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  allowedEmptyAttributes: ['alt'],
  disallowedTagsMode: 'discard',
  // Content of these is never prose; dropping the tag but keeping the text
  // would surface CSS/JS source as visible junk.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'xmp', 'noscript', 'noembed', 'noframes', 'iframe', 'template', 'svg', 'math', 'title', 'object'],
  transformTags: {
    a: (tagName, attribs) => {
      const out: sanitizeHtml.Attributes = {};
      const href = safeUrl(attribs.href, 'href');
      const linkClass = classOfLink(attribs.class, href);
      if (linkClass) out.class = linkClass;
      if (href !== undefined) out.href = href;
      if (attribs.title) out.title = attribs.title;
      // Overwrites any rel/target from the input: user content never gets to
      // pass link equity or a window.opener handle.
      out.rel = LINK_REL;
      return { tagName, attribs: out };
    },
    img: (tagName, attribs) => {
      const out: sanitizeHtml.Attributes = {};
      const src = safeUrl(attribs.src, 'src');
      if (src !== undefined) out.src = src;
      out.alt = attribs.alt ?? '';
      if (attribs.title) out.title = attribs.title;
      // Remote images are allowed because screenshots are core forum content,
      // but they are third-party requests: no-referrer stops the image host
      // learning which thread (possibly private) the reader is on, and lazy
      // keeps a wall of images (or tracking pixels) from all loading at once.
      out.loading = 'lazy';
      out.referrerpolicy = 'no-referrer';
      return { tagName, attribs: out };
    },
    // markdown-it expresses table alignment as inline style, which is never
    // allowed; the legacy align attribute carries the same meaning safely.
    th: alignFromStyle,
    td: alignFromStyle,
  },
  exclusiveFilter: (frame) => {
    // A link whose href was refused keeps its text but not the element.
    if (frame.tag === 'a' && !frame.attribs.href) return 'excludeTag';
    // An image with no usable src is an empty box; drop it.
    if (frame.tag === 'img' && !frame.attribs.src) return true;
    return false;
  },
};

/**
 * `upload-image` marks the renderer's wrapper around an uploaded image (the thread styles it and
 * link counting skips it), so it holds only on a link to exactly such an image: on any other link
 * it would let a post dress up or hide a link of its own.
 */
function classOfLink(raw: string | undefined, href: string | undefined): string | undefined {
  const kept = (raw ?? '')
    .split(/\s+/)
    .filter((name) => name === 'mention' || (name === UPLOAD_IMAGE_CLASS && href !== undefined && UPLOAD_IMAGE_PATH.test(href)));
  return kept.length ? [...new Set(kept)].join(' ') : undefined;
}

function alignFromStyle(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const m = /^text-align:\s*(left|center|right);?$/.exec(attribs.style ?? '');
  return { tagName, attribs: m?.[1] ? { align: m[1] } : {} };
}

export function sanitizeRendered(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}
