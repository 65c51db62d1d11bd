import { isAbortError } from './api-request';

export type Loadable<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; error: unknown };

/**
 * One value loaded asynchronously by a component. `load` runs in an effect: every reactive value
 * it reads synchronously (route params, say) is a dependency, and a change aborts the request in
 * flight and loads again. Derive primitives (ids, slugs) before reading them in `load`, so that an
 * unrelated navigation (a new hash, say) does not reload.
 *
 * Create it during component initialisation (it owns an effect).
 */
export class Resource<T> {
  state: Loadable<T> = $state.raw({ status: 'loading' });
  #attempt = $state(0);

  /**
   * `initial`: the value a server-rendered page was rendered with (lib/page-data.ts), shown from
   * the first render; the first load still runs (it sets up the dependencies) and is answered
   * from the page, not the network.
   */
  constructor(load: (signal: AbortSignal) => Promise<T>, initial?: T) {
    let rendered = initial !== undefined;
    if (rendered) this.state = { status: 'ready', value: initial as T };
    $effect(() => {
      void this.#attempt;
      const controller = new AbortController();
      if (rendered) rendered = false;
      else this.state = { status: 'loading' };
      load(controller.signal).then(
        (value) => {
          if (!controller.signal.aborted) this.state = { status: 'ready', value };
        },
        (error: unknown) => {
          if (!controller.signal.aborted && !isAbortError(error)) this.state = { status: 'error', error };
        },
      );
      return () => controller.abort();
    });
  }

  /** The value once loaded, else undefined. */
  get value(): T | undefined {
    return this.state.status === 'ready' ? this.state.value : undefined;
  }

  /** A newer value that arrived some other way (a live event): shown at once, no request. */
  set(value: T): void {
    this.state = { status: 'ready', value };
  }

  /** Load again (the retry button). */
  reload = (): void => {
    this.#attempt++;
  };
}
