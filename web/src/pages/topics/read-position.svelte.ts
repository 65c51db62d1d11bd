import { tick, untrack } from 'svelte';
import { api } from '../../lib/api';

const REPORT_AFTER_MS = 1500;

export interface ReadPositionOptions {
  /** The topic being read; null while there is none. */
  topicId: () => number | null;
  /** Signed in and the topic's reading state is known (never for guests). */
  enabled: () => boolean;
  /** How far the server says the reader got when the topic opened. */
  lastRead: () => number;
  /** The element holding the thread's posts (`<li id="post-N">`). */
  container: () => HTMLElement | undefined;
  /** Read so that newly rendered posts are watched too. */
  posts: () => unknown;
}

/**
 * Tells the server how far the reader has read: the highest post number that has been on screen,
 * sent at most every 1.5 s, only ever forwards (`PUT /api/topics/:id/read`). Leaving the topic
 * sends what is still pending. Create it during component initialisation.
 */
export function trackReadPosition(options: ReadPositionOptions): void {
  let topicId: number | null = null;
  /** The highest number the server knows (or is being told). */
  let sent = 0;
  /** The highest number seen on screen. */
  let seen = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let observer: IntersectionObserver | null = null;

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    const id = topicId;
    const number = seen;
    if (id === null || number <= sent) return;
    const before = sent;
    sent = number;
    api.markTopicRead(id, number).then(
      (lastReadNumber) => {
        if (topicId === id && lastReadNumber > sent) sent = lastReadNumber;
      },
      () => {
        // Best effort: try again with the next post seen.
        if (topicId === id && sent === number) sent = before;
      },
    );
  }

  function saw(number: number): void {
    if (number <= seen) return;
    seen = number;
    if (seen > sent && !timer) timer = setTimeout(flush, REPORT_AFTER_MS);
  }

  // One observer per topic and container; leaving flushes what is pending.
  $effect(() => {
    const id = options.topicId();
    const enabled = options.enabled();
    const container = options.container();
    if (id === null || !enabled || !container) return;
    untrack(() => {
      topicId = id;
      sent = seen = options.lastRead();
    });
    observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          const match = /^post-(\d+)$/.exec(entry.target.id);
          if (match) saw(Number(match[1]));
        }
      },
      // A post counts once it is a little way into the viewport, not when its edge peeks in.
      { rootMargin: '0px 0px -10% 0px' },
    );
    const current = observer;
    observeAll(container, current);
    const onHide = () => {
      if (document.visibilityState === 'hidden') flush();
    };
    document.addEventListener('visibilitychange', onHide);
    return () => {
      document.removeEventListener('visibilitychange', onHide);
      current.disconnect();
      if (observer === current) observer = null;
      // Leaving the topic sends what is pending; signing out (no longer enabled) cannot: the
      // session is already gone, and the report would only earn a 401.
      if (untrack(options.enabled)) flush();
      else if (timer) clearTimeout(timer);
      timer = null;
      topicId = null;
    };
  });

  // Posts loaded later (more pages, live replies) are watched as they render.
  $effect(() => {
    void options.posts();
    const container = options.container();
    void tick().then(() => {
      if (observer && container) observeAll(container, observer);
    });
  });
}

function observeAll(container: HTMLElement, observer: IntersectionObserver): void {
  // Observing an element twice is a no-op.
  for (const element of container.querySelectorAll<HTMLElement>('li[id^="post-"]')) observer.observe(element);
}
