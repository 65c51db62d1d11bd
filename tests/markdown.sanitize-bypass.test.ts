import { describe, it, expect } from 'vitest';
import sanitizeHtml from 'sanitize-html';
import { renderMarkdown } from '../server/markdown/markdown.render.js';
import { sanitizeRendered } from '../server/markdown/markdown.sanitize.js';
import { HTML_PAYLOADS, MARKDOWN_PAYLOADS } from './fixtures/xss-payloads.js';

interface ParsedTag {
  tagName: string;
  attribs: Record<string, string>;
}

// Re-parse the output with sanitize-html's own parser (htmlparser2) in
// allow-everything mode, so the checks see tags and entity-decoded attribute
// values the way a consumer would, not the raw string.
function parseTags(html: string): ParsedTag[] {
  const tags: ParsedTag[] = [];
  sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    nonTextTags: [],
    transformTags: {
      '*': (tagName, attribs) => {
        tags.push({ tagName, attribs: { ...attribs } });
        return { tagName, attribs };
      },
    },
  });
  return tags;
}

const ALLOWED_TAGS = new Set([
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
]);
const FORBIDDEN_TAG = /<\/?(script|svg|math|style|iframe|form|template|object|embed|input|button|base|meta|link|noscript|textarea|xmp)\b/i;
const SAFE_URL = /^(https?:|mailto:|\/(?![/\\]))/i;
const REL = 'nofollow ugc noopener';
// This site's uploaded images, the one same-site thing an <img> may load (and the link around one).
const UPLOAD_IMAGE = /^\/uploads\/[0-9a-f]{64}\.(?:png|jpg|webp|gif)$/;
const UPLOAD_IMAGE_SRC = /^\/uploads\/[0-9a-f]{64}(?:-thumb)?\.(?:png|jpg|webp|gif)$/;

