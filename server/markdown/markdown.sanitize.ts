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

type UrlKind = 'href' | 'src';

/**
 * Returns the URL to emit, or undefined to drop the attribute.
 *
 * Protocol-relative URLs are rewritten to https: they are equivalent on an
 * https site, and rewriting keeps the invariant "starts with `/` means
 * same-site" true for any client code that routes such links internally.
 *
 * Other relative forms (`foo`, `#x`, `?q`) are dropped: their meaning depends
 * on the page the post is rendered in (thread page, embed widget, feed), so
 * they would be broken links at best.
 */
function safeUrl(raw: string | undefined, kind: UrlKind): string | undefined {
  if (raw === undefined || raw === '' || URL_JUNK.test(raw)) return undefined;
  if (PROTOCOL_RELATIVE.test(raw)) return `https://${raw.replace(/^[/\\]+/, '')}`;
  if (/^https?:/i.test(raw)) return raw;
  if (kind === 'href') {
    if (/^mailto:/i.test(raw)) return raw;
    if (SITE_PATH.test(raw)) return raw;
  }
  // Same-site image paths are refused on purpose: `![](/logout)` would make
  // every reader's browser fire a credentialed GET at our own API.
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
    a: ['mention'],
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
      if (attribs.class) out.class = attribs.class;
      const href = safeUrl(attribs.href, 'href');
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

function alignFromStyle(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const m = /^text-align:\s*(left|center|right);?$/.exec(attribs.style ?? '');
  return { tagName, attribs: m?.[1] ? { align: m[1] } : {} };
}

export function sanitizeRendered(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}
