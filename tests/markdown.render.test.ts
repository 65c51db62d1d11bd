import { describe, it, expect } from 'vitest';
import { renderMarkdown } from '../server/markdown/markdown.render.js';

const REL = 'rel="nofollow ugc noopener"';
const html = (md: string): string => renderMarkdown(md).html;
const mention = (handle: string, label = `@${handle}`): string => `<a class="mention" href="/u/${handle}" ${REL}>${label}</a>`;

describe('block and inline markdown', () => {
  it('renders headings and paragraphs', () => {
    expect(html('# One\n\n### Three\n\ntext')).toBe('<h1>One</h1>\n<h3>Three</h3>\n<p>text</p>\n');
  });

  it('renders emphasis, strong, strikethrough and inline code', () => {
    expect(html('*a* **b** ~~c~~ `d <e>`')).toBe('<p><em>a</em> <strong>b</strong> <s>c</s> <code>d &lt;e&gt;</code></p>\n');
  });

  it('renders fenced code with an escaped body and a language class', () => {
    expect(html('```ts\nconst a = "<b>";\n```')).toBe('<pre><code class="language-ts">const a = "&lt;b&gt;";\n</code></pre>\n');
  });

  it('drops a language class that is not a plain identifier', () => {
    expect(html('```a"b\nx\n```')).toBe('<pre><code>x\n</code></pre>\n');
  });

  it('renders indented code blocks', () => {
    expect(html('    <x>')).toBe('<pre><code>&lt;x&gt;\n</code></pre>\n');
  });

  it('renders bullet and ordered lists, keeping the start number', () => {
    expect(html('- a\n- b')).toBe('<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n');
    expect(html('3. a\n4. b')).toBe('<ol start="3">\n<li>a</li>\n<li>b</li>\n</ol>\n');
  });

  it('renders blockquotes and rules', () => {
    expect(html('> q\n\n---')).toBe('<blockquote>\n<p>q</p>\n</blockquote>\n<hr />\n');
  });

  it('renders tables, turning alignment into the align attribute', () => {
    expect(html('| a | b |\n|:-:|--:|\n| 1 | 2 |')).toBe(
      '<table>\n<thead>\n<tr>\n<th align="center">a</th>\n<th align="right">b</th>\n</tr>\n</thead>\n' +
        '<tbody>\n<tr>\n<td align="center">1</td>\n<td align="right">2</td>\n</tr>\n</tbody>\n</table>\n',
    );
  });

  it('escapes raw HTML instead of passing it through', () => {
    expect(html('<b onclick="x">hi</b>')).toBe('<p>&lt;b onclick="x"&gt;hi&lt;/b&gt;</p>\n');
  });

  it('does not apply typographic replacements', () => {
    expect(html('"quotes" -- (c)')).toBe('<p>"quotes" -- (c)</p>\n');
  });
});

describe('links', () => {
  it('adds rel and keeps http(s) and mailto links', () => {
    expect(html('[a](https://example.com/x?y=1&z=2) [b](http://example.com) [c](mailto:a@example.com)')).toBe(
      `<p><a href="https://example.com/x?y=1&amp;z=2" ${REL}>a</a> <a href="http://example.com" ${REL}>b</a>` +
        ` <a href="mailto:a@example.com" ${REL}>c</a></p>\n`,
    );
  });

  it('keeps link titles', () => {
    expect(html('[a](https://example.com "T")')).toBe(`<p><a href="https://example.com" title="T" ${REL}>a</a></p>\n`);
  });

  it('keeps same-site paths', () => {
    expect(html('[rules](/c/general/rules)')).toBe(`<p><a href="/c/general/rules" ${REL}>rules</a></p>\n`);
  });

  it('rewrites protocol-relative links to https', () => {
    expect(html('[a](\\/\\/example.com/x)')).toBe(`<p><a href="https://example.com/x" ${REL}>a</a></p>\n`);
  });

  it('unwraps page-relative links, keeping their text', () => {
    expect(html('[a](foo) [b](#top) [c](?q=1)')).toBe('<p>a b c</p>\n');
  });

  it('leaves javascript: links as literal text', () => {
    expect(html('[a](javascript:alert(1))')).toBe('<p>[a](javascript:alert(1))</p>\n');
  });

  it('resolves reference-style links', () => {
    expect(html('[a][r]\n\n[r]: https://example.com')).toBe(`<p><a href="https://example.com" ${REL}>a</a></p>\n`);
  });

  it('renders autolinks', () => {
    expect(html('<https://example.com>')).toBe(`<p><a href="https://example.com" ${REL}>https://example.com</a></p>\n`);
  });
});

describe('linkify', () => {
  it('links bare URLs with a scheme', () => {
    expect(html('see https://example.com/a.')).toBe(`<p>see <a href="https://example.com/a" ${REL}>https://example.com/a</a>.</p>\n`);
  });

  it('links bare email addresses as mailto', () => {
    expect(html('mail ann@example.com')).toBe(`<p>mail <a href="mailto:ann@example.com" ${REL}>ann@example.com</a></p>\n`);
  });

  it('does not link scheme-less domains (linkify-it fuzzyLink default is off)', () => {
    expect(html('see example.com')).toBe('<p>see example.com</p>\n');
  });

  it('does not linkify inside code', () => {
    expect(html('`https://example.com`')).toBe('<p><code>https://example.com</code></p>\n');
  });
});

