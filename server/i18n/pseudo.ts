/**
 * The pseudo-locales (server/i18n/locales.ts PSEUDO_LOCALES), made from the source catalogue at
 * build and start time rather than kept as files: every letter of the catalogue's own text is
 * swapped for an accented look-alike and each message is bracketed and made about a third longer,
 * so any text on a page that is still plain ASCII did not come from a catalogue, and layouts that
 * break under longer words show it. Placeholders, plural and select syntax are left as they are.
 */
import { parse, type Token } from '@messageformat/parser';
import { accentLetters as accent } from './pseudo-text.js';

function contentRanges(tokens: Token[], into: { offset: number; length: number }[]): void {
  for (const token of tokens) {
    if (token.type === 'content') into.push({ offset: token.ctx.offset, length: token.ctx.text.length });
    else if (token.type === 'plural' || token.type === 'select' || token.type === 'selectordinal') {
      for (const c of token.cases) contentRanges(c.tokens, into);
    }
  }
}

/** One source message in a pseudo-locale; `rtl` shows it right to left (ar-XB). */
export function pseudoMessage(source: string, rtl: boolean): string {
  const ranges: { offset: number; length: number }[] = [];
  contentRanges(parse(source), ranges);
  let out = '';
  let at = 0;
  for (const r of ranges.sort((a, b) => a.offset - b.offset)) {
    out += source.slice(at, r.offset) + accent(source.slice(r.offset, r.offset + r.length));
    at = r.offset + r.length;
  }
  out += source.slice(at);
  const padding = '·'.repeat(Math.ceil(ranges.reduce((n, r) => n + r.length, 0) / 3));
  // U+202E…U+202C shows the text mirrored, as a right-to-left script would run.
  return rtl ? `\u202e⟦${out} ${padding}⟧\u202c` : `⟦${out} ${padding}⟧`;
}

export function pseudoCatalogue(source: Record<string, string>, rtl: boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(source).map(([key, message]) => [key, pseudoMessage(message, rtl)]));
}
