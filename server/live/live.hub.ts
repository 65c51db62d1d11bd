import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { rows, type Db } from '../../db/client.js';
import type { Audience } from '../visibility/visibility.js';
import type { Bus, BusNote } from './bus.js';
import { loadEvents, type RenderedEvent } from './live.render.js';
import type { LiveErrorCode } from './live.protocol.js';

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
  buffer: RenderedEvent[] = [];
  closed = false;

  /** Mutable: a role change re-decides it while the subscription stays open. */
  constructor(
    readonly channel: string,
    public audience: Audience,
    readonly sink: LiveSink,
  ) {}
}

interface ChannelState {
  subs: Set<Subscription>;
  /** Events up to here have been loaded and handed to subscribers; null until the first subscriber reads the channel's position. */
  loadedUpTo: number | null;
  /** The highest seq the bus has announced. */
  notifiedUpTo: number;
  pumping: boolean;
}

const REPLAY_BATCH = 500;

/**
 * This process's live fan-out. Each channel with local subscribers has one pump that loads
 * announced events from the outbox in seq order, renders each once per audience and hands
 * it to every subscriber. A subscriber that joins with `since` replays from the outbox while
 * live events wait in its buffer, so it sees no gap and no duplicate.
 */
export class LiveHub {
  private readonly channels = new Map<string, ChannelState>();
  private readonly unsubscribeBus: Array<() => void>;

  constructor(
    private readonly db: Db,
    bus: Bus,
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
   * Registers first, then reads the channel's position: anything committed after the read is
   * announced later and lands in the buffer; anything before it is covered by the replay.
   */
  async subscribe(sub: Subscription, since: number | undefined): Promise<void> {
    let state = this.channels.get(sub.channel);
    if (!state) {
      state = { subs: new Set(), loadedUpTo: null, notifiedUpTo: 0, pumping: false };
      this.channels.set(sub.channel, state);
    }
    state.subs.add(sub);
    try {
      const current = await this.currentSeq(sub.channel);
      if (state.loadedUpTo === null) state.loadedUpTo = current;
      if (current > state.notifiedUpTo) state.notifiedUpTo = current;
      void this.pump(sub.channel, state);
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
    sub.buffer = [];
    const state = this.channels.get(sub.channel);
    if (!state) return;
    state.subs.delete(sub);
    if (state.subs.size === 0) this.channels.delete(sub.channel);
  }

  close(): void {
    this.unsubscribeBus.forEach((u) => u());
    this.channels.clear();
  }

  private onNote(note: BusNote): void {
    const state = this.channels.get(note.channel);
    if (!state) return;
    if (note.seq > state.notifiedUpTo) state.notifiedUpTo = note.seq;
    void this.pump(note.channel, state);
  }

  /** After the bus lost notes: ask the outbox where every watched channel really is. */
  private async resync(): Promise<void> {
    for (const [channel, state] of this.channels) {
      try {
        const current = await this.currentSeq(channel);
        if (current > state.notifiedUpTo) state.notifiedUpTo = current;
        void this.pump(channel, state);
      } catch (err) {
        this.log.warn({ err, channel }, 'live resync failed');
      }
    }
  }

  private async pump(channel: string, state: ChannelState): Promise<void> {
    if (state.pumping || state.loadedUpTo === null) return;
    state.pumping = true;
    try {
      while (state.loadedUpTo < state.notifiedUpTo && this.channels.get(channel) === state) {
        const batch = await loadEvents(this.db, channel, state.loadedUpTo, state.notifiedUpTo, REPLAY_BATCH);
        if (!batch.length) {
          // Announced but gone: pruned by retention meanwhile. Subscribers fall back to a refetch.
          for (const sub of state.subs) this.resetTo(sub, state.notifiedUpTo);
          state.loadedUpTo = state.notifiedUpTo;
          break;
        }
        for (const event of batch) {
          for (const sub of state.subs) this.deliver(sub, event);
          state.loadedUpTo = event.seq;
        }
      }
    } catch (err) {
      this.log.warn({ err, channel }, 'live pump failed; retrying');
      setTimeout(() => void this.pump(channel, state), 500).unref();
    } finally {
      state.pumping = false;
    }
  }

  private deliver(sub: Subscription, event: RenderedEvent): void {
    if (sub.closed) return;
    if (sub.replaying) {
      sub.buffer.push(event);
      return;
    }
    if (event.seq <= sub.lastSent) return;
    if (event.seq === sub.lastSent + 1) {
      this.send(sub, event);
      return;
    }
    // A hole (this subscriber joined while the pump was behind): fill it from the outbox.
    sub.replaying = true;
    sub.buffer.push(event);
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
    sub.buffer = sub.buffer.filter((e) => e.seq > seq);
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
      const parked = sub.buffer.sort((a, b) => a.seq - b.seq);
      sub.buffer = [];
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
      if (sub.buffer.length === 0) {
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
