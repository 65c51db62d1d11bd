/**
 * CSV files of the insights series, made in the browser: one per chart and one with every series.
 * Machine-readable on purpose: the API's field names as the header, its raw numbers (seconds,
 * shares from 0 to 1) as the values, an empty cell where a figure has no value.
 */
import type { FigureKey, Insights } from '../../lib/api-insights';

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
function field(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function seriesCsv(series: Insights['series'], keys: readonly FigureKey[]): string {
  const rows = [['start', ...keys], ...series.map((point) => [point.start, ...keys.map((key) => point[key])])];
  return rows.map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}

/** "acme-insights-2026-03-01-2026-03-31-activity.csv" */
export function csvName(slug: string, window: { from: string; to: string }, part: string): string {
  const day = (iso: string) => iso.slice(0, 10);
  return `${slug}-insights-${day(window.from)}-${day(window.to)}-${part}.csv`.replace(/[^\w.-]+/g, '-');
}

/**
 * Saves text as a file. The link is never put in the document: the router's click listener
 * (which turns same-site link clicks into navigations) does not see the click.
 */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // After the click has been handled: revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
