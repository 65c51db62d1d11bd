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
import { WebSocket } from 'ws';

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

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
export interface OpenResult {
  ready: number;
  failed: number;
  ms: number;
  firstError: string | null;
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

export interface GroupStats {
  open: number;
  closed: number;
  closeCodes: Record<string, number>;
  errors: number;
  gaps: number;
  duplicates: number;
  serverErrors: string[];
}

export type ClusterCommand =
  | { type: 'open'; id: number; spec: OpenSpec }
  | { type: 'close'; id: number; group: string }
  | { type: 'write'; id: number; spec: WriteSpec }
  | { type: 'bare'; id: number; spec: BareSpec };

export type ClusterReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

interface Reader {
  ws: WebSocket;
  channel: string;
  lastSeq: number | null;
  open: boolean;
}

interface Group {
  readers: Reader[];
  closeCodes: Map<number, number>;
  errors: number;
  gaps: number;
  duplicates: number;
  serverErrors: string[];
}

/** Receipts of one event (a post id, or a bare broadcast's id) across every socket of this process. */
interface Receipt {
  count: number;
  last: number;
}

const groups = new Map<string, Group>();
const receipts = new Map<number, Receipt>();
const COUNTED = new Set(['post.created', 'broadcast']);
// The layout both servers send (type, channel, seq, event, data.id first): read without JSON.parse,
// so a receipt costs this process the same for the bare server and for Parley.
const EVENT_HEAD = /^\{"type":"event","channel":"([^"]+)","seq":(\d+),"event":"([^"]+)","data":\{"id":(\d+)[,}]/;

export function spread(values: number[]): Spread {
  if (!values.length) return { n: 0, p50: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  const r = (n: number) => Math.round(n * 100) / 100;
  return { n: sorted.length, p50: r(rank(50)), p99: r(rank(99)), max: r(sorted[sorted.length - 1]!) };
}

function record(group: Group, reader: Reader, channel: string, seq: number, event: string, id: number | null): void {
  if (channel === reader.channel) {
    if (reader.lastSeq !== null) {
      if (seq <= reader.lastSeq) group.duplicates++;
      else if (seq !== reader.lastSeq + 1) group.gaps++;
    }
    reader.lastSeq = Math.max(seq, reader.lastSeq ?? 0);
  }
  if (id === null || !COUNTED.has(event)) return;
  const t = now();
  const r = receipts.get(id);
  if (r) {
    r.count++;
    r.last = t;
  } else receipts.set(id, { count: 1, last: t });
}

function onMessage(group: Group, reader: Reader, data: Buffer, onReady: ((err: string | null) => void) | null): void {
  const head = data.toString('latin1', 0, Math.min(data.length, 200));
  const m = EVENT_HEAD.exec(head);
  if (m) {
    record(group, reader, m[1]!, Number(m[2]), m[3]!, Number(m[4]));
    return;
  }
  let msg: { type?: string; channel?: string; seq?: number; event?: string; data?: { id?: unknown } | null; code?: string; message?: string };
  try {
    msg = JSON.parse(data.toString('utf8')) as typeof msg;
  } catch {
    if (group.serverErrors.length < 20) group.serverErrors.push(`unparseable frame: ${head.slice(0, 80)}`);
    return;
  }
  switch (msg.type) {
    case 'subscribed':
      if (msg.channel === reader.channel) {
        reader.lastSeq = Number(msg.seq);
        onReady?.(null);
      }
      return;
    case 'event':
      record(group, reader, String(msg.channel), Number(msg.seq), String(msg.event), msg.data && typeof msg.data.id === 'number' ? msg.data.id : null);
      return;
    case 'error':
      if (group.serverErrors.length < 20) group.serverErrors.push(`${msg.code}: ${msg.message}`);
      onReady?.(`server answered the subscribe with ${msg.code}: ${msg.message}`);
      return;
    case 'reset':
      // The server could not replay what this reader missed: a delivery guarantee broken, counted as a gap.
      group.gaps++;
      reader.lastSeq = Number(msg.seq);
      return;
    default:
      return; // presence, pong…
  }
}

function groupOf(name: string): Group {
  let g = groups.get(name);
  if (!g) groups.set(name, (g = { readers: [], closeCodes: new Map(), errors: 0, gaps: 0, duplicates: 0, serverErrors: [] }));
  return g;
}

function openOne(group: Group, spec: OpenSpec, socket: SocketSpec): Promise<string | null> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (err: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(err);
    };
    const ws = new WebSocket(socket.url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: spec.timeoutMs,
      ...(spec.origin ? { origin: spec.origin } : {}),
    });
    const reader: Reader = { ws, channel: socket.channel, lastSeq: null, open: false };
    const timer = setTimeout(() => {
      done(`not ready within ${spec.timeoutMs} ms`);
      ws.terminate();
    }, spec.timeoutMs);
    ws.on('open', () => {
      reader.open = true;
      group.readers.push(reader);
      if (spec.subscribe) ws.send(JSON.stringify({ type: 'subscribe', channel: socket.channel }));
      else done(null);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) onMessage(group, reader, data, settled ? null : done);
    });
    ws.on('error', (err) => {
      group.errors++;
      done(err.message || 'socket error');
    });
    ws.on('close', (code) => {
      if (reader.open) group.closeCodes.set(code, (group.closeCodes.get(code) ?? 0) + 1);
      reader.open = false;
      done(`closed with ${code} before ready`);
    });
  });
}

