import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './loadgen.js';
import type { MarkdownResult } from './markdown.js';

export type Verdict = 'PASS' | 'FAIL' | 'ERROR' | 'SKIP' | 'info' | 'ceiling';

export interface HttpRow {
  backend: 'bare' | 'pglite' | 'postgres';
  scenario: string;
  connections: number;
  unit: 'req/s' | 'posts/s';
  /** req/s for reads (autocannon's mean of per-second samples), 2xx/s for posts. */
  rate: number | null;
  p50: number | null;
  p99: number | null;
  /** req/s of the bare route measured immediately before this scenario (its paired ceiling). */
  bare: number | null;
  /** rate / bare. */
  ratio: number | null;
  /** CPU used by the server process (the app, and PGlite when embedded) during the measured run, in cores. */
  serverCpu: number | null;
  /** CPU used by the load generator process during the measured run, in cores. */
  clientCpu: number | null;
  target: string | null;
  verdict: Verdict;
  detail: string | null;
  raw?: LoadResult;
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  totalSeconds: number;
  machine: { node: string; cpus: number; cpuModel: string; platform: string; loadavgStart: number[]; loadavgEnd: number[] };
  method: Record<string, string | number | boolean>;
  seeding: Record<string, { ms: number }>;
  http: HttpRow[];
  markdown: { ceiling: MarkdownResult | null; cases: MarkdownResult[] };
  notes: string[];
  errors: string[];
}

const num = (n: number | null, digits = 0) => (n === null || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const ms = (n: number | null) => (n === null || Number.isNaN(n) ? '—' : `${num(n, n < 10 ? 1 : 0)} ms`);

function table(header: string[], rows: string[][], rightAlign: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAlign.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatHttp(rows: HttpRow[]): string {
  return table(
    ['backend', 'scenario', 'conns', 'rate', 'p50', 'p99', 'srv/cli cpu', 'bare req/s', 'x bare', 'target', 'result'],
    rows.map((r) => [
      r.backend, r.scenario, r.connections ? String(r.connections) : '—',
      r.rate === null ? '—' : `${num(r.rate)} ${r.unit}`,
      ms(r.p50), ms(r.p99),
      r.serverCpu === null || r.clientCpu === null ? '—' : `${Math.round(r.serverCpu * 100)}%/${Math.round(r.clientCpu * 100)}%`,
      num(r.bare),
      r.ratio === null ? '—' : r.ratio.toFixed(3),
      r.target ?? '',
      r.verdict + (r.detail ? ` (${r.detail})` : ''),
    ]),
    new Set([2, 3, 4, 5, 6, 7, 8]),
  );
}

export function formatMarkdown(ceiling: MarkdownResult | null, cases: MarkdownResult[]): string {
  const all = ceiling ? [ceiling, ...cases] : cases;
  return table(
    ['markdown input', 'in (chars)', 'out', 'min of 3', 'x plain', 'runs (ms)'],
    all.map((m) => [
      m.name, num(m.inputChars), m.error ? '—' : `${num(m.outputBytes / 1024, 1)} KB`,
      m.error ? 'ERROR' : ms(m.minMs), m.error ? m.error : `${m.vsPlain.toFixed(2)}x`,
      m.runsMs.map((r) => r.toFixed(1)).join(' / '),
    ]),
    new Set([1, 2, 3, 4]),
  );
}

/** Writes bench/results/latest.json (bench/results/ is git-ignored); returns its path. */
export function writeJson(report: Report): string {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}latest.json`;
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
