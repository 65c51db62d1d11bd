/**
 * Child process of the live bench (bench/live.ts): holds WebSocket clients, and posts replies
 * itself, so that every time it compares (HTTP ack, socket receipt) is read in this process.
 *
 * Clock: `now()` is process.hrtime.bigint() in ms, i.e. CLOCK_MONOTONIC, which on Linux is one
 * clock for every process of the machine. The bare ws server (bench/live-bare.ts) stamps its
 * broadcasts with the same clock, so "server stamp → last client received" is a difference of
 * two readings of one clock even though they are taken in two processes.
 *
 * Commands arrive over IPC (see WorkerCommand); each is answered with { id, ok, result | error }.
 * Exits when the parent disconnects.
 */
import {
  BareControl,
  closeGroup,
  eventBytes,
  groupOf,
  now,
  openSockets,
  postReply,
  readersPerChannel,
  receipts,
  resetEventBytes,
  settle,
  sleep,
  statsOf,
  waitForReceipts,
  type Ack,
  type GroupStats,
  type OpenResult,
} from './live-readers.js';

export type { GroupStats, OpenResult };

export interface OpenSpec {
  group: string;
  url: string;
  count: number;
  origin?: string;
  /** Socket i subscribes to channels[i % channels.length]; without channels a socket is ready once open (bare server). */
  channels?: string[];
  /** Bare server only: socket i joins group i % bareGroups (`?g=`), its channel is then `bare:<group>`. */
  bareGroups?: number;
  /** Sockets opened concurrently; the next batch starts when this one is ready. */
  batch: number;
  timeoutMs: number;
}
export interface BareRunSpec {
  group: string;
  /** ws:// URL of the bare server's control endpoint. */
  controlUrl: string;
  warmup: number;
  count: number;
  spacingMs: number;
  timeoutMs: number;
  maxMs: number;
}
export interface PostRunSpec {
  group: string;
  base: string;
  topicId: number;
  cookie: string;
  origin: string;
  tag: string;
  warmup: number;
  count: number;
  spacingMs: number;
  timeoutMs: number;
  maxMs: number;
  /** Alternate every post with one broadcast of the bare server to this group of clients. */
  interleave?: { group: string; controlUrl: string };
}
export interface LatencyResult {
  /** ms from the start stamp (server stamp for bare, HTTP ack for Parley) to the last of the readers receiving it. */
  latencies: number[];
  /** ms from the start stamp to the first reader receiving it. */
  firstLatencies: number[];
  /** Parley only: ms from sending the POST to the last reader receiving it; bare: from the control message being sent. */
  fromSend: number[];
  /** Parley only: POST round trips (send → 201), ms. */
  ackMs: number[];
  readers: number;
  measured: number;
  incomplete: number;
  delivered: number;
  expected: number;
  errors: string[];
  /** Bytes of one event message as received. */
  messageBytes: number | null;
}

export interface SustainSpec {
  group: string;
  base: string;
  topicIds: number[];
  cookies: string[];
  origin: string;
  tag: string;
  connections: number;
  durationMs: number;
  drainMs: number;
}
/** The bare server's sustained fan-out: `connections` broadcast requests in flight, round-robin over the groups. */
export interface BareSustainSpec {
  group: string;
  controlUrl: string;
  groups: number;
  connections: number;
  durationMs: number;
  drainMs: number;
}

export interface SustainResult {
  acked: number;
  failed: number;
  statusCodes: Record<string, number>;
  firstError: string | null;
  /** From the first POST sent to the last answer received. */
  elapsedMs: number;
  postsPerSec: number;
  /** ack → every reader of the post's topic received it, for posts that reached all of them. */
  latencies: number[];
  ackMs: number[];
  delivered: number;
  expected: number;
  postsComplete: number;
  gaps: number;
  duplicates: number;
  drainMs: number;
}

export type WorkerCommand =
  | { type: 'open'; id: number; spec: OpenSpec }
  | { type: 'close'; id: number; group: string }
  | { type: 'stats'; id: number; group: string }
  | { type: 'bare'; id: number; spec: BareRunSpec }
  | { type: 'posts'; id: number; spec: PostRunSpec }
  | { type: 'sustain'; id: number; spec: SustainSpec }
  | { type: 'bareSustain'; id: number; spec: BareSustainSpec };

export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Parley's readers subscribe to their channel; the bare server's join a group by URL and are ready once open. */
function open(spec: OpenSpec): Promise<OpenResult> {
  const common = { origin: spec.origin, timeoutMs: spec.timeoutMs };
  return openSockets(groupOf(spec.group), spec.count, spec.batch, (k) => {
    if (spec.bareGroups) {
      const g = k % spec.bareGroups;
      return { ...common, url: `${spec.url}?g=${g}`, channel: `bare:${g}`, subscribe: false };
    }
    const channel = spec.channels ? spec.channels[k % spec.channels.length]! : null;
    return { ...common, url: spec.url, channel, subscribe: channel !== null };
  });
}

