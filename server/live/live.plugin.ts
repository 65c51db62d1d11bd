import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import type { Db } from '../../db/client.js';
import type { SessionStore } from '../auth/session.js';
import { siteOrigin } from '../auth/origin.js';
import { SESSION_COOKIE } from '../auth/session.js';
import { sessionNewsOf } from '../auth/session-cache.js';
import { forbidden, unavailable } from '../errors/errors.js';
import type { Bus, Watch } from './bus.js';
import { userChannel } from './outbox.js';
import { LiveHub } from './live.hub.js';
import { LiveConnection, type LiveDeps } from './live.connection.js';
import { RoleChanges } from './role-changes.js';
import { Presence } from './live.presence.js';
import { CloseCode } from './live.protocol.js';
import type { Translator } from '../i18n/translator.js';
import type { ErrorMessages } from '../i18n/error-messages.js';
import { readerLocale } from '../i18n/i18n.plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    live: { hub: LiveHub; presence: Presence; connections: Set<LiveConnection> };
  }
}

/**
 * @fastify/websocket keeps the upgrade's request and reply reachable for the socket's whole
 * life (an 'error' listener closing over them, and the HTTP response still attached to the TCP
 * socket): several KB per idle reader. LiveConnection handles socket errors itself (its listener
 * goes on before anything can emit), so both references are dropped here.
 */
function releaseUpgrade(socket: import('ws').WebSocket): void {
  socket.removeAllListeners('error');
  const tcp = (socket as unknown as { _socket?: { _httpMessage?: unknown } })._socket;
  if (tcp) tcp._httpMessage = null;
}

/** Bigger frames than this are never legitimate client messages. */
const MAX_PAYLOAD = 4096;

