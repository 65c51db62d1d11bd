import { randomUUID } from 'node:crypto';
import type { Bus } from './bus.js';

/** How long a typing signal lasts, and how often each process re-announces itself. */
const TYPING_MS = 6000;
const HEARTBEAT_MS = 10_000;
/** A process not heard from for this long is counted out (it died or was partitioned). */
const STALE_MS = 25_000;
/** Presence messages to clients, at most this often per channel. */
const THROTTLE_MS = 1000;

interface NodeReport {
  readers: number;
  typing: string[];
  at: number;
}
type Listener = (channel: string, readers: number, typing: string[]) => void;

/**
 * Readers and typists per channel, across processes, never stored. Each process counts its
 * own sockets, announces its counts on the bus when they change (and every few seconds), and
 * adds up what the others announced. Clients get a throttled `presence` message on change.
 */
export class Presence {
  private readonly node = randomUUID();
  /** Per channel, this process's readers: socket id → handle (null for a guest). */
  private readonly local = new Map<string, Map<number, string | null>>();
  /** Per channel, until when its typists here type: socket id → time (kept apart: few readers ever type). */
  private readonly typists = new Map<string, Map<number, number>>();
  private readonly remote = new Map<string, Map<string, NodeReport>>();
  private readonly lastSent = new Map<string, string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly announceTimers = new Map<string, NodeJS.Timeout>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly bus: Bus,
    private readonly listener: Listener,
    private readonly throttleMs = THROTTLE_MS,
  ) {
    this.unsubscribe = bus.onPresence((payload) => this.onReport(payload));
    this.heartbeat = setInterval(() => {
      for (const channel of this.local.keys()) this.announce(channel);
      this.expire();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  join(channel: string, socketId: number, handle: string | null): void {
    let readers = this.local.get(channel);
    if (!readers) this.local.set(channel, (readers = new Map<number, string | null>()));
    readers.set(socketId, handle);
    this.typists.get(channel)?.delete(socketId);
    this.changed(channel);
  }

  leave(channel: string, socketId: number): void {
    const readers = this.local.get(channel);
    if (!readers?.delete(socketId)) return;
    const typists = this.typists.get(channel);
    if (typists?.delete(socketId) && typists.size === 0) this.typists.delete(channel);
    this.changed(channel);
    if (readers.size === 0) this.local.delete(channel);
  }

  typing(channel: string, socketId: number): void {
    if (!this.local.get(channel)?.get(socketId)) return;
    let typists = this.typists.get(channel);
    if (!typists) this.typists.set(channel, (typists = new Map<number, number>()));
    const wasTyping = (typists.get(socketId) ?? 0) > Date.now();
    typists.set(socketId, Date.now() + TYPING_MS);
    if (!wasTyping) this.changed(channel);
    // Typing ends on its own: recount when it would have.
    setTimeout(() => this.changed(channel), TYPING_MS + 50).unref();
  }

  /** The whole picture for a channel: this process plus every live peer. */
  snapshot(channel: string): { readers: number; typing: string[] } {
    const now = Date.now();
    const own = this.ownReport(channel, now);
    let readers = own.readers;
    const typing = new Set(own.typing);
    for (const report of this.remote.get(channel)?.values() ?? []) {
      if (now - report.at > STALE_MS) continue;
      readers += report.readers;
      report.typing.forEach((h) => typing.add(h));
    }
    return { readers, typing: [...typing].sort() };
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.timers.forEach((t) => clearTimeout(t));
    this.announceTimers.forEach((t) => clearTimeout(t));
    this.unsubscribe();
  }

  private ownReport(channel: string, now = Date.now()) {
    const readers = this.local.get(channel);
    const typing = new Set<string>();
    for (const [socketId, until] of this.typists.get(channel) ?? []) {
      const handle = readers?.get(socketId);
      if (handle && until > now) typing.add(handle);
    }
    return { readers: readers?.size ?? 0, typing: [...typing] };
  }

  private changed(channel: string): void {
    this.scheduleAnnounce(channel);
    this.scheduleNotify(channel);
  }

  private scheduleAnnounce(channel: string): void {
    if (this.announceTimers.has(channel)) return;
    this.announceTimers.set(
      channel,
      setTimeout(
        () => {
          this.announceTimers.delete(channel);
          this.announce(channel);
        },
        Math.min(this.throttleMs, 250),
      ),
    );
  }

  private announce(channel: string): void {
    const own = this.ownReport(channel);
    this.bus.publishPresence(JSON.stringify({ node: this.node, channel, ...own }));
  }

  private onReport(payload: string): void {
    let report: { node?: unknown; channel?: unknown; readers?: unknown; typing?: unknown };
    try {
      report = JSON.parse(payload) as typeof report;
    } catch {
      return;
    }
    if (report.node === this.node || typeof report.channel !== 'string' || typeof report.node !== 'string') return;
    if (typeof report.readers !== 'number' || !Array.isArray(report.typing)) return;
    let nodes = this.remote.get(report.channel);
    if (!nodes) this.remote.set(report.channel, (nodes = new Map<string, NodeReport>()));
    if (report.readers === 0) nodes.delete(report.node);
    else
      nodes.set(report.node, { readers: report.readers, typing: report.typing.filter((h): h is string => typeof h === 'string').slice(0, 50), at: Date.now() });
    if (nodes.size === 0) this.remote.delete(report.channel);
    if (this.local.has(report.channel)) this.scheduleNotify(report.channel);
  }

  private scheduleNotify(channel: string): void {
    if (this.timers.has(channel)) return;
    this.timers.set(
      channel,
      setTimeout(() => {
        this.timers.delete(channel);
        if (!this.local.has(channel)) return;
        const { readers, typing } = this.snapshot(channel);
        const text = `${readers}|${typing.join(',')}`;
        if (this.lastSent.get(channel) === text) return;
        this.lastSent.set(channel, text);
        this.listener(channel, readers, typing);
      }, this.throttleMs),
    );
  }

  private expire(): void {
    const now = Date.now();
    for (const [channel, nodes] of this.remote) {
      for (const [node, report] of nodes) if (now - report.at > STALE_MS) nodes.delete(node);
      if (nodes.size === 0) this.remote.delete(channel);
      if (this.local.has(channel)) this.scheduleNotify(channel);
    }
    for (const channel of this.lastSent.keys()) if (!this.local.has(channel)) this.lastSent.delete(channel);
    for (const [channel, typists] of this.typists) {
      for (const [socketId, until] of typists) if (until <= now) typists.delete(socketId);
      if (typists.size === 0) this.typists.delete(channel);
    }
  }
}
