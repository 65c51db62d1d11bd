/**
 * Load process of the cluster bench (bench/cluster.ts): WebSocket readers spread over several
 * Parley processes, concurrent posting clients spread over the same processes, and the bare `ws`
 * server's fan-out of the same shape. Posting and reading live in this one process, so that
 * "POST answered → every reader of the topic received it" compares two readings of one clock
 * (process.hrtime: CLOCK_MONOTONIC, which the bare server in its own process stamps with too).
 *
 * Commands arrive over IPC (ClusterCommand) and are answered with { id, ok, result | error };
 * the process exits when the parent disconnects.
 */
import {
  BareControl,
  closeGroup,
  groupOf,
  now,
  openSockets,
  postReply,
  readersPerChannel,
  receipts,
  settle,
  type Ack,
  type GroupStats,
  type OpenResult,
} from './live-readers.js';

export type { GroupStats, OpenResult };

export interface SocketSpec {
  url: string;
  /** Parley: the channel this socket subscribes to; bare: the group's channel name (`bare:<g>`), no subscribe sent. */
  channel: string;
}
export interface OpenSpec {
  group: string;
  sockets: SocketSpec[];
  /** Send `subscribe` and count the socket ready on `subscribed` (Parley), or ready once open (bare). */
  subscribe: boolean;
  origin?: string;
  /** Handshakes in flight at once. */
  batch: number;
  timeoutMs: number;
}
export interface WriteSpec {
  /** Base URLs of the Parley processes: writer i posts to bases[i % bases.length]. */
  bases: string[];
  topicIds: number[];
  /** Session cookies: writer i posts as cookies[i % cookies.length]. */
  cookies: string[];
  origin: string;
  tag: string;
  writers: number;
  durationMs: number;
  /** Readers whose receipts are counted: every acknowledged post must reach every reader of its topic in this group. */
  track?: { group: string; drainMs: number };
}