/** The live socket at /api/live (API.md "Live threads"). */
export const livePlugin = fp(
  async (app: FastifyInstance, opts: { config: Config; db: Db; bus: Bus; sessions: SessionStore; translator: Translator; errorMessages: ErrorMessages }) => {
    const { config, db, bus, sessions, translator, errorMessages } = opts;
    const connections = new Set<LiveConnection>();
    const hub = new LiveHub(db, bus, app.log);
    const presence = new Presence(
      bus,
      (channel, readers, typing) => {
        for (const c of connections) c.sendPresence(channel, readers, typing);
      },
      config.live.presenceThrottleMs,
    );
    app.decorate('live', { hub, presence, connections });

    // Role changes arrive as events on the account's channel; after lost notes, everyone re-decides.
    const roles = new RoleChanges(
      db,
      (userIds) => {
        const wanted = new Set(userIds);
        const online = new Set<number>();
        for (const c of connections) if (c.userId !== null && wanted.has(c.userId)) online.add(c.userId);
        return online;
      },
      (userIds) => {
        const affected = new Set(userIds);
        for (const c of connections) if (c.userId !== null && affected.has(c.userId)) c.refreshAudiences();
      },
      (err) => app.log.warn({ err }, "live: could not read users' events; re-deciding those accounts' sockets"),
    );
    const stopRoles = bus.subscribe((note) => roles.note(note));
    // An account's channel carries its role changes: a bus that brings only what is watched brings them while it is online here.
    const accountWatches = new AccountWatches(bus);
    const stopResync = bus.onResync(() => connections.forEach((c) => c.refreshAudiences()));
    // A session ended or an account changed on any process: sockets signed in with it follow at
    // once, as the session caches do (a sign-out must not leave a socket reading as the member).
    const stopSessions = bus.onSignal((payload) => {
      const news = sessionNewsOf(payload);
      if (!news) return;
      for (const c of connections) {
        if (news.kind === 'session' && c.sessionId === news.sessionId) c.close(CloseCode.sessionEnded, 'session ended');
        else if (news.kind === 'user' && c.userId === news.userId) c.recheckSession();
      }
    });

    let closing = false;
    const heartbeat = setInterval(() => connections.forEach((c) => c.tick()), config.live.heartbeatMs);
    heartbeat.unref();

    await app.register(websocket, {
      options: { maxPayload: MAX_PAYLOAD, perMessageDeflate: false },
      // Replaces the plugin's default (a close without a code): "going away" tells clients to
      // reconnect, to another process, and resume.
      preClose: async function closeLiveSockets(this: FastifyInstance) {
        closing = true;
        clearInterval(heartbeat);
        stopRoles();
        stopResync();
        stopSessions();
        accountWatches.close();
        for (const c of connections) c.close(CloseCode.goingAway, 'server shutting down');
        connections.clear();
        hub.close();
        presence.close();
        for (const client of this.websocketServer.clients) client.close(CloseCode.goingAway, 'server shutting down');
        // The server counts as closed once every socket has: one whose peer never answers the close
        // (ws waits 30 s for it) must not hold the process, whose readers resume elsewhere anyway.
        const cutOff = setTimeout(() => this.websocketServer.clients.forEach((client) => client.terminate()), SHUTDOWN_GRACE_MS);
        await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
        clearTimeout(cutOff);
      },
    });

    // One set of dependencies for every connection: per-socket closures would cost each idle reader.
    const deps: LiveDeps = {
      db,
      hub,
      presence,
      sessions,
      config: config.live,
      log: app.log,
      text: (code, params, english, member, acceptLanguage) => errorMessages.message(readerLocale(translator, acceptLanguage, member), code, params, english),
      onClosed: (connection) => {
        connections.delete(connection);
        accountWatches.leave(connection.userId);
      },
      guestDecisions: new Map(),
    };

    app.get(
      '/api/live',
      {
        websocket: true,
        schema: { hide: true },
        // Runs before the upgrade: a browser on another site must not ride the reader's cookie.
        preValidation: async (request) => {
          // A reader told to go away comes straight back, maybe through the same proxy to this very
          // process, which still listens while it stops: a 503 sends it on to another one (nginx
          // tries the next replica for it) instead of opening a socket nothing will close.
          if (closing) throw unavailable('server_closing', 'This server is shutting down; connect again.', { via: 'live' });
          const origin = request.headers.origin;
          const expected = siteOrigin(config, request);
          if (origin !== undefined && origin !== expected)
            throw forbidden('origin_not_allowed', 'Live connections are only accepted from the site itself.', { via: 'live' });
          if (origin === undefined && request.cookies[SESSION_COOKIE])
            throw forbidden('csrf_origin_mismatch', 'A cookie-authenticated live connection must send the site Origin.', { via: 'live' });
        },
      },
      (socket, request) => {
        releaseUpgrade(socket);
        // Only the header is kept: the request itself must not stay reachable (see releaseUpgrade).
        const connection = new LiveConnection(socket, request.viewer, deps, request.headers['accept-language']);
        connections.add(connection);
        accountWatches.join(connection.userId);
      },
    );
  },
  { name: 'live', dependencies: ['auth'] },
);

/** How long shutdown waits for live sockets to finish their closing handshake. */
const SHUTDOWN_GRACE_MS = 2000;

/** The accounts with sockets here, each watched on the bus once however many sockets it has. */
class AccountWatches {
  private readonly held = new Map<number, { sockets: number; watch: Watch }>();
  constructor(private readonly bus: Bus) {}

  join(userId: number | null): void {
    if (userId === null) return;
    const found = this.held.get(userId);
    if (found) found.sockets++;
    else this.held.set(userId, { sockets: 1, watch: this.bus.watch(userChannel(userId)) });
  }

  leave(userId: number | null): void {
    const found = userId === null ? undefined : this.held.get(userId);
    if (!found || --found.sockets > 0) return;
    this.held.delete(userId!);
    found.watch.release();
  }

  close(): void {
    for (const { watch } of this.held.values()) watch.release();
    this.held.clear();
  }
}
