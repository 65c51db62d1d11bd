import pg from 'pg';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { NatsSubjects } from './nats.subjects.js';

/** One relay per database: whoever holds this session lock. */
const RELAY_LOCK = 7_042_015;
const BATCH = 5000;
/** How often a process that is not the relay tries to become it: the takeover after a relay dies. */
const CLAIM_EVERY_MS = 1000;
/** How often the relay reads the outbox unasked (writes by tools, a poke lost with the broker). */
const POLL_EVERY_MS = 250;
/** The relay says where it stands at least this often (bus lag is measured from it), and at most every HEAD_MIN_MS. */
const HEAD_EVERY_MS = 1000;
const HEAD_MIN_MS = 100;

export interface RelayOptions {
  connectionString: string;
  log: Logger;
  node: string;
  subjects: NatsSubjects;
  publish: (subject: string, payload: string) => void;
  /** Commits elsewhere say "look now"; returns how to stop listening. */
  subscribePokes: (onPoke: () => void) => () => void;
}

interface Row {
  channel: string;
  seq: number;
  txid: number;
}

/**
 * Tails the outbox in commit order and publishes every event's note on its channel's subject.
 *
 * A transaction's events carry its id (`events.txid`). Every transaction below a snapshot's xmin
 * has finished, so once the relay has read everything from `from` up in a snapshot, nothing can
 * still appear below that snapshot's xmin: the next read starts there. Events above it that are
 * already visible (a long transaction elsewhere holds xmin back) are published at once and read
 * again until xmin passes them; `published` keeps them from going out twice.
 *
 * Per channel, seqs become visible in order and without holes (a writer takes the channel's
 * counter row, so seq n+1 cannot commit before seq n), so publishing each read sorted by channel
 * and seq keeps every channel's notes in order.
 */
export class OutboxRelay {
  private client: pg.Client | null = null;
  private from = 0;
  /** Per channel: the highest seq published and the highest txid among its published events. */
  private published = new Map<string, { seq: number; txid: number }>();
  private claimTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private again = false;
  private stopPokes: (() => void) | null = null;
  private lastHeadAt = 0;
  private lastHead = -1;
  private stopped = false;

  constructor(private readonly options: RelayOptions) {}

  get active(): boolean {
    return this.client !== null;
  }

  start(): void {
    void this.claim();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.claimTimer) clearTimeout(this.claimTimer);
    await this.resign();
  }

  /** Tries for the lock now and then; the process holding it relays until its connection ends. */
  private async claim(): Promise<void> {
    if (this.stopped || this.client) return;
    const c = new pg.Client({ connectionString: this.options.connectionString });
    c.on('error', () => {});
    try {
      await c.connect();
      const [row] = (await c.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [RELAY_LOCK])).rows;
      if (!row?.got || this.stopped) {
        await c.end().catch(() => {});
      } else {
        await this.lead(c);
        return;
      }
    } catch (err) {
      this.options.log.debug({ err }, 'relay: could not try for the lock');
      await c.end().catch(() => {});
    }
    this.claimTimer = setTimeout(() => void this.claim(), CLAIM_EVERY_MS);
    this.claimTimer.unref();
  }

  private async lead(c: pg.Client): Promise<void> {
    // Its connection gone, so is the lock: step down and try again like everyone else.
    c.on('end', () => {
      if (this.client !== c) return;
      this.options.log.warn('relay: database connection lost; stepping down');
      void this.resign().then(() => this.claim());
    });
    const [row] = (await c.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin')).rows;
    this.from = Number(row!.xmin);
    this.published.clear();
    this.client = c;
    this.stopPokes = this.options.subscribePokes(() => this.poll());
    this.options.log.info({ node: this.options.node }, 'relay: now publishing the outbox');
    // What the previous relay published last is unknown here: every process reads where it stands.
    this.options.publish(this.options.subjects.relayStart, this.options.node);
    this.poll();
  }

  private async resign(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.stopPokes?.();
    this.stopPokes = null;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    if (c) await c.end().catch(() => {});
  }

  /** Reads now, or right after the read under way (commits that land meanwhile are not missed). */
  poll(): void {
    if (!this.client) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    void this.read().finally(() => {
      this.polling = false;
      if (!this.client) return;
      if (this.again) {
        this.again = false;
        this.poll();
        return;
      }
      if (this.pollTimer) clearTimeout(this.pollTimer);
      this.pollTimer = setTimeout(() => this.poll(), POLL_EVERY_MS);
      this.pollTimer.unref();
    });
  }

  private async read(): Promise<void> {
    const c = this.client;
    if (!c) return;
    let found: { rows: Array<{ channel: string; seq: string; txid: string; xmin: string }> };
    try {
      // One statement, one snapshot: the rows and the xmin agree.
      found = await c.query(
        `SELECT e.channel, e.seq::text AS seq, e.txid::text AS txid, s.xmin
         FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin) s
         LEFT JOIN LATERAL (SELECT channel, seq, txid FROM events WHERE txid >= $1 ORDER BY txid LIMIT ${BATCH}) e ON true`,
        [this.from],
      );
    } catch (err) {
      this.options.log.warn({ err }, 'relay: could not read the outbox');
      return;
    }
    const xmin = Number(found.rows[0]!.xmin);
    const rows: Row[] = [];
    for (const r of found.rows) if (r.channel !== null) rows.push({ channel: r.channel, seq: Number(r.seq), txid: Number(r.txid) });
    rows.sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : a.seq - b.seq));
    for (const row of rows) {
      const seen = this.published.get(row.channel);
      if (seen && row.seq <= seen.seq) continue;
      this.options.publish(this.options.subjects.channel(row.channel), `${row.channel}:${row.seq}`);
      this.published.set(row.channel, { seq: row.seq, txid: Math.max(row.txid, seen?.txid ?? 0) });
    }
    // A full batch: the rest of its last transaction's rows may lie beyond it, so read from there again.
    const next = rows.length === BATCH ? Math.min(xmin, Math.max(...rows.map((r) => r.txid))) : xmin;
    if (rows.length === BATCH) this.again = true;
    if (next > this.from) {
      this.from = next;
      for (const [channel, p] of this.published) if (p.txid < this.from) this.published.delete(channel);
    }
    const now = Date.now();
    if ((this.from !== this.lastHead && now - this.lastHeadAt >= HEAD_MIN_MS) || now - this.lastHeadAt >= HEAD_EVERY_MS) {
      this.lastHead = this.from;
      this.lastHeadAt = now;
      this.options.publish(this.options.subjects.relayHead, String(this.from));
    }
  }
}
