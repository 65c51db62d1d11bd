/**
 * Showing a mail's HTML part inside the SPA. The part goes into a sandboxed `<iframe srcdoc>`
 * (no scripts), but a srcdoc document inherits the page's CSP, and `style-src 'self'` refuses the
 * inline `style` attributes that mail layouts are made of (and every refusal is a console error).
 * Parsing the HTML in this page first (DOMParser, <template>) is refused the same way. So the
 * attributes are renamed in the markup before any parser sees them, and put back through the
 * CSSOM once the frame has loaded: the CSP governs style attributes in markup, not the CSSOM.
 */

/** The attribute a mail's inline styles wait in until the frame has loaded. */
export const HELD_STYLE = 'data-parley-style';

// Elements whose content is text to the HTML tokenizer: a "<p style=" inside them is not a tag.
const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);

const isNameStart = (c: string | undefined) => c !== undefined && /[A-Za-z]/.test(c);
const isSpace = (c: string | undefined) => c !== undefined && /[\t\n\f\r ]/.test(c);

/**
 * `html` with every element's `style` attribute renamed to HELD_STYLE, following the HTML
 * tokenizer's rules for tags, quoted and unquoted values, comments and raw-text elements, so
 * text that merely reads "style=" (a post about CSS, an attribute value) is left alone.
 */
export function holdInlineStyles(html: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    out += html.slice(i, lt);
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      const stop = end < 0 ? html.length : end + 3;
      out += html.slice(lt, stop);
      i = stop;
      continue;
    }
    if (!isNameStart(html[lt + 1])) {
      // "<!doctype", "</p>", "<?…" or a lone "<": nothing inside can be a style attribute.
      const end = html[lt + 1] === '!' || html[lt + 1] === '/' || html[lt + 1] === '?' ? html.indexOf('>', lt) : lt;
      const stop = end < 0 ? html.length : end + 1;
      out += html.slice(lt, stop);
      i = stop;
      continue;
    }
    const tag = readStartTag(html, lt);
    out += tag.text;
    i = tag.end;
    if (RAW_TEXT.has(tag.name)) {
      const close = lower.indexOf(`</${tag.name}`, i);
      const stop = close < 0 ? html.length : close;
      out += html.slice(i, stop);
      i = stop;
    }
  }
  return out + html.slice(i);
}

/** One start tag from `<` to its `>`, its style attribute renamed. */
function readStartTag(html: string, start: number): { name: string; text: string; end: number } {
  let i = start + 1;
  while (i < html.length && !isSpace(html[i]) && html[i] !== '/' && html[i] !== '>') i++;
  const name = html.slice(start + 1, i).toLowerCase();
  let text = html.slice(start, i);
  while (i < html.length && html[i] !== '>') {
    if (isSpace(html[i]) || html[i] === '/') {
      text += html[i];
      i++;
      continue;
    }
    // An attribute: its name runs to a space, "/", ">" or "=" (a leading "=" belongs to the name).
    const nameStart = i;
    i++;
    while (i < html.length && !isSpace(html[i]) && html[i] !== '/' && html[i] !== '>' && html[i] !== '=') i++;
    const attribute = html.slice(nameStart, i);
    text += attribute.toLowerCase() === 'style' ? HELD_STYLE : attribute;
    let j = i;
    while (isSpace(html[j])) j++;
    if (html[j] !== '=') continue;
    j++;
    while (isSpace(html[j])) j++;
    const quote = html[j];
    if (quote === '"' || quote === "'") {
      const close = html.indexOf(quote, j + 1);
      j = close < 0 ? html.length : close + 1;
    } else {
      while (j < html.length && !isSpace(html[j]) && html[j] !== '>') j++;
    }
    text += html.slice(i, j);
    i = j;
  }
  if (i < html.length) {
    text += '>';
    i++;
  }
  return { name, text, end: i };
}

/**
 * After the frame has loaded: the held styles applied through the CSSOM, and every link opened
 * in a new tab (the sandbox lets it escape, so the page it opens runs normally).
 */
export function finishMailFrame(doc: Document): void {
  for (const element of doc.querySelectorAll<HTMLElement>(`[${HELD_STYLE}]`)) {
    element.style.cssText = element.getAttribute(HELD_STYLE) ?? '';
    element.removeAttribute(HELD_STYLE);
  }
  for (const link of doc.querySelectorAll<HTMLAnchorElement>('a[href]')) {
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
  }
}
