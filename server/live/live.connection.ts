import type { WebSocket } from 'ws';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import type { Config } from '../config/config.js';
import { AppError } from '../errors/errors.js';
import { INT4_MAX } from '../schemas/common.schema.js';
import { findCommunity } from '../communities/communities.service.js';
import { loadVisibleTopic } from '../topics/topics.load.js';
import { audienceOf, type Audience } from '../visibility/visibility.js';
import { canUseInbox } from '../visibility/permissions.js';
import { guestViewer, roleIn, userViewer, type Viewer } from '../visibility/viewer.js';
import type { SessionStore } from '../auth/session.js';
import { ClientMessage, CloseCode, type LiveErrorCode } from './live.protocol.js';
import { Subscription, type LiveHub } from './live.hub.js';
import { INBOX_CHANNEL_PREFIX } from './outbox.js';
import type { Presence } from './live.presence.js';
import { compileCheck } from '../schemas/check.js';

export interface LiveDeps {
  db: Db;
  hub: LiveHub;
  presence: Presence;
  sessions: SessionStore;
  config: Config['live'];
  log: FastifyBaseLogger;
  /**
   * An error frame's message in the reader's language (member: the signed-in viewer's own choice,
   * else the socket's Accept-Language); absent: the English one.
   */
  text?: (
    code: LiveErrorCode,
    params: Record<string, unknown> | undefined,
    english: string,
    member: string | null | undefined,
    acceptLanguage: string | undefined,
  ) => string;
  /** Called once when the connection is done (closed, failed or cut off). */
  onClosed?: (connection: LiveConnection) => void;
  /**
   * Guests' channel decisions in flight, by channel (one map per process): every guest gets the
   * same answer, so a burst of anonymous readers joining a topic waits for one lookup instead of
   * running one each (and the garbage of each stays out of the heap).
   */
  guestDecisions?: Map<string, Promise<Audience>>;
}

let nextSocketId = 1;
const isClientMessage = compileCheck(ClientMessage);

/**
 * Guests never get roles (roleIn answers null before remembering anything for them), so one
 * guest viewer serves every anonymous socket instead of an object and a Map each.
 */
const GUEST = guestViewer();

/** Every guest's subscriptions share one audience (read only: a change assigns a new one). */
const GUEST_AUDIENCE: Audience = Object.freeze({ moderator: false, userId: null });
const shared = (audience: Audience): Audience => (!audience.moderator && audience.userId === null ? GUEST_AUDIENCE : audience);

/** The socket's connection, so that one set of listener functions serves every socket. */
const OWNER = Symbol('liveConnection');
type OwnedSocket = WebSocket & { [OWNER]?: LiveConnection };

/**
 * One client socket: its viewer, its subscriptions, and the limits that keep one client from
 * hurting the others. Messages are handled one at a time, in order.
 *
 * Idle sockets are most of a busy process's memory (issue 14: 10,000 in under 200 MB), so a
 * connection is one object with plain fields: the dependencies are shared, the listeners are
 * module-level functions, and what few sockets use (typing, a message queue) is made on first use.
 */
export class LiveConnection {
  readonly id = nextSocketId++;
  private readonly subs = new Map<string, Subscription>();
  /** Token bucket: a steady rate (messagesPerSecond) with room for a burst. */
  private tokens: number;
  private tokensAt = Date.now();
  /** The message being handled and those waiting behind it; null when there is none. */
  private queue: Promise<void> | null = null;
  private alive = true;
  private refused = 0;
  private refusedSince = 0;
  private lastRateError = 0;
  private closed = false;
  private typingAt: Map<string, number> | null = null;
  private viewer: Viewer;

  constructor(
    private readonly ws: WebSocket,
    viewer: Viewer,
    private readonly deps: LiveDeps,
    /** Only the header is kept, for error frames in the reader's language. */
    private readonly acceptLanguage?: string,
  ) {
    this.viewer = viewer.user ? viewer : GUEST;
    this.tokens = this.burst;
    // Listeners go on before anything awaits, or the first messages would be lost.
    (ws as OwnedSocket)[OWNER] = this;
    ws.on('message', LiveConnection.onMessage);
    ws.on('pong', LiveConnection.onPong);
    ws.on('close', LiveConnection.onGone);
    ws.on('error', LiveConnection.onGone);
  }

