/**
 * The buses' own cost at commit, apart from everything else a post costs: 50 connections append
 * outbox events as fast as they can (the statement every write uses, `appendEvent`, each in its own
 * transaction, to 1,000 topics), while three buses — three processes' worth — hear them.
 *
 * - LISTEN/NOTIFY: each commit queues a NOTIFY; PostgreSQL serialises notifying commits on one
 *   lock, and the three LISTEN connections each receive every note.
 * - NATS: the writers' connections carry `parley.bus=nats`, so nothing is notified; one of the three
 *   buses holds the relay, which tails the outbox and publishes to the broker.
 *
 * Reported: commits/s, commit latency p50/p99 (the statement's round trip, commit included), and
 * whether every process heard every event (counted on each bus, waited for after the writers stop).
 * The post bench (bench/cluster.ts) shows what this leaves of it once HTTP, Markdown and sanitising
 * share the two cores: there the writes are not what limits posting.
 */
import pg from 'pg';
import pino from 'pino';
import { drizzle } from 'drizzle-orm/node-postgres';
import { openDatabase, type Tx } from '../db/client.js';
import type { Bus } from '../server/live/bus.js';
import { createNatsBus } from '../server/live/bus.nats.js';
import { createPostgresBus } from '../server/live/bus.postgres.js';
import { appendEvent, topicChannel } from '../server/live/outbox.js';
import { envNum } from './common.js';
import { createPgDatabase, errMsg } from './pg.js';

const WRITERS = 50;
const PROCESSES = 3;
const TOPICS = 1000;
const DURATION_S = envNum('BENCH_COMMIT_DURATION', 5);
const NATS_URL = process.env.BENCH_NATS_URL || 'nats://127.0.0.1:4222';

export interface CommitRun {
  bus: 'LISTEN/NOTIFY' | 'NATS';
  commitsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Events each of the three processes heard, against those committed. */
  heard: number[];
  committed: number;
}

export interface CommitReport {
  runs: CommitRun[];
  notes: string[];
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function runOnce(url: string, kind: CommitRun['bus'], log: (line: string) => void): Promise<CommitRun> {
  const quiet = pino({ level: 'silent' });
  const buses: Bus[] = [];
  for (let i = 0; i < PROCESSES; i++)
    buses.push(kind === 'NATS' ? await createNatsBus({ url: NATS_URL, connectionString: url, log: quiet }) : await createPostgresBus(url, quiet));
  const heard = buses.map(() => 0);
  const watches = buses.map((bus) => bus.watchKind('topic'));
  await Promise.all(watches.map((w) => w.ready));
  buses.forEach((bus, i) => bus.subscribe(() => heard[i]!++));
  if (kind === 'NATS') {
    const end = Date.now() + 10_000;
    while (!buses.some((b) => b.status().relay) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  }

  const pool = new pg.Pool({ connectionString: url, max: WRITERS, ...(kind === 'NATS' ? { options: '-c parley.bus=nats' } : {}) });
  const db = drizzle({ client: pool }) as unknown as Tx;
  const latencies: number[] = [];
  const stopAt = Date.now() + DURATION_S * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (Date.now() < stopAt) {
        const t0 = performance.now();
        await appendEvent(db, topicChannel(1 + Math.floor(Math.random() * TOPICS)), 'post.created', { postId: 1 });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  const committed = latencies.length;
  // Every event, on every process: the relay's last poll and the broker's delivery may trail the writers.
  const end = Date.now() + 10_000;
  while (heard.some((n) => n < committed) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  watches.forEach((w) => w.release());
  await Promise.all(buses.map((b) => b.close()));
  latencies.sort((a, b) => a - b);
  const run: CommitRun = {
    bus: kind,
    commitsPerSecond: committed / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    heard: [...heard],
    committed,
  };
  log(`bus-commit: ${kind}: ${run.commitsPerSecond.toFixed(0)} commits/s, p99 ${run.p99Ms.toFixed(1)} ms, heard ${heard.join('/')} of ${committed}`);
  return run;
}

export async function benchBusCommit(log: (line: string) => void): Promise<CommitReport> {
  const created = await createPgDatabase();
  if ('skip' in created) return { runs: [], notes: [`bus-commit: skipped: ${created.skip}`] };
  try {
    const migrated = await openDatabase({ databaseUrl: created.url, dataDir: 'memory://', poolSize: 1 });
    await migrated.close();
    const runs: CommitRun[] = [];
    // Twice each, alternating, so that neither bus always gets the warmer database.
    for (const kind of ['LISTEN/NOTIFY', 'NATS', 'LISTEN/NOTIFY', 'NATS'] as const) runs.push(await runOnce(created.url, kind, log));
    return { runs, notes: [] };
  } catch (err) {
    return { runs: [], notes: [`bus-commit: ${errMsg(err)}`] };
  } finally {
    await created.drop();
  }
}

export function formatBusCommit(report: CommitReport): string {
  const lines = [
    `outbox commits, ${WRITERS} connections, ${PROCESSES} processes hearing (${DURATION_S} s each)`,
    'bus            commits/s   p50 ms   p99 ms   heard by each process',
  ];
  for (const r of report.runs)
    lines.push(
      `${r.bus.padEnd(14)} ${r.commitsPerSecond.toFixed(0).padStart(9)} ${r.p50Ms.toFixed(1).padStart(8)} ${r.p99Ms.toFixed(1).padStart(8)}   ${r.heard.join(' / ')} of ${r.committed}${r.heard.every((n) => n >= r.committed) ? '' : '  MISSING'}`,
    );
  const rate = (bus: CommitRun['bus']) => {
    const of = report.runs.filter((r) => r.bus === bus);
    return of.reduce((sum, r) => sum + r.commitsPerSecond, 0) / (of.length || 1);
  };
  if (report.runs.length) lines.push(`NATS / LISTEN-NOTIFY commits/s: ${(rate('NATS') / rate('LISTEN/NOTIFY')).toFixed(2)}×`);
  return [...lines, ...report.notes].join('\n');
}
