import { inArray, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { rows, type Db } from '../../db/client.js';
import { channels as channelsTable } from '../../db/schema.js';
import type { Audience } from '../visibility/visibility.js';
import type { Bus, BusNote, Watch } from './bus.js';
import { loadEvents, loadEventsOf, type RenderedEvent } from './live.render.js';
import type { LiveErrorCode } from './live.protocol.js';
import { USER_CHANNEL_PREFIX } from './outbox.js';

/** Where a subscription's messages go. `send` answers false once the socket is gone. */
export interface LiveSink {
  /** A JSON message, as text or as its UTF-8 bytes (always sent as a text frame). */
  send(message: string | Buffer): boolean;
  /** Resolves when the client has room for more (replays pace themselves by it). */
  waitForRoom?(): Promise<boolean>;
  /** An error frame in the reader's language (see LiveConnection.sendError); without it, the English message is sent. */
  sendError?(code: LiveErrorCode, params: Record<string, unknown> | undefined, english: string, channel?: string): void;
}

/**
 * One socket's interest in one channel. `lastSent` is the seq the client has been sent
 * up to; every event it receives is exactly lastSent + 1, which is what makes resume exact.
 */
export class Subscription {
  lastSent = 0;
  /** While true, live events are parked in `buffer` and released once the replay has caught up. */
  replaying = true;
  /** Made when the first event is parked: most subscriptions never park one. */
  buffer: RenderedEvent[] | null = null;
  closed = false;

  /** Mutable: a role change re-decides it while the subscription stays open. */
  constructor(
    readonly channel: string,
    public audience: Audience,
    readonly sink: LiveSink,
  ) {}

  /** Events parked in the buffer. */
  get parked(): number {
    return this.buffer?.length ?? 0;
  }
}

interface ChannelState {
  subs: Set<Subscription>;
  /** This process's interest in the channel's notes, held while it has subscribers. */
  watch: Watch;
  /** Events up to here have been loaded and handed to subscribers; null until the first subscriber reads the channel's position. */
  loadedUpTo: number | null;
  /** The highest seq the bus has announced. */
  notifiedUpTo: number;
}

/**
 * Channels with announced events not loaded yet. One load at a time per lane: notes that arrive
 * meanwhile wait for the next, so the busier the process, the more channels share a load.
 * Readers' own channels have a lane of their own (their loads read more), so neither kind waits
 * behind the other.
 */
interface Lane {
  due: Set<string>;
  running: boolean;
}

const REPLAY_BATCH = 500;
/**
 * At most this many channels and events per load, so that its statements' parameters (a few per
 * channel, per event's post or notification) stay far below PostgreSQL's 65,535. A channel with
 * more to load than its share gets the rest in the lane's next load.
 */
const CHANNELS_PER_LOAD = 1000;
const EVENTS_PER_LOAD = 10_000;

/**
 * This process's live fan-out. Announced events are loaded from the outbox in seq order, for
 * every channel noted meanwhile at once (a reply that notifies a thousand online watchers costs a
 * few queries, not a few per watcher), rendered once per audience and handed to every subscriber.
 * A subscriber that joins with `since` replays from the outbox while live events wait in its
 * buffer, so it sees no gap and no duplicate.
 */
export class LiveHub {
  private readonly channels = new Map<string, ChannelState>();
  private readonly unsubscribeBus: Array<() => void>;
  private readonly readersLane: Lane = { due: new Set(), running: false };
  private readonly contentLane: Lane = { due: new Set(), running: false };
  /** Subscribers waiting for their channel's position, read for all of them at once (see position). */
  private positionsDue: Map<string, Array<{ resolve: (seq: number) => void; reject: (err: unknown) => void }>> | null = null;

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly log: FastifyBaseLogger,
  ) {
    this.unsubscribeBus = [bus.subscribe((note) => this.onNote(note)), bus.onResync(() => void this.resync())];
  }

  subscriberCount(channel: string): number {
    return this.channels.get(channel)?.subs.size ?? 0;
  }

  async currentSeq(channel: string): Promise<number> {
    const [row] = await rows<{ last_seq: number }>(this.db, sql`SELECT last_seq FROM channels WHERE name = ${channel}`);
    return row ? Number(row.last_seq) : 0;
  }

  /**
   * currentSeq for a subscriber that has registered: the positions asked for during one turn of
   * the event loop are read by one statement after it (a burst of readers joining costs a few
   * queries, not one each). Every read starts after the registrations it answers, as subscribe needs.
   */
  private position(channel: string): Promise<number> {
    return new Promise((resolve, reject) => {
      if (!this.positionsDue) {
        this.positionsDue = new Map();
        setImmediate(() => void this.readPositions());
      }
      let waiting = this.positionsDue.get(channel);
      if (!waiting) this.positionsDue.set(channel, (waiting = []));
      waiting.push({ resolve, reject });
    });
  }

  private async readPositions(): Promise<void> {
    const due = this.positionsDue!;
    this.positionsDue = null;
    const names = [...due.keys()];
    try {
      const found = new Map<string, number>();
      for (let i = 0; i < names.length; i += CHANNELS_PER_LOAD) {
        const read = await this.db
          .select({ name: channelsTable.name, lastSeq: channelsTable.lastSeq })
          .from(channelsTable)
          .where(inArray(channelsTable.name, names.slice(i, i + CHANNELS_PER_LOAD)));
        for (const row of read) found.set(row.name, Number(row.lastSeq));
      }
      for (const [channel, waiting] of due) for (const w of waiting) w.resolve(found.get(channel) ?? 0);
    } catch (err) {
      for (const waiting of due.values()) for (const w of waiting) w.reject(err);
    }
  }

  /**
   * Registers first, then reads the channel's position: anything committed after the read is
   * announced later and lands in the buffer; anything before it is covered by the replay.
   */
  async subscribe(sub: Subscription, since: number | undefined): Promise<void> {
    let state = this.channels.get(sub.channel);
    if (!state) {
      state = { subs: new Set(), watch: this.bus.watch(sub.channel), loadedUpTo: null, notifiedUpTo: 0 };
      this.channels.set(sub.channel, state);
    }
    state.subs.add(sub);
    try {
      // The broker must be bringing the channel's notes before its position is read.
      if (!state.watch.isReady()) await state.watch.ready;
      const current = await this.position(sub.channel);
      if (state.loadedUpTo === null) state.loadedUpTo = current;
      if (current > state.notifiedUpTo) state.notifiedUpTo = current;
      this.wake(sub.channel);
      if (sub.closed) return;
      sub.sink.send(JSON.stringify({ type: 'subscribed', channel: sub.channel, seq: current }));
      if (since === undefined || since === current) {
        sub.lastSent = current;
      } else if (since > current || (await this.beyondRetention(sub.channel, since))) {
        // The client is from another timeline (ahead of us) or further behind than we keep.
        sub.lastSent = current;
        sub.sink.send(JSON.stringify({ type: 'reset', channel: sub.channel, seq: current }));
      } else {
        sub.lastSent = since;
        await this.replay(sub);
      }
      await this.release(sub);
    } catch (err) {
      this.unsubscribe(sub);
      throw err;
    }
  }

  unsubscribe(sub: Subscription): void {
    sub.closed = true;
    sub.buffer = null;
    const state = this.channels.get(sub.channel);
    if (!state) return;
    state.subs.delete(sub);
    if (state.subs.size === 0) {
      this.channels.delete(sub.channel);
      state.watch.release();
    }
  }

  close(): void {
    this.unsubscribeBus.forEach((u) => u());
    for (const state of this.channels.values()) state.watch.release();
    this.channels.clear();
  }

  /** Channels with subscribers here (metrics). */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Sockets' subscriptions to those channels (metrics, read when scraped). */
  get subscriptionCount(): number {
    let count = 0;
    for (const state of this.channels.values()) count += state.subs.size;
    return count;
  }

  private onNote(note: BusNote): void {
    const state = this.channels.get(note.channel);
    if (!state) return;
    if (note.seq > state.notifiedUpTo) state.notifiedUpTo = note.seq;
    this.wake(note.channel);
  }

  /** After the bus lost notes: ask the outbox where every watched channel really is. */
  private async resync(): Promise<void> {
    for (const [channel, state] of this.channels) {
      try {
        const current = await this.currentSeq(channel);
        if (current > state.notifiedUpTo) state.notifiedUpTo = current;
        this.wake(channel);
      } catch (err) {
        this.log.warn({ err, channel }, 'live resync failed');
      }
    }
  }

  /** Queues the channel for its lane's next load; starts the lane after this turn's other notes. */
  private wake(channel: string): void {
    const lane = channel.startsWith(USER_CHANNEL_PREFIX) ? this.readersLane : this.contentLane;
    lane.due.add(channel);
    if (lane.running) return;
    lane.running = true;
    setImmediate(() => void this.drain(lane));
  }

  private async drain(lane: Lane): Promise<void> {
    try {
      while (lane.due.size) {
        const work: Array<{ channel: string; state: ChannelState; upTo: number }> = [];
        for (const channel of lane.due) {
          const state = this.channels.get(channel);
          if (state && state.loadedUpTo !== null && state.loadedUpTo < state.notifiedUpTo) work.push({ channel, state, upTo: state.notifiedUpTo });
        }
        lane.due.clear();
        for (let i = 0; i < work.length; i += CHANNELS_PER_LOAD) await this.load(lane, work.slice(i, i + CHANNELS_PER_LOAD));
      }
    } finally {
      lane.running = false;
    }
  }

  /** Loads the channels' events up to what was announced and hands them out, in seq order. */
  private async load(lane: Lane, work: Array<{ channel: string; state: ChannelState; upTo: number }>): Promise<void> {
    try {
      const loaded = await loadEventsOf(
        this.db,
        work.map(({ channel, state, upTo }) => ({ channel, after: state.loadedUpTo!, upTo })),
        Math.max(1, Math.min(REPLAY_BATCH, Math.floor(EVENTS_PER_LOAD / work.length))),
      );
      for (const { channel, state, upTo } of work) {
        if (this.channels.get(channel) !== state) continue;
        const batch = loaded.get(channel) ?? [];
        if (!batch.length) {
          // Announced but gone: pruned by retention meanwhile. Subscribers fall back to a refetch.
          for (const sub of state.subs) this.resetTo(sub, upTo);
          state.loadedUpTo = upTo;
        }
        for (const event of batch) {
          for (const sub of state.subs) this.deliver(sub, event);
          state.loadedUpTo = event.seq;
        }
        // More than one load's worth, or announced while this one ran: the lane goes on with it.
        if (state.loadedUpTo! < state.notifiedUpTo) lane.due.add(channel);
      }
    } catch (err) {
      // Subscribers skip what they already have, so going over these channels again is safe.
      this.log.warn({ err, channels: work.length }, 'live load failed; retrying');
      setTimeout(() => work.forEach(({ channel }) => this.wake(channel)), 500).unref();
    }
  }

  private deliver(sub: Subscription, event: RenderedEvent): void {
    if (sub.closed) return;
    if (sub.replaying) {
      (sub.buffer ??= []).push(event);
      return;
    }
    if (event.seq <= sub.lastSent) return;
    if (event.seq === sub.lastSent + 1) {
      this.send(sub, event);
      return;
    }
    // A hole (this subscriber joined while the pump was behind): fill it from the outbox.
    sub.replaying = true;
    (sub.buffer ??= []).push(event);
    void this.replay(sub)
      .then(() => this.release(sub))
      .catch((err) => this.fail(sub, err));
  }

  private send(sub: Subscription, event: RenderedEvent): void {
    sub.lastSent = event.seq;
    if (!sub.sink.send(event.messageFor(sub.audience))) sub.closed = true;
  }

  private resetTo(sub: Subscription, seq: number): void {
    if (sub.closed) return;
    sub.lastSent = seq;
    if (sub.buffer) sub.buffer = sub.buffer.filter((e) => e.seq > seq);
    sub.sink.send(JSON.stringify({ type: 'reset', channel: sub.channel, seq }));
  }

  /** Sends everything committed after lastSent, straight from the outbox, in order. */
  private async replay(sub: Subscription): Promise<void> {
    for (;;) {
      if (sub.closed) return;
      const batch = await loadEvents(this.db, sub.channel, sub.lastSent, null, REPLAY_BATCH);
      for (const event of batch) {
        if (sub.closed) return;
        if (event.seq <= sub.lastSent) continue;
        if (sub.sink.waitForRoom && !(await sub.sink.waitForRoom())) return;
        if (event.seq !== sub.lastSent + 1) this.resetTo(sub, event.seq - 1);
        this.send(sub, event);
      }
      if (batch.length < REPLAY_BATCH) return;
    }
  }

  /** Releases what arrived during the replay, then goes live. */
  private async release(sub: Subscription): Promise<void> {
    for (;;) {
      if (sub.closed) return;
      const parked = sub.buffer?.sort((a, b) => a.seq - b.seq) ?? [];
      sub.buffer = null;
      let hole = false;
      for (const event of parked) {
        if (event.seq <= sub.lastSent) continue;
        if (event.seq !== sub.lastSent + 1) {
          hole = true;
          break;
        }
        this.send(sub, event);
        if (sub.closed) return;
      }
      if (hole) {
        await this.replay(sub);
        continue;
      }
      if (sub.parked === 0) {
        sub.replaying = false;
        return;
      }
    }
  }

  private fail(sub: Subscription, err: unknown): void {
    this.log.warn({ err, channel: sub.channel }, 'live replay failed');
    const english = 'Could not replay this channel; subscribe again.';
    if (sub.sink.sendError) sub.sink.sendError('internal_error', { during: 'replay' }, english, sub.channel);
    else sub.sink.send(JSON.stringify({ type: 'error', code: 'internal_error', message: english, channel: sub.channel }));
    this.unsubscribe(sub);
  }

  private async beyondRetention(channel: string, since: number): Promise<boolean> {
    const [row] = await rows<{ first: number | null }>(this.db, sql`SELECT min(seq) AS first FROM events WHERE channel = ${channel}`);
    const first = row?.first === null || row?.first === undefined ? null : Number(row.first);
    return first === null || first > since + 1;
  }
}
