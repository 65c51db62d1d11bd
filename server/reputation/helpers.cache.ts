/**
 * A per-process cache of top-helper rankings. The ranking is an aggregate over a month of
 * helpful marks and accepted answers: on a large community it costs tens of milliseconds, and
 * every community page view asks for it, while it moves slowly. Each process keeps a ranking
 * for `ttlSeconds`, so it is at most that much behind (a new month is a new key, so a ranking
 * never outlives its month); readers arriving while it is computed share that one computation.
 */
export class HelpersCache<T> {
  private readonly entries = new Map<string, { expires: number; value: Promise<T> }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly maxEntries = 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  get(key: string, compute: () => Promise<T>): Promise<T> {
    if (this.ttlSeconds === 0) return compute();
    const now = this.clock();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    this.entries.delete(key);
    // Oldest first (insertion order): a site with very many communities keeps the busy ones.
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const value = compute();
    this.entries.set(key, { expires: now + this.ttlSeconds * 1000, value });
    // A failed computation (an unknown community, a database hiccup) is not remembered.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}
