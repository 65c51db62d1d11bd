import { ApiError, isAbortError } from '../../lib/api';
import { inboxApi, type InboxItem, type InboxReply, type InboxView } from '../../lib/api-inbox';

/** Events come in bursts (a reply settles several items): one read after the burst. */
const DEBOUNCE_MS = 300;
/** Time-based rules put items here without any event: read again at least this often. */
const POLL_MS = 60_000;
/** Never sooner than this after a read, whatever `nextCheckAt` says. */
const MIN_WAIT_MS = 1_000;

/**
 * One view of a community's inbox, kept current: read when the view changes, again (in the
 * background, the list stays on screen) shortly after every `refresh()` (the live channel
 * calls it), every minute, and when the server says a time-based rule comes due
 * (`nextCheckAt`). Create it during component initialisation (it owns an effect).
 */
export class InboxState {
  reply: InboxReply | null = $state.raw(null);
  /** Which view `reply` is of (a new view's first read replaces it). */
  replyView: InboxView | null = $state(null);
  /** The first read failed (a later one failing keeps the list and says so in `stale`). */
  error: unknown = $state.raw(null);
  /** A background read failed: what is shown may be out of date. */
  stale = $state(false);

  #slug: () => string;
  #view: () => InboxView;
  #controller: AbortController | null = null;
  #debounce: ReturnType<typeof setTimeout> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #attempt = $state(0);

  constructor(slug: () => string, view: () => InboxView) {
    this.#slug = slug;
    this.#view = view;
    $effect(() => {
      void this.#attempt;
      const slug = this.#slug();
      const view = this.#view();
      this.reply = null;
      this.replyView = null;
      this.error = null;
      this.stale = false;
      void this.#read(slug, view);
      return () => this.#stop();
    });
  }

  get loading(): boolean {
    return this.reply === null && this.error === null;
  }

  /** Read again soon (debounced): something changed. */
  refresh = (): void => {
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      void this.#read(this.#slug(), this.#view());
    }, DEBOUNCE_MS);
  };

  /** Read again from scratch (the retry button). */
  reload = (): void => {
    this.#attempt++;
  };

  /** Shows an item as an action left it at once; the read that follows brings the counts. */
  apply(item: InboxItem, keep: boolean): void {
    if (!this.reply) return;
    const items = keep ? this.reply.items.map((x) => (x.key === item.key ? item : x)) : this.reply.items.filter((x) => x.key !== item.key);
    this.reply = { ...this.reply, items };
    this.refresh();
  }

  /** Drops an item the server no longer has (it resolved itself while the page was open). */
  drop(key: string): void {
    if (!this.reply) return;
    this.reply = { ...this.reply, items: this.reply.items.filter((x) => x.key !== key) };
    this.refresh();
  }

  async #read(slug: string, view: InboxView): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.#clearTimer();
    try {
      const reply = await inboxApi.inbox(slug, view, { signal: controller.signal });
      if (controller.signal.aborted) return;
      this.reply = reply;
      this.replyView = view;
      this.error = null;
      this.stale = false;
    } catch (error) {
      if (controller.signal.aborted || isAbortError(error)) return;
      // No longer allowed (the role was taken away, the session ended): say so instead of the list.
      const refused = error instanceof ApiError && (error.status === 401 || error.status === 403);
      if (this.reply && !refused) {
        this.stale = true;
      } else {
        this.reply = null;
        this.error = error;
        return;
      }
    }
    if (this.#controller === controller) this.#schedule();
  }

  #schedule(): void {
    this.#clearTimer();
    const due = this.reply?.nextCheckAt ? Date.parse(this.reply.nextCheckAt) - Date.now() : POLL_MS;
    const wait = Math.min(POLL_MS, Math.max(MIN_WAIT_MS, Number.isFinite(due) ? due : POLL_MS));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#read(this.#slug(), this.#view());
    }, wait);
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #stop(): void {
    this.#controller?.abort();
    this.#controller = null;
    this.#clearTimer();
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = null;
  }
}
