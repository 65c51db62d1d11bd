import { textDirection } from '../i18n/locales.js';
import { escapeHtml, scriptJson } from './head.js';

export interface PageParts {
  locale: string;
  /** Tags for <head> (title, meta, links, structured data), already escaped. */
  head: string;
  /** The rendered app, or '' for a page the browser renders alone. */
  body: string;
  /** The data block the browser hydrates from (page-data.ts), or null. */
  data: unknown;
  /** Shown by browsers without scripts on a page the server did not render. */
  noscript: string | null;
  /** The community whose accent colour the page wears (its stylesheet, accent.css, matches <html data-accent>). */
  accentOf?: string | undefined;
}

/**
 * Fills the built index.html: the reader's language and direction on <html>, the page's head in
 * place of the template's title and description, the rendered app in #app, and the data block.
 */
export function fillTemplate(template: string, parts: PageParts): string {
  let html = template
    .replace(
      /<html[^>]*>/,
      `<html lang="${escapeHtml(parts.locale)}" dir="${textDirection(parts.locale)}"${parts.accentOf ? ` data-accent="${escapeHtml(parts.accentOf)}"` : ''}>`,
    )
    .replace(/\s*<title>[^<]*<\/title>/, '')
    .replace(/\s*<meta name="description"[^>]*>/, '')
    .replace('</head>', `${parts.head}\n  </head>`)
    .replace(/<noscript>[\s\S]*?<\/noscript>/, parts.noscript === null ? '' : `<noscript><p>${escapeHtml(parts.noscript)}</p></noscript>`);
  // A function replacement: `$` in the rendered text must not be read as a pattern.
  html = html.replace('<div id="app"></div>', () => `<div id="app">${parts.body}</div>`);
  if (parts.data !== null) {
    html = html.replace('</body>', () => `  <script id="parley-data" type="application/json">${scriptJson(parts.data)}</script>\n  </body>`);
  }
  return html;
}
