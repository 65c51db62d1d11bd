/**
 * The live thread client (API.md "Live threads"): one WebSocket to /api/live shared by every
 * subscriber, framework-free so it runs in browsers and in Node (pass `WebSocketImpl` from `ws`).
 *
 * - The socket opens with the first subscriber and closes a moment after the last one leaves.
 * - It keeps the last seq seen per channel and resubscribes with `since` after every reconnect,
 *   so events are neither missed nor repeated; events at or below that seq are dropped, and a
 *   jump in seq makes it resubscribe with `since` to fill the hole.
 * - `reset` (too far behind to replay) goes to the reset handler: refetch over HTTP, then carry on.
 * - Reconnects with full-jitter exponential backoff; at once when the browser comes back online
 *   or the page becomes visible again.
 */
import type { ClientMessage, LiveChannelName, LiveError, LiveEvent, LivePresence, ServerMessage } from './live-events.js';

export type { LiveChannelName, LiveError, LiveEvent, LiveEventMap, LiveEventName, LiveEventOf, LivePresence } from './live-events.js';

export type LiveState = 'connecting' | 'open' | 'offline';

/** What a subscriber wants to hear about one channel. Every handler is optional. */
export interface LiveHandlers {
  /** An event, in seq order, each exactly once. */
  event?(e: LiveEvent): void;
  /** Too far behind to replay: refetch over HTTP. Events continue after `seq`. */
  reset?(seq: number): void;
  presence?(p: LivePresence): void;
  error?(err: LiveError): void;
  /** The server confirmed the subscription (after each (re)connect); `seq` is the channel's position. */
  subscribed?(seq: number): void;
}

/**
 * The part of the WebSocket API the client uses: the browser's WebSocket and `ws` both fit.
 * Handlers are assigned, never called, by the client: hence the `never` parameters.
 */
export interface LiveSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
}
export type LiveSocketConstructor = new (url: string) => LiveSocket;

export interface LiveBackoff {
  /** The first retry waits up to this long (full jitter). Default 250 ms. */
  minMs?: number;
  /** The longest wait between retries. Default 15 s. */
  maxMs?: number;
  /** A connection open this long resets the backoff. Default 10 s. */
  stableMs?: number;
}

export interface LiveClientOptions {
  /** Default: ws(s)://<current host>/api/live. Required outside a browser. */
  url?: string;
  /** Default: globalThis.WebSocket. In Node, `ws` (a subclass that sends the site's Origin). */
  WebSocketImpl?: LiveSocketConstructor;
  /** A bearer token (embed sessions), sent as the first message; or a function read at each connect. */
  token?: string | (() => string | null | undefined);
  /** How long the socket stays open after the last subscriber leaves. Default 1 s. */
  idleMs?: number;
  backoff?: LiveBackoff;
  /** How long to wait for a pong when checking a socket that may have died while hidden. Default 5 s. */
  probeMs?: number;
  /** For tests: a source of [0, 1) for the jitter. */
  random?: () => number;
}

/** The hub's close codes (server/live/live.protocol.ts CloseCode), as plain numbers. */
const GOING_AWAY = 1001;
const POLICY = 1008;
const SLOW_CONSUMER = 4008;
const TIMEOUT = 4009;
/** The session this socket signed in with ended (signed out elsewhere, suspended): back at once, as whoever the reader now is. */
const SESSION_ENDED = 4001;
/** "Reconnect now-ish" closes are still spread over this much, so a restarting server is not stampeded. */
const NOWISH_MS = 1000;
const TYPING_EVERY_MS = 2000;
const OPEN = 1;

interface Subscriber {
  handlers: LiveHandlers;
}

interface ChannelEntry {
  name: string;
  subscribers: Set<Subscriber>;
  /** The last seq delivered (or the position the server confirmed); null before the first confirmation. */
  lastSeq: number | null;
  /** A subscribe was sent on the current socket and is not confirmed yet. */
  pending: boolean;
  /** Confirmed on the current socket. */
  active: boolean;
  /** The server refused it on the current socket (not found, too many): not retried until a reconnect. */
  refused: boolean;
  typingAt: number;
}

interface BrowserGlobals {
  window?: unknown;
  location?: { protocol: string; host: string };
  addEventListener?(type: string, listener: () => void): void;
  removeEventListener?(type: string, listener: () => void): void;
  document?: {
    visibilityState: string;
    addEventListener(type: string, listener: () => void): void;
    removeEventListener(type: string, listener: () => void): void;
  };
  WebSocket?: LiveSocketConstructor;
}

const globals = globalThis as unknown as BrowserGlobals;

function report(error: unknown): void {
  // A subscriber's bug must not break delivery to the others.
  console.error(error);
}

