import { KeptJson, packedOnce, type Packed } from '../compression/kept-json.js';
import type { Executor } from '../../db/client.js';
import type { Bus } from '../live/bus.js';
import { guestViewer, type Viewer } from '../visibility/viewer.js';
import { MadeOnce } from '../compression/made-once.js';
import { takesGzip, worthCompressing } from '../compression/precompress.js';
import { deflateHead, gzipWithTail, type GzipHead } from '../compression/gzip-tail.js';
import { layOut, overlayTail, readOverlay, seesGuestPage, sharedHead, spliceOverlay, type PageLayout } from './topic-overlay.js';
import { readTopicPage, renderTopicPage, type ReadTopicInput, type TopicPageFacts } from './topics.service.js';

/**
 * Guests' topic pages, per process (JSON here, rendered HTML in the pages' own instance). Every
 * reader without a session sees the same page, so one render serves them all until the bus says
 * the topic changed.
 *
 * A read that overlaps a change is not stored. Every invalidation moves a process-wide clock and
 * stamps its topic with it; a topic the cache has forgotten (or never saw change) stands at
 * `floor`, the clock when it last forgot. A read notes its topic's generation before it starts and
 * is kept only if that generation did not move meanwhile, which forgetting can never undo: the
 * floor only rises, to at least every stamp it replaces.
 */
export class TopicPageCache<V = Buffer> {
  private entries = new Map<string, { topicId: number; value: V }>();
  private generations = new Map<number, number>();
  private keysByTopic = new Map<number, Set<string>>();
  /** Per topic, the highest seq a note announced (forgotten with the generations). */
  private heardUpTo = new Map<number, number>();
  private clock = 0;
  private floor = 0;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly maxEntries: number,
    bus: Bus,
  ) {
    this.unsubscribe.push(
      bus.subscribe((note) => {
        if (!note.channel.startsWith('topic:')) return;
        // A process hears its own writes twice (at once, then back from the bus): the echo, which
        // may come after a fresh render was kept, must not drop it again.
        const topicId = Number(note.channel.slice(6));
        if (note.seq <= (this.heardUpTo.get(topicId) ?? 0)) return;
        this.heardUpTo.set(topicId, note.seq);
        this.invalidate(topicId);
      }),
    );
    this.unsubscribe.push(bus.onResync(() => this.clear()));
    if (maxEntries > 0) {
      // On a bus that brings a process only what it watches, every topic's notes: any page may be kept here.
      const watch = bus.watchKind('topic');
      this.hearing = () => watch.isReady();
      this.unsubscribe.push(() => watch.release());
    }
  }

  /** Nothing is kept before the bus brings every topic's notes here. */
  private hearing: () => boolean = () => true;

  generation(topicId: number): number {
    return this.generations.get(topicId) ?? this.floor;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Re-insert so Map order doubles as least-recently-used order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Kept serialised: encoding a 60 KB page to UTF-8 on every hit would cost more than the lookup. */
  set(key: string, topicId: number, value: V, generationAtStart: number): void {
    if (this.maxEntries === 0 || !this.hearing() || this.generation(topicId) !== generationAtStart) return;
    this.entries.set(key, { topicId, value });
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
    this.generations.set(topicId, ++this.clock);
    for (const key of this.keysByTopic.get(topicId) ?? []) this.entries.delete(key);
    this.keysByTopic.delete(topicId);
    if (this.generations.size > this.maxEntries * 4 + 1000) this.forgetGenerations();
  }

  /** After lost notes: nothing kept, and no read already under way is kept either. */
  clear(): void {
    this.clock++;
    this.forgetGenerations();
    this.entries.clear();
    this.keysByTopic.clear();
  }

  close(): void {
    this.unsubscribe.forEach((u) => u());
  }

  private forgetGenerations(): void {
    this.generations.clear();
    this.heardUpTo.clear();
    this.floor = this.clock;
  }
}

/** A guest's page as kept: its bytes laid out for the signed-in overlay, and compressed on demand. */
export interface CachedTopicPage {
  layout: PageLayout;
  facts: TopicPageFacts;
  kept: KeptJson;
  /** The page as signed-in readers without reactions on it share it, deflated once (see sharedHead). */
  gzipHead: MadeOnce<GzipHead>;
}

export type TopicJsonCache = TopicPageCache<CachedTopicPage>;

/**
 * A topic page as its reader gets it: the bytes to send (`packed`, with their encoding) and where
 * they came from: a guest's from the cache (`hit`) or just rendered (`miss`), a signed-in reader's
 * spliced from the guests' page (`overlay`); or, for a reader who may see hidden text on it, a page
 * rendered for them alone.
 */
export type ServedTopicPage = { packed: Packed; cache: 'hit' | 'miss' | 'overlay' } | { page: Awaited<ReturnType<typeof readTopicPage>> };

/**
 * Reads a topic page through the cache. Guests share one serialised page per topic and position.
 * A signed-in reader gets that page with their own state, capabilities and reactions spliced in,
 * read in one query; moderators, and authors of hidden posts on the page, get their own rendering.
 */
export async function serveTopicPage(
  db: Executor,
  cache: TopicJsonCache,
  viewer: Viewer,
  id: number,
  input: Required<ReadTopicInput>,
  acceptEncoding?: string,
): Promise<ServedTopicPage> {
  const user = viewer.user;
  // Site admins moderate everywhere: no guest page is theirs.
  if (user?.isSiteAdmin) return { page: await readTopicPage(db, viewer, id, input) };
  const key = `${id}:${input.after}:${input.limit}`;
  let entry = cache.get(key);
  const state = entry ? 'hit' : 'miss';
  if (!entry) {
    const generation = cache.generation(id);
    try {
      const { page, facts } = await renderTopicPage(db, guestViewer(), id, input);
      const layout = layOut(page);
      entry = { layout, facts, kept: new KeptJson(layout.json), gzipHead: new MadeOnce(() => deflateHead(sharedHead(layout))) };
    } catch (err) {
      // A topic hidden from guests may still be the reader's own (or theirs to moderate).
      if (user) return { page: await readTopicPage(db, viewer, id, input) };
      throw err;
    }
    cache.set(key, id, entry, generation);
  }
  if (!user) return { packed: entry.kept.packedFor(acceptEncoding), cache: state };
  const { facts, layout } = entry;
  if (facts.hiddenAuthorIds.includes(user.id)) return { page: await readTopicPage(db, viewer, id, input) };
  const overlay = await readOverlay(db, user.id, facts, layout);
  viewer.roles.set(facts.topic.communityId, overlay.role);
  if (!seesGuestPage(viewer, facts, overlay.role)) return { page: await readTopicPage(db, viewer, id, input) };
  // Most readers have no reactions on the page: its shared part is compressed once for all of
  // them, and only their own part is added. Measured, compressing the whole page for each reader
  // was a seventh of a signed-in read.
  const head = overlay.reactions.size === 0 && worthCompressing(layout.json) && takesGzip(acceptEncoding) ? entry.gzipHead.ready() : null;
  if (head) return { packed: { bytes: gzipWithTail(head, overlayTail(facts, viewer, overlay)), encoding: 'gzip' }, cache: 'overlay' };
  return { packed: packedOnce(spliceOverlay(layout, facts, viewer, overlay), acceptEncoding), cache: 'overlay' };
}
