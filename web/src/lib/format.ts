/** Small, framework-free formatting helpers shared by the pages. */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/**
 * Dates, times and numbers go through Intl in the reader's locale. Every function takes the locale
 * (and the time zone) as arguments rather than reading the browser's, so a page rendered on the
 * server with the request's locale says exactly what the browser then says.
 */
const formatters = new Map<string, Intl.RelativeTimeFormat | Intl.DateTimeFormat | Intl.NumberFormat>();

function cached<F extends Intl.RelativeTimeFormat | Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => F): F {
  let f = formatters.get(key) as F | undefined;
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f;
}

/** "3 hours ago", "yesterday" (or `justNow` under 45 s) relative to `now` (ms since the epoch). */
export function relativeTime(iso: string, now: number, locale: string, justNow: string): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((then - now) / 1000);
  if (Math.abs(seconds) < 45) return justNow;
  const format = cached(`rel:${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'minute') {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return '';
}

/** A full, human-readable date and time. */
export function formatDateTime(iso: string, locale: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return cached(`dt:${locale}:${timeZone ?? ''}`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone })).format(date);
}

/** A date without the time: "12 March 2025", "12. März 2025". */
export function formatDate(iso: string, locale: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return cached(`d:${locale}:${timeZone ?? ''}`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone })).format(date);
}

export function formatNumber(n: number, locale: string): string {
  return cached(`n:${locale}`, () => new Intl.NumberFormat(locale)).format(n);
}

/** A URL-friendly version of a title: "Why does X fail?" → "why-does-x-fail". Cosmetic only. */
export function slugify(title: string, maxLength = 60): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.slice(0, maxLength).replace(/-+$/, '');
}

/** The id at the start of a topic URL segment: "42-why-does-x-fail" → 42, "42" → 42. */
export function parseTopicSegment(segment: string | undefined): number | null {
  const match = /^(\d{1,15})(?:-.*)?$/.exec(segment ?? '');
  if (!match?.[1]) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** A `?page=N` value as a page number: 1 for anything that is not a whole number from 1 to 1000. */
export function pageOf(value: string | null | undefined): number {
  const n = Number(value ?? '');
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : 1;
}

/** A community accent colour, accepted only as #rgb or #rrggbb. */
export function safeAccent(color: string | null | undefined): string | undefined {
  return color && /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(color) ? color : undefined;
}

/** Black or white, whichever reads better on the given #rgb / #rrggbb background. */
export function contrastText(hex: string): '#000000' | '#ffffff' {
  let h = hex.slice(1);
  if (h.length === 3) h = [...h].map((c) => c + c).join('');
  const channel = (i: number) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  // Contrast against black is (L + 0.05) / 0.05, against white 1.05 / (L + 0.05): equal near 0.179.
  return luminance > 0.179 ? '#000000' : '#ffffff';
}
