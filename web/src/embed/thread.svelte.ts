/**
 * One embedded thread: its posts, the replies that arrived live but are not shown yet, and the
 * live subscription. New replies from others wait in `incoming` until the reader asks for them
 * (the frame is small: content must not jump under the reader); edits, hides, deletions and
 * reactions apply in place at once.
 */
import type { Post, Reactions, Topic, User } from '../lib/api.js';
import { isAbortError } from '../lib/api-request.js';
import { topicChannel, type LiveEvent } from '../lib/live-events.js';
import type { LiveClient } from '../lib/live.js';
import type { EmbedApi, ThreadRef } from './embed-api.js';

const PAGE = 50;

const byNumber = (a: Post, b: Post) => a.number - b.number;

/** A comment the viewer can read: not deleted, and not hidden from them (moderators and its author read a hidden one). */
const readable = (p: Post) => !p.deleted && p.bodyHtml !== null;

/** `list` with `posts` added or replaced (matched by id), in number order. */
function merge(list: readonly Post[], posts: readonly Post[]): Post[] {
  const map = new Map(list.map((p) => [p.id, p]));
  for (const post of posts) {
    const old = map.get(post.id);
    // Live data may lack the viewer's own reactions: keep what we knew.
    map.set(post.id, old?.viewerReactions && !post.viewerReactions ? { ...post, viewerReactions: old.viewerReactions } : post);
  }
  return [...map.values()].sort(byNumber);
}

export class EmbedThread {
  topic: Topic | null = $state.raw(null);
  posts: Post[] = $state.raw([]);
  /** Replies by others that arrived live, waiting for "show". */
  incoming: Post[] = $state.raw([]);
  hasMore = $state(false);
  forumUrl: string | null = $state(null);
  /** Members the reader ignores: their comments fold, live ones too. */
  ignored: number[] = $state.raw([]);
  /** The canonical URL of the page (what new posts are filed under). */
  url: string | null = $state(null);
  status: 'loading' | 'ready' | 'error' = $state('loading');
  error: unknown = $state.raw(null);
  loadingMore = $state(false);
  /** The topic was hidden or removed while open. */
  gone = $state(false);
  /** Comments this viewer can read on pages not loaded yet (the server counts them; live replies add to it). */
  #beyond = $state(0);
  #recounting = false;
  #recountAgain = false;

  #unsubscribe: (() => void) | null = null;
  #channelTopic: number | null = null;
  #controller = new AbortController();

  private readonly api: EmbedApi;
  private readonly live: LiveClient;
  private readonly where: ThreadRef;
  private readonly viewer: () => User | null;

  constructor(api: EmbedApi, live: LiveClient, where: ThreadRef, viewer: () => User | null) {
    this.api = api;
    this.live = live;
    this.where = where;
    this.viewer = viewer;
    this.url = where.url;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /**
   * The comments this viewer can read, as the header counts them: those loaded (the waiting live
   * ones included) as they are now, and while later pages are not loaded, the server's count of
   * the rest.
   */
  get commentCount(): number {
    return this.#readableLoaded() + (this.hasMore ? this.#beyond : 0);
  }

  #readableLoaded(): number {
    return this.posts.filter(readable).length + this.incoming.filter(readable).length;
  }