function emptyLatency(readers: number): LatencyResult {
  return {
    latencies: [],
    firstLatencies: [],
    fromSend: [],
    ackMs: [],
    readers,
    measured: 0,
    incomplete: 0,
    delivered: 0,
    expected: 0,
    errors: [],
    messageBytes: null,
  };
}

let bodySeq = 0;
const uniqueBody = (tag: string) =>
  `Live bench reply ${tag}-${process.pid}-${bodySeq++}: a short reply with **some** markdown and a [link](https://example.com/${bodySeq}).`;

/** One bare broadcast to every client of `group`, waited for; adds it to `out` when measured. */
async function bareOnce(control: BareControl, readers: number, id: number, measured: boolean, out: LatencyResult, timeoutMs: number): Promise<void> {
  const start = now();
  const stampP = control.go(id);
  await waitForReceipts(id, readers, timeoutMs);
  const stamp = await Promise.race([stampP, sleep(1000).then(() => undefined)]);
  const r = receipts.get(id);
  receipts.delete(id);
  if (!measured) return;
  out.measured++;
  out.expected += readers;
  out.delivered += r?.count ?? 0;
  if (!r || r.count < readers || stamp === undefined) out.incomplete++;
  else {
    out.latencies.push(r.last - stamp);
    out.firstLatencies.push(r.first - stamp);
    out.fromSend.push(r.last - start);
  }
}

/** One Parley post, its ack, and its post.created at every reader; false after a failed POST. */
async function postOnce(spec: PostRunSpec, readers: number, measured: boolean, out: LatencyResult): Promise<boolean> {
  const a = await postReply(spec.base, spec.topicId, spec.cookie, spec.origin, uniqueBody(spec.tag));
  if (a.error || a.id === null) {
    if (out.errors.length < 5) out.errors.push(a.error ?? 'no id');
    if (measured) {
      out.measured++;
      out.incomplete++;
      out.expected += readers;
    }
    return false;
  }
  await waitForReceipts(a.id, readers, spec.timeoutMs);
  const r = receipts.get(a.id);
  receipts.delete(a.id);
  if (!measured) return true;
  out.measured++;
  out.expected += readers;
  out.delivered += r?.count ?? 0;
  out.ackMs.push(a.at - a.sentAt);
  if (!r || r.count < readers) out.incomplete++;
  else {
    out.latencies.push(r.last - a.at);
    out.firstLatencies.push(r.first - a.at);
    out.fromSend.push(r.last - a.sentAt);
  }
  return true;
}

/** The ceiling alone: the bare server broadcasts, one broadcast at a time, `spacingMs` apart. */
async function bareRun(spec: BareRunSpec): Promise<LatencyResult> {
  const readers = groupOf(spec.group).readers.filter((r) => r.open).length;
  const out = emptyLatency(readers);
  receipts.clear();
  resetEventBytes();
  const control = await BareControl.open(spec.controlUrl);
  const t0 = now();
  try {
    for (let i = 0; i < spec.warmup + spec.count; i++) {
      if (now() - t0 > spec.maxMs) {
        out.errors.push(`stopped after ${i} broadcasts: over the ${spec.maxMs} ms budget`);
        break;
      }
      const start = now();
      await bareOnce(control, readers, 1_000_000 + bareSeq++, i >= spec.warmup, out, spec.timeoutMs);
      await sleep(start + spec.spacingMs - now());
    }
  } finally {
    control.close();
  }
  out.messageBytes = eventBytes();
  return out;
}
let bareSeq = 0;

/**
 * Parley: POST a reply, take the ack time when the answer arrives, wait for every reader to get the
 * event. With `interleave`, every post is preceded by one bare broadcast (its clients are another
 * group), so the ceiling and Parley are sampled alternately under the same machine conditions.
 */
async function postsRun(spec: PostRunSpec): Promise<{ parley: LatencyResult; bare: LatencyResult | null }> {
  const readers = groupOf(spec.group).readers.filter((r) => r.open).length;
  const out = emptyLatency(readers);
  const bareReaders = spec.interleave ? groupOf(spec.interleave.group).readers.filter((r) => r.open).length : 0;
  const bare = spec.interleave ? emptyLatency(bareReaders) : null;
  const control = spec.interleave ? await BareControl.open(spec.interleave.controlUrl) : null;
  receipts.clear();
  resetEventBytes();
  let parleyBytes: number | null = null;
  const t0 = now();
  let consecutiveFailures = 0;
  try {
    for (let i = 0; i < spec.warmup + spec.count; i++) {
      if (now() - t0 > spec.maxMs) {
        out.errors.push(`stopped after ${i} posts: over the ${spec.maxMs} ms budget`);
        break;
      }
      const measured = i >= spec.warmup;
      if (control && bare) {
        const start = now();
        await bareOnce(control, bareReaders, 1_000_000 + bareSeq++, measured, bare, spec.timeoutMs);
        if (bare.messageBytes === null) bare.messageBytes = eventBytes();
        await sleep(start + spec.spacingMs - now());
      }
      const start = now();
      resetEventBytes();
      const ok = await postOnce(spec, readers, measured, out);
      parleyBytes ??= eventBytes();
      if (!ok && ++consecutiveFailures >= 3) break;
      if (ok) consecutiveFailures = 0;
      await sleep(start + spec.spacingMs - now());
    }
  } finally {
    control?.close();
  }
  out.messageBytes = parleyBytes;
  return { parley: out, bare };
}

