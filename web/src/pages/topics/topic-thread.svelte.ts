import { untrack } from 'svelte';
import {
  ApiError,
  getTopic,
  isAbortError,
  type Post,
  type Reactions,
  type ReactionKind,
  type Topic,
  type TopicCapabilities,
  type TopicPage,
  type TopicViewerState,
} from '../../lib/api';
import { t } from '../../lib/i18n.svelte';
import { topicChannel, type LiveEvent } from '../../lib/live-events';
import { liveClient } from '../../lib/live.svelte';
import { NO_TOPIC_CAPABILITIES } from '../../../../server/rules/capabilities.js';

const PAGE_SIZE = 50;

/** Until the server has answered, nobody may do anything. */
const NOTHING_YET = NO_TOPIC_CAPABILITIES;

/** One load of one topic (the effect runs again for another topic, or a retry). */
interface Run {
  id: number;
  controller: AbortController;
  /** While above zero a fetch is in flight: live events wait in `buffer`, then apply in order after it. */
  held: number;
  buffer: LiveEvent[];
  /** The live subscription was confirmed at least once. */
  confirmed: boolean;
  caughtUp: boolean;
}

export interface TopicThreadOptions {
  /** A post someone else made arrived live and was appended (not for posts `insert` added). */
  onArrive?: (post: Post) => void;
  /** Where the thread starts: after this post number (a numbered page of the topic), 0 = the start. */
  startAfter?: () => number;
  /**
   * The first page as the server rendered it (lib/page-data.ts): shown from the first render, and
   * the first load is answered from the page instead of the network.
   */
  initial?: TopicPage;
}

/**
 * One topic and the posts loaded so far, in number order. The first page loads in an effect that
 * follows `topicId()`; `loadMore()` appends the posts after the last one loaded. This is the
 * state the live thread updates: while the page is open it listens to `topic:<id>` and applies new,
 * edited, hidden, pinned posts, reactions and topic changes by id (a `reset` refetches the first page).
 *
 * Create it during component initialisation.
 */
export class TopicThread {
  topic: Topic | null = $state.raw(null);
  posts: Post[] = $state.raw([]);
  hasMore = $state(false);
  status: 'loading' | 'ready' | 'error' = $state('loading');
  error: unknown = $state.raw(null);
  loadingMore = $state(false);
  moreError: unknown = $state.raw(null);

  /** Posts by id, for reply links and the accepted answer. */
  byId: Map<number, Post> = $derived(new Map(this.posts.map((post) => [post.id, post])));

  /** The signed-in reader's reading position, notification level and vote (null for guests). */
  viewerState: TopicViewerState | null = $state.raw(null);

  /**
   * What the reader may do here, as the server decided it. A lock changes it: when one comes or
   * goes (live or from the reader's own action) it is asked for again.
   */
  viewerCan: TopicCapabilities = $state.raw(NOTHING_YET);

  /** Posts moderators pinned, in number order: shown before the thread. */
  pinned: Post[] = $state.raw([]);

  /** The accepted answer as the first page reported it. */
  solutionPost: Post | null = $state.raw(null);

  /** The accepted answer: the loaded copy when there is one (it may be fresher), else the reported one. */
  solution: Post | undefined = $derived(
    this.topic?.solutionPostId != null
      ? (this.byId.get(this.topic.solutionPostId) ?? (this.solutionPost?.id === this.topic.solutionPostId ? this.solutionPost : undefined))
      : undefined,
  );

  #run: Run | null = null;
  #attempt = $state(0);

  readonly #onArrive: ((post: Post) => void) | undefined;

