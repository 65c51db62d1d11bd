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

/** One row of the live table (bench/live.ts). */
export interface LiveRow {
  scenario: string;
  /** WebSocket clients connected during the scenario. */
  sockets: number;
  /** The headline figure as printed (posts/s, RSS…), or null for latency rows. */
  value: string | null;
  p50: number | null;
  p99: number | null;
  /**
   * The bare ws figure this row is compared with, measured in the same run: the broadcast p99 measured
   * right before a latency row, the bare fan-out rate for a sustained row, the bare server's RSS per
   * socket for the memory row, the bare server's own idle RSS for the idle row.
   */
  ceiling: { value: number; unit: 'ms' | 'posts/s' | 'KB/socket' | 'MB' } | null;
  /** This row's figure / ceiling.value (p99, posts/s or KB per socket). */
  ratio: number | null;
  delivered: { got: number; expected: number } | null;
  /** CPU used during the measured part, in cores: the server process(es), the client process, PostgreSQL's processes, the whole machine. */
  cpu: { server: number | null; client: number | null; pg: number | null; machine: number | null } | null;
  /** Event-loop utilisation of each server process over the measured part (0–1), from bench/live-probe.ts. */
  serverLoop: (number | null)[] | null;
  target: string | null;
  verdict: Verdict;
  detail: string | null;
  raw?: unknown;
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
  live: LiveRow[];
  notes: string[];
  errors: string[];
  /** Uncached rendered 50-post pages (issue 12): a guest past the cache, a signed-in reader, and the render alone. */
  renders?: { backend: string; guestMedianMs: number; signedInMedianMs: number; renderMedianMs: number; verdict: string }[];
}

const num = (n: number | null, digits = 0) =>
  n === null || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** Bytes per response as a reader would see them: 812 B, 4.3 KB. */
const bytes = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n < 1024 ? `${num(n)} B` : `${num(n / 1024, 1)} KB`);
const ms = (n: number | null) => (n === null || Number.isNaN(n) ? '—' : `${num(n, n < 10 ? 1 : 0)} ms`);

function table(header: string[], rows: string[][], rightAlign: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAlign.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatHttp(rows: HttpRow[]): string {
  return table(
    ['backend', 'scenario', 'conns', 'rate', 'bytes/resp', 'p50', 'p99', 'srv/cli cpu', 'bare req/s', 'x bare', 'target', 'result'],
    rows.map((r) => [
      r.backend,
      r.scenario,
      r.connections ? String(r.connections) : '—',
      r.rate === null ? '—' : `${num(r.rate)} ${r.unit}`,
      bytes(r.raw?.bytesPerResponse),
      ms(r.p50),
      ms(r.p99),
      r.serverCpu === null || r.clientCpu === null ? '—' : `${Math.round(r.serverCpu * 100)}%/${Math.round(r.clientCpu * 100)}%`,
      num(r.bare),
      r.ratio === null ? '—' : r.ratio.toFixed(3),
      r.target ?? '',
      r.verdict + (r.detail ? ` (${r.detail})` : ''),
    ]),
    new Set([2, 3, 4, 5, 6, 7, 8, 9]),
  );
}

const pct = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${Math.round(n * 100)}%`);

export function formatLive(rows: LiveRow[]): string {
  return table(
    ['live scenario', 'sockets', 'rate / size', 'p50', 'p99', 'ceiling', 'x ceiling', 'delivered', 'srv/cli/pg/all cpu', 'srv loop', 'target', 'result'],
    rows.map((r) => [
      r.scenario,
      r.sockets ? num(r.sockets) : '—',
      r.value ?? '—',
      ms(r.p50),
      ms(r.p99),
      r.ceiling === null
        ? '—'
        : r.ceiling.unit === 'ms'
          ? ms(r.ceiling.value)
          : `${num(r.ceiling.value, r.ceiling.unit === 'KB/socket' ? 1 : 0)} ${r.ceiling.unit}`,
      r.ratio === null ? '—' : `${r.ratio.toFixed(2)}x`,
      r.delivered ? `${num(r.delivered.got)}/${num(r.delivered.expected)}` : '—',
      r.cpu ? `${pct(r.cpu.server)}/${pct(r.cpu.client)}/${pct(r.cpu.pg)}/${pct(r.cpu.machine)}` : '—',
      r.serverLoop ? r.serverLoop.map(pct).join(' ') : '—',
      r.target ?? '',
      r.verdict + (r.detail ? ` (${r.detail})` : ''),
    ]),
    new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]),
  );
}

export function formatMarkdown(ceiling: MarkdownResult | null, cases: MarkdownResult[]): string {
  const all = ceiling ? [ceiling, ...cases] : cases;
  return table(
    ['markdown input', 'in (chars)', 'out', 'min of 3', 'x plain', 'runs (ms)'],
    all.map((m) => [
      m.name,
      num(m.inputChars),
      m.error ? '—' : `${num(m.outputBytes / 1024, 1)} KB`,
      m.error ? 'ERROR' : ms(m.minMs),
      m.error ? m.error : `${m.vsPlain.toFixed(2)}x`,
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
