import sanitizeHtml from 'sanitize-html';

/** What a post's sanitised HTML says to a reader who sees no markup: its text and its first picture. */
export interface PlainPost {
  text: string;
  /** The first `<img src>`, as written (the sanitiser keeps only absolute http(s) URLs and site paths). */
  firstImage: string | undefined;
}

// Block boundaries separate words; inline markup (links, emphasis, mentions) sits inside words' runs.
const BLOCK_TAG = /<(\/?)(p|br|hr|li|ul|ol|h[1-6]|div|blockquote|pre|table|thead|tbody|tr|td|th)\b/gi;

/**
 * A post's text and first image, read by the same parser that sanitised it (sanitize-html with no
 * allowed tags) so that comments, entities and odd markup are understood as a browser would.
 * The sanitiser's output re-escapes only `&`, `<` and `>` (it decodes entities while parsing), so
 * undoing those three gives the exact text.
 */
export function readHtml(html: string): PlainPost {
  let firstImage: string | undefined;
  const escaped = sanitizeHtml(html.replace(BLOCK_TAG, ' <$1$2'), {
    allowedTags: [],
    allowedAttributes: {},
    transformTags: {
      img: (tagName, attribs) => {
        firstImage ??= attribs.src;
        return { tagName, attribs };
      },
    },
  });
  return { text: collapse(unescapeSanitised(escaped)), firstImage };
}

const unescapeSanitised = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/**
 * Anything the sanitiser itself would never write: a comment, a raw-text element, or an entity
 * other than the ones it escapes with. Stored post HTML has none of these.
 */
const NOT_SANITISER_OUTPUT = /<!--|<(?:script|style|textarea|noscript|iframe|title|xmp)\b|&(?!(?:amp|lt|gt|quot|#39);)/i;
const IMG_SRC = /<img\b[^>]*?\ssrc="([^"]*)"/i;

/**
 * readHtml's answer, found faster for HTML the sanitiser wrote (every stored post body): there every
 * `<` opens a tag, attribute values carry no `<` or `>`, and only five entities occur, so dropping
 * tags and undoing those entities is exact. A topic page reads fifty posts; the full parser took
 * most of the render budget. Other HTML goes through readHtml.
 */
export function readPost(html: string): PlainPost {
  if (NOT_SANITISER_OUTPUT.test(html)) return readHtml(html);
  const src = IMG_SRC.exec(html)?.[1];
  return {
    text: collapse(unescapeSanitised(html.replace(BLOCK_TAG, ' <$1$2').replace(/<[^>]*>/g, ''))),
    firstImage: src === undefined ? undefined : unescapeSanitised(src),
  };
}

/** Plain text of sanitised HTML, whitespace collapsed. */
export const htmlToText = (html: string): string => readPost(html).text;

/** Plain text of a stored plain string (a description, a title): whitespace collapsed. */
export const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

export const DESCRIPTION_LENGTH = 160;

/**
 * A preview of at most `max` characters (code points: an emoji is never split), cut at a word
 * boundary when one is near the end, with an ellipsis when anything was left out.
 */
export function excerpt(text: string, max = DESCRIPTION_LENGTH): string {
  const chars = Array.from(collapse(text));
  if (chars.length <= max) return chars.join('');
  const head = chars.slice(0, max - 1).join('');
  const space = head.lastIndexOf(' ');
  // A word longer than a third of the preview (a URL) is cut rather than dropped whole.
  const cut = space >= head.length * (2 / 3) ? head.slice(0, space) : head;
  return `${cut.replace(/[\s,;:.\-–—]+$/u, '')}…`;
}

/** An absolute http(s) URL for an image, or undefined: site paths are resolved against the origin, anything else dropped. */
export function absoluteImage(src: string | undefined, origin: string): string | undefined {
  if (!src) return undefined;
  try {
    const url = /^\/(?![/\\])/.test(src) ? new URL(src, origin) : new URL(src);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
