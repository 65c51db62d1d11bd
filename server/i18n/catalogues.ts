/**
 * The message catalogues: locales/<tag>.json, one flat file of ICU MessageFormat messages per
 * locale (plural, select, number). Adding a language is adding its file. The server compiles them
 * once at start (mails, rendered pages, error messages); the web build compiles the same files into
 * modules of message functions (server/i18n/messages.vite.ts), so no parser ships to browsers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { PSEUDO_LOCALES, SOURCE_LOCALE, textDirection } from './locales.js';
import { pseudoCatalogue } from './pseudo.js';

export const LOCALES_DIR = fileURLToPath(new URL('../../locales/', import.meta.url));

// The package is CommonJS (module.exports = the class) while its types declare a default export,
// which module resolutions read differently: require() gets the class under every one of them.
const MessageFormat = createRequire(import.meta.url)('@messageformat/core') as typeof import('@messageformat/core').default;

export type Messages = Record<string, string>;

/** Languages with a catalogue file, sorted: what communities and members may choose. */
export function catalogueLocales(dir = LOCALES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]+)*\.json$/.test(f))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Every locale's messages, the pseudo-locales included (made from the source catalogue). */
export function readCatalogues(dir = LOCALES_DIR): Map<string, Messages> {
  const catalogues = new Map<string, Messages>();
  for (const locale of catalogueLocales(dir)) catalogues.set(locale, JSON.parse(readFileSync(`${dir}/${locale}.json`, 'utf8')) as Messages);
  const source = catalogues.get(SOURCE_LOCALE);
  if (!source) throw new Error(`no ${SOURCE_LOCALE}.json in ${dir}`);
  for (const pseudo of PSEUDO_LOCALES) catalogues.set(pseudo, pseudoCatalogue(source, textDirection(pseudo) === 'rtl'));
  return catalogues;
}

/**
 * Which keys a bundle carries. The widget must stay small (its first load has a budget), so it
 * gets only `embed.*` and `common.*`; the forum gets everything but `embed.*`, what only the
 * server words (mails, feeds) and the pages' own keys. Components the two share use `common.*`
 * keys (tests/i18n.catalogues.test.ts checks the widget's imports).
 *
 * A page few readers open keeps its words in a scope of its own, named like its keys' prefix
 * (`insights.*`): a chunk loaded with the page (web/src/lib/i18n.svelte.ts addMessages), so
 * the forum's first load does not carry them.
 */
export const PAGE_SCOPES = ['insights', 'safety', 'account', 'calm', 'log', 'admin'] as const;
export type PageScope = (typeof PAGE_SCOPES)[number];
export type Scope = 'app' | 'embed' | 'all' | PageScope;
const SERVER_ONLY = ['mail.', 'feed.'];
const onPage = (key: string): boolean => PAGE_SCOPES.some((page) => key.startsWith(`${page}.`));
export function inScope(key: string, scope: Scope): boolean {
  if (scope === 'all') return true;
  if (scope === 'embed') return key.startsWith('embed.') || key.startsWith('common.');
  if (scope === 'app') return !key.startsWith('embed.') && !SERVER_ONLY.some((p) => key.startsWith(p)) && !onPage(key);
  return key.startsWith(`${scope}.`);
}

export const scoped = (messages: Messages, scope: Scope): Messages => Object.fromEntries(Object.entries(messages).filter(([key]) => inScope(key, scope)));

/** `new MessageFormat` for a locale; plural rules and number formats follow its language. */
export const messageFormat = (locale: string) => new MessageFormat(locale, { strict: false, currency: 'EUR' });

export type MessageFunction = (params?: Record<string, unknown>) => string;

/** A locale's messages as functions, compiled when first used. */
export function compileCatalogue(locale: string, messages: Messages): (key: string) => MessageFunction | undefined {
  const mf = messageFormat(locale);
  const compiled = new Map<string, MessageFunction>();
  return (key) => {
    let fn = compiled.get(key);
    if (!fn && Object.hasOwn(messages, key)) {
      fn = mf.compile(messages[key]!);
      compiled.set(key, fn);
    }
    return fn;
  };
}
