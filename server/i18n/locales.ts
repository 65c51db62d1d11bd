/**
 * Which locale a reader gets, decided the same way on the server and in the browser. No imports:
 * the web app, the widget and the server all load this file.
 *
 * The locales themselves are the catalogue files in locales/ (one JSON file per locale): the
 * server lists the folder, the web build lists it through its i18n plugin. Nothing else names them.
 */

/** The language every key is written in first, and the last resort when nothing else matches. */
export const SOURCE_LOCALE = 'en';

/**
 * Pseudo-locales made from the source catalogue for tests: en-XA (accented, longer, bracketed: a
 * string left out of the catalogues shows up as plain ASCII) and ar-XB (the same, right to left).
 * Chosen only by their exact tag, never as a fallback for en or ar.
 */
export const PSEUDO_LOCALES = ['en-XA', 'ar-XB'] as const;

export const isPseudoLocale = (tag: string): boolean => PSEUDO_LOCALES.some((p) => p.toLowerCase() === tag.toLowerCase());

/** A syntactically sane BCP 47 tag (language, optional script and region), as clients may send it. */
export const LOCALE_TAG = /^[a-zA-Z]{2,3}(?:-[a-zA-Z]{4})?(?:-(?:[a-zA-Z]{2}|\d{3}))?$/;

const RTL_LANGUAGES = new Set(['ar', 'arc', 'ckb', 'dv', 'fa', 'he', 'ks', 'ku', 'ps', 'sd', 'ug', 'ur', 'yi']);

/** Text direction of a locale, for `<html dir>`. */
export const textDirection = (tag: string): 'ltr' | 'rtl' => (RTL_LANGUAGES.has(tag.split('-')[0]!.toLowerCase()) ? 'rtl' : 'ltr');

/**
 * The first of `wanted` (most wanted first) that `available` offers: the exact tag, else the same
 * language ("de-AT" gets "de"; "de" gets "de-CH" if that is all there is). Pseudo-locales match only
 * exactly. Returns the tag as `available` spells it, or null.
 */
export function matchLocale(wanted: readonly (string | null | undefined)[], available: readonly string[]): string | null {
  for (const tag of wanted) {
    if (!tag) continue;
    const lower = tag.toLowerCase();
    const exact = available.find((a) => a.toLowerCase() === lower);
    if (exact) return exact;
    if (isPseudoLocale(tag)) continue;
    const language = lower.split('-')[0];
    const same = available.find((a) => !isPseudoLocale(a) && a.toLowerCase().split('-')[0] === language);
    if (same) return same;
  }
  return null;
}

/** An Accept-Language header as tags, most wanted first (RFC 9110 quality values; `*` is dropped). */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .slice(0, 32)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => l.q > 0 && LOCALE_TAG.test(l.tag))
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((l) => l.tag);
}

/**
 * The interface language: the member's own choice, else the community's language, else what the
 * browser asks for, else the source locale.
 */
export function chooseLocale(
  choices: { member?: string | null; community?: string | null; browser?: readonly string[] },
  available: readonly string[],
): string {
  return (
    matchLocale([choices.member], available) ?? matchLocale([choices.community], available) ?? matchLocale(choices.browser ?? [], available) ?? SOURCE_LOCALE
  );
}
