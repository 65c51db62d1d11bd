import type { Database } from '../../db/client.js';
import { EVERYWHERE, LocalFanout, NOTIFY_CHANNEL, SIGNAL_CHANNEL, parseNote, type Bus } from './bus.js';

/** PGlite is one process: its NOTIFY arrives in-process, after commit, like PostgreSQL's. */
export async function createEmbeddedBus(database: Database): Promise<Bus> {
  const fanout = new LocalFanout();
  const unlisten = database.listenEmbedded
    ? await database.listenEmbedded(NOTIFY_CHANNEL, (payload) => {
        const note = parseNote(payload);
        if (note) fanout.emit(note);
      })
    : async () => {};
  // A signal sent as SQL (as a command-line tool does) reaches this process's caches too.
  const unlistenSignals = database.listenEmbedded ? await database.listenEmbedded(SIGNAL_CHANNEL, (payload) => fanout.emitSignal(payload)) : async () => {};
  return {
    publishLocal: (notes) => notes.forEach((n) => fanout.emit(n)),
    subscribe: (l) => fanout.subscribe(l),
    onResync: (l) => fanout.onResync(l),
    // One process: presence goes straight back to this process's own listeners.
    publishPresence: (payload) => queueMicrotask(() => fanout.emitPresence(payload)),
    onPresence: (l) => fanout.onPresence(l),
    // One process: every cache that listens is here, so hearing it is having it delivered.
    publishSignal: (payload) => {
      fanout.emitSignal(payload);
      return Promise.resolve();
    },
    onSignal: (l) => fanout.onSignal(l),
    watch: () => EVERYWHERE,
    watchKind: () => EVERYWHERE,
    status: () => ({ kind: 'embedded', connected: true, subscriptions: 0, relay: false }),
    close: async () => {
      await unlistenSignals();
      await unlisten();
    },
  };
}