  constructor(topicId: () => number | null, options: TopicThreadOptions = {}) {
    this.#onArrive = options.onArrive;
    const startAfter = options.startAfter ?? (() => 0);
    let rendered = options.initial;
    if (rendered) this.#showFirstPage(rendered);
    $effect(() => {
      void this.#attempt;
      const id = topicId();
      const after = startAfter();
      const controller = new AbortController();
      this.#run = null;
      this.#after = after;
      // The server-rendered page stays on screen while its first load (answered from the page) runs.
      if (rendered && rendered.topic.id === id) {
        rendered = undefined;
      } else {
        rendered = undefined;
        this.topic = null;
        this.viewerState = null;
        this.viewerCan = NOTHING_YET;
        this.pinned = [];
        this.posts = [];
        this.hasMore = false;
        this.status = 'loading';
        this.error = null;
        this.loadingMore = false;
        this.moreError = null;
      }

      if (id === null) {
        this.error = new ApiError({
          statusCode: 404,
          error: 'Not Found',
          code: 'topic_not_found',
          // untracked: a change of language must not load the topic again.
          message: untrack(() => t('topic.page.not_found_text')),
        });
        this.status = 'error';
        return;
      }

      // Held until the first page is in: events that arrive meanwhile are applied after it.
      const run: Run = { id, controller, held: 1, buffer: [], confirmed: false, caughtUp: false };
      this.#run = run;

      getTopic(id, { after: after || undefined, limit: PAGE_SIZE }, { signal: controller.signal }).then(
        (page) => {
          if (controller.signal.aborted) return;
          this.#showFirstPage(page);
          this.#release(run);
          this.#catchUp(run);
        },
        (error: unknown) => {
          if (controller.signal.aborted || isAbortError(error)) return;
          this.error = error;
          this.status = 'error';
          run.buffer = [];
        },
      );

      const stop = untrack(() =>
        liveClient.subscribe(topicChannel(id), {
          subscribed: () => {
            run.confirmed = true;
            this.#catchUp(run);
          },
          event: (event) => {
            if (controller.signal.aborted || this.status === 'error') return;
            if (run.held > 0) run.buffer.push(event);
            else this.#apply(event);
          },
          reset: () => void this.#refetchFirstPage(run),
        }),
      );
      return () => {
        controller.abort();
        stop();
      };
    });
  }

  /** The post number the loaded thread starts after (0: the first post). */
  #after = 0;

