/**
 * The interface language in the browser: `t(key, params)` for every user-visible word, and the
 * locale choice (server/i18n/locales.ts chooseLocale: the member's choice, else the community's
 * language, else the browser's). Messages are compiled at build time (server/i18n/messages.vite.ts);
 * each entry point (forum, widget) passes its own bundle to `startI18n`, so the widget carries only
 * the keys it uses. Switching language re-renders every `t()` in place: the state is reactive.
 */
import { SOURCE_LOCALE, chooseLocale, isPseudoLocale, textDirection } from '../../../server/i18n/locales';
import { accentLetters } from '../../../server/i18n/pseudo-text';
import type sourceCatalogue from '../../../locales/en.json';
import { formatDate, formatDateTime, formatNumber, relativeTime } from './format';

export type MessageKey = keyof typeof sourceCatalogue;
export type MessageParams = Record<string, string | number | null | undefined>;
type MessageFunction = (params?: MessageParams) => string;
export type Catalogue = Record<string, MessageFunction>;

/** What `virtual:parley-i18n/app` and `virtual:parley-i18n/embed` export. */
export interface MessageBundle {
  locales: string[];
  source: Catalogue;
  load(locale: string): Promise<Catalogue | undefined>;
}

const STORAGE_KEY = 'parley.locale';

let bundle: MessageBundle = { locales: [SOURCE_LOCALE], source: {}, load: () => Promise.resolve(undefined) };
let current = $state.raw<{ locale: string; messages: Catalogue }>({ locale: SOURCE_LOCALE, messages: {} });
let choices: { member?: string | null; community?: string | null } = {};
let wanted = SOURCE_LOCALE;
let remember = true;

/** A message in the current locale; the key itself if no catalogue has it (the catalogue tests make that a failure). */
export function t(key: MessageKey, params?: MessageParams): string {
  const fn = current.messages[key] ?? bundle.source[key] ?? pageSource[key];
  return fn ? fn(params) : key;
}

/** Whether the loaded catalogues have a key (for keys made at run time, such as `errors.<code>`). */
export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(current.messages, key) || Object.hasOwn(bundle.source, key) || Object.hasOwn(pageSource, key);
}

const SLOT = '\u0001';

/**
 * A message cut around the named placeholders, for sentences with a link or a component inside:
 * `Message.svelte` renders the strings and puts a snippet in each `{ slot }`.
 */
export function messageParts(key: MessageKey, params: MessageParams, slots: readonly string[]): (string | { slot: string })[] {
  const marked: MessageParams = { ...params };
  for (const slot of slots) marked[slot] = `${SLOT}${slot}${SLOT}`;
  return t(key, marked)
    .split(SLOT)
    .map((piece, i) => (i % 2 === 1 ? { slot: piece } : piece))
    .filter((piece) => piece !== '');
}

export const i18n = {
  get locale(): string {
    return current.locale;
  },
  get dir(): 'ltr' | 'rtl' {
    return textDirection(current.locale);
  },
};

function browserLocales(): readonly string[] {
  return typeof navigator === 'undefined' ? [] : navigator.languages;
}

/** The page says which language it is in (screen readers, hyphenation, the browser's translate offer). */
function showLocale(locale: string): void {
  if (typeof document === 'undefined') return;
  document.documentElement.lang = locale;
  document.documentElement.dir = textDirection(locale);
}

async function apply(): Promise<void> {
  const locale = chooseLocale({ ...choices, browser: browserLocales() }, bundle.locales);
  wanted = locale;
  if (locale === current.locale && Object.keys(current.messages).length) return;
  const [messages, pageWords] = await Promise.all([loadMessages(bundle, locale), loadPageWords?.(locale)]);
  // A later choice may have finished first; only the newest one applies.
  if (wanted !== locale || !messages) return;
  current = { locale, messages: pageWords ? { ...messages, ...pageWords } : messages };
  showLocale(locale);
  try {
    if (remember) localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Storage may be off (private windows, blocked third-party storage in the widget).
  }
}

/**
 * Picks the first locale and loads its messages before the app mounts, so the first paint is in
 * the right language. The forum remembers the last visit's language to stand in for the member's
 * and the community's until those are known. The widget remembers nothing: its host page says
 * which language it speaks (`host`), which stands where the community's language would.
 */
export async function startI18n(
  messages: MessageBundle,
  options: { host?: string | null; remember?: boolean; rendered?: { locale: string; community: string | null } } = {},
): Promise<void> {
  bundle = messages;
  remember = options.remember ?? true;
  // A server-rendered page hydrates in the language it was rendered in (the server chose it as this would).
  // The community the server chose by is a choice here too, so the member's choice (known when
  // the session is) picks the same language the server did: no other language in between.
  if (options.rendered && bundle.locales.includes(options.rendered.locale)) {
    const { locale, community } = options.rendered;
    choices = { community };
    wanted = locale;
    const catalogue = (await loadMessages(messages, locale)) ?? messages.source;
    if (wanted === locale) current = { locale, messages: catalogue };
    return;
  }
  let remembered: string | null;
  try {
    remembered = remember ? localStorage.getItem(STORAGE_KEY) : null;
  } catch {
    remembered = null;
  }
  choices = { member: remembered, community: options.host ?? null };
  await apply();
  choices = { community: options.host ?? null };
}

