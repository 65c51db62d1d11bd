import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { ORIGIN } from './app.js';

/** A server → client message of the live protocol, loosely typed for assertions. */
export type LiveMessage = { type: string; [key: string]: any };

export interface ConnectOptions {
  /** The Origin header; omit (undefined) to send the site origin, null to send none. */
  origin?: string | null;
  /** A `parley_session=…` cookie pair, as TestClient keeps it. */
  cookie?: string | null;
  /** ws 8: answer pings automatically (default true). false simulates a dead peer. */
  autoPong?: boolean;
  headers?: Record<string, string>;
  /** How long to wait for the upgrade. */
  timeoutMs?: number;
}

/** The upgrade was answered with an HTTP status instead of 101. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with ${status}: ${body}`);
  }
}

/** ws://127.0.0.1:<port>/api/live for an app that is listening (listens on a free port when it is not). */
export async function liveUrl(app: FastifyInstance): Promise<string> {
  const address = app.server.address();
  const base = address && typeof address === 'object' ? `http://127.0.0.1:${address.port}` : await app.listen({ port: 0, host: '127.0.0.1' });
  return `${base.replace(/^http/, 'ws')}/api/live`;
}

interface Waiter {
  predicate: (m: LiveMessage) => boolean;
  resolve: (m: LiveMessage) => void;
}

/**
 * A small promise-based client for the live socket. Every raw text frame is kept (`frames`),
 * every parsed message too (`messages`); `next` consumes matching messages in arrival order,
 * so two `next` calls with the same predicate return two different messages.
 */
export class LiveClient {
  /** Every frame as received, before parsing: for "this word appears nowhere" checks. */
  readonly frames: string[] = [];
  readonly messages: LiveMessage[] = [];
  private readonly unread: LiveMessage[] = [];
  private waiters: Waiter[] = [];
  private closeInfo: { code: number; reason: string } | null = null;
  private closeWaiters: Array<(info: { code: number; reason: string }) => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? `<binary ${(data as Buffer).length}>` : (data as Buffer).toString('utf8');
      this.frames.push(text);
      let message: LiveMessage;
      try {
        message = JSON.parse(text) as LiveMessage;
      } catch {
        message = { type: '<unparsable>', text };
      }
      this.messages.push(message);
      const i = this.waiters.findIndex((w) => w.predicate(message));
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        w!.resolve(message);
      } else {
        this.unread.push(message);
      }
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: String(reason) };
      this.closeWaiters.splice(0).forEach((f) => f(this.closeInfo!));
    });
    ws.on('error', () => {
      /* surfaced through close */
    });
  }

  static connect(url: string, opts: ConnectOptions = {}): Promise<LiveClient> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.cookie) headers.cookie = opts.cookie;
    const origin = opts.origin === undefined ? ORIGIN : opts.origin;
    const ws = new WebSocket(url, {
      headers,
      ...(origin !== null ? { origin } : {}),
      autoPong: opts.autoPong ?? true,
      handshakeTimeout: opts.timeoutMs ?? 5000,
    });
    // Listeners go on at once: the server may speak right after the upgrade.
    const client = new LiveClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          reject(new UpgradeRefused(res.statusCode ?? 0, body));
          ws.terminate();
        });
      });
      ws.once('error', (err) => reject(err));
    });
  }

  /** Connects and expects the upgrade to be refused: answers the HTTP status and body. */
  static async refused(url: string, opts: ConnectOptions = {}): Promise<UpgradeRefused> {
    try {
      const c = await LiveClient.connect(url, opts);
      c.terminate();
    } catch (err) {
      if (err instanceof UpgradeRefused) return err;
      throw err;
    }
    throw new Error('the upgrade was accepted');
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get closed(): { code: number; reason: string } | null {
    return this.closeInfo;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The first unconsumed message that matches (already received or still to come). */
  next(predicate: (m: LiveMessage) => boolean = () => true, timeoutMs = 3000): Promise<LiveMessage> {
    const i = this.unread.findIndex(predicate);
    if (i >= 0) return Promise.resolve(this.unread.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const recent = this.messages.slice(-5).map((m) => JSON.stringify(m).slice(0, 200));
        reject(new Error(`no matching live message within ${timeoutMs} ms; closed=${JSON.stringify(this.closeInfo)}; last: ${recent.join(' | ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The next `count` matching messages, in arrival order. */
  async take(count: number, predicate: (m: LiveMessage) => boolean = () => true, timeoutMs = 5000): Promise<LiveMessage[]> {
    const deadline = Date.now() + timeoutMs;
    const out: LiveMessage[] = [];
    while (out.length < count) out.push(await this.next(predicate, Math.max(1, deadline - Date.now())));
    return out;
  }

  /** Shortcut: the next message of a type (and channel, when given). */
  nextOf(type: string, channel?: string, timeoutMs?: number): Promise<LiveMessage> {
    return this.next((m) => m.type === type && (channel === undefined || m.channel === channel), timeoutMs);
  }

  /** Subscribes and waits for `subscribed` (or the error that refuses it). */
  async subscribe(channel: string, since?: number, timeoutMs = 3000): Promise<LiveMessage> {
    this.send({ type: 'subscribe', channel, ...(since === undefined ? {} : { since }) });
    return this.next((m) => (m.type === 'subscribed' || m.type === 'error') && m.channel === channel, timeoutMs);
  }

  /** Everything received so far, consumed or not. */
  collect(): LiveMessage[] {
    return [...this.messages];
  }

  /** Messages not yet consumed by `next`, removed from the queue. */
  drain(): LiveMessage[] {
    return this.unread.splice(0);
  }

  /** Waits `quietMs` and answers the matching messages that arrived meanwhile (expected: none). */
  async quiet(predicate: (m: LiveMessage) => boolean = () => true, quietMs = 150): Promise<LiveMessage[]> {
    const from = this.messages.length;
    await new Promise((r) => setTimeout(r, quietMs));
    return this.messages.slice(from).filter(predicate);
  }

  waitForClose(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
      this.closeWaiters.push((info) => {
        clearTimeout(timer);
        resolve(info);
      });
    });
  }

  close(code = 1000): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
    return this.waitForClose().catch(() => {
      this.ws.terminate();
      return { code: 1006, reason: '' };
    });
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** The events of one channel, as received. */
export const eventsOf = (messages: LiveMessage[], channel: string) => messages.filter((m) => m.type === 'event' && m.channel === channel);

/** Asserts nothing: answers the seqs of a channel's events in arrival order. */
export const seqsOf = (messages: LiveMessage[], channel: string) => eventsOf(messages, channel).map((m) => m.seq as number);

export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