/** Nearest-rank percentiles and the maximum of a list of ms, rounded to 0.01 ms. */
export interface Spread {
  n: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export interface WriteResult {
  acked: number;
  failed: number;
  statusCodes: Record<string, number>;
  firstError: string | null;
  /** First POST sent → last answer received. */
  elapsedMs: number;
  postsPerSec: number;
  /** POST round trips (send → 201), the client's view of commit latency. */
  ack: Spread;
  /** 201s per Parley process, in the order of `bases`. */
  ackedPerBase: number[];
  /** With `track`: ack → the last reader of the post's topic received post.created (complete posts only). */
  delivery: Spread | null;
  delivered: number;
  expected: number;
  postsComplete: number;
  gaps: number;
  duplicates: number;
  drainMs: number;
}

export interface BareSpec {
  group: string;
  /** ws:// URL of the bare server's control socket. */
  controlUrl: string;
  groups: number;
  /** Broadcast requests in flight, round-robin over the groups, as the writers are over topics. */
  inFlight: number;
  durationMs: number;
  drainMs: number;
}
export interface BareResult {
  broadcasts: number;
  elapsedMs: number;
  broadcastsPerSec: number;
  /** The bare server's stamp right before its send loop → the last client of the group received it. */
  delivery: Spread;
  delivered: number;
  expected: number;
  gaps: number;
  duplicates: number;
}

export type ClusterCommand =
  | { type: 'open'; id: number; spec: OpenSpec }
  | { type: 'close'; id: number; group: string }
  | { type: 'write'; id: number; spec: WriteSpec }
  | { type: 'bare'; id: number; spec: BareSpec };

export type ClusterReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export function spread(values: number[]): Spread {
  if (!values.length) return { n: 0, p50: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  const r = (n: number) => Math.round(n * 100) / 100;
  return { n: sorted.length, p50: r(rank(50)), p99: r(rank(99)), max: r(sorted[sorted.length - 1]!) };
}

function open(spec: OpenSpec): Promise<OpenResult> {
  return openSockets(groupOf(spec.group), spec.sockets.length, spec.batch, (i) => ({
    ...spec.sockets[i]!,
    subscribe: spec.subscribe,
    origin: spec.origin,
    timeoutMs: spec.timeoutMs,
  }));
}

let bodySeq = 0;

/** `writers` concurrent POST loops (fetch keeps connections alive per process), then, with `track`, a drain and a delivery count. */
async function write(spec: WriteSpec): Promise<WriteResult> {
  const group = spec.track ? groupOf(spec.track.group) : null;
  const before = { gaps: group?.gaps ?? 0, duplicates: group?.duplicates ?? 0 };
  receipts.clear();
  const acks: Ack[] = [];
  const ackMs: number[] = [];
  const ackedPerBase = spec.bases.map(() => 0);
  const statusCodes: Record<string, number> = {};
  let failed = 0;
  let firstError: string | null = null;
  const start = now();
  const deadline = start + spec.durationMs;
  let lastAnswer = start;
  await Promise.all(
    Array.from({ length: spec.writers }, async (_, w) => {
      const b = w % spec.bases.length;
      const cookie = spec.cookies[w % spec.cookies.length]!;
      // Writers start on different topics and each moves to the next topic after every reply.
      for (let j = 0; now() < deadline; j++) {
        const topicId = spec.topicIds[(w + j) % spec.topicIds.length]!;
        const body = `Cluster bench reply ${spec.tag}-${process.pid}-${bodySeq++}: a short reply with **some** markdown and a [link](https://example.com/${bodySeq}).`;
        const a = await postReply(spec.bases[b]!, topicId, cookie, spec.origin, body);
        lastAnswer = Math.max(lastAnswer, a.at);
        statusCodes[a.status] = (statusCodes[a.status] ?? 0) + 1;
        if (a.error !== null || a.id === null) {
          failed++;
          firstError ??= a.error;
          // A broken setup fails fast instead of hammering for the whole duration.
          if (failed > 50 && failed > acks.length) return;
          continue;
        }
        ackedPerBase[b]!++;
        acks.push({ id: a.id, channel: `topic:${topicId}`, at: a.at });
        ackMs.push(a.at - a.sentAt);
      }
    }),
  );
  const elapsedMs = lastAnswer - start;
  const base = {
    acked: acks.length,
    failed,
    statusCodes,
    firstError,
    elapsedMs,
    postsPerSec: elapsedMs > 0 ? (acks.length / elapsedMs) * 1000 : 0,
    ack: spread(ackMs),
    ackedPerBase,
  };
  if (!group || !spec.track) {
    receipts.clear();
    return { ...base, delivery: null, delivered: 0, expected: 0, postsComplete: 0, gaps: 0, duplicates: 0, drainMs: 0 };
  }
  const s = await settle(group, acks, readersPerChannel(group), spec.track.drainMs, before);
  return {
    ...base,
    delivery: spread(s.latencies),
    delivered: s.delivered,
    expected: s.expected,
    postsComplete: s.complete,
    gaps: s.gaps,
    duplicates: s.duplicates,
    drainMs: s.drainMs,
  };
}

/**
 * The ceiling: `inFlight` broadcast requests on the bare server's control socket, round-robin over
 * the groups; each is answered with the server's stamp taken right before its send loop.
 */
async function bare(spec: BareSpec): Promise<BareResult> {
  const group = groupOf(spec.group);
  const before = { gaps: group.gaps, duplicates: group.duplicates };
  receipts.clear();
  const control = await BareControl.open(spec.controlUrl);
  const acks: Ack[] = [];
  let n = 0;
  const start = now();
  const deadline = start + spec.durationMs;
  let lastAnswer = start;
  try {
    await Promise.all(
      Array.from({ length: spec.inFlight }, async () => {
        while (now() < deadline) {
          const k = n++;
          const id = 3_000_000_000 + k;
          const g = k % spec.groups;
          const stamp = await control.go(id, g);
          lastAnswer = Math.max(lastAnswer, now());
          // The stamp, not the answer's arrival: the answer queues behind the broadcast's own frames in this process.
          acks.push({ id, channel: `bare:${g}`, at: stamp });
        }
      }),
    );
  } finally {
    control.close();
  }
  const elapsedMs = lastAnswer - start;
  const s = await settle(group, acks, readersPerChannel(group), spec.drainMs, before);
  return {
    broadcasts: acks.length,
    elapsedMs,
    broadcastsPerSec: elapsedMs > 0 ? (acks.length / elapsedMs) * 1000 : 0,
    delivery: spread(s.latencies),
    delivered: s.delivered,
    expected: s.expected,
    gaps: s.gaps,
    duplicates: s.duplicates,
  };
}

async function handle(cmd: ClusterCommand): Promise<unknown> {
  switch (cmd.type) {
    case 'open':
      return open(cmd.spec);
    case 'close':
      return closeGroup(cmd.group);
    case 'write':
      return write(cmd.spec);
    case 'bare':
      return bare(cmd.spec);
  }
}

process.on('message', (raw) => {
  const cmd = raw as ClusterCommand;
  handle(cmd).then(
    (result) => process.send?.({ id: cmd.id, ok: true, result } satisfies ClusterReply),
    (err: unknown) => process.send?.({ id: cmd.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies ClusterReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
