import { untrack } from 'svelte';
import { isAbortError, type Paged } from './api-request';

/**
 * A cursor-paginated list (`{items, nextCursor}`) owned by a component: the first page loads in an
 * effect (reactive reads in `fetchPage` are dependencies; a change starts over), `loadMore()`
 * appends the next page. Create it during component initialisation.
 */
export class PagedList<T> {
  items: T[] = $state.raw([]);
  nextCursor: string | null = $state(null);
  status: 'loading' | 'ready' | 'error' = $state('loading');
  error: unknown = $state.raw(null);
  loadingMore = $state(false);
  moreError: unknown = $state.raw(null);

  #fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Paged<T>>;
  #key: ((item: T) => unknown) | undefined;
  #controller: AbortController | null = null;
  #attempt = $state(0);

  /**
   * `key`: an item's identity. When given, a later page's items already in the list are dropped:
   * a list that changed between two pages (a topic unpinned, a post added before a search
   * offset) can hand the same item out twice, and keyed {#each} blocks must not see it twice.
   *
   * `initial`: the first page a server-rendered page was rendered with (lib/page-data.ts), shown
   * from the first render; the first load still runs and is answered from the page.
   */
  constructor(
    fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Paged<T>>,
    options: { key?: (item: T) => unknown; initial?: Paged<T> | undefined } = {},
  ) {
    this.#fetchPage = fetchPage;
    this.#key = options.key;
    let rendered = options.initial !== undefined;
    if (options.initial) {
      this.items = options.initial.items;
      this.nextCursor = options.initial.nextCursor;
      this.status = 'ready';
    }
    $effect(() => {
      void this.#attempt;
      const controller = new AbortController();
      this.#controller = controller;
      if (rendered) {
        rendered = false;
      } else {
        this.status = 'loading';
        this.items = [];
        this.nextCursor = null;
        this.error = null;
        this.loadingMore = false;
        this.moreError = null;
      }
      fetchPage(undefined, controller.signal).then(
        (page) => {
          if (controller.signal.aborted) return;
          this.items = page.items;
          this.nextCursor = page.nextCursor;
          this.status = 'ready';
        },
        (error: unknown) => {
          if (controller.signal.aborted || isAbortError(error)) return;
          this.error = error;
          this.status = 'error';
        },
      );
      return () => controller.abort();
    });
  }

  get hasMore(): boolean {
    return this.nextCursor !== null;
  }

  /** Fetch the next page and append it. Does nothing while a page is loading or at the end. */
  loadMore = async (): Promise<void> => {
    const controller = this.#controller;
    const cursor = this.nextCursor;
    if (!controller || cursor === null || this.loadingMore || this.status !== 'ready') return;
    this.loadingMore = true;
    this.moreError = null;
    try {
      const page = await untrack(() => this.#fetchPage(cursor, controller.signal));
      if (controller.signal.aborted) return;
      const key = this.#key;
      let fresh = page.items;
      if (key) {
        const seen = new Set(this.items.map(key));
        fresh = fresh.filter((item) => !seen.has(key(item)));
      }
      this.items = [...this.items, ...fresh];
      this.nextCursor = page.nextCursor;
    } catch (error) {
      if (controller.signal.aborted || isAbortError(error)) return;
      this.moreError = error;
    } finally {
      if (!controller.signal.aborted) this.loadingMore = false;
    }
  };

  /** Start over from the first page (the retry button). */
  reload = (): void => {
    this.#attempt++;
  };
}
