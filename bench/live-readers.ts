/**
 * The WebSocket readers of the live and cluster load processes (bench/live-worker.ts,
 * bench/cluster-worker.ts): sockets opened in named groups, every event counted per socket
 * (receipts by the event's data.id, gaps and duplicates by its seq), the POST of one reply, and the
 * delivery check after a run. Each load process holds one set of groups and receipts.
 *
 * Clock: `now()` is process.hrtime.bigint() in ms, i.e. CLOCK_MONOTONIC, which on Linux is one
 * clock for every process of the machine: a bare server's send stamp and a receipt here are two
 * readings of one clock though taken in two processes.
 */
import { WebSocket } from 'ws';

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface GroupStats {
  open: number;
  closed: number;
  closeCodes: Record<string, number>;
  errors: number;
  gaps: number;
  duplicates: number;
  serverErrors: string[];
}

interface Reader {
  ws: WebSocket;
  /** The channel it subscribed to (bare: its group's `bare:<g>`); null: counts every channel's events. */
  channel: string | null;
  /** Last seq seen on the channel (from `subscribed`, then every event). */
  lastSeq: number | null;
  open: boolean;
}

export interface Group {
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
  first: number;
  last: number;
}

const groups = new Map<string, Group>();
export const receipts = new Map<number, Receipt>();
let waiter: { id: number; expected: number; resolve: () => void } | null = null;
let messageBytes: number | null = null;

/** Bytes of one counted event as received (the first since resetEventBytes), null before any. */
export const eventBytes = (): number | null => messageBytes;
export const resetEventBytes = (): void => {
  messageBytes = null;
};

// The layout both servers send (type, channel, seq, event, data.id first): read without JSON.parse.
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
 * frame and parses JSON only for anything else, so that the client's cost per message is small
 * and the same for the bare server and for Parley.
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
      // The server could not replay what this reader missed: a delivery guarantee broken, counted as a gap.
      group.gaps++;
      reader.lastSeq = Number(msg.seq);
      return;
    default:
      return; // presence, pong…
  }
}

export function groupOf(name: string): Group {
  let g = groups.get(name);
  if (!g) groups.set(name, (g = { readers: [], closeCodes: new Map(), errors: 0, gaps: 0, duplicates: 0, serverErrors: [] }));
  return g;
}

export interface SocketOptions {
  url: string;
  channel: string | null;
  /** Send `subscribe` and count the socket ready on `subscribed` (Parley), or ready once open (bare). */
  subscribe: boolean;
  origin?: string | undefined;
  timeoutMs: number;
}

/** Opens one reader into the group: null once it is ready, else why it is not. */
export function openSocket(group: Group, socket: SocketOptions): Promise<string | null> {
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
      handshakeTimeout: socket.timeoutMs,
      ...(socket.origin ? { origin: socket.origin } : {}),
    });
    const reader: Reader = { ws, channel: socket.channel, lastSeq: null, open: false };
    const timer = setTimeout(() => {
      done(`not ready within ${socket.timeoutMs} ms`);
      ws.terminate();
    }, socket.timeoutMs);
    ws.on('open', () => {
      reader.open = true;
      group.readers.push(reader);
      if (socket.subscribe) ws.send(JSON.stringify({ type: 'subscribe', channel: socket.channel }));
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

/** How opening a group's sockets went: ready, refused or timed out, how long it took, and why the first failed. */
export interface OpenResult {
  ready: number;
  failed: number;
  ms: number;
  firstError: string | null;
}

/** Opens `count` readers, `batch` handshakes at a time; stops early once more than 1% failed. */
export async function openSockets(group: Group, count: number, batch: number, socketAt: (i: number) => SocketOptions): Promise<OpenResult> {
  const t0 = now();
  let ready = 0;
  let failed = 0;
  let firstError: string | null = null;
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    const results = await Promise.all(Array.from({ length: n }, (_, j) => openSocket(group, socketAt(i + j))));
    for (const r of results) {
      if (r === null) ready++;
      else {
        failed++;
        firstError ??= r;
      }
    }
    if (failed > count * 0.01) break;
  }
  return { ready, failed, ms: now() - t0, firstError };
}

export function statsOf(name: string): GroupStats {
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

/** Closes the group's sockets (each given 2 s for its closing handshake) and forgets the group. */
export async function closeGroup(name: string): Promise<GroupStats> {
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

/** Readers per channel among the group's open sockets. */
export function readersPerChannel(group: Group): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of group.readers) if (r.open && r.channel) out.set(r.channel, (out.get(r.channel) ?? 0) + 1);
  return out;
}

/** Resolves when `expected` sockets have received event `id`, or after timeoutMs. */
export function waitForReceipts(id: number, expected: number, timeoutMs: number): Promise<void> {
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

/** An acknowledged event: its id, the channel its readers are on, and when it was acknowledged. */
export interface Ack {
  id: number;
  channel: string;
  at: number;
}

/**
 * After a run: waits (at most drainMs) until every acknowledged event reached every reader of its
 * channel, then counts (reader, event) deliveries and the ack → last reader latency of the events
 * that reached all of them. Receipts are cleared for the next run.
 */
export async function settle(group: Group, acks: Ack[], perChannel: Map<string, number>, drainMs: number, before: { gaps: number; duplicates: number }) {
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

export interface PostAnswer {
  status: number;
  id: number | null;
  sentAt: number;
  /** When fetch() resolved, i.e. the response head arrived. */
  at: number;
  error: string | null;
}

/** POSTs one reply as `cookie`. */
export async function postReply(base: string, topicId: number, cookie: string, origin: string, body: string): Promise<PostAnswer> {
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
    const cause = err instanceof Error && err.cause ? ` (${err.cause instanceof Error ? err.cause.message : JSON.stringify(err.cause)})` : '';
    return { status: 0, id: null, sentAt, at: now(), error: `${err instanceof Error ? err.message : String(err)}${cause}` };
  }
}

/** A control socket to the bare server: `go` requests, answered with the server's stamp. */
export class BareControl {
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