export class LiveClient {
  #state: LiveState = 'offline';
  #socket: LiveSocket | null = null;
  readonly #channels = new Map<string, ChannelEntry>();
  readonly #stateListeners = new Set<(state: LiveState) => void>();
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  #stableTimer: ReturnType<typeof setTimeout> | null = null;
  #probeTimer: ReturnType<typeof setTimeout> | null = null;
  #retrySubscribeTimer: ReturnType<typeof setTimeout> | null = null;
  #detachBrowser: (() => void) | null = null;

  readonly #url: string | undefined;
  readonly #Impl: LiveSocketConstructor | undefined;
  readonly #token: () => string | null | undefined;
  readonly #idleMs: number;
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #stableMs: number;
  readonly #probeMs: number;
  readonly #random: () => number;

  constructor(options: LiveClientOptions = {}) {
    this.#url = options.url;
    this.#Impl = options.WebSocketImpl;
    const token = options.token;
    this.#token = typeof token === 'function' ? token : () => token;
    this.#idleMs = options.idleMs ?? 1000;
    this.#minMs = options.backoff?.minMs ?? 250;
    this.#maxMs = options.backoff?.maxMs ?? 15_000;
    this.#stableMs = options.backoff?.stableMs ?? 10_000;
    this.#probeMs = options.probeMs ?? 5000;
    this.#random = options.random ?? Math.random;
  }

  /** 'offline' when there is no socket: nobody subscribed, or waiting to reconnect. */
  get state(): LiveState {
    return this.#state;
  }