  #showFirstPage(page: TopicPage): void {
    this.topic = page.topic;
    this.viewerState = page.viewerState ?? null;
    this.viewerCan = page.viewerCan;
    this.solutionPost = page.solution;
    this.pinned = page.pinnedPosts ?? [];
    this.posts = page.posts;
    this.hasMore = page.nextCursor !== null;
    this.status = 'ready';
    this.error = null;
  }

  /** Fetch the posts after the last one loaded and append them. */
  loadMore = async (): Promise<void> => {
    const run = this.#run;
    if (!run || run.controller.signal.aborted || !this.hasMore || this.loadingMore || this.status !== 'ready') return;
    const { controller } = run;
    const after = this.posts.at(-1)?.number ?? 0;
    this.loadingMore = true;
    this.moreError = null;
    run.held++;
    try {
      const page = await getTopic(run.id, { after, limit: PAGE_SIZE }, { signal: controller.signal });
      if (controller.signal.aborted) return;
      this.#appendPage(page);
    } catch (error) {
      if (controller.signal.aborted || isAbortError(error)) return;
      this.moreError = error;
    } finally {
      if (!controller.signal.aborted) {
        this.loadingMore = false;
        this.#release(run);
      }
    }
  };

  #appendPage(page: TopicPage): void {
    // The page's own answer on what the reader may do is as fresh as its topic.
    this.topic = page.topic;
    this.viewerCan = page.viewerCan;
    const known = new Set(this.posts.map((post) => post.id));
    this.posts = [...this.posts, ...page.posts.filter((post) => !known.has(post.id))];
    this.hasMore = page.nextCursor !== null && page.posts.length > 0;
  }

  /** Ends a fetch; the last one to end applies the events that waited, in order. */
  #release(run: Run): void {
    run.held--;
    if (run.held > 0 || run.controller.signal.aborted || this.status !== 'ready') return;
    const waiting = run.buffer;
    run.buffer = [];
    for (const event of waiting) this.#apply(event);
  }

  /**
   * The first page and the subscription start together, so a reply posted between the page's read
   * and the subscription's start reached neither: once both are in, fetch what follows the last
   * loaded post (usually nothing). Later reconnects resume exactly and need no catch-up.
   */
  #catchUp(run: Run): void {
    if (!run.confirmed || run.caughtUp || this.status !== 'ready' || run.controller.signal.aborted) return;
    run.caughtUp = true;
    // Posts after unloaded pages are found by "load more" anyway.
    if (this.hasMore) return;
    const { controller } = run;
    run.held++;
    getTopic(run.id, { after: this.posts.at(-1)?.number ?? 0, limit: PAGE_SIZE }, { signal: controller.signal })
      .then((page) => {
        if (!controller.signal.aborted) this.#appendPage(page);
      })
      .catch(() => {
        /* best effort: the next event or a reload fills it in */
      })
      .finally(() => {
        if (!controller.signal.aborted) this.#release(run);
      });
  }

  /** The server could not replay what we missed: start over from the first page, keeping the view. */
  async #refetchFirstPage(run: Run): Promise<void> {
    const { controller } = run;
    // Events from before the gap are older than the page we are about to read.
    run.buffer = [];
    // Still loading: that first page is fresh enough.
    if (this.status !== 'ready' || controller.signal.aborted) return;
    run.held++;
    try {
      const page = await getTopic(run.id, { after: this.#after || undefined, limit: PAGE_SIZE }, { signal: controller.signal });
      if (controller.signal.aborted) return;
      this.topic = page.topic;
      this.viewerCan = page.viewerCan;
      this.solutionPost = page.solution;
      this.pinned = page.pinnedPosts ?? [];
      this.posts = page.posts;
      this.hasMore = page.nextCursor !== null;
      this.moreError = null;
    } catch {
      /* keep what is shown; the next event or a reload brings it up to date */
    } finally {
      if (!controller.signal.aborted) this.#release(run);
    }
  }

  /** Applies one live event to the loaded state (objects are replaced by id, never merged field by field). */
  #apply(event: LiveEvent): void {
    switch (event.event) {
      case 'post.created': {
        const post = event.data;
        if (!post || post.topicId !== this.topic?.id) return;
        if (this.byId.has(post.id)) {
          this.#replacePost(post);
          return;
        }
        const lastNumber = this.posts.at(-1)?.number ?? 0;
        if (post.number <= lastNumber) return;
        if (this.hasMore) {
          // Not shown until its page loads, but the header counts it now (numbers run 1..postCount).
          const topic = this.topic;
          if (post.number > topic.postCount) this.topic = { ...topic, postCount: post.number, lastPostAt: post.createdAt };
          return;
        }
        this.#append(post);
        this.#onArrive?.(post);
        return;
      }
      case 'post.updated':
      case 'post.deleted':
      case 'post.hidden':
      case 'post.unhidden':
      case 'post.pinned':
      case 'post.unpinned':
        if (!event.data) return;
        this.#replacePost(event.data);
        this.#repin(event.data);
        return;
      case 'reactions.changed': {
        const data = event.data;
        if (data) this.#updatePost(data.postId, (post) => ({ ...post, reactions: data.reactions }));
        return;
      }
      case 'topic.updated':
        // No data: the topic was hidden from this viewer. Loading again shows that it is gone.
        if (!event.data) this.reload();
        else if (event.data.id === this.topic?.id) this.#setTopic(event.data);
        return;
      default:
        return;
    }
  }

  #append(post: Post): void {
    this.posts = [...this.posts, post];
    const topic = this.topic;
    // The topic read may already count it (a reply that raced the read): numbers run 1..postCount.
    if (topic) this.topic = { ...topic, postCount: Math.max(topic.postCount, post.number), lastPostAt: post.createdAt };
  }

  // -- the reader's own writes: applied at once from the HTTP answer; the live event that follows
  //    carries the same ids and replaces these copies (never duplicates them).

  /**
   * A post the reader just sent. Appended when the loaded posts reach the end of the thread;
   * returns false when it is not shown (older pages still unloaded: `loadUntil` finds it).
   */
  insert = (post: Post): boolean => {
    if (post.topicId !== this.topic?.id) return false;
    if (this.byId.has(post.id)) {
      this.#replacePost(post);
      return true;
    }
    if (this.hasMore || post.number <= (this.posts.at(-1)?.number ?? 0)) return false;
    this.#append(post);
    return true;
  };

  /** A post the reader changed (edit, delete, flag, review request): replaced by id everywhere it shows. */
  replace = (post: Post): void => {
    this.#replacePost(post);
    this.#repin(post);
  };

  /** The answer to a reaction: the counts, and what this reader now gives. */
  setReactions = (postId: number, reactions: Reactions, viewerReactions: ReactionKind[]): void => {
    this.#updatePost(postId, (post) => ({ ...post, reactions, viewerReactions }));
  };

  /** The answer to a topic change (the accepted answer, a moderator's lock…). */
  setTopic = (topic: Topic): void => {
    if (topic.id === this.topic?.id) this.#setTopic(topic);
  };

  /** Every new copy of the topic comes through here, so a lock that came or went is noticed once. */
  #setTopic(topic: Topic): void {
    const lockChanged = this.topic !== null && this.topic.locked !== topic.locked;
    this.topic = topic;
    if (lockChanged) void this.#refreshCapabilities();
  }

  /**
   * Asks the server again what the reader may do (a lock closes replies, edits and votes). Guests
   * may do nothing either way, so only signed-in readers ask (their pages are never cached). No
   * posts are wanted, only the answer that comes with them: live events bring the posts.
   */
  async #refreshCapabilities(): Promise<void> {
    const run = this.#run;
    if (!run || run.controller.signal.aborted || this.viewerState === null) return;
    try {
      const page = await getTopic(run.id, { after: this.posts.at(-1)?.number ?? 0, limit: 1 }, { signal: run.controller.signal });
      if (!run.controller.signal.aborted && this.#run === run) this.viewerCan = page.viewerCan;
    } catch {
      /* keep what is known: the server still refuses what it must, and a reload asks again */
    }
  }

  /** The reader's vote (optimistic, then the server's answer): the count and whether they voted. */
  setVote = (votes: number, voted: boolean): void => {
    const topic = this.topic;
    if (!topic) return;
    this.topic = { ...topic, votes };
    if (this.viewerState) this.viewerState = { ...this.viewerState, voted };
  };

  /** The reader's notification level changed. */
  setViewerState = (patch: Partial<TopicViewerState>): void => {
    if (this.viewerState) this.viewerState = { ...this.viewerState, ...patch };
  };

  #replacePost(post: Post): void {
    // The event carries no viewer-specific reactions: keep the ones we know.
    this.#updatePost(post.id, (old) => (old.viewerReactions && !post.viewerReactions ? { ...post, viewerReactions: old.viewerReactions } : post));
  }

  #updatePost(id: number, update: (post: Post) => Post): void {
    const index = this.posts.findIndex((post) => post.id === id);
    if (index !== -1) {
      const posts = [...this.posts];
      posts[index] = update(posts[index]!);
      this.posts = posts;
    }
    if (this.solutionPost?.id === id) this.solutionPost = update(this.solutionPost);
    const pinnedIndex = this.pinned.findIndex((post) => post.id === id);
    if (pinnedIndex !== -1) this.pinned = this.pinned.map((post, i) => (i === pinnedIndex ? update(post) : post));
  }

  /**
   * Keeps the pinned list in step with a changed post: pinning adds it, unpinning removes it, and
   * a pinned post hidden or deleted for this reader leaves the list (its tombstone stays in the thread).
   */
  #repin(post: Post): void {
    const listed = this.pinned.some((p) => p.id === post.id);
    const belongs = post.pinned && post.bodyHtml !== null;
    // Already listed and still belonging: #updatePost has replaced it in place.
    if (listed === belongs) return;
    this.pinned = belongs ? [...this.pinned, post].sort((a, b) => a.number - b.number) : this.pinned.filter((p) => p.id !== post.id);
  }

  /**
   * Load pages until `found` holds for the loaded posts, the topic ends, or a page fails
   * (at most `maxPages` pages). Returns whether `found` holds.
   */
  loadUntil = async (found: (posts: Post[]) => boolean, maxPages = 40): Promise<boolean> => {
    for (let i = 0; i < maxPages; i++) {
      const done = untrack(() => found(this.posts));
      if (done) return true;
      if (!this.hasMore || this.moreError || this.status !== 'ready') return false;
      if (this.loadingMore) return false;
      await this.loadMore();
    }
    return untrack(() => found(this.posts));
  };

  /** Start over (the retry button). */
  reload = (): void => {
    this.#attempt++;
  };
}
