/**
 * What the live and cluster benches (bench/live.ts, bench/cluster.ts) read off the machine while
 * they run: the CPU of their processes, of PostgreSQL and of the whole machine (from /proc), and
 * what the database's backends are doing (from pg_stat_activity).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import pg from 'pg';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in seconds (null once it is gone). */
function procCpu(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** CPU seconds of every process named postgres on this machine (the server and its backends). */
function postgresCpu(): Map<number, number> {
  const out = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(e), (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
  } catch {
    return null;
  }
}

/** Cores used over a window (1 = one core busy the whole time): each group of processes, PostgreSQL, the machine. */
export type CpuUse<K extends string> = Record<K, number | null> & { pg: number | null; machine: number | null };

/**
 * CPU over a window, from construction to `end()`: each named group of processes (null when one
 * of them could not be read, or is not given), all of PostgreSQL, and the whole machine.
 */
export class CpuWindow<K extends string> {
  private readonly t0 = performance.now();
  private readonly machine0 = machineCpu();
  private readonly pg0 = postgresCpu();
  private readonly start: Array<[K, readonly (number | undefined)[], (number | null)[]]>;

  constructor(groups: Record<K, readonly (number | undefined)[]>) {
    this.start = (Object.entries(groups) as Array<[K, readonly (number | undefined)[]]>).map(([name, pids]) => [name, pids, pids.map(procCpu)]);
  }

  end(): CpuUse<K> {
    const secs = (performance.now() - this.t0) / 1000;
    const out = {} as Record<K, number | null>;
    for (const [name, pids, before] of this.start) {
      let sum: number | null = 0;
      pids.forEach((pid, i) => {
        const a = before[i] ?? null;
        const b = procCpu(pid);
        sum = sum === null || a === null || b === null ? null : sum + (b - a);
      });
      out[name] = sum === null ? null : sum / secs;
    }
    let pgSecs = 0;
    for (const [pid, t] of postgresCpu()) pgSecs += t - (this.pg0.get(pid) ?? 0);
    const m0 = this.machine0;
    const m1 = machineCpu();
    return {
      ...out,
      pg: this.pg0.size ? pgSecs / secs : null,
      // Busy share of all cores × core count, i.e. in cores like the others.
      machine: m0 && m1 && m1.total > m0.total ? ((m1.busy - m0.busy) / (m1.total - m0.total)) * cpus().length : null,
    };
  }
}

/**
 * What the bench database's backends are doing, sampled every 50 ms from pg_stat_activity:
 * the average number of backends running, waiting on a lock (on LISTEN/NOTIFY, the commits of
 * notifying transactions queue on one cluster-wide lock, "lock wait (object)"), on I/O or WAL,
 * or idle inside a transaction (waiting for the app's next statement).
 */
export class PgActivity {
  private readonly counts = new Map<string, number>();
  private samples = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private constructor(
    private readonly client: pg.Client,
    private readonly db: string,
  ) {}

  /** Null when the database cannot be reached (the figures then say "not sampled"). */
  static async start(url: string, db: string): Promise<PgActivity | null> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch {
      return null;
    }
    const a = new PgActivity(client, db);
    a.timer = setInterval(() => void a.sample(), 50);
    return a;
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const r = await this.client.query<{ state: string | null; wait_event_type: string | null; wait_event: string | null }>(
        'SELECT state, wait_event_type, wait_event FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = $2',
        [this.db, 'client backend'],
      );
      this.samples++;
      for (const row of r.rows) {
        const key =
          row.state === 'active'
            ? row.wait_event_type === 'Lock'
              ? `lock wait (${row.wait_event})`
              : row.wait_event_type
                ? `${row.wait_event_type}:${row.wait_event}`
                : 'running'
            : row.state === 'idle in transaction'
              ? 'idle in transaction'
              : 'idle';
        this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      }
    } catch {
      /* best effort */
    } finally {
      this.busy = false;
    }
  }

  /** Average backends per state over the samples, busiest first, without the states left out (idle). */
  async stop(leaveOut: readonly string[] = ['idle']): Promise<Record<string, number>> {
    if (this.timer) clearInterval(this.timer);
    await this.client.end().catch(() => {});
    const out: Record<string, number> = {};
    for (const [k, n] of [...this.counts].sort((a, b) => b[1] - a[1]))
      if (!leaveOut.includes(k)) out[k] = Math.round((n / Math.max(1, this.samples)) * 100) / 100;
    return out;
  }
}
