import pg from 'pg';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { EVERYWHERE, LocalFanout, SignalEchoes, NOTIFY_CHANNEL, PRESENCE_CHANNEL, SIGNAL_CHANNEL, parseNote, type Bus } from './bus.js';

/** How long a signal's sender waits to hear it back before answering anyway. */
const SIGNAL_ECHO_MS = 1000;

/**
 * LISTEN on one dedicated connection per process. When that connection drops, notes sent
 * meanwhile are lost, so after reconnecting it tells listeners to resync from the outbox.
 */
export async function createPostgresBus(connectionString: string, log: Logger): Promise<Bus> {
  const fanout = new LocalFanout();
  let client: pg.Client | null = null;
  let closed = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let attempt = 0;
  let presenceChain: Promise<void> = Promise.resolve();
  const echoes = new SignalEchoes(SIGNAL_ECHO_MS);

  const connect = async (isReconnect: boolean): Promise<void> => {
    const c = new pg.Client({ connectionString });
    c.on('notification', (msg) => {
      if (msg.channel === PRESENCE_CHANNEL) {
        if (msg.payload) fanout.emitPresence(msg.payload);
        return;
      }
      if (msg.channel === SIGNAL_CHANNEL) {
        if (msg.payload) {
          fanout.emitSignal(msg.payload);
          echoes.heard(msg.payload);
        }
        return;
      }
      const note = msg.payload ? parseNote(msg.payload) : null;
      if (note) fanout.emit(note);
    });
    c.on('error', (err) => {
      log.warn({ err }, 'live bus connection failed');
      scheduleReconnect();
    });
    c.on('end', () => scheduleReconnect());
    await c.connect();
    await c.query(`LISTEN ${NOTIFY_CHANNEL}`);
    await c.query(`LISTEN ${PRESENCE_CHANNEL}`);
    await c.query(`LISTEN ${SIGNAL_CHANNEL}`);
    client = c;
    attempt = 0;
    if (isReconnect) {
      log.info('live bus reconnected');
      fanout.emitResync();
    }
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    const old = client;
    client = null;
    old?.removeAllListeners('end');
    old?.end().catch(() => {});
    // Jittered backoff up to 5 s: a restarting database is not hammered by every replica at once.
    const delay = Math.min(5000, 100 * 2 ** attempt++) * (0.5 + Math.random() / 2);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect(true).catch((err) => {
        log.warn({ err }, 'live bus reconnect failed');
        scheduleReconnect();
      });
    }, delay);
    retryTimer.unref();
  };

  await connect(false);
  return {
    publishLocal: (notes) => notes.forEach((n) => fanout.emit(n)),
    subscribe: (l) => fanout.subscribe(l),
    onResync: (l) => fanout.onResync(l),
    publishPresence: (payload) => {
      // Best effort over the listening connection, one query at a time (pg clients must not
      // overlap queries); while it is down presence simply pauses.
      const c = client;
      if (!c) return;
      presenceChain = presenceChain
        .then(() => c.query('SELECT pg_notify($1, $2)', [PRESENCE_CHANNEL, payload]))
        .then(
          () => {},
          () => {},
        );
    },
    onPresence: (l) => fanout.onPresence(l),
    publishSignal: async (payload) => {
      // Here first, at once: this process's caches forget before the caller answers.
      fanout.emitSignal(payload);
      const c = client;
      if (!c) {
        // Our listener is down (its reconnect resyncs this process); the others must still hear it.
        await notifyOnce(connectionString, payload).catch((err: unknown) => log.warn({ err }, 'could not send a cache signal'));
        return;
      }
      const { echoed, settle } = echoes.expect(payload);
      // pg queues queries on a client, so this does not overlap presence's.
      await c.query('SELECT pg_notify($1, $2)', [SIGNAL_CHANNEL, payload]).catch((err: unknown) => {
        log.warn({ err }, 'could not send a cache signal');
        settle();
      });
      await echoed;
    },
    onSignal: (l) => fanout.onSignal(l),
    // LISTEN hears every note: nothing to ask for.
    watch: () => EVERYWHERE,
    watchKind: () => EVERYWHERE,
    status: () => ({ kind: 'postgres', connected: client !== null, subscriptions: 0, relay: false }),
    close: async () => {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners('end');
        await c.end().catch(() => {});
      }
    },
  };
}

/** A signal sent over a connection of its own, for when the listening one is down. */
async function notifyOnce(connectionString: string, payload: string): Promise<void> {
  const c = new pg.Client({ connectionString });
  await c.connect();
  try {
    await c.query('SELECT pg_notify($1, $2)', [SIGNAL_CHANNEL, payload]);
  } finally {
    await c.end().catch(() => {});
  }
}
