/**
 * Words at the edge: the server's one way to put a message key into a reader's language (error
 * messages, and later rendered pages and mails). A key missing from a locale falls back to the
 * source catalogue; a key missing there too is a bug, shown as the key so that it is noticed.
 */
import { compileCatalogue, readCatalogues, type MessageFunction } from './catalogues.js';
import { PSEUDO_LOCALES, SOURCE_LOCALE, chooseLocale, isPseudoLocale } from './locales.js';

export interface Translator {
  /** Locales readers may get, the pseudo-locales included. */
  readonly locales: readonly string[];
  /** Languages a community or member may choose: the catalogue files, without pseudo-locales. */
  readonly languages: readonly string[];
  has(key: string): boolean;
  /** A key's message in the source catalogue, as written (ICU), or undefined. */
  source(key: string): string | undefined;
  t(locale: string, key: string, params?: Record<string, unknown>): string;
  choose(choices: Parameters<typeof chooseLocale>[0]): string;
}

export function createTranslator(dir?: string): Translator {
  const catalogues = readCatalogues(dir);
  const lookups = new Map([...catalogues].map(([locale, messages]) => [locale, compileCatalogue(locale, messages)]));
  const source = lookups.get(SOURCE_LOCALE)!;
  const languages = [...catalogues.keys()].filter((locale) => !isPseudoLocale(locale));
  const locales = [...languages, ...PSEUDO_LOCALES];
  const sourceMessages = catalogues.get(SOURCE_LOCALE)!;
  return {
    locales,
    languages,
    has: (key) => Object.hasOwn(sourceMessages, key),
    source: (key) => (Object.hasOwn(sourceMessages, key) ? sourceMessages[key] : undefined),
    t(locale, key, params) {
      const fn: MessageFunction | undefined = lookups.get(locale)?.(key) ?? source(key);
      return fn ? fn(params) : key;
    },
    choose: (choices) => chooseLocale(choices, locales),
  };
}

let shared: Translator | undefined;

/**
 * The translator over locales/: the files do not change while the process runs, so the app and
 * the code that words reasons without a request share one, read and compiled once.
 */
export const catalogueTranslator = (): Translator => (shared ??= createTranslator());