async function open(spec: OpenSpec): Promise<OpenResult> {
  const group = groupOf(spec.group);
  const t0 = now();
  let ready = 0;
  let failed = 0;
  let firstError: string | null = null;
  for (let i = 0; i < spec.sockets.length; i += spec.batch) {
    const results = await Promise.all(spec.sockets.slice(i, i + spec.batch).map((s) => openOne(group, spec, s)));
    for (const r of results) {
      if (r === null) ready++;
      else {
        failed++;
        firstError ??= r;
      }
    }
    if (failed > spec.sockets.length * 0.01) break;
  }
  return { ready, failed, ms: now() - t0, firstError };
}

function statsOf(name: string): GroupStats {
  const g = groups.get(name);
  if (!g) return { open: 0, closed: 0, closeCodes: {}, errors: 0, gaps: 0, duplicates: 0, serverErrors: [] };
  const open = g.readers.filter((r) => r.open).length;
  return {
    open,
    closed: g.readers.length - open,
    closeCodes: Object.fromEntries(g.closeCodes),
    errors: g.errors,
    gaps: g.gaps,
    duplicates: g.duplicates,
    serverErrors: g.serverErrors.slice(0, 5),
  };
}

async function close(name: string): Promise<GroupStats> {
  const stats = statsOf(name);
  const group = groups.get(name);
  if (!group) return stats;
  await Promise.all(
    group.readers.map(
      (r) =>
        new Promise<void>((resolve) => {
          if (r.ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            r.ws.terminate();
            resolve();
          }, 2000);
          r.ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          r.ws.close(1000);
        }),
    ),
  );
  groups.delete(name);
  return stats;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function readersPerChannel(group: Group): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of group.readers) if (r.open) out.set(r.channel, (out.get(r.channel) ?? 0) + 1);
  return out;
}

interface Ack {
  id: number;
  channel: string;
  at: number;
}

/**
 * Waits (at most drainMs) until every acknowledged event reached every reader of its channel,
 * then counts (reader, event) deliveries and the ack → last reader latency of complete events.
 */
async function settle(group: Group, acks: Ack[], drainMs: number, before: { gaps: number; duplicates: number }) {
  const perChannel = readersPerChannel(group);
  const drain0 = now();
  const missing = () => acks.some((a) => (receipts.get(a.id)?.count ?? 0) < (perChannel.get(a.channel) ?? 0));
  while (now() - drain0 < drainMs && missing()) await sleep(20);
  let delivered = 0;
  let expected = 0;
  let complete = 0;
  const latencies: number[] = [];
  for (const a of acks) {
    const want = perChannel.get(a.channel) ?? 0;
    const r = receipts.get(a.id);
    expected += want;
    delivered += Math.min(r?.count ?? 0, want);
    if (r && r.count >= want) {
      complete++;
      latencies.push(r.last - a.at);
    }
  }
  receipts.clear();
  return {
    delivered,
    expected,
    complete,
    latencies,
    drainMs: now() - drain0,
    gaps: group.gaps - before.gaps,
    duplicates: group.duplicates - before.duplicates,
  };
}

let bodySeq = 0;

async function postReply(base: string, topicId: number, cookie: string, origin: string, body: string) {
  const sentAt = now();
  try {
    const res = await fetch(`${base}/api/topics/${topicId}/posts`, {
      method: 'POST',
      headers: { cookie, origin, 'content-type': 'application/json' },
      body: JSON.stringify({ body }),
    });
    const at = now();
    const text = await res.text();
    if (res.status !== 201) return { status: res.status, id: null, sentAt, at, error: `${res.status}: ${text.slice(0, 200)}` };
    const id = (JSON.parse(text) as { post?: { id?: number } }).post?.id;
    return typeof id === 'number' ? { status: 201, id, sentAt, at, error: null } : { status: 201, id: null, sentAt, at, error: 'no post id in the answer' };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return { status: 0, id: null, sentAt, at: now(), error: `${err instanceof Error ? err.message : String(err)}${cause}` };
  }
}

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
  const s = await settle(group, acks, spec.track.drainMs, before);
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
  const ws = new WebSocket(spec.controlUrl, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const answers = new Map<number, (stamp: number) => void>();
  ws.on('message', (data: Buffer) => {
    // "sent <id> <stamp>"
    const [, id, stamp] = data.toString().split(' ');
    answers.get(Number(id))?.(Number(stamp));
    answers.delete(Number(id));
  });
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
          const stamp = await new Promise<number>((resolve) => {
            answers.set(id, resolve);
            ws.send(`go ${id} ${g}`);
          });
          lastAnswer = Math.max(lastAnswer, now());
          // The stamp, not the answer's arrival: the answer queues behind the broadcast's own frames in this process.
          acks.push({ id, channel: `bare:${g}`, at: stamp });
        }
      }),
    );
  } finally {
    ws.close();
  }
  const elapsedMs = lastAnswer - start;
  const s = await settle(group, acks, spec.drainMs, before);
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
      return close(cmd.group);
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
