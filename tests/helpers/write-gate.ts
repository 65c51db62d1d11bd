/**
 * Holds a service between its checks and its write, so a test can commit another action in that
 * window and prove the write still sees it. A test file routes the app's writes through the gate:
 *
 *   vi.mock('../server/write/unit-of-work.js', async (importOriginal) =>
 *     (await import('./helpers/write-gate.js')).gatedWrites(await importOriginal()));
 */
import type * as UnitOfWork from '../../server/write/unit-of-work.js';

let waiting: { service: string; reached: () => void; release: Promise<void> } | null = null;

/**
 * The next `write` called by `service` (a function's name: background jobs write too) waits until
 * `open()`; `reached` settles once it waits.
 */
export function holdWrite(service: string) {
  let open!: () => void;
  let reached!: () => void;
  const atWrite = new Promise<void>((r) => (reached = r));
  waiting = { service, reached, release: new Promise<void>((r) => (open = r)) };
  return { reached: atWrite, open };
}

async function pass(callers: string) {
  const w = waiting;
  if (!w || !callers.includes(`at ${w.service} `)) return;
  waiting = null;
  w.reached();
  await w.release;
}

/** Runs `first` until its `service` is about to write, then `second` to the end, then lets `first` finish. */
export async function overlapping<T>(service: string, first: () => Promise<T>, second: () => Promise<void>): Promise<T> {
  const held = holdWrite(service);
  const sent = first();
  await held.reached;
  await second();
  held.open();
  return sent;
}

export function gatedWrites(real: typeof UnitOfWork): typeof UnitOfWork {
  return {
    ...real,
    write: async <T>(...args: Parameters<typeof real.write<T>>) => {
      // Taken before any await: the calling service is still on the stack.
      await pass(new Error().stack ?? '');
      return real.write<T>(...args);
    },
  };
}
