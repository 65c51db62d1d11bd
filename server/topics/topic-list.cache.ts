import type { Bus } from '../live/bus.js';

/**
 * Guests' topic lists, serialised, per process. Every reader without a session gets the same list
 * for the same query, so one read serves them all until the community's channel moves on (a topic
 * created, bumped or changed, the community itself changed) or `ttlMs` has passed, which bounds
 * what no list event announces (an author's new display name, a post approved from the queue).
 * Search keeps its ranked matches in one too (`V`: what is kept; serialised JSON for lists).
 *
 * A read that overlaps a note is not stored, as in TopicPageCache: every note moves a process-wide
 * clock and stamps its community with it, a community the cache has forgotten stands at `floor`,
 * and an entry counts only while its community still stands where it stood when the read began.
 */
export class TopicListCache<V = Buffer> {
  private entries = new Map<string, { slug: string; generation: number; json: V; until: number }>();
  /** Reads in flight (getOrLoad), with the generation of their community when they began. */
  private loading = new Map<string, { generation: number; value: Promise<V> }>();
  private generations = new Map<string, number>();
  /** Per community channel, the highest seq a note announced (forgotten with the generations). */
  private heardUpTo = new Map<string, number>();
  private clock = 0;
  private floor = 0;
  private readonly unsubscribe: Array<() => void> = [];

  /**
   * `scopeOf` names what a community's note makes stale: by default that community's own entries;
   * `() => '*'` for an answer about every community (kept under the slug '*').
   */
  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    bus: Bus,
    scopeOf: (slug: string) => string = (slug) => slug,
  ) {
    this.unsubscribe.push(
      bus.subscribe((note) => {
        if (!note.channel.startsWith('community:')) return;
        // Its own writes a process hears twice (at once, then back from the bus): the echo must not drop a list read since.
        if (note.seq <= (this.heardUpTo.get(note.channel) ?? 0)) return;
        this.heardUpTo.set(note.channel, note.seq);
        this.invalidate(scopeOf(note.channel.slice('community:'.length)));
      }),
    );
    this.unsubscribe.push(bus.onResync(() => this.clear()));
    if (this.enabled) {
      // On a bus that brings a process only what it watches, every community's notes.
      const watch = bus.watchKind('community');
      this.hearing = () => watch.isReady();
      this.unsubscribe.push(() => watch.release());
    }
  }

  /** Nothing is kept before the bus brings every community's notes here. */
  private hearing: () => boolean = () => true;

  get enabled(): boolean {
    return this.maxEntries > 0 && this.ttlMs > 0;
  }

  generation(slug: string): number {
    return this.generations.get(slug.toLowerCase()) ?? this.floor;
  }

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.until <= now || entry.generation !== this.generation(entry.slug)) return undefined;
    // Re-inserted: Map order doubles as least-recently-used order.
    this.entries.set(key, entry);
    return entry.json;
  }

  /**
   * The kept value, or the one `load` reads. Readers that miss the same key at once share one read,
   * so an entry expiring under 50 readers costs one query, not 50 side by side (which was the long
   * tail of a common word's search on the million posts). A reader joins a read only while its
   * community still stands where it stood when that read began: after a note, it reads anew.
   */
  getOrLoad(key: string, slug: string, load: () => Promise<V>): Promise<V> {
    const kept = this.get(key);
    return kept !== undefined ? Promise.resolve(kept) : this.loadOnce(key, slug, load);
  }

  /** getOrLoad without the kept value: for a caller that found it kept but no longer good (its own check). */
  loadOnce(key: string, slug: string, load: () => Promise<V>): Promise<V> {
    const generation = this.generation(slug);
    const running = this.loading.get(key);
    if (running && running.generation === generation) return running.value;
    const value = load().then((v) => {
      this.set(key, slug, v, generation);
      return v;
    });
    const entry = { generation, value };
    this.loading.set(key, entry);
    const done = () => {
      if (this.loading.get(key) === entry) this.loading.delete(key);
    };
    value.then(done, done);
    return value;
  }

  set(key: string, slug: string, json: V, generationAtStart: number, now = Date.now()): void {
    if (!this.enabled || !this.hearing() || this.generation(slug) !== generationAtStart) return;
    this.entries.delete(key);
    this.entries.set(key, { slug: slug.toLowerCase(), generation: generationAtStart, json, until: now + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  invalidate(slug: string): void {
    this.generations.set(slug.toLowerCase(), ++this.clock);
    // Entries of older generations are never served again; the least-recently-used order evicts them.
    if (this.generations.size > 10_000) {
      this.generations.clear();
      this.heardUpTo.clear();
      this.floor = this.clock;
    }
  }

  clear(): void {
    this.clock++;
    this.generations.clear();
    this.heardUpTo.clear();
    this.floor = this.clock;
    this.entries.clear();
  }

  close(): void {
    this.unsubscribe.forEach((u) => u());
  }
}
