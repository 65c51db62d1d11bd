/**
 * Child process: receives LoadSpecs over IPC, runs autocannon, sends the figures back.
 * Started by LoadGenerator (bench/loadgen.ts); exits when the parent disconnects.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { LoadResult, LoadSpec } from './loadgen.js';

interface Histogram {
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest, context: object) => AutocannonRequest;
}
interface AutocannonResult {
  duration: number;
  requests: Histogram & { total: number };
  latency: Histogram;
  /** Bytes read per second; `total`: all bytes of the run (status lines, headers and bodies as sent). */
  throughput: Histogram & { total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
  timeout: number;
  method?: string;
  headers?: Record<string, string>;
  requests?: AutocannonRequest[];
}
type Autocannon = (opts: AutocannonOptions) => Promise<AutocannonResult>;

// autocannon is CommonJS and ships no types; the shapes above are what this bench reads.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

// Unique across every run of this process, so a body is never repeated within the bench.
let postSeq = 0;

async function run(spec: LoadSpec): Promise<LoadResult> {
  const opts: AutocannonOptions = {
    url: spec.baseUrl,
    connections: spec.connections,
    duration: spec.durationSec,
    pipelining: 1,
    timeout: 10,
  };
  if (spec.get) {
    opts.url = spec.baseUrl + spec.get.path;
    opts.headers = spec.get.headers ?? {};
  } else if (spec.post) {
    const { paths, cookies, origin, tag } = spec.post;
    opts.method = 'POST';
    opts.requests = [
      {
        method: 'POST',
        setupRequest: (req) => {
          const n = postSeq++;
          const path = paths[n % paths.length]!;
          // Rotate authors independently of topics so each topic sees several authors.
          const cookie = cookies[Math.floor(n / paths.length) % cookies.length]!;
          return {
            ...req,
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json', origin, cookie },
            body: JSON.stringify({
              body: `Load post ${tag}-${process.pid}-${n}: a short reply with **some** markdown and a [link](https://example.com/${n}).`,
            }),
          };
        },
      },
    ];
  } else {
    throw new Error('spec needs get or post');
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await autocannon(opts);
  const cpu = process.cpuUsage(cpu0);
  const clientCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - t0);
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = s.count;
  const completed = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    title: spec.title,
    durationSec: r.duration,
    completed,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    reqPerSec: r.requests.average,
    okPerSec: r['2xx'] / r.duration,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    bytesPerSec: r.throughput.average,
    bytesPerResponse: completed ? r.throughput.total / completed : null,
    statusCodes,
    clientCpu,
  };
}

process.on('message', (raw) => {
  const msg = raw as { type: 'run'; id: number; spec: LoadSpec };
  if (msg.type !== 'run') return;
  run(msg.spec).then(
    (result) => process.send?.({ type: 'result', id: msg.id, result }),
    (err: unknown) => process.send?.({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
