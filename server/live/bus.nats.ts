import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { LocalFanout, SignalEchoes, parseNote, type Bus, type BusNote, type Watch } from './bus.js';
import { OutboxRelay } from './outbox.relay.js';
import { natsServers, subjectsFor } from './nats.subjects.js';

/** How long a signal's sender waits to hear it back from the broker before answering anyway. */
const SIGNAL_ECHO_MS = 1000;

interface Interest {
  count: number;
  sub: Subscription | null;
  ready: Promise<void>;
  settled: boolean;
}

export interface NatsBusOptions {
  /** Comma-separated nats:// URLs of one cluster. */
  url: string;
  /** The database the relay tails (one per cluster holds its advisory lock). */
  connectionString: string;
  log: Logger;
}

/**
 * Live events over NATS. No write transaction notifies: a write's outbox rows are the only thing
 * it adds, and the cluster's relay (server/live/outbox.relay.ts) publishes each event on its
 * channel's subject, in seq order. A process subscribes only to the channels it watches (its
 * sockets' channels, its online accounts, and the kinds its caches need), so a reply that
 * notifies a thousand watchers reaches only the processes holding their sockets.
 *
 * Whatever the broker may have dropped (a reconnect, a relay that changed) is made good the way
 * wave 1 made good a dropped LISTEN connection: listeners resync from the outbox.
 */
export async function createNatsBus(options: NatsBusOptions): Promise<Bus> {
  const { log } = options;
  const fanout = new LocalFanout();
  const node = randomUUID();
  const subjects = await subjectsFor(options.connectionString);
  const nc: NatsConnection = await connect({
    servers: natsServers(options.url),
    name: `parley-${node}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 250,
    pingInterval: 5000,
    maxPingOut: 2,
  });
  let connected = true;
  let closed = false;
  let relayWatermark: number | null = null;
  let relayHeardAt: number | null = null;
  const interests = new Map<string, Interest>();
  const echoes = new SignalEchoes(SIGNAL_ECHO_MS);

  const heard = (payload: string) => {
    const note = parseNote(payload);
    if (note) fanout.emit(note);
  };
  const fixed: Subscription[] = [
    nc.subscribe(subjects.presence, { callback: (_err, msg) => fanout.emitPresence(msg.string()) }),
    nc.subscribe(subjects.signal, {
      callback: (_err, msg) => {
        const payload = msg.string();
        fanout.emitSignal(payload);
        echoes.heard(payload);
      },
    }),
    nc.subscribe(subjects.relayHead, {
      callback: (_err, msg) => {
        const head = Number(msg.string());
        if (Number.isSafeInteger(head)) {
          relayWatermark = head;
          relayHeardAt = Date.now();
        }
      },
    }),
    // A new relay does not know what its predecessor published: everyone reads where they are.
    nc.subscribe(subjects.relayStart, { callback: () => fanout.emitResync() }),
  ];
  await nc.flush();

  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        log.warn({ server: status.server }, 'live bus: broker connection lost');
      } else if (status.type === 'reconnect') {
        // The client has subscribed again; once the broker has those, what was missed is read back.
        await nc.flush().catch(() => {});
        connected = true;
        log.info({ server: status.server }, 'live bus: broker reconnected');
        fanout.emitResync();
      }
    }
  })();

  const relay = new OutboxRelay({
    connectionString: options.connectionString,
    log,
    node,
    subjects,
    publish: (subject, payload) => {
      try {
        nc.publish(subject, payload);
      } catch (err) {
        // Closed or not connected: subscribers resync when the broker is back.
        log.debug({ err }, 'relay: publish failed');
      }
    },
    subscribePokes: (onPoke) => {
      const sub = nc.subscribe(subjects.relayPoke, { callback: () => onPoke() });
      return () => sub.unsubscribe();
    },
  });
  relay.start();

  let pokeQueued = false;
  const poke = () => {
    if (pokeQueued) return;
    pokeQueued = true;
    setImmediate(() => {
      pokeQueued = false;
      if (!closed) safePublish(subjects.relayPoke, '');
    });
  };
  const safePublish = (subject: string, payload: string) => {
    try {
      nc.publish(subject, payload);
    } catch {
      /* down: presence pauses; a poke's events go out on the relay's next poll */
    }
  };

  /** Counted interest in a subject (keyed by it). */
  const want = (key: string, subject: string): Watch => {
    let interest = interests.get(key);
    if (!interest) {
      const sub = closed ? null : nc.subscribe(subject, { callback: (_err, msg) => heard(msg.string()) });
      const made: Interest = { count: 0, sub, ready: Promise.resolve(), settled: false };
      made.ready = (sub ? nc.flush().catch(() => {}) : Promise.resolve()).then(() => void (made.settled = true));
      interests.set(key, (interest = made));
    }
    interest.count++;
    const held = interest;
    let released = false;
    return {
      ready: held.ready,
      isReady: () => held.settled,
      release: () => {
        if (released) return;
        released = true;
        if (--held.count > 0 || interests.get(key) !== held) return;
        interests.delete(key);
        held.sub?.unsubscribe();
      },
    };
  };

  return {
    publishLocal: (notes: BusNote[]) => {
      notes.forEach((n) => fanout.emit(n));
      if (notes.length) poke();
    },
    subscribe: (l) => fanout.subscribe(l),
    onResync: (l) => fanout.onResync(l),
    publishPresence: (payload) => safePublish(subjects.presence, payload),
    onPresence: (l) => fanout.onPresence(l),
    publishSignal: async (payload) => {
      fanout.emitSignal(payload);
      const { echoed, settle } = echoes.expect(payload);
      try {
        nc.publish(subjects.signal, payload);
      } catch (err) {
        log.warn({ err }, 'could not send a cache signal');
        settle();
      }
      await echoed;
    },
    onSignal: (l) => fanout.onSignal(l),
    watch: (channel) => {
      // A kind watched whole already brings this channel's notes: a second subscription would bring each twice.
      const whole = interests.get(subjects.kind(channel.slice(0, Math.max(0, channel.indexOf(':')))));
      if (whole) return { ready: whole.ready, isReady: () => whole.settled, release: () => {} };
      return want(subjects.channel(channel), subjects.channel(channel));
    },
    watchKind: (kind) => want(subjects.kind(kind), subjects.kind(kind)),
    status: () => ({
      kind: 'nats',
      connected: connected && !nc.isClosed(),
      subscriptions: interests.size + fixed.length + (relay.active ? 1 : 0),
      relay: relay.active,
      relayWatermark,
      relayHeardAt,
    }),
    close: async () => {
      closed = true;
      await relay.stop();
      // Draining waits for the broker; a broker that is gone must not hold a process that is stopping.
      const drained = nc.drain().catch(() => {});
      const cutOff = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      await Promise.race([drained, cutOff]);
      if (!nc.isClosed()) await nc.close().catch(() => {});
    },
  };
}
