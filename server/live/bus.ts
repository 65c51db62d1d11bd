/**
 * The event bus tells processes that a channel moved on ("topic:42" reached seq 18).
 * It carries only references: whoever cares reloads the event from the outbox and renders
 * it through the visibility rules. Implementations: in-process (PGlite), PostgreSQL
 * LISTEN/NOTIFY (every process hears every note), and NATS (a relay publishes from the outbox;
 * a process hears the channels it watches).
 */
export interface BusNote {
  channel: string;
  seq: number;
}

export type BusListener = (note: BusNote) => void;

/** Interest in a channel's notes, held until released. */
export interface Watch {
  /** Settles once the notes will reach this process (at once where every note reaches every process). */
  ready: Promise<void>;
  /** Whether `ready` has settled (for a check that cannot wait). */
  isReady(): boolean;
  release(): void;
}

/** What health and metrics report of the bus. */
export interface BusStatus {
  kind: 'embedded' | 'postgres' | 'nats';
  /** false while the connection that brings other processes' notes is down. */
  connected: boolean;
  /** Subscriptions this process holds at the broker (NATS); 0 where every note comes anyway. */
  subscriptions: number;
  /** NATS: this process is the cluster's relay (it holds the advisory lock and tails the outbox). */
  relay: boolean;
  /**
   * NATS: every event of a transaction below this id has been published to the cluster, as the
   * relay last said (null until it has); with `relayHeardAt`, what bus lag is measured from.
   * Absent on the other buses, which announce an event as its transaction commits.
   */
  relayWatermark?: number | null;
  relayHeardAt?: number | null;
}

export interface Bus {
  /** Deliver notes of this process's own commits at once, without waiting for the database round trip. */
  publishLocal(notes: BusNote[]): void;
  subscribe(listener: BusListener): () => void;
  /** Called after the bus lost notes (e.g. a dropped LISTEN connection): listeners must resync. */
  onResync(listener: () => void): () => void;
  /** Ephemeral presence, to every process (this one included); never stored, fine to lose. */
  publishPresence(payload: string): void;
  onPresence(listener: (payload: string) => void): () => void;
  /**
   * A cache invalidation (e.g. "session:<id>", "user:<id>") to every process. This process's
   * listeners hear it before the call returns; the promise settles once the database has passed it
   * on to the others (bounded by a short timeout), so a reply sent after it cannot race the signal
   * to a reader on another process. Signals lost to a dropped connection are covered by onResync.
   */
  publishSignal(payload: string): Promise<void>;
  onSignal(listener: (payload: string) => void): () => void;
  /**
   * This process needs the notes of this channel (a socket subscribed to it, an account online
   * here). Counted: the last release ends it. Buses that bring every note everywhere ignore it.
   */
  watch(channel: string): Watch;
  /** Every note of one kind of channel (`topic`, `community`): what a process-wide cache needs. */
  watchKind(kind: string): Watch;
  status(): BusStatus;
  close(): Promise<void>;
}

/** For the buses on which every process hears every note. */
export const EVERYWHERE: Watch = { ready: Promise.resolve(), isReady: () => true, release: () => {} };

export const NOTIFY_CHANNEL = 'parley_events';
export const PRESENCE_CHANNEL = 'parley_presence';
export const SIGNAL_CHANNEL = 'parley_signals';

export function parseNote(payload: string): BusNote | null {
  const cut = payload.lastIndexOf(':');
  if (cut <= 0) return null;
  const seq = Number(payload.slice(cut + 1));
  return Number.isSafeInteger(seq) && seq > 0 ? { channel: payload.slice(0, cut), seq } : null;
}

/** Fan-out shared by every implementation. */
export class LocalFanout {
  private listeners = new Set<BusListener>();
  private resyncListeners = new Set<() => void>();
  private presenceListeners = new Set<(payload: string) => void>();
  private signalListeners = new Set<(payload: string) => void>();

  emit(note: BusNote): void {
    for (const listener of this.listeners) listener(note);
  }
  emitResync(): void {
    for (const listener of this.resyncListeners) listener();
  }
  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }
  emitPresence(payload: string): void {
    for (const listener of this.presenceListeners) listener(payload);
  }
  onPresence(listener: (payload: string) => void): () => void {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  }
  emitSignal(payload: string): void {
    for (const listener of this.signalListeners) listener(payload);
  }
  onSignal(listener: (payload: string) => void): () => void {
    this.signalListeners.add(listener);
    return () => this.signalListeners.delete(listener);
  }
}

/**
 * Signals this process sent, waiting to hear themselves back: by then the broker (or the
 * database) has handed the signal to every listening process. One connection delivers in order,
 * so the first waiter of a payload is the one its echo answers. A sender waits at most `ms`.
 */
export class SignalEchoes {
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly ms = 1000) {}

  /** Starts waiting for `payload`; `settle` gives up at once (the send failed). */
  expect(payload: string): { echoed: Promise<void>; settle: () => void } {
    let settle = () => {};
    const echoed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        const waiters = this.waiting.get(payload);
        const at = waiters?.indexOf(settle) ?? -1;
        if (at >= 0) waiters!.splice(at, 1);
        resolve();
      }, this.ms);
      timer.unref();
      settle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.waiting.set(payload, [...(this.waiting.get(payload) ?? []), settle]);
    return { echoed, settle };
  }

  heard(payload: string): void {
    const waiters = this.waiting.get(payload);
    waiters?.shift()?.();
    if (waiters?.length === 0) this.waiting.delete(payload);
  }
}
