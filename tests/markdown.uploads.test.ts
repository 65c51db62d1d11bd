import { describe, it, expect } from 'vitest';
import { renderMarkdown } from '../server/markdown/markdown.render.js';
import { sanitizeRendered } from '../server/markdown/markdown.sanitize.js';
import { absoluteLinks } from '../server/mail/mail.post-block.js';
import { absoluteImage, htmlToText, readPost } from '../server/pages/plain-text.js';

const REL = 'rel="nofollow ugc noopener"';
const HASH = '0123456789abcdef'.repeat(4);
const html = (md: string): string => renderMarkdown(md).html;
const thumb = (ext: string, alt = 'shot', extra = ''): string =>
  `<img src="/uploads/${HASH}-thumb.${ext}" alt="${alt}"${extra} loading="lazy" referrerpolicy="no-referrer" />`;
const shown = (ext: string, alt = 'shot', extra = ''): string => `<a class="upload-image" href="/uploads/${HASH}.${ext}" ${REL}>${thumb(ext, alt, extra)}</a>`;

describe('an uploaded image in a post', () => {
  it.each(['png', 'jpg', 'webp', 'gif'])('shows the .%s thumbnail, linking to the full image', (ext) => {
    expect(html(`![shot](/uploads/${HASH}.${ext})`)).toBe(`<p>${shown(ext)}</p>\n`);
  });

  it('keeps the alt text and the title on the thumbnail', () => {
    expect(html(`look: ![the "error" <dialog>](/uploads/${HASH}.png "Settings")`)).toBe(
      `<p>look: ${shown('png', 'the &quot;error&quot; &lt;dialog&gt;', ' title="Settings"')}</p>\n`,
    );
  });

  it('works as a reference-style image', () => {
    expect(html(`![shot][s]\n\n[s]: /uploads/${HASH}.png`)).toBe(`<p>${shown('png')}</p>\n`);
  });

  it('inside the author’s own link shows the thumbnail without a second link around it', () => {
    expect(html(`[![shot](/uploads/${HASH}.png)](https://example.com/docs)`)).toBe(`<p><a href="https://example.com/docs" ${REL}>${thumb('png')}</a></p>\n`);
  });

  it('written as the thumbnail’s own path, shows it as it is', () => {
    expect(html(`![shot](/uploads/${HASH}-thumb.png)`)).toBe(`<p>${thumb('png')}</p>\n`);
  });

  it('is not a link for the new-account link limit, but a download is', () => {
    expect(renderMarkdown(`![a](/uploads/${HASH}.png) ![b](/uploads/${HASH}.gif)`).links).toBe(0);
    expect(renderMarkdown(`[log.txt](/uploads/${HASH}.txt)`).links).toBe(1);
  });
});

describe('a downloadable file in a post', () => {
  it.each(['pdf', 'txt'])('is a plain link to the .%s', (ext) => {
    expect(html(`[report.${ext}](/uploads/${HASH}.${ext})`)).toBe(`<p><a href="/uploads/${HASH}.${ext}" ${REL}>report.${ext}</a></p>\n`);
  });

  it('is never an image', () => {
    expect(html(`![report](/uploads/${HASH}.pdf)`)).toBe('<p></p>\n');
  });
});

describe('image sources that only look like uploads are dropped', () => {
  const lookalikes = {
    'a path out of the folder': '/uploads/../x.png',
    'a path out of the folder, encoded': `/uploads/${HASH}/%2e%2e/x.png`,
    'protocol-relative': '//evil.example/x.png',
    'protocol-relative with a backslash': '/\\evil.example/x.png',
    'protocol-relative to an upload path': `//evil.example/uploads/${HASH}.png`,
    'an SVG': `/uploads/${HASH}.svg`,
    'an HTML file': `/uploads/${HASH}.html`,
    'a query': `/uploads/${HASH}.png?x`,
    'a fragment': `/uploads/${HASH}.png#x`,
    'upper-case hex': `/uploads/${HASH.toUpperCase()}.png`,
    'a 63-digit hash': `/uploads/${HASH.slice(1)}.png`,
    'a 65-digit hash': `/uploads/${HASH}0.png`,
    'an upper-case extension': `/uploads/${HASH}.PNG`,
    'a thumbnail of a thumbnail': `/uploads/${HASH}-thumb-thumb.png`,
    'another folder': `/api/uploads/${HASH}.png`,
    'a relative path': `uploads/${HASH}.png`,
    'javascript:': 'javascript:alert(1)',
    'a data: URL': 'data:image/png;base64,iVBORw0KGgo=',
    'a data: SVG': 'data:image/svg+xml,<svg onload=alert(1)>',
  };

  it.each(Object.entries(lookalikes))('through the renderer: %s', (_name, src) => {
    const out = html(`![x](${src})`);
    expect(out).not.toContain('<img');
    expect(out).not.toContain('upload-image');
  });

  it.each(Object.entries(lookalikes))('straight into the sanitiser: %s', (_name, src) => {
    const escaped = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    expect(sanitizeRendered(`<p><img src="${escaped}" alt="x"></p>`)).toBe('<p></p>');
  });

  it('keeps the upload paths themselves, thumbnail or not', () => {
    expect(sanitizeRendered(`<img src="/uploads/${HASH}.webp"><img src="/uploads/${HASH}-thumb.gif">`)).toBe(
      `<img src="/uploads/${HASH}.webp" alt="" loading="lazy" referrerpolicy="no-referrer" />` +
        `<img src="/uploads/${HASH}-thumb.gif" alt="" loading="lazy" referrerpolicy="no-referrer" />`,
    );
  });
});

