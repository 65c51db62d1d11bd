import type { Executor } from '../../db/client.js';
import type { Bus } from '../live/bus.js';
import type { Viewer } from '../visibility/viewer.js';
import { readTopicPage, type ReadTopicInput } from './topics.service.js';

/**
 * Anonymous topic pages, serialised, per process. Every reader without a session sees the
 * same page, so one render serves them all until the bus says the topic changed.
 * A read that overlaps a change is not stored: each topic has a generation, bumped on every
 * change, and an entry is kept only if the generation did not move while it was being built.
 */
export class TopicPageCache {
  private entries = new Map<string, { topicId: number; json: Buffer }>();
  private generations = new Map<number, number>();
  private keysByTopic = new Map<number, Set<string>>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly maxEntries: number,
    bus: Bus,
  ) {
    this.unsubscribe.push(
      bus.subscribe((note) => {
        if (note.channel.startsWith('topic:')) this.invalidate(Number(note.channel.slice(6)));
      }),
    );
    this.unsubscribe.push(bus.onResync(() => this.clear()));
  }

  generation(topicId: number): number {
    return this.generations.get(topicId) ?? 0;
  }

  get(key: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Re-insert so Map order doubles as least-recently-used order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.json;
  }

  /** Kept as bytes: encoding a 60 KB page to UTF-8 on every hit would cost more than the lookup. */
  set(key: string, topicId: number, json: Buffer, generationAtStart: number): void {
    if (this.maxEntries === 0 || this.generation(topicId) !== generationAtStart) return;
    this.entries.set(key, { topicId, json });
    let keys = this.keysByTopic.get(topicId);
    if (!keys) this.keysByTopic.set(topicId, (keys = new Set()));
    keys.add(key);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value!;
      const victim = this.entries.get(oldest)!;
      this.entries.delete(oldest);
      this.keysByTopic.get(victim.topicId)?.delete(oldest);
    }
  }

  invalidate(topicId: number): void {
    this.generations.set(topicId, this.generation(topicId) + 1);
    for (const key of this.keysByTopic.get(topicId) ?? []) this.entries.delete(key);
    this.keysByTopic.delete(topicId);
    if (this.generations.size > this.maxEntries * 4 + 1000) this.generations.clear();
  }

  clear(): void {
    // Bump every known generation so in-flight reads are not stored either.
    for (const topicId of this.generations.keys()) this.generations.set(topicId, this.generation(topicId) + 1);
    for (const entry of this.entries.values()) this.generations.set(entry.topicId, this.generation(entry.topicId) + 1);
    this.entries.clear();
    this.keysByTopic.clear();
  }

  close(): void {
    this.unsubscribe.forEach((u) => u());
  }
}

/** A topic page as its reader gets it: for guests, the shared serialised page (`cache` says whether it was kept). */
export type ServedTopicPage = { json: Buffer; cache: 'hit' | 'miss' } | { page: Awaited<ReturnType<typeof readTopicPage>> };

/**
 * Reads a topic page through the cache: signed-in readers get their own rendering (their hidden
 * posts, their state), never cached; guests share one serialised page per topic and position.
 */
export async function serveTopicPage(
  db: Executor,
  cache: TopicPageCache,
  viewer: Viewer,
  id: number,
  input: Required<ReadTopicInput>,
): Promise<ServedTopicPage> {
  if (viewer.user) return { page: await readTopicPage(db, viewer, id, input) };
  const key = `${id}:${input.after}:${input.limit}`;
  const cached = cache.get(key);
  if (cached) return { json: cached, cache: 'hit' };
  const generation = cache.generation(id);
  const json = Buffer.from(JSON.stringify(await readTopicPage(db, viewer, id, input)));
  cache.set(key, id, json, generation);
  return { json, cache: 'miss' };
}
