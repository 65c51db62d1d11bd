import markdownIt from 'markdown-it';
import type { MarkdownIt, StateBlock, StateCore, Token } from 'markdown-it';
import { sanitizeRendered, UPLOAD_IMAGE_CLASS, UPLOAD_IMAGE_PATH, uploadThumbPath } from './markdown.sanitize.js';

export interface RenderOptions {
  mentionHref?: (handle: string) => string;
}

export interface RenderResult {
  html: string;
  /** Distinct, lower-cased handles, in order of first appearance. */
  mentions: string[];
  /**
   * `<a>` elements that kept an href after sanitising, mentions and the links around uploaded
   * images excluded: this feeds the new-account link limit, which is about spam links, not about
   * greeting people or showing a screenshot.
   */
  links: number;
}

// Per-render state, carried in markdown-it's env so the shared parser
// instance stays stateless across concurrent requests.
interface RenderEnv {
  mentionHref: (handle: string) => string;
  mentions: Set<string>;
  tableCells: number;
  tablesExhausted: boolean;
}

const RENDER_ENV = Symbol('parley.render');

// GFM pads short table rows with empty cells, so `|a|a|…` plus many one-char
// lines is a tiny input that expands into a huge table (markdown-it's own cap
// is 65k padded cells per table, with no per-document limit: 25 KB of input
// measured at 3 s and 6.8 MB of HTML). 10k cells is far beyond any real post.
const MAX_TABLE_CELLS = 10_000;

const defaultMentionHref = (handle: string): string => `/u/${handle}`;

// `@` must not follow something that could be an email local part, a URL
// path or another handle, otherwise `bob@example` or `x.com/@ann` would ping.
const BLOCKS_MENTION_BEFORE = /[\p{L}\p{N}\p{M}_.%+\-@/]/u;
// Longer-than-allowed runs and `@ann@host` (someone else's server) are not
// truncated into a different, real handle.
const MENTION = /@([a-z0-9_-]{3,32})(?![a-z0-9_@-])/gi;

const md = markdownIt('default', {
  html: false,
  linkify: true,
  typographer: false,
  // Same limit as markdown-it's commonmark preset. The default of 100 is not
  // slow to parse, but 100-deep quote/list trees are never real prose and only
  // serve to stress layout in every reader's browser.
  maxNesting: 20,
});

guardTableSize(md);

// Runs after linkify so that emails and URLs are already link tokens (and
// skipped), and before text_join so that `\@ann` (a text_special token) stays
// an escape hatch for writing a literal handle.
md.core.ruler.after('linkify', 'parley_mentions', (state: StateCore) => {
  const env = state.env[RENDER_ENV] as RenderEnv | undefined;
  if (!env) return;
  for (const block of state.tokens) {
    if (block.type === 'inline' && block.children && block.content.includes('@')) {
      block.children = linkMentions(block.children, state, env);
    }
  }
});

// The thread shows an uploaded image's thumbnail, with a click away the full image; the server
// answers the thumbnail's path with the original when the image is small enough to have none.
md.core.ruler.after('parley_mentions', 'parley_uploads', (state: StateCore) => {
  for (const block of state.tokens) {
    if (block.type === 'inline' && block.children?.some((t) => t.type === 'image')) {
      block.children = wrapUploadImages(block.children, state);
    }
  }
});

function wrapUploadImages(children: Token[], state: StateCore): Token[] {
  const out: Token[] = [];
  let linkDepth = 0;
  for (const tok of children) {
    if (tok.type === 'link_open') linkDepth++;
    else if (tok.type === 'link_close') linkDepth--;
    const src = tok.type === 'image' ? tok.attrGet('src') : null;
    const m = typeof src === 'string' ? UPLOAD_IMAGE_PATH.exec(src) : null;
    if (!m) {
      out.push(tok);
      continue;
    }
    tok.attrSet('src', uploadThumbPath(m[1]!, m[2]!));
    // Inside the author's own link the image keeps that link: nested <a> is invalid HTML.
    if (linkDepth > 0) {
      out.push(tok);
      continue;
    }
    const open = new state.Token('link_open', 'a', 1);
    open.attrs = [
      ['href', m[0]],
      ['class', UPLOAD_IMAGE_CLASS],
    ];
    open.level = tok.level;
    const close = new state.Token('link_close', 'a', -1);
    close.level = tok.level;
    out.push(open, tok, close);
  }
  return out;
}