let scheduled: Promise<void> | null = null;

/**
 * Choices made in one go (leaving one community page and opening another clears and sets the
 * community's language in the same update) are applied once, after it: no flash of another language.
 */
function schedule(): Promise<void> {
  scheduled ??= Promise.resolve().then(() => {
    scheduled = null;
    return apply();
  });
  return scheduled;
}

/** The signed-in member's own choice (null: not chosen, or signed out). */
export function setMemberLocale(locale: string | null | undefined): Promise<void> {
  choices = { ...choices, member: locale ?? null };
  return schedule();
}

/** The language of the community on screen (null outside any community). */
export function setCommunityLanguage(language: string | null | undefined): Promise<void> {
  choices = { ...choices, community: language ?? null };
  return schedule();
}

/**
 * The interface speaks the language of the community a page shows (unless the reader chose their
 * own) while the page is mounted, following a change of it (a live `community.updated`); leaving
 * the page leaves no community's language behind. Call during component initialisation, like useAccent.
 */
export function useCommunityLanguage(language: () => string | null | undefined): void {
  $effect(() => {
    const wanted = language();
    if (!wanted) return;
    void setCommunityLanguage(wanted);
    return () => void setCommunityLanguage(null);
  });
}

/**
 * The languages a member or a community may choose (the catalogues, without the pseudo-locales),
 * each by its own name ("Deutsch", "English"), as language pickers show them: mark the option with
 * `lang={code}`. A new catalogue needs no message here.
 */
export function languageChoices(): { code: string; name: string }[] {
  return bundle.locales
    .filter((code) => !isPseudoLocale(code))
    .map((code) => {
      const name = new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
      return { code, name: name.charAt(0).toLocaleUpperCase(code) + name.slice(1) };
    });
}

/**
 * The time zone dates are written in: the reader's own (undefined), except while a
 * server-rendered page hydrates: the server wrote them in UTC, not knowing the reader's zone.
 */
const zone = $state<{ timeZone: string | undefined }>({ timeZone: undefined });

export function useTimeZone(timeZone: string | undefined): void {
  zone.timeZone = timeZone;
}

/**
 * A locale's messages, loaded once and kept (a page, or the server, has one bundle): undefined for a
 * locale the bundle has no catalogue for. The server loads them ahead of a render, which cannot wait.
 */
const loaded = new Map<string, Catalogue>();

export async function loadMessages(messages: MessageBundle, locale: string): Promise<Catalogue | undefined> {
  let catalogue = loaded.get(locale);
  if (!catalogue) {
    catalogue = locale === SOURCE_LOCALE ? messages.source : await messages.load(locale);
    if (catalogue) loaded.set(locale, catalogue);
  }
  return catalogue;
}

/**
 * Pages' own words (web/src/lib/page-messages.ts): their source messages, which `t` falls back to
 * as to the app's, and how a locale's are loaded. Empty until a page adds some; the code that adds
 * them lives with the pages that do, so the widget's bundle carries none of it.
 */
let pageSource: Catalogue = {};
let loadPageWords: ((locale: string) => Promise<Catalogue>) | null = null;

/** For page-messages.ts: pages' source words, their loader, and the current language's words to add now. */
export function extendMessages(source: Catalogue, load: (locale: string) => Promise<Catalogue>, words: { locale: string; messages: Catalogue }): void {
  pageSource = source;
  loadPageWords = load;
  if (current.locale === words.locale) current = { locale: words.locale, messages: { ...current.messages, ...words.messages } };
}

/** The language the messages are in now. */
export const currentLocale = (): string => current.locale;

/**
 * The server's render: its locale and messages, set synchronously just before a synchronous
 * render, so no other request's render can come between (see web/src/entry-server.ts).
 */
export function useRenderLocale(messages: MessageBundle, locale: string, catalogue: Catalogue): void {
  bundle = messages;
  current = { locale, messages: catalogue };
}

/** What Intl wrote, with the pseudo-locale's letters when one is on (Intl knows no pseudo-locales). */
const intl = (text: string) => (isPseudoLocale(current.locale) ? accentLetters(text) : text);

/** Dates and numbers in the current locale (lib/format.ts, which takes the locale explicitly). */
export const formatIn = {
  date: (iso: string) => intl(formatDate(iso, current.locale, zone.timeZone)),
  dateTime: (iso: string) => intl(formatDateTime(iso, current.locale, zone.timeZone)),
  number: (n: number) => formatNumber(n, current.locale),
  /** "3 hours ago", relative to `now` (pass clock.now for a time that keeps itself current). */
  ago: (iso: string, now: number) => intl(relativeTime(iso, now, current.locale, t('common.time.just_now'))),
};