  /** The server counted `count` for the whole thread: what is not loaded is the rest. */
  #counted(count: number): void {
    this.#beyond = Math.max(0, count - this.#readableLoaded());
  }

  /** (Re)loads the first page, keeping later pages already shown. Signing in or out calls it too. */
  async load(): Promise<void> {
    try {
      const page = await this.api.thread(this.where, { limit: PAGE }, { signal: this.signal });
      const last = page.posts.at(-1)?.number ?? 0;
      const kept = this.hasMore ? this.posts.filter((p) => p.number > last) : [];
      this.posts = merge(kept, page.posts);
      this.incoming = this.incoming.filter((p) => !this.posts.some((q) => q.id === p.id));
      if (kept.length === 0) this.hasMore = page.nextCursor !== null;
      this.#counted(page.commentCount);
      this.#page(page.topic, page.forumUrl, page.url);
      this.ignored = page.ignored;
      this.status = 'ready';
    } catch (error) {
      if (isAbortError(error)) return;
      if (this.status !== 'ready') {
        this.error = error;
        this.status = 'error';
      }
    }
  }

  async loadMore(): Promise<void> {
    if (this.loadingMore) return;
    this.loadingMore = true;
    try {
      const page = await this.api.thread(this.where, { after: this.posts.at(-1)?.number ?? 0, limit: PAGE }, { signal: this.signal });
      this.posts = merge(this.posts, page.posts);
      this.incoming = this.incoming.filter((p) => !this.posts.some((q) => q.id === p.id));
      this.hasMore = page.nextCursor !== null && page.posts.length > 0;
      this.#counted(page.commentCount);
    } finally {
      this.loadingMore = false;
    }
  }

  /** Shows the waiting replies; returns them (the first one takes focus). */
  reveal(): Post[] {
    const shown = this.incoming;
    this.posts = merge(this.posts, shown);
    this.incoming = [];
    return shown;
  }

  /** The reader's own new post (from the POST answer): shown at once. */
  added(topic: Topic, post: Post, forumUrl?: string): void {
    const first = this.topic === null;
    this.posts = merge(this.posts, [post]);
    this.incoming = this.incoming.filter((p) => p.id !== post.id);
    this.#page(topic, forumUrl ?? this.forumUrl, this.url);
    // The first comment made the topic: read it back for its forum link, and for anything a
    // comment that raced ours added.
    if (first) void this.load();
  }

  setReactions(postId: number, reactions: Reactions, mine?: Post['viewerReactions']): void {
    const patch = (p: Post) => (p.id === postId ? { ...p, reactions, ...(mine ? { viewerReactions: mine } : {}) } : p);
    this.posts = this.posts.map(patch);
    this.incoming = this.incoming.map(patch);
  }

  destroy(): void {
    this.#controller.abort();
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  #page(topic: Topic | null, forumUrl: string | null, url: string | null): void {
    if (topic) this.topic = topic;
    if (forumUrl) this.forumUrl = forumUrl;
    if (url) this.url = url;
    if (topic && this.#channelTopic !== topic.id) this.#subscribe(topic.id);
  }

  #subscribe(topicId: number): void {
    this.#unsubscribe?.();
    this.#channelTopic = topicId;
    let first = true;
    this.#unsubscribe = this.live.subscribe(topicChannel(topicId), {
      subscribed: () => {
        // Replies made between our read and the subscription: fetch them once.
        if (first) void this.#catchUp();
        first = false;
      },
      reset: () => void this.load().then(() => this.#catchUp()),
      event: (e) => this.#event(e),
    });
  }

  async #catchUp(): Promise<void> {
    if (this.hasMore) return;
    try {
      const page = await this.api.thread(this.where, { after: this.posts.at(-1)?.number ?? 0, limit: PAGE }, { signal: this.signal });
      for (const post of page.posts) this.#created(post);
    } catch {
      /* the live stream carries on; a reload shows the rest */
    }
  }

  #created(post: Post): void {
    const known = this.posts.some((p) => p.id === post.id);
    if (known || (this.viewer() !== null && post.author?.id === this.viewer()?.id)) this.posts = merge(this.posts, [post]);
    else if (!this.hasMore) this.incoming = merge(this.incoming, [post]);
    // On a page not loaded yet: not shown, but a new comment all the same.
    else if (readable(post)) this.#beyond += 1;
  }

  /**
   * A post on a page not loaded was hidden, restored or deleted. What this reader could see of it
   * before is not known here, so the server counts again (one small read; such events are rare).
   * Events that arrive meanwhile make one more count, not one each.
   */
  #recount(): void {
    if (!this.hasMore) return;
    if (this.#recounting) {
      this.#recountAgain = true;
      return;
    }
    this.#recounting = true;
    void (async () => {
      do {
        this.#recountAgain = false;
        try {
          const page = await this.api.thread(this.where, { after: this.posts.at(-1)?.number ?? 0, limit: 1 }, { signal: this.signal });
          if (this.hasMore) this.#counted(page.commentCount);
        } catch {
          /* the next load counts again */
        }
      } while (this.#recountAgain);
      this.#recounting = false;
    })();
  }

  #event(e: LiveEvent): void {
    switch (e.event) {
      case 'post.created':
        if (e.data) this.#created(e.data);
        return;
      case 'post.updated':
      case 'post.deleted':
      case 'post.hidden':
      case 'post.unhidden':
      case 'post.pinned':
      case 'post.unpinned': {
        const post = e.data;
        if (!post) return;
        if (this.posts.some((p) => p.id === post.id)) this.posts = merge(this.posts, [post]);
        else if (this.incoming.some((p) => p.id === post.id)) this.incoming = merge(this.incoming, [post]);
        else if (e.event === 'post.hidden' || e.event === 'post.unhidden' || e.event === 'post.deleted') this.#recount();
        return;
      }
      case 'reactions.changed':
        if (e.data) this.setReactions(e.data.postId, e.data.reactions);
        return;
      case 'topic.updated':
        if (e.data) this.topic = e.data;
        else this.gone = true;
        return;
      default:
        return;
    }
  }
}
