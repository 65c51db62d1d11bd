/**
 * Preloaded into the Parley servers the live bench spawns (`node --import tsx --import <this> server/main.ts`),
 * so the bench can see inside them without touching server/: over the IPC channel it answers
 *  - { type: 'elu' }: event-loop utilisation since the previous 'elu' (0–1: the share of wall time the loop was busy);
 *  - { type: 'memory', gc?: true }: process.memoryUsage(), after a full GC when asked and --expose-gc is on;
 *  - { type: 'profile-start' } / { type: 'profile-stop' }: a V8 CPU profile of the window (node:inspector),
 *    answered with the profile's nodes and total time for bench/live.ts to summarise;
 *  - { type: 'heap-snapshot', file }: v8.writeHeapSnapshot(file) (blocks the server for seconds: analysis runs only).
 * It does nothing else, and unrefs the channel so it never keeps the server alive.
 */
import { performance } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import { writeHeapSnapshot } from 'node:v8';

let mark = performance.eventLoopUtilization();
let session: Session | null = null;

const post = <T = unknown>(method: string, params?: object) =>
  new Promise<T>((resolve, reject) => {
    session!.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });

async function answer(msg: { type?: string; gc?: boolean }): Promise<object> {
  switch (msg.type) {
    case 'elu': {
      const next = performance.eventLoopUtilization();
      const delta = performance.eventLoopUtilization(next, mark);
      mark = next;
      return { elu: delta.utilization };
    }
    case 'memory': {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (msg.gc && gc) gc();
      return { memory: process.memoryUsage(), gc: !!(msg.gc && gc) };
    }
    case 'profile-start':
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
      return {};
    case 'profile-stop': {
      if (!session) return { error: 'no profile running' };
      const { profile } = await post<{ profile: object }>('Profiler.stop');
      session.disconnect();
      session = null;
      return { profile };
    }
    case 'heap-snapshot':
      return { file: writeHeapSnapshot((msg as { file?: string }).file) };
    default:
      return { error: `unknown probe ${msg.type}` };
  }
}

if (process.send) {
  process.on('message', (raw) => {
    const msg = raw as { type?: string; id?: number; gc?: boolean };
    answer(msg).then(
      (result) => process.send!({ type: 'probe', id: msg.id, ...result }),
      (err: unknown) => process.send!({ type: 'probe', id: msg.id, error: String(err) }),
    );
  });
  // Adding the listener refs the channel on the next tick; unref after that.
  setImmediate(() => process.channel?.unref());
}
