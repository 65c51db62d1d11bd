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
import { WebSocket } from 'ws';

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

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
export interface OpenResult {
  ready: number;
  failed: number;
  ms: number;
  firstError: string | null;
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

export interface GroupStats {
  open: number;
  closed: number;
  closeCodes: Record<string, number>;
  errors: number;
  gaps: number;
  duplicates: number;
  serverErrors: string[];
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

interface Reader {
  ws: WebSocket;
  channel: string | null;
  /** Last seq seen on the channel (from `subscribed`, then every event). */
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

/** Receipts of one event (a post id, or a bare broadcast's seq) across every socket of this process. */
interface Receipt {
  count: number;
  first: number;
  last: number;
}

const groups = new Map<string, Group>();
const receipts = new Map<number, Receipt>();
let waiter: { id: number; expected: number; resolve: () => void } | null = null;
let messageBytes: number | null = null;

const EVENT_HEAD = /^\{"type":"event","channel":"([^"]+)","seq":(\d+),"event":"([^"]+)","data":\{"id":(\d+)[,}]/;
const COUNTED = new Set(['post.created', 'broadcast']);

function record(group: Group, reader: Reader, channel: string, seq: number, event: string, id: number | null, bytes: number): void {
  if (reader.channel === null || channel === reader.channel) {
    if (reader.lastSeq !== null) {
      if (seq <= reader.lastSeq) group.duplicates++;
      else if (seq !== reader.lastSeq + 1) group.gaps++;
    }
    reader.lastSeq = Math.max(seq, reader.lastSeq ?? 0);
  }
  if (id === null || !COUNTED.has(event)) return;
  const t = now();
  let r = receipts.get(id);
  if (!r) receipts.set(id, (r = { count: 0, first: t, last: t }));
  r.count++;
  r.last = t;
  if (messageBytes === null) messageBytes = bytes;
  if (waiter && waiter.id === id && r.count >= waiter.expected) {
    const w = waiter;
    waiter = null;
    w.resolve();
  }
}

/**
 * The hot path reads the event's channel, seq, name and data.id from the first bytes of the
 * frame (the layout both servers produce) and parses JSON only for anything else, so that the
 * client's cost per message is small and the same for the bare server and for Parley.
 */
function onMessage(group: Group, reader: Reader, data: Buffer, onReady: ((err: string | null) => void) | null): void {
  const head = data.toString('latin1', 0, Math.min(data.length, 200));
  const m = EVENT_HEAD.exec(head);
  if (m) {
    record(group, reader, m[1]!, Number(m[2]), m[3]!, Number(m[4]), data.length);
    return;
  }
  let msg: { type?: string; channel?: string; seq?: number; event?: string; data?: { id?: unknown } | null; code?: string; message?: string };
  try {
    msg = JSON.parse(data.toString('utf8')) as typeof msg;
  } catch {
    group.serverErrors.push(`unparseable frame: ${head.slice(0, 80)}`);
    return;
  }
  switch (msg.type) {
    case 'subscribed':
      if (msg.channel === reader.channel) {
        reader.lastSeq = Number(msg.seq);
        onReady?.(null);
      }
      return;
    case 'event': {
      const id = msg.data && typeof msg.data.id === 'number' ? msg.data.id : null;
      record(group, reader, String(msg.channel), Number(msg.seq), String(msg.event), id, data.length);
      return;
    }
    case 'error':
      if (group.serverErrors.length < 20) group.serverErrors.push(`${msg.code}: ${msg.message}`);
      onReady?.(`server answered the subscribe with ${msg.code}: ${msg.message}`);
      return;
    case 'reset':
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

function openOne(group: Group, spec: OpenSpec, channel: string | null, url = spec.url, subscribe = channel !== null): Promise<string | null> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (err: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(err);
    };
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: spec.timeoutMs,
      ...(spec.origin ? { origin: spec.origin } : {}),
    });
    const reader: Reader = { ws, channel, lastSeq: null, open: false };
    const timer = setTimeout(() => {
      done(`not ready within ${spec.timeoutMs} ms`);
      ws.terminate();
    }, spec.timeoutMs);
    ws.on('open', () => {
      reader.open = true;
      group.readers.push(reader);
      if (!subscribe) done(null);
      else ws.send(JSON.stringify({ type: 'subscribe', channel }));
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      onMessage(group, reader, data, settled ? null : done);
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
  for (let i = 0; i < spec.count; i += spec.batch) {
    const n = Math.min(spec.batch, spec.count - i);
    const results = await Promise.all(
      Array.from({ length: n }, (_, j) => {
        const k = i + j;
        if (spec.bareGroups) {
          const g = k % spec.bareGroups;
          return openOne(group, spec, `bare:${g}`, `${spec.url}?g=${g}`, false);
        }
        return openOne(group, spec, spec.channels ? spec.channels[k % spec.channels.length]! : null);
      }),
    );
    for (const r of results) {
      if (r === null) ready++;
      else {
        failed++;
        firstError ??= r;
      }
    }
    if (failed > spec.count * 0.01) break;
  }
  return { ready, failed, ms: now() - t0, firstError };
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

function statsOf(name: string): GroupStats {
  const g = groups.get(name);
  if (!g) return { open: 0, closed: 0, closeCodes: {}, errors: 0, gaps: 0, duplicates: 0, serverErrors: [] };
  const closeCodes: Record<string, number> = {};
  for (const [code, n] of g.closeCodes) closeCodes[code] = n;
  const open = g.readers.filter((r) => r.open).length;
  return {
    open,
    closed: g.readers.length - open,
    closeCodes,
    errors: g.errors,
    gaps: g.gaps,
    duplicates: g.duplicates,
    serverErrors: g.serverErrors.slice(0, 5),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Resolves when `expected` sockets have received event `id`, or after timeoutMs. */
function waitFor(id: number, expected: number, timeoutMs: number): Promise<void> {
  const r = receipts.get(id);
  if (r && r.count >= expected) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiter = null;
      resolve();
    }, timeoutMs);
    waiter = {
      id,
      expected,
      resolve: () => {
        clearTimeout(timer);
        resolve();
      },
    };
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

interface PostAnswer {
  status: number;
  id: number | null;
  ackAt: number;
  sentAt: number;
  error: string | null;
}

/** POSTs one reply; ackAt is taken when fetch() resolves, i.e. when the response head has arrived. */
async function postReply(base: string, topicId: number, cookie: string, origin: string, body: string): Promise<PostAnswer> {
  const sentAt = now();
  try {
    const res = await fetch(`${base}/api/topics/${topicId}/posts`, {
      method: 'POST',
      headers: { cookie, origin, 'content-type': 'application/json' },
      body: JSON.stringify({ body }),
    });
    const ackAt = now();
    const text = await res.text();
    if (res.status !== 201) return { status: res.status, id: null, ackAt, sentAt, error: `${res.status}: ${text.slice(0, 200)}` };
    const id = (JSON.parse(text) as { post?: { id?: number } }).post?.id;
    return { status: res.status, id: typeof id === 'number' ? id : null, ackAt, sentAt, error: typeof id === 'number' ? null : 'no post id in the answer' };
  } catch (err) {
    return {
      status: 0,
      id: null,
      ackAt: now(),
      sentAt,
      error:
        err instanceof Error
          ? `${err.message}${err.cause ? ` (${err.cause instanceof Error ? String(err.cause) : JSON.stringify(err.cause)})` : ''}`
          : String(err),
    };
  }
}

let bodySeq = 0;
const uniqueBody = (tag: string) =>
  `Live bench reply ${tag}-${process.pid}-${bodySeq++}: a short reply with **some** markdown and a [link](https://example.com/${bodySeq}).`;

/** A control socket to the bare server: `go` requests, answered with the server's stamp. */
class BareControl {
  private readonly answers = new Map<number, (stamp: number) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      // "sent <id> <server stamp>", sent once the broadcast is queued on every socket.
      const [, id, stamp] = data.toString().split(' ');
      this.answers.get(Number(id))?.(Number(stamp));
      this.answers.delete(Number(id));
    });
  }
  static async open(url: string): Promise<BareControl> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new BareControl(ws);
  }
  /** Asks for a broadcast of `id` to `group`; resolves with the server's stamp taken before its send loop. */
  go(id: number, group = 0): Promise<number> {
    return new Promise((resolve) => {
      this.answers.set(id, resolve);
      this.ws.send(`go ${id} ${group}`);
    });
  }
  close(): void {
    this.ws.close();
  }
}

/** One bare broadcast to every client of `group`, waited for; adds it to `out` when measured. */
async function bareOnce(control: BareControl, readers: number, id: number, measured: boolean, out: LatencyResult, timeoutMs: number): Promise<void> {
  const start = now();
  const stampP = control.go(id);
  await waitFor(id, readers, timeoutMs);
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
  await waitFor(a.id, readers, spec.timeoutMs);
  const r = receipts.get(a.id);
  receipts.delete(a.id);
  if (!measured) return true;
  out.measured++;
  out.expected += readers;
  out.delivered += r?.count ?? 0;
  out.ackMs.push(a.ackAt - a.sentAt);
  if (!r || r.count < readers) out.incomplete++;
  else {
    out.latencies.push(r.last - a.ackAt);
    out.firstLatencies.push(r.first - a.ackAt);
    out.fromSend.push(r.last - a.sentAt);
  }
  return true;
}

/** The ceiling alone: the bare server broadcasts, one broadcast at a time, `spacingMs` apart. */
async function bareRun(spec: BareRunSpec): Promise<LatencyResult> {
  const readers = groupOf(spec.group).readers.filter((r) => r.open).length;
  const out = emptyLatency(readers);
  receipts.clear();
  messageBytes = null;
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
  out.messageBytes = messageBytes;
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
  messageBytes = null;
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
        if (bare.messageBytes === null) bare.messageBytes = messageBytes;
        await sleep(start + spec.spacingMs - now());
      }
      const start = now();
      messageBytes = null;
      const ok = await postOnce(spec, readers, measured, out);
      parleyBytes ??= messageBytes;
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

/** Readers per channel among the group's open sockets. */
function readersPerChannel(group: Group): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of group.readers) if (r.open && r.channel) out.set(r.channel, (out.get(r.channel) ?? 0) + 1);
  return out;
}

interface Ack {
  id: number;
  channel: string;
  ackAt: number;
}

/**
 * After a sustained run: waits (at most drainMs) until every acknowledged event reached every
 * reader of its channel, then counts (reader, event) deliveries and the ack → all-readers latency.
 */
async function settle(group: Group, acks: Ack[], perChannel: Map<string, number>, drainMs: number, counts: { gaps0: number; dups0: number }) {
  const drain0 = now();
  const missing = () => acks.some((a) => (receipts.get(a.id)?.count ?? 0) < (perChannel.get(a.channel) ?? 0));
  while (now() - drain0 < drainMs && missing()) await sleep(20);
  let delivered = 0;
  let expected = 0;
  let postsComplete = 0;
  const latencies: number[] = [];
  for (const a of acks) {
    const want = perChannel.get(a.channel) ?? 0;
    const r = receipts.get(a.id);
    expected += want;
    delivered += Math.min(r?.count ?? 0, want);
    if (r && r.count >= want) {
      postsComplete++;
      latencies.push(r.last - a.ackAt);
    }
  }
  receipts.clear();
  return {
    delivered,
    expected,
    postsComplete,
    latencies,
    drainMs: now() - drain0,
    gaps: group.gaps - counts.gaps0,
    duplicates: group.duplicates - counts.dups0,
  };
}

/** Sustained posting from `connections` concurrent loops, then a drain and a delivery check. */
async function sustain(spec: SustainSpec): Promise<SustainResult> {
  const group = groupOf(spec.group);
  const perChannel = readersPerChannel(group);
  const counts = { gaps0: group.gaps, dups0: group.duplicates };
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
        lastAnswer = Math.max(lastAnswer, a.ackAt);
        statusCodes[a.status] = (statusCodes[a.status] ?? 0) + 1;
        if (a.error || a.id === null) {
          failed++;
          firstError ??= a.error;
          if (failed > 50 && failed > acks.length) return;
          continue;
        }
        acks.push({ id: a.id, channel: `topic:${topicId}`, ackAt: a.ackAt });
        ackMs.push(a.ackAt - a.sentAt);
      }
    }),
  );
  const elapsedMs = lastAnswer - start;
  const settled = await settle(group, acks, perChannel, spec.drainMs, counts);
  return {
    acked: acks.length,
    failed,
    statusCodes,
    firstError,
    elapsedMs,
    postsPerSec: elapsedMs > 0 ? (acks.length / elapsedMs) * 1000 : 0,
    ackMs,
    ...settled,
  };
}

/** The same loop against the bare server: each "post" is a broadcast request answered once the sends are queued. */
async function bareSustain(spec: BareSustainSpec): Promise<SustainResult> {
  const group = groupOf(spec.group);
  const perChannel = readersPerChannel(group);
  const counts = { gaps0: group.gaps, dups0: group.duplicates };
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
          acks.push({ id, channel: `bare:${g}`, ackAt });
          ackMs.push(ackAt - sentAt);
        }
      }),
    );
  } finally {
    control.close();
  }
  const elapsedMs = lastAnswer - start;
  const settled = await settle(group, acks, perChannel, spec.drainMs, counts);
  return {
    acked: acks.length,
    failed: 0,
    statusCodes: {},
    firstError: null,
    elapsedMs,
    postsPerSec: elapsedMs > 0 ? (acks.length / elapsedMs) * 1000 : 0,
    ackMs,
    ...settled,
  };
}

async function handle(cmd: WorkerCommand): Promise<unknown> {
  switch (cmd.type) {
    case 'open':
      return open(cmd.spec);
    case 'close':
      return close(cmd.group);
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
