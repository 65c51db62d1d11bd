/** Small, framework-free formatting helpers shared by the pages. */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

let relativeFormat: Intl.RelativeTimeFormat | undefined;

/** "3 hours ago", "yesterday", "just now" — relative to `now` (ms since the epoch). */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((then - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  relativeFormat ??= new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'minute') {
      return relativeFormat.format(Math.round(seconds / size), unit);
    }
  }
  return '';
}

let dateTimeFormat: Intl.DateTimeFormat | undefined;
let dateFormat: Intl.DateTimeFormat | undefined;

/** A full, human-readable date and time in the reader's locale and time zone. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  dateTimeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' });
  return dateTimeFormat.format(date);
}

/** A date without the time: "12 March 2025". */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  dateFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });
  return dateFormat.format(date);
}

let numberFormat: Intl.NumberFormat | undefined;

export function formatCount(n: number): string {
  numberFormat ??= new Intl.NumberFormat();
  return numberFormat.format(n);
}

/** "1 reply", "3 replies". */
export function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
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