  private static onMessage(this: OwnedSocket, data: unknown, isBinary: boolean): void {
    this[OWNER]?.onFrame(data, isBinary);
  }

  private static onPong(this: OwnedSocket): void {
    const connection = this[OWNER];
    if (connection) connection.alive = true;
  }

  private static onGone(this: OwnedSocket): void {
    this[OWNER]?.cleanup();
  }

  /** The burst covers a reconnecting client resubscribing every channel it is allowed at once. */
  private get burst(): number {
    return this.deps.config.messagesPerSecond * 2 + this.deps.config.maxSubscriptions;
  }

  private takeToken(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.tokensAt) / 1000) * this.deps.config.messagesPerSecond);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Runs `task` after everything queued before it; the queue is dropped once it runs dry. */
  private enqueue(task: () => Promise<void>, onError: (err: unknown) => void): void {
    const next: Promise<void> = (this.queue ?? Promise.resolve())
      .then(task)
      .catch(onError)
      .then(() => {
        if (this.queue === next) this.queue = null;
      });
    this.queue = next;
  }

  get viewerHandle(): string | null {
    return this.viewer.user?.handle ?? null;
  }

  /** Heartbeat: a socket that did not answer the previous ping is gone. */
  tick(): void {
    if (this.closed) return;
    if (!this.alive) {
      this.ws.terminate();
      this.cleanup();
      return;
    }
    this.alive = false;
    try {
      this.ws.ping();
    } catch {
      /* closing anyway */
    }
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
    this.cleanup();
  }

  /** Sends unless the client has stopped reading; then it is closed, and resumes with `since`. */
  send(message: string | Buffer): boolean {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return false;
    // What the client has not read yet stays under the bound (plus the one message being added).
    if (this.ws.bufferedAmount > this.deps.config.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, 'too slow: reconnect and resume');
      return false;
    }
    this.ws.send(message, { binary: false });
    return true;
  }

  /**
   * Lets a replay wait while the client reads what it was already sent, instead of queueing a
   * whole backlog at once and tripping the slow-consumer bound. False if the socket went away
   * or did not drain within 30 s.
   */
  async waitForRoom(): Promise<boolean> {
    const threshold = this.deps.config.maxBufferedBytes / 2;
    const deadline = Date.now() + 30_000;
    while (!this.closed && this.ws.readyState === this.ws.OPEN && this.ws.bufferedAmount > threshold) {
      if (Date.now() > deadline) {
        this.close(CloseCode.slowConsumer, 'too slow: reconnect and resume');
        return false;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return !this.closed;
  }

  sendPresence(channel: string, readers: number, typing: string[]): void {
    if (this.subs.has(channel)) this.send(JSON.stringify({ type: 'presence', channel, readers, typing }));
  }

  /** An error frame: `errors.<code>` in the reader's language, with `params` (`english` when there is no such message). */
  sendError(code: LiveErrorCode, params: Record<string, unknown> | undefined, english: string, channel?: string): void {
    const message = this.deps.text?.(code, params, english, this.viewer.user?.locale, this.acceptLanguage) ?? english;
    this.send(JSON.stringify({ type: 'error', code, message, ...(channel ? { channel } : {}) }));
  }

  private onFrame(data: unknown, isBinary: boolean): void {
    if (this.closed) return;
    if (!this.takeToken()) {
      // Tell the client once a second; a client that keeps going for ten seconds is cut off.
      if (Date.now() - this.refusedSince > 10_000) {
        this.refusedSince = Date.now();
        this.refused = 0;
      }
      if (++this.refused > this.deps.config.messagesPerSecond * 10) {
        this.close(CloseCode.policy, 'too many messages');
        return;
      }
      if (Date.now() - this.lastRateError > 1000) {
        this.lastRateError = Date.now();
        this.sendError('rate_limited', { via: 'live' }, 'Too many messages; slow down.');
      }
      return;
    }
    let message: unknown;
    try {
      if (isBinary) throw new Error('binary');
      message = JSON.parse(String(data));
    } catch {
      this.sendError('invalid_message', { problem: 'not_json' }, 'Messages are JSON text frames.');
      return;
    }
    if (!isClientMessage(message)) {
      this.sendError('invalid_message', { problem: 'unknown' }, 'Unknown message type or bad fields: see the live protocol in the API docs.');
      return;
    }
    const parsed = message;
    this.enqueue(
      () => this.handle(parsed),
      (err) => {
        this.deps.log.warn({ err }, 'live message failed');
        this.sendError('internal_error', { during: 'message' }, 'Something went wrong handling that message.');
      },
    );
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (this.closed) return;
    switch (message.type) {
      case 'auth':
        return this.authenticate(message.token);
      case 'subscribe':
        return this.subscribe(message.channel, message.since);
      case 'unsubscribe':
        return this.unsubscribe(message.channel);
      case 'typing':
        return this.typing(message.channel);
      case 'ping':
        this.send('{"type":"pong"}');
        return;
    }
  }

  private async authenticate(token: string): Promise<void> {
    if (this.viewer.user) return this.sendError('already_authenticated', undefined, 'This socket is already signed in.');
    if (this.subs.size) return this.sendError('invalid_message', { problem: 'auth_order' }, 'Authenticate before subscribing.');
    const found = await this.deps.sessions.validate(token);
    if (!found) return this.sendError('invalid_token', { via: 'live' }, 'The token is invalid or expired.');
    this.viewer = userViewer(found.user, found.sessionId);
    this.send(JSON.stringify({ type: 'authenticated', user: { id: found.user.id, handle: found.user.handle } }));
  }

  /**
   * The account's roles changed (or the bus lost notes): moderator rendering stops at once, then
   * each subscription is decided again by the same rules as a new subscribe. A channel the viewer
   * may no longer see is dropped.
   */
  refreshAudiences(): void {
    if (!this.viewer.user || this.closed) return;
    this.viewer.roles.clear();
    for (const sub of this.subs.values()) {
      if (sub.audience.moderator) sub.audience = { moderator: false, userId: sub.audience.userId };
    }
    this.enqueue(
      async () => {
        for (const sub of [...this.subs.values()]) {
          try {
            const audience = await this.audienceFor(sub.channel);
            if (this.subs.get(sub.channel) === sub) sub.audience = audience;
          } catch (err) {
            if (!(err instanceof AppError && err.statusCode === 404) || this.subs.get(sub.channel) !== sub) throw err;
            this.dropSubscription(sub);
            this.sendError('channel_not_found', { problem: 'gone' }, 'This channel is no longer one you may see.', sub.channel);
          }
        }
      },
      (err) => this.deps.log.warn({ err }, 'live audience refresh failed'),
    );
  }

  get userId(): number | null {
    return this.viewer.user?.id ?? null;
  }

  /** The session the socket signed in with (cookie or `auth` message); null for a guest. */
  get sessionId(): string | null {
    return this.viewer.sessionId;
  }

  /**
   * Something about the account's sessions changed elsewhere (a signal on the bus: a sign-out
   * everywhere, a suspension, a new password, a changed profile). The session is asked again, in
   * turn with the socket's messages: ended, the socket closes and the client comes back as whoever
   * it now is; still valid, the socket goes on with what the session now carries, every channel
   * decided again. A failed check closes too: the upgrade asks again, and a socket must not outlive
   * a session because the database did not answer once.
   */
  recheckSession(): void {
    const sessionId = this.viewer.sessionId;
    if (!sessionId || this.closed) return;
    this.enqueue(
      async () => {
        const found = await this.deps.sessions.validateId(sessionId);
        if (this.closed) return;
        if (!found || found.user.id !== this.viewer.user?.id) return this.close(CloseCode.sessionEnded, 'session ended');
        this.viewer = userViewer(found.user, found.sessionId);
        this.refreshAudiences();
      },
      (err) => {
        this.deps.log.warn({ err }, 'live session check failed; closing the socket');
        this.close(CloseCode.sessionEnded, 'session ended');
      },
    );
  }

  /** Decides who the subscriber is for this channel: the same rules as the HTTP routes. */
  private audienceFor(channel: string): Promise<Audience> {
    const inFlight = this.deps.guestDecisions;
    if (this.viewer.user || !inFlight || channel.startsWith('user:')) return this.decide(channel);
    let decision = inFlight.get(channel);
    if (!decision) {
      decision = this.decide(channel).finally(() => inFlight.delete(channel));
      inFlight.set(channel, decision);
    }
    return decision;
  }

  private async decide(channel: string): Promise<Audience> {
    const { db } = this.deps;
    if (channel.startsWith('user:')) {
      // One's own channel only; guests and everyone else cannot tell it from a missing one.
      if (this.viewer.user?.id !== Number(channel.slice(5))) throw new AppError(404, 'channel_not_found', 'No such channel.');
      return { moderator: false, userId: this.viewer.user.id };
    }
    if (channel.startsWith('topic:')) {
      const id = Number(channel.slice(6));
      if (id > INT4_MAX) throw new AppError(404, 'topic_not_found', 'No such topic.');
      const loaded = await loadVisibleTopic(db, this.viewer, id);
      return audienceOf(loaded.standing);
    }
    if (channel.startsWith(INBOX_CHANNEL_PREFIX)) {
      // The organisation's worklist: to anyone else it is no channel at all, like another reader's own.
      const community = await findCommunity(db, channel.slice(INBOX_CHANNEL_PREFIX.length));
      const standing = { viewer: this.viewer, role: await roleIn(db, this.viewer, community.id) };
      if (!canUseInbox(standing)) throw new AppError(404, 'channel_not_found', 'No such channel.');
      return audienceOf(standing);
    }
    const community = await findCommunity(db, channel.slice(10));
    return audienceOf({ viewer: this.viewer, role: await roleIn(db, this.viewer, community.id) });
  }

  private async subscribe(channel: string, since: number | undefined): Promise<void> {
    const existing = this.subs.get(channel);
    if (!existing && this.subs.size >= this.deps.config.maxSubscriptions) {
      return this.sendError(
        'too_many_subscriptions',
        { max: this.deps.config.maxSubscriptions },
        `At most ${this.deps.config.maxSubscriptions} channels per socket.`,
        channel,
      );
    }
    let audience: Audience;
    try {
      audience = await this.audienceFor(channel);
    } catch (err) {
      if (err instanceof AppError && err.statusCode === 404)
        return this.sendError('channel_not_found', undefined, 'No such channel, or not one you may see.', channel);
      throw err;
    }
    if (this.closed) return;
    if (existing) this.dropSubscription(existing);
    const sub = new Subscription(channel, shared(audience), this);
    this.subs.set(channel, sub);
    await this.deps.hub.subscribe(sub, since);
    if (channel.startsWith('topic:') && this.subs.get(channel) === sub) this.deps.presence.join(channel, this.id, this.viewerHandle);
  }

  private unsubscribe(channel: string): void {
    const sub = this.subs.get(channel);
    if (!sub) return this.sendError('not_subscribed', undefined, 'Not subscribed to that channel.', channel);
    this.dropSubscription(sub);
    this.send(JSON.stringify({ type: 'unsubscribed', channel }));
  }

  private typing(channel: string): void {
    if (!this.subs.has(channel)) return this.sendError('not_subscribed', { action: 'typing' }, 'Subscribe to the channel first.', channel);
    if (!this.viewer.user) return this.sendError('not_signed_in', { action: 'typing' }, 'Sign in to show that you are typing.', channel);
    // At most one typing signal per channel every two seconds per socket.
    const now = Date.now();
    if (now - (this.typingAt?.get(channel) ?? 0) < 2000) return;
    (this.typingAt ??= new Map()).set(channel, now);
    this.deps.presence.typing(channel, this.id);
  }

  private dropSubscription(sub: Subscription): void {
    this.deps.hub.unsubscribe(sub);
    this.subs.delete(sub.channel);
    this.typingAt?.delete(sub.channel);
    this.deps.presence.leave(sub.channel, this.id);
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of [...this.subs.values()]) this.dropSubscription(sub);
    this.deps.onClosed?.(this);
  }
}