describe('external images stay as they were', () => {
  it('keeps https and http images with lazy loading and no referrer', () => {
    expect(html('![cat](https://example.com/uploads/cat.png)![dog](http://example.com/dog.png)')).toBe(
      '<p><img src="https://example.com/uploads/cat.png" alt="cat" loading="lazy" referrerpolicy="no-referrer" />' +
        '<img src="http://example.com/dog.png" alt="dog" loading="lazy" referrerpolicy="no-referrer" /></p>\n',
    );
  });

  it('does not wrap an external image whose path looks like an upload', () => {
    expect(html(`![x](https://example.com/uploads/${HASH}.png)`)).toBe(
      `<p><img src="https://example.com/uploads/${HASH}.png" alt="x" loading="lazy" referrerpolicy="no-referrer" /></p>\n`,
    );
  });
});

describe('the upload-image class', () => {
  it('survives only on a link to exactly an uploaded image', () => {
    expect(sanitizeRendered(`<a class="upload-image" href="/uploads/${HASH}.png">x</a>`)).toBe(
      `<a class="upload-image" href="/uploads/${HASH}.png" ${REL}>x</a>`,
    );
    for (const href of ['https://evil.example/x.png', `/uploads/${HASH}.pdf`, `/uploads/${HASH}-thumb.png`, '/u/ann', `//evil.example/uploads/${HASH}.png`]) {
      expect(sanitizeRendered(`<a class="upload-image" href="${href}">x</a>`), href).not.toContain('class=');
    }
  });

  it('cannot be added to other elements or alongside other classes', () => {
    expect(sanitizeRendered(`<img class="upload-image" src="/uploads/${HASH}.png">`)).not.toContain('class=');
    expect(sanitizeRendered(`<a class="upload-image evil" href="/uploads/${HASH}.png">x</a>`)).toBe(
      `<a class="upload-image" href="/uploads/${HASH}.png" ${REL}>x</a>`,
    );
  });

  it('is not something an author can write in markdown', () => {
    expect(html(`<a class="upload-image" href="/uploads/${HASH}.png">x</a>`)).not.toContain('<a class');
    expect(html(`[x](/uploads/${HASH}.png){.upload-image}`)).not.toContain('class=');
  });
});

describe('read away from the site', () => {
  const body = `see ![shot](/uploads/${HASH}.png) and [log.txt](/uploads/${HASH}.txt)`;
  const origin = 'https://forum.example';

  it('in a mail, the thumbnail, the full image and a download are on the origin', () => {
    const mailed = absoluteLinks(html(body), origin);
    expect(mailed).toContain(`href="${origin}/uploads/${HASH}.png"`);
    expect(mailed).toContain(`src="${origin}/uploads/${HASH}-thumb.png"`);
    expect(mailed).toContain(`href="${origin}/uploads/${HASH}.txt"`);
    expect(mailed).not.toMatch(/(?:href|src)="\//);
  });

  it('as a page’s preview image (og:image, structured data), the thumbnail is on the origin', () => {
    expect(absoluteImage(readPost(html(body)).firstImage, origin)).toBe(`${origin}/uploads/${HASH}-thumb.png`);
  });

  it('in a feed, which carries the text only, no path is left behind', () => {
    expect(htmlToText(html(body))).toBe('see and log.txt');
  });
});