describe('images', () => {
  it('keeps http(s) images with lazy loading and no referrer', () => {
    expect(html('![cat](https://example.com/cat.png "Cat")')).toBe(
      '<p><img src="https://example.com/cat.png" alt="cat" title="Cat" loading="lazy" referrerpolicy="no-referrer" /></p>\n',
    );
  });

  it('drops data: and same-site images', () => {
    expect(html('![a](data:image/png;base64,AAAA)![b](/api/logout)')).toBe('<p></p>\n');
  });
});

describe('mentions', () => {
  it('links mentions and reports them lower-cased and distinct, in order', () => {
    const r = renderMarkdown('hi @Ann, @bob_1 and @ANN (cc @carol-x)');
    expect(r.html).toBe(`<p>hi ${mention('ann', '@Ann')}, ${mention('bob_1')} and ${mention('ann', '@ANN')}` + ` (cc ${mention('carol-x')})</p>\n`);
    expect(r.mentions).toEqual(['ann', 'bob_1', 'carol-x']);
  });

  it('works in headings, quotes, lists and tables', () => {
    const r = renderMarkdown('# @ann\n\n> @bob\n\n- @cat\n\n| @dan |\n|---|\n| @eve |');
    expect(r.mentions).toEqual(['ann', 'bob', 'cat', 'dan', 'eve']);
    expect(r.html).toContain(`<h1>${mention('ann')}</h1>`);
    expect(r.html).toContain(`<td>${mention('eve')}</td>`);
  });

  it('ignores mentions in code spans and code blocks', () => {
    const r = renderMarkdown('`@ann`\n\n```\n@bob\n```\n\n    @cat');
    expect(r.mentions).toEqual([]);
    expect(r.html).not.toContain('mention');
  });

  it('ignores the domain part of email addresses', () => {
    const r = renderMarkdown('ann@example.com bob@localhost carol.d@intranet x_@dave');
    expect(r.mentions).toEqual([]);
    expect(r.html).not.toContain('class="mention"');
  });

  it('does not nest a mention inside an existing link', () => {
    const r = renderMarkdown('[ask @ann](https://example.com)');
    expect(r.html).toBe(`<p><a href="https://example.com" ${REL}>ask @ann</a></p>\n`);
    expect(r.mentions).toEqual([]);
  });

  it('enforces the 3-32 character handle length', () => {
    const r = renderMarkdown(`@ab @abc @${'a'.repeat(32)} @${'b'.repeat(33)}`);
    expect(r.mentions).toEqual(['abc', 'a'.repeat(32)]);
  });

  it('ends a handle at punctuation but ignores remote @user@host addresses', () => {
    const r = renderMarkdown("@ann's @bob. @cat! @dan@remote.example");
    expect(r.mentions).toEqual(['ann', 'bob', 'cat']);
  });

  it('lets a backslash escape a mention', () => {
    const r = renderMarkdown('\\@ann');
    expect(r.html).toBe('<p>@ann</p>\n');
    expect(r.mentions).toEqual([]);
  });

  it('uses a custom mentionHref', () => {
    const r = renderMarkdown('@Ann', { mentionHref: (h) => `https://forum.example/u/${h}` });
    expect(r.html).toBe(`<p><a class="mention" href="https://forum.example/u/ann" ${REL}>@Ann</a></p>\n`);
  });
});

describe('link counting', () => {
  it('counts every surviving <a href> except mentions', () => {
    expect(renderMarkdown('[a](https://x.example) https://y.example ann@z.example @bob').links).toBe(3);
    expect(renderMarkdown('thanks @ann @bob @cat').links).toBe(0);
  });

  it('does not count links that were refused', () => {
    expect(renderMarkdown('[a](javascript:alert(1)) [b](foo) ![c](https://x.example/c.png)').links).toBe(0);
  });

  it('is not fooled by attribute text that looks like an href', () => {
    expect(renderMarkdown('[a](https://x.example "x href=")').links).toBe(1);
  });
});

describe('abuse-shaped input', () => {
  it('does not expand padded table rows without bound', () => {
    const cols = 64;
    const table = `|${'a|'.repeat(cols)}\n|${'-|'.repeat(cols)}\n${'x\n'.repeat(2000)}\n`;
    const input = table.repeat(5);
    const out = html(input);
    expect(out.length).toBeLessThan(input.length * 4);
  });

  it('renders an oversized table as text, and no further tables in that post', () => {
    const big = `|a|b|\n|-|-|\n${'|x|y|\n'.repeat(6000)}`;
    expect(html(`${big}\n| c |\n|---|\n| d |`)).not.toContain('<table>');
    expect(html('| c |\n|---|\n| d |')).toContain('<table>');
  });

  it('caps nesting depth instead of building arbitrarily deep trees', () => {
    const out = html('>'.repeat(5000) + ' deep');
    expect(out.match(/<blockquote>/g)?.length ?? 0).toBeLessThanOrEqual(20);
  });

  it('handles unclosed constructs as text', () => {
    expect(html('[x](')).toBe('<p>[x](</p>\n');
    expect(html('**a')).toBe('<p>**a</p>\n');
  });
});