  /** Calls `listener` on every change of `state` (not with the current one). Returns the unsubscribe. */
  onState(listener: (state: LiveState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => void this.#stateListeners.delete(listener);
  }

  /**
   * Listens to a channel until the returned function is called. Several subscribers of one
   * channel share one server subscription.
   */
  subscribe(channel: LiveChannelName, handlers: LiveHandlers = {}): () => void {
    // Fail before changing anything when there is nothing to connect with.
    if (!this.#socket) {
      this.#socketUrl();
      this.#impl();
    }
    this.#clearTimer('idle');
    let entry = this.#channels.get(channel);
    if (!entry) {
      entry = { name: channel, subscribers: new Set(), lastSeq: null, pending: false, active: false, refused: false, typingAt: 0 };
      this.#channels.set(channel, entry);
      if (this.#isOpen()) this.#sendSubscribe(entry);
    }
    const subscriber: Subscriber = { handlers };
    entry.subscribers.add(subscriber);
    if (!this.#socket && !this.#reconnectTimer) this.#connect();

    const subscribed = entry;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      subscribed.subscribers.delete(subscriber);
      if (subscribed.subscribers.size === 0 && this.#channels.get(channel) === subscribed) {
        this.#channels.delete(channel);
        if (subscribed.pending || subscribed.active) this.#send({ type: 'unsubscribe', channel });
      }
      if (this.#channels.size === 0) this.#scheduleIdle();
    };
  }

  /** Tells the channel this user is typing; at most once per 2 s per channel. Returns whether it was sent. */
  sendTyping(channel: LiveChannelName): boolean {
    const entry = this.#channels.get(channel);
    if (!entry?.active) return false;
    const now = Date.now();
    if (now - entry.typingAt < TYPING_EVERY_MS) return false;
    if (!this.#send({ type: 'typing', channel })) return false;
    entry.typingAt = now;
    return true;
  }

  /**
   * Reconnects now if waiting to (the 'online' and 'visible' handlers call this); checks an open
   * socket with a ping, and replaces it if no pong comes back in time.
   */
  reconnect(): void {
    if (this.#channels.size === 0) return;
    if (!this.#socket) {
      this.#clearTimer('reconnect');
      this.#connect();
    } else if (this.#isOpen() && !this.#probeTimer) {
      this.#send({ type: 'ping' });
      this.#probeTimer = setTimeout(() => {
        this.#probeTimer = null;
        const dead = this.#socket;
        if (dead) this.#abandon(dead, TIMEOUT);
      }, this.#probeMs);
    }
  }

  /**
   * The reader changed (signed in or out): replace the socket at once so the server sees who is
   * reading now. Subscriptions carry over and resume from their last seq.
   */
  restart(): void {
    const socket = this.#socket;
    if (socket) this.#abandon(socket, GOING_AWAY);
    if (this.#channels.size === 0) return;
    this.#clearTimer('reconnect');
    if (!this.#socket) this.#connect();
  }

  /** Drops every subscription and closes the socket. The client may be used again afterwards. */
  close(): void {
    this.#channels.clear();
    this.#shutdown();
  }

  // -------------------------------------------------------------------------------------------

  #isOpen(): boolean {
    return this.#socket !== null && this.#socket.readyState === OPEN && this.#state === 'open';
  }

  #setState(state: LiveState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of [...this.#stateListeners]) {
      try {
        listener(state);
      } catch (error) {
        report(error);
      }
    }
  }

  #clearTimer(which: 'reconnect' | 'idle' | 'stable' | 'probe' | 'retrySubscribe'): void {
    switch (which) {
      case 'reconnect':
        if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
        this.#reconnectTimer = null;
        return;
      case 'idle':
        if (this.#idleTimer) clearTimeout(this.#idleTimer);
        this.#idleTimer = null;
        return;
      case 'stable':
        if (this.#stableTimer) clearTimeout(this.#stableTimer);
        this.#stableTimer = null;
        return;
      case 'probe':
        if (this.#probeTimer) clearTimeout(this.#probeTimer);
        this.#probeTimer = null;
        return;
      case 'retrySubscribe':
        if (this.#retrySubscribeTimer) clearTimeout(this.#retrySubscribeTimer);
        this.#retrySubscribeTimer = null;
        return;
    }
  }

  #socketUrl(): string {
    if (this.#url) return this.#url;
    const location = globals.location;
    if (!location) throw new Error('LiveClient: pass `url` when there is no `location` (outside a browser).');
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`;
  }

  #impl(): LiveSocketConstructor {
    const Impl = this.#Impl ?? globals.WebSocket;
    if (!Impl) throw new Error('LiveClient: no WebSocket implementation here; pass `WebSocketImpl`.');
    return Impl;
  }

  #connect(): void {
    const Impl = this.#impl();
    this.#attachBrowser();
    let socket: LiveSocket;
    try {
      socket = new Impl(this.#socketUrl());
    } catch (error) {
      report(error);
      this.#scheduleReconnect(1006);
      return;
    }
    this.#socket = socket;
    this.#setState('connecting');

    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#setState('open');
      this.#stableTimer = setTimeout(() => {
        this.#stableTimer = null;
        this.#attempt = 0;
      }, this.#stableMs);
      // Authenticate first: the server handles a socket's messages in order.
      const token = this.#token();
      if (token) this.#send({ type: 'auth', token });
      for (const entry of this.#channels.values()) this.#sendSubscribe(entry);
    };
    socket.onmessage = (ev: { data: unknown }) => {
      if (this.#socket !== socket) return;
      this.#onMessage(typeof ev.data === 'string' ? ev.data : String(ev.data));
    };
    socket.onclose = (ev: { code: number }) => {
      if (this.#socket !== socket) return;
      this.#dropped(ev.code);
    };
    // A close always follows; the handler must exist (ws throws unhandled 'error' events).
    socket.onerror = () => {};
  }

  /** Gives up on a socket without waiting for its close handshake (it may be dead). */
  #abandon(socket: LiveSocket, code: number): void {
    if (this.#socket !== socket) return;
    try {
      socket.close(1000, 'reconnecting');
    } catch {
      /* already closing */
    }
    this.#dropped(code);
  }

  #dropped(code: number): void {
    this.#socket = null;
    this.#clearTimer('stable');
    this.#clearTimer('probe');
    this.#clearTimer('retrySubscribe');
    for (const entry of this.#channels.values()) {
      entry.pending = false;
      entry.active = false;
      entry.refused = false;
    }
    this.#setState('offline');
    if (this.#channels.size === 0) {
      this.#shutdown();
      return;
    }
    this.#scheduleReconnect(code);
  }

  #scheduleReconnect(code: number): void {
    this.#clearTimer('reconnect');
    const window = Math.min(this.#maxMs, this.#minMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    let delay: number;
    if (code === POLICY) {
      // We were cut off for sending too much: stay away for a while.
      delay = this.#maxMs + this.#random() * this.#maxMs;
    } else if (code === GOING_AWAY || code === SLOW_CONSUMER || code === TIMEOUT || code === SESSION_ENDED) {
      delay = this.#random() * Math.min(window, NOWISH_MS);
    } else {
      delay = this.#random() * window;
    }
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#channels.size > 0 && !this.#socket) this.#connect();
    }, delay);
  }

  #scheduleIdle(): void {
    this.#clearTimer('idle');
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#channels.size === 0) this.#shutdown();
    }, this.#idleMs);
  }

  #shutdown(): void {
    for (const which of ['reconnect', 'idle', 'stable', 'probe', 'retrySubscribe'] as const) this.#clearTimer(which);
    this.#detachBrowser?.();
    this.#detachBrowser = null;
    this.#attempt = 0;
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      try {
        socket.close(1000, 'done');
      } catch {
        /* already closing */
      }
    }
    this.#setState('offline');
  }

  /** Reconnect at once when the network returns, or when a hidden page is shown again. */
  #attachBrowser(): void {
    if (this.#detachBrowser) return;
    if (globals.window === undefined || !globals.addEventListener || !globals.removeEventListener) return;
    const doc = globals.document;
    let wasHidden = doc?.visibilityState === 'hidden';
    const online = () => this.reconnect();
    const visibility = () => {
      if (!doc) return;
      if (doc.visibilityState === 'hidden') {
        wasHidden = true;
      } else if (wasHidden) {
        wasHidden = false;
        this.reconnect();
      }
    };
    globals.addEventListener('online', online);
    doc?.addEventListener('visibilitychange', visibility);
    this.#detachBrowser = () => {
      globals.removeEventListener?.('online', online);
      doc?.removeEventListener('visibilitychange', visibility);
    };
  }

  #send(message: ClientMessage): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return false;
    try {
      socket.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  #sendSubscribe(entry: ChannelEntry): void {
    const message: ClientMessage =
      entry.lastSeq === null ? { type: 'subscribe', channel: entry.name } : { type: 'subscribe', channel: entry.name, since: entry.lastSeq };
    entry.pending = this.#send(message);
  }

  #each(entry: ChannelEntry, call: (handlers: LiveHandlers) => void): void {
    for (const subscriber of [...entry.subscribers]) {
      // Unsubscribed by an earlier handler of this same message.
      if (!entry.subscribers.has(subscriber)) continue;
      try {
        call(subscriber.handlers);
      } catch (error) {
        report(error);
      }
    }
  }

  #onMessage(text: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    switch (message.type) {
      case 'subscribed': {
        const entry = this.#channels.get(message.channel);
        if (!entry) return;
        entry.pending = false;
        entry.active = true;
        // Without `since` we start from here; with it, the replay follows.
        if (entry.lastSeq === null) entry.lastSeq = message.seq;
        const seq = message.seq;
        this.#each(entry, (h) => h.subscribed?.(seq));
        return;
      }
      case 'event': {
        const entry = this.#channels.get(message.channel);
        // Before the confirmation this is an old subscription's event (the server confirms first).
        if (!entry || entry.lastSeq === null) return;
        if (message.seq <= entry.lastSeq) return;
        if (message.seq > entry.lastSeq + 1) {
          // A hole: ask for a replay from where we are (once; it is on its way while pending).
          if (!entry.pending) this.#sendSubscribe(entry);
          return;
        }
        entry.lastSeq = message.seq;
        const event = message as LiveEvent;
        this.#each(entry, (h) => h.event?.(event));
        return;
      }
      case 'reset': {
        const entry = this.#channels.get(message.channel);
        if (!entry) return;
        entry.lastSeq = message.seq;
        const seq = message.seq;
        this.#each(entry, (h) => h.reset?.(seq));
        return;
      }
      case 'presence': {
        const entry = this.#channels.get(message.channel);
        if (!entry) return;
        const presence: LivePresence = { channel: message.channel, readers: message.readers, typing: message.typing };
        this.#each(entry, (h) => h.presence?.(presence));
        return;
      }
      case 'error': {
        const error: LiveError = { code: message.code, message: message.message };
        if (message.channel !== undefined) error.channel = message.channel;
        const entry = message.channel !== undefined ? this.#channels.get(message.channel) : undefined;
        if (entry) {
          // The server gave up on this subscription (a failed subscribe or replay).
          if (message.code === 'channel_not_found' || message.code === 'too_many_subscriptions') {
            entry.pending = entry.active = false;
            entry.refused = true;
          } else if (message.code === 'internal_error') {
            entry.pending = entry.active = false;
            this.#retryUnconfirmed();
          }
          this.#each(entry, (h) => h.error?.(error));
        } else {
          // A subscribe may have been dropped by the rate limit or a failure: send unconfirmed ones again.
          if (message.code === 'rate_limited' || message.code === 'internal_error') this.#retryUnconfirmed();
          for (const e of [...this.#channels.values()]) this.#each(e, (h) => h.error?.(error));
        }
        return;
      }
      case 'pong':
        this.#clearTimer('probe');
        return;
      default:
        return;
    }
  }

  /** Subscribes again, after a second, to the channels the server has not confirmed. */
  #retryUnconfirmed(): void {
    if (this.#retrySubscribeTimer) return;
    this.#retrySubscribeTimer = setTimeout(() => {
      this.#retrySubscribeTimer = null;
      if (!this.#isOpen()) return;
      for (const entry of this.#channels.values()) if (!entry.active && !entry.refused) this.#sendSubscribe(entry);
    }, 1000);
  }
}