function linkMentions(children: Token[], state: StateCore, env: RenderEnv): Token[] {
  const out: Token[] = [];
  let linkDepth = 0;
  for (let i = 0; i < children.length; i++) {
    const tok = children[i]!;
    if (tok.type === 'link_open') linkDepth++;
    else if (tok.type === 'link_close') linkDepth--;
    // Nested <a> is invalid HTML and browsers "fix" it unpredictably.
    if (tok.type !== 'text' || linkDepth > 0 || !tok.content.includes('@')) {
      out.push(tok);
      continue;
    }
    splitText(tok, lastCharBefore(children, i), state, env, out);
  }
  return out;
}

function lastCharBefore(children: Token[], i: number): string {
  const prev = children[i - 1];
  if (!prev || (prev.type !== 'text' && prev.type !== 'text_special')) return '';
  return prev.content.slice(-1);
}

function splitText(tok: Token, before: string, state: StateCore, env: RenderEnv, out: Token[]): void {
  const text = tok.content;
  let last = 0;
  for (const m of text.matchAll(MENTION)) {
    const at = m.index;
    const prevChar = at > 0 ? text[at - 1]! : before;
    if (prevChar && BLOCKS_MENTION_BEFORE.test(prevChar)) continue;
    const handle = m[1]!.toLowerCase();
    env.mentions.add(handle);
    if (at > last) out.push(textToken(state, text.slice(last, at), tok.level));
    out.push(...mentionTokens(state, m[0], env.mentionHref(handle), tok.level));
    last = at + m[0].length;
  }
  if (last === 0) out.push(tok);
  else if (last < text.length) out.push(textToken(state, text.slice(last), tok.level));
}

function guardTableSize(parser: MarkdownIt): void {
  const rule = parser.block.ruler.__rules__.find((r) => r.name === 'table');
  if (!rule) throw new Error('markdown-it table rule not found');
  const table = rule.fn;
  parser.block.ruler.at(
    'table',
    (state, startLine, endLine, silent) => {
      const env = state.env[RENDER_ENV] as RenderEnv | undefined;
      // Silent calls only ask "does a table start here?" and build nothing.
      if (silent || !env) return table(state, startLine, endLine, silent);
      if (env.tablesExhausted || !table(state, startLine, endLine, true)) return false;
      const columns = delimiterColumns(state, startLine + 1);
      const maxRows = Math.floor((MAX_TABLE_CELLS - env.tableCells) / columns);
      // Upper bound on the rows markdown-it will take: it stops at the first
      // blank or outdented line, or earlier at another block's start.
      let rows = 0;
      for (let line = startLine; line < endLine; line++) {
        if (state.isEmpty(line) || state.sCount[line]! < state.blkIndent) break;
        if (++rows > maxRows) {
          // Once over budget, stop trying: otherwise every later line that
          // looks like a table start would rescan the same run.
          env.tablesExhausted = true;
          return false;
        }
      }
      env.tableCells += rows * columns;
      return table(state, startLine, endLine, false);
    },
    { alt: rule.alt },
  );
}

function delimiterColumns(state: StateBlock, line: number): number {
  const text = state.src.slice(state.bMarks[line]! + state.tShift[line]!, state.eMarks[line]);
  return Math.max(1, text.split('|').filter((c) => c.trim() !== '').length);
}

function textToken(state: StateCore, content: string, level: number): Token {
  const t = new state.Token('text', '', 0);
  t.content = content;
  t.level = level;
  return t;
}

function mentionTokens(state: StateCore, label: string, href: string, level: number): Token[] {
  const open = new state.Token('link_open', 'a', 1);
  open.attrs = [
    ['class', 'mention'],
    ['href', href],
  ];
  open.markup = 'mention';
  open.level = level;
  const close = new state.Token('link_close', 'a', -1);
  close.markup = 'mention';
  close.level = level;
  return [open, textToken(state, label, level + 1), close];
}

// Only valid on sanitize-html output, where every attribute value is
// double-quoted with `"` and `>` escaped, so stripping `="…"` leaves just
// attribute names and a title like `x href=` cannot be mistaken for one.
function countLinks(html: string): number {
  let n = 0;
  for (const m of html.matchAll(/<a(\s[^>]*)?>/g)) {
    const attrs = m[1] ?? '';
    const names = attrs.replace(/="[^"]*"/g, '');
    if (/(?:^|\s)href(?:\s|$)/.test(names) && !/\sclass="(?:mention|upload-image)"/.test(attrs)) n++;
  }
  return n;
}

export function renderMarkdown(body: string, opts: RenderOptions = {}): RenderResult {
  const env: RenderEnv = {
    mentionHref: opts.mentionHref ?? defaultMentionHref,
    mentions: new Set(),
    tableCells: 0,
    tablesExhausted: false,
  };
  const html = sanitizeRendered(md.render(body, { [RENDER_ENV]: env }));
  return { html, mentions: [...env.mentions], links: countLinks(html) };
}
