/**
 * Prometheus metrics of one app. Each app has a registry of its own (tests build many apps in one
 * process); the process's own figures (memory, event loop lag, GC) live in one registry per
 * process, since they describe the process, and are appended to every scrape.
 *
 * Gauges are read when scraped, never kept up to date on the hot paths. A figure that cannot be
 * read (the database is down) is reported as NaN: a scrape still answers, and says what it knows.
 */
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../../db/client.js';
import type { Bus } from '../live/bus.js';
import { SEND_MAIL_JOB } from '../mail/mailer.js';
import { within } from './deadline.js';

/** A scrape waits this long for a figure from the database, then reports NaN. */
export const SCRAPE_DB_TIMEOUT_MS = 2000;

/** Seconds; from a cached page's few milliseconds to a slow export. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the live plugin has open at scrape time (it registers after the metrics). */
export interface LiveFigures {
  sockets: number;
  channels: number;
  subscriptions: number;
}

export interface MetricsSources {
  database: Database;
  bus: Bus;
  live: () => LiveFigures | null;
}

export interface AppMetrics {
  registry: Registry;
  /** One answered request: its route pattern (never the raw URL, which would make a series per topic). */
  observeRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void;
  /** The text a scrape answers: the app's metrics and the process's. */
  scrape(): Promise<string>;
  contentType: string;
}

let processRegistry: Registry | null = null;
/** Once per process: the default collectors start monitors (event loop delay, GC) that cannot be stopped. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Waiting jobs (created or waiting for a retry) per pg-boss queue, every defined queue included. */
const QUEUE_DEPTHS = `
  SELECT q.name, count(j.id)::int AS waiting
  FROM pgboss.queue q LEFT JOIN pgboss.job j ON j.name = q.name AND j.state < 'active'
  GROUP BY q.name`;

export function createMetrics(sources: MetricsSources): AppMetrics {
  const { database, bus } = sources;
  const registry = new Registry();
  const registers = [registry];

  const duration = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });

  const live = (pick: (figures: LiveFigures) => number) =>
    function (this: Gauge) {
      const figures = sources.live();
      this.set(figures ? pick(figures) : 0);
    };
  new Gauge({ name: 'parley_live_sockets', help: 'Live sockets open on this process.', registers, collect: live((f) => f.sockets) });
  new Gauge({ name: 'parley_live_channels', help: 'Channels with at least one live subscriber on this process.', registers, collect: live((f) => f.channels) });
  new Gauge({
    name: 'parley_live_subscriptions',
    help: "Live sockets' channel subscriptions on this process.",
    registers,
    collect: live((f) => f.subscriptions),
  });

  new Gauge({
    name: 'parley_bus_connected',
    help: "1 while the bus connection that brings other processes' events is up.",
    registers,
    collect() {
      this.set(bus.status().connected ? 1 : 0);
    },
  });
  new Gauge({
    name: 'parley_bus_subscriptions',
    help: 'Subscriptions this process holds at the broker (NATS; 0 where every event reaches every process).',
    registers,
    collect() {
      this.set(bus.status().subscriptions);
    },
  });
  new Gauge({
    name: 'parley_bus_relay',
    help: "1 while this process is the cluster's relay (NATS: it tails the outbox and publishes).",
    registers,
    collect() {
      this.set(bus.status().relay ? 1 : 0);
    },
  });
  new Gauge({
    name: 'parley_bus_lag_events',
    help: 'Outbox events not yet published to the cluster, as the relay last said (NATS); 0 on the other buses while connected, which announce at commit.',
    registers,
    async collect() {
      const status = bus.status();
      if (status.kind !== 'nats') return this.set(status.connected ? 0 : NaN);
      const watermark = status.relayWatermark;
      if (watermark === null || watermark === undefined) return this.set(NaN);
      const result = await within(database.executeSql('SELECT count(*)::int AS n FROM events WHERE txid >= $1', [watermark]), SCRAPE_DB_TIMEOUT_MS);
      const row = result?.rows[0] as { n: number } | undefined;
      this.set(row ? Number(row.n) : NaN);
    },
  });
  if (bus.status().kind === 'nats') {
    new Gauge({
      name: 'parley_bus_relay_heard_seconds',
      help: 'Seconds since the relay last told this process how far it has published.',
      registers,
      collect() {
        const heardAt = bus.status().relayHeardAt;
        this.set(typeof heardAt === 'number' ? Math.max(0, (Date.now() - heardAt) / 1000) : NaN);
      },
    });
  }

  // One read of the queues per scrape serves both gauges, which prom-client collects together.
  let depths: Promise<Map<string, number> | undefined> | null = null;
  const queueDepths = () =>
    (depths ??= within(database.executeSql(QUEUE_DEPTHS), SCRAPE_DB_TIMEOUT_MS).then((result) =>
      result ? new Map((result.rows as Array<{ name: string; waiting: number }>).map((r) => [r.name, Number(r.waiting)])) : undefined,
    ));
  new Gauge({
    name: 'parley_mail_queue_depth',
    help: 'Mails waiting to be sent (queued or waiting for a retry).',
    registers,
    async collect() {
      const found = await queueDepths();
      this.set(found ? (found.get(SEND_MAIL_JOB) ?? 0) : NaN);
    },
  });
  new Gauge({
    name: 'parley_job_queue_depth',
    help: 'Jobs waiting to run, per queue (queued or waiting for a retry).',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      const found = await queueDepths();
      // A queue no longer there must not keep its last figure.
      this.reset();
      if (found) for (const [queue, waiting] of found) this.set({ queue }, waiting);
    },
  });

  const processes = processMetrics();
  return {
    registry,
    observeRequest(method, route, statusCode, seconds) {
      duration.observe({ method, route: route ?? '(unmatched)', status_class: `${Math.floor(statusCode / 100)}xx` }, seconds);
    },
    async scrape() {
      depths = null;
      const [own, processWide] = await Promise.all([registry.metrics(), processes.metrics()]);
      return `${own}\n${processWide}`;
    },
    contentType: registry.contentType,
  };
}
