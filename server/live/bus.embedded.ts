import type { Database } from '../../db/client.js';
import { LocalFanout, NOTIFY_CHANNEL, parseNote, type Bus } from './bus.js';

/** PGlite is one process: its NOTIFY arrives in-process, after commit, like PostgreSQL's. */
export async function createEmbeddedBus(database: Database): Promise<Bus> {
  const fanout = new LocalFanout();
  const unlisten = database.listenEmbedded
    ? await database.listenEmbedded(NOTIFY_CHANNEL, (payload) => {
        const note = parseNote(payload);
        if (note) fanout.emit(note);
      })
    : async () => {};
  return {
    publishLocal: (notes) => notes.forEach((n) => fanout.emit(n)),
    subscribe: (l) => fanout.subscribe(l),
    onResync: (l) => fanout.onResync(l),
    // One process: presence goes straight back to this process's own listeners.
    publishPresence: (payload) => queueMicrotask(() => fanout.emitPresence(payload)),
    onPresence: (l) => fanout.onPresence(l),
    close: unlisten,
  };
}
