import { untrack } from 'svelte';
import { ApiError, getTopic, isAbortError, type Post, type Topic } from '../../lib/api';

const PAGE_SIZE = 50;

/**
 * One topic and the posts loaded so far, in number order. The first page loads in an effect that
 * follows `topicId()`; `loadMore()` appends the posts after the last one loaded. This is the
 * state the live thread will update later (new, edited, hidden posts arrive by id).
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

  /** The accepted answer as the first page reported it. */
  solutionPost: Post | null = $state.raw(null);

  /** The accepted answer: the loaded copy when there is one (it may be fresher), else the reported one. */
  solution: Post | undefined = $derived(
    this.topic?.solutionPostId != null
      ? (this.byId.get(this.topic.solutionPostId) ??
          (this.solutionPost?.id === this.topic.solutionPostId ? this.solutionPost : undefined))
      : undefined,
  );

  #id: number | null = null;
  #controller: AbortController | null = null;
  #attempt = $state(0);

  constructor(topicId: () => number | null) {
    $effect(() => {
      void this.#attempt;
      const id = topicId();
      const controller = new AbortController();
      this.#id = id;
      this.#controller = controller;
      this.topic = null;
      this.posts = [];
      this.hasMore = false;
      this.status = 'loading';
      this.error = null;
      this.loadingMore = false;
      this.moreError = null;

      if (id === null) {
        this.error = new ApiError({
          statusCode: 404,
          error: 'Not Found',
          code: 'topic_not_found',
          message: 'There is no such topic.',
        });
        this.status = 'error';
        return;
      }

      getTopic(id, { limit: PAGE_SIZE }, { signal: controller.signal }).then(
        (page) => {
          if (controller.signal.aborted) return;
          this.topic = page.topic;
          this.solutionPost = page.solution;
          this.posts = page.posts;
          this.hasMore = page.nextCursor !== null;
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

  /** Fetch the posts after the last one loaded and append them. */
  loadMore = async (): Promise<void> => {
    const id = this.#id;
    const controller = this.#controller;
    if (id === null || !controller || !this.hasMore || this.loadingMore || this.status !== 'ready') return;
    const after = this.posts.at(-1)?.number ?? 0;
    this.loadingMore = true;
    this.moreError = null;
    try {
      const page = await getTopic(id, { after, limit: PAGE_SIZE }, { signal: controller.signal });
      if (controller.signal.aborted) return;
      this.topic = page.topic;
      const known = new Set(this.posts.map((post) => post.id));
      this.posts = [...this.posts, ...page.posts.filter((post) => !known.has(post.id))];
      this.hasMore = page.nextCursor !== null && page.posts.length > 0;
    } catch (error) {
      if (controller.signal.aborted || isAbortError(error)) return;
      this.moreError = error;
    } finally {
      if (!controller.signal.aborted) this.loadingMore = false;
    }
  };

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
