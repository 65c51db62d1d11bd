import { createSubscriber } from 'svelte/reactivity';

const TICK_MS = 30_000;

const subscribe = createSubscriber((update) => {
  const timer = setInterval(update, TICK_MS);
  return () => clearInterval(timer);
});

/**
 * A reactive "now" for relative times. Reading `clock.now` inside an effect or template makes it
 * re-run every 30 s; the timer runs only while something reads it.
 */
export const clock = {
  get now(): number {
    subscribe();
    return frozen.at ?? Date.now();
  },
};

/**
 * The server renders relative times at its "now"; the browser hydrates at the same "now" (or the
 * text would differ from the markup it adopts), then lets the clock run.
 */
const frozen = $state<{ at: number | null }>({ at: null });

export function freezeClock(at: number | null): void {
  frozen.at = at;
}