/** Sustained posting from `connections` concurrent loops, then a drain and a delivery check. */
async function sustain(spec: SustainSpec): Promise<SustainResult> {
  const group = groupOf(spec.group);
  const perChannel = readersPerChannel(group);
  const before = { gaps: group.gaps, duplicates: group.duplicates };
  receipts.clear();
  const acks: Ack[] = [];
  const ackMs: number[] = [];
  const statusCodes: Record<string, number> = {};
  let failed = 0;
  let firstError: string | null = null;
  let n = 0;
  const start = now();
  const deadline = start + spec.durationMs;
  let lastAnswer = start;
  await Promise.all(
    Array.from({ length: spec.connections }, async () => {
      while (now() < deadline) {
        const k = n++;
        const topicId = spec.topicIds[k % spec.topicIds.length]!;
        const cookie = spec.cookies[Math.floor(k / spec.topicIds.length) % spec.cookies.length]!;
        const a = await postReply(spec.base, topicId, cookie, spec.origin, uniqueBody(spec.tag));
        lastAnswer = Math.max(lastAnswer, a.at);
        statusCodes[a.status] = (statusCodes[a.status] ?? 0) + 1;
        if (a.error || a.id === null) {
          failed++;
          firstError ??= a.error;
          if (failed > 50 && failed > acks.length) return;
          continue;
        }
        acks.push({ id: a.id, channel: `topic:${topicId}`, at: a.at });
        ackMs.push(a.at - a.sentAt);
      }
    }),
  );
  const elapsedMs = lastAnswer - start;
  const { complete, ...settled } = await settle(group, acks, perChannel, spec.drainMs, before);
  return {
    acked: acks.length,
    failed,
    statusCodes,
    firstError,
    elapsedMs,
    postsPerSec: elapsedMs > 0 ? (acks.length / elapsedMs) * 1000 : 0,
    ackMs,
    postsComplete: complete,
    ...settled,
  };
}

/** The same loop against the bare server: each "post" is a broadcast request answered once the sends are queued. */
async function bareSustain(spec: BareSustainSpec): Promise<SustainResult> {
  const group = groupOf(spec.group);
  const perChannel = readersPerChannel(group);
  const before = { gaps: group.gaps, duplicates: group.duplicates };
  receipts.clear();
  const control = await BareControl.open(spec.controlUrl);
  const acks: Ack[] = [];
  const ackMs: number[] = [];
  let n = 0;
  const start = now();
  const deadline = start + spec.durationMs;
  let lastAnswer = start;
  try {
    await Promise.all(
      Array.from({ length: spec.connections }, async () => {
        while (now() < deadline) {
          const k = n++;
          const id = 2_000_000 + k;
          const g = k % spec.groups;
          const sentAt = now();
          await control.go(id, g);
          const ackAt = now();
          lastAnswer = Math.max(lastAnswer, ackAt);
          acks.push({ id, channel: `bare:${g}`, at: ackAt });
          ackMs.push(ackAt - sentAt);
        }
      }),
    );
  } finally {
    control.close();
  }
  const elapsedMs = lastAnswer - start;
  const { complete, ...settled } = await settle(group, acks, perChannel, spec.drainMs, before);
  return {
    acked: acks.length,
    failed: 0,
    statusCodes: {},
    firstError: null,
    elapsedMs,
    postsPerSec: elapsedMs > 0 ? (acks.length / elapsedMs) * 1000 : 0,
    ackMs,
    postsComplete: complete,
    ...settled,
  };
}

async function handle(cmd: WorkerCommand): Promise<unknown> {
  switch (cmd.type) {
    case 'open':
      return open(cmd.spec);
    case 'close':
      return closeGroup(cmd.group);
    case 'stats':
      return statsOf(cmd.group);
    case 'bare':
      return bareRun(cmd.spec);
    case 'posts':
      return postsRun(cmd.spec);
    case 'sustain':
      return sustain(cmd.spec);
    case 'bareSustain':
      return bareSustain(cmd.spec);
  }
}

process.on('message', (raw) => {
  const cmd = raw as WorkerCommand;
  handle(cmd).then(
    (result) => process.send?.({ id: cmd.id, ok: true, result } satisfies WorkerReply),
    (err: unknown) => process.send?.({ id: cmd.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