/** Throws with a readable reason if `html` carries anything executable. */
function assertInert(html: string): void {
  // Attribute values in sanitiser output never contain a raw `"`, so blanking
  // them leaves only markup: `alt="x onerror=1"` is text, not a handler.
  const markup = html.replace(/="[^"]*"/g, '=""');
  expect(markup, 'script tag').not.toMatch(/<script/i);
  expect(markup, 'forbidden tag').not.toMatch(FORBIDDEN_TAG);
  expect(markup, 'event handler').not.toMatch(/<[a-z][^>]*\son\w+\s*=/i);
  expect(markup, 'comment/cdata/pi').not.toMatch(/<!|<\?/);

  for (const { tagName, attribs } of parseTags(html)) {
    expect(ALLOWED_TAGS.has(tagName), `tag <${tagName}>`).toBe(true);
    for (const [name, value] of Object.entries(attribs)) {
      expect(name, `attribute ${name} on <${tagName}>`).not.toMatch(/^on|^style$|^srcdoc$|^srcset$|^id$|^name$|^target$|^formaction$|^action$|:/i);
      if (name === 'href' || name === 'src') {
        expect(value, `${name} on <${tagName}>`).toMatch(SAFE_URL);
        // eslint-disable-next-line no-control-regex -- matching control characters is the point
        expect(value, `${name} control chars`).not.toMatch(/[\u0000-\u0020\u007f]/);
      }
      if (name === 'class') {
        const ok =
          tagName === 'a'
            ? value === 'mention' || (value === 'upload-image' && UPLOAD_IMAGE.test(attribs.href ?? ''))
            : tagName === 'code' && /^language-[\w+#.-]+$/.test(value);
        expect(ok, `class="${value}" on <${tagName}>`).toBe(true);
      }
    }
    if (tagName === 'a') expect(attribs.rel, 'a[rel]').toBe(REL);
    if (tagName === 'img') {
      expect(/^https?:/i.test(attribs.src ?? '') || UPLOAD_IMAGE_SRC.test(attribs.src ?? ''), `img[src] ${attribs.src}`).toBe(true);
      expect(attribs.referrerpolicy).toBe('no-referrer');
    }
  }
}

describe('assertInert (the oracle itself)', () => {
  const unsafe = [
    '<script>alert(1)</script>',
    '<img src="https://x/a.png" onerror="alert(1)" referrerpolicy="no-referrer">',
    `<a href="java&#x09;script:alert(1)" rel="${REL}">x</a>`,
    `<a href="//evil.example" rel="${REL}">x</a>`,
    '<a href="https://x">no rel</a>',
    '<svg></svg>',
    '<math></math>',
    '<p style="color:red">x</p>',
    '<img src="data:image/png;base64,AA" referrerpolicy="no-referrer">',
    `<a class="evil" href="/u/x" rel="${REL}">x</a>`,
    `<a class="upload-image" href="https://x/a.png" rel="${REL}">x</a>`,
    '<img src="/uploads/x.png" referrerpolicy="no-referrer">',
    '<!-- x -->',
  ];
  it.each(unsafe)('rejects %s', (html) => {
    expect(() => assertInert(html)).toThrow();
  });

  it('accepts ordinary sanitiser output', () => {
    expect(() =>
      assertInert(
        `<p>a &lt;script&gt; <a class="mention" href="/u/ann" rel="${REL}">@ann</a>` +
          ` <img src="https://x/a.png" alt="x onerror=1" loading="lazy" referrerpolicy="no-referrer" /></p>`,
      ),
    ).not.toThrow();
  });
});

describe('markdown payloads through renderMarkdown', () => {
  it.each(MARKDOWN_PAYLOADS.map((p) => [JSON.stringify(p), p] as const))('%s', (_label, payload) => {
    const { html } = renderMarkdown(payload);
    assertInert(html);
    // Belt and braces for the headline vectors: no executable scheme survives
    // in any attribute, whatever the case or encoding of the input.
    for (const { attribs } of parseTags(html)) {
      for (const value of Object.values(attribs)) {
        expect(value.replace(/[^a-z:]/gi, '')).not.toMatch(/(javascript|vbscript|data|livescript):/i);
      }
    }
  });
});

describe('raw HTML payloads straight into the sanitiser', () => {
  it.each(HTML_PAYLOADS.map((p) => [JSON.stringify(p), p] as const))('%s', (_label, payload) => {
    assertInert(sanitizeRendered(payload));
  });

  it('keeps content of a dropped tag as text, not markup', () => {
    expect(sanitizeRendered('<div onclick="x">hi</div>')).toBe('hi');
  });

  it('drops content of script-like containers entirely', () => {
    const out = sanitizeRendered('<style>body{}</style><svg><text>svg</text></svg><template>t</template>ok');
    expect(out).toBe('ok');
  });

  it('rewrites protocol-relative hrefs, including the backslash form, to https', () => {
    expect(sanitizeRendered('<a href="//evil.example/x">x</a>')).toContain('href="https://evil.example/x"');
    expect(sanitizeRendered('<a href="/\\evil.example/x">x</a>')).toContain('href="https://evil.example/x"');
  });

  it('unwraps links whose href was refused', () => {
    expect(sanitizeRendered('<a href="javascript:alert(1)">click</a>')).toBe('click');
    expect(sanitizeRendered('<a href="relative/path">rel</a>')).toBe('rel');
  });

  it('removes images without an http(s) src', () => {
    expect(sanitizeRendered('<p><img src="data:image/png;base64,AA" alt="a"><img src="/logout"></p>')).toBe('<p></p>');
  });

  it('overrides rel and strips target', () => {
    const out = sanitizeRendered('<a href="https://example.com" target="_blank" rel="opener">x</a>');
    expect(out).toBe(`<a href="https://example.com" rel="${REL}">x</a>`);
  });

  it('keeps only the mention class on links', () => {
    expect(sanitizeRendered('<a class="mention evil" href="/u/ann">@ann</a>')).toBe(`<a class="mention" href="/u/ann" rel="${REL}">@ann</a>`);
  });
});

describe('mentionHref is untrusted too', () => {
  it('drops a dangerous mention href but keeps the text and the mention', () => {
    const r = renderMarkdown('hi @ann', { mentionHref: () => 'javascript:alert(1)' });
    assertInert(r.html);
    expect(r.html).toBe('<p>hi @ann</p>\n');
    expect(r.mentions).toEqual(['ann']);
    expect(r.links).toBe(0);
  });
});
