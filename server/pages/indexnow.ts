/**
 * IndexNow: when a public topic is created, edited, hidden or loses a post, search engines are told
 * its URL at once instead of at their next crawl. Changes are heard on the live bus (every commit
 * announces its channel), gathered for a few seconds and sent as one request, each URL once.
 *
 * Which URL: a topic the public can read in a listed community and category gets its canonical
 * URL; a topic hidden by a moderator gets its bare `/c/<slug>/t/<id>` (the engine finds a 404 and
 * drops the page, and a hidden title never leaves the site in the URL's slug). Reactions and pins
 * change nothing a searcher sees and are not announced; nor are topics kept out of search engines.
 *
 * Best effort: a failed request is logged and forgotten (the sitemap still tells the truth), never
 * thrown into the request that made the change. Each process announces what its bus hears, so with
 * several processes an engine may hear a URL more than once, which IndexNow allows.
 */
import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { rows, type Executor } from '../../db/client.js';
import type { Bus, BusNote } from '../live/bus.js';
import type { EventType } from '../live/outbox.js';
import { communityPath, topicPath } from './sitemap.urls.js';

/** Events that change what a topic's page shows a searcher. */
const ANNOUNCED: ReadonlySet<EventType> = new Set(['post.created', 'post.updated', 'post.deleted', 'post.hidden', 'post.unhidden', 'topic.updated']);
/** The protocol's limit of URLs in one request. */
const MAX_URLS = 10_000;
const TOPIC_CHANNEL = /^topic:(\d+)$/;

export interface IndexNowOptions {
  key: string;
  endpoint: string;
  /** The site's public origin: the URLs, the host and the key file's location are built from it. */
  origin: string;
  delayMs: number;
}

interface TopicState {
  id: number;
  title: string;
  hidden: boolean;
  slug: string;
  unlisted: boolean;
}

export class IndexNowNotifier {
  private notes: BusNote[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Executor,
    bus: Bus,
    private readonly options: IndexNowOptions,
    private readonly log: FastifyBaseLogger,
    private readonly send: typeof fetch = fetch,
  ) {
    const stopHearing = bus.subscribe((note) => this.hear(note));
    const watch = bus.watchKind('topic');
    this.unsubscribe = () => {
      stopHearing();
      watch.release();
    };
  }

  get keyLocation(): string {
    return `${this.options.origin}/${this.options.key}.txt`;
  }

  private hear(note: BusNote) {
    if (!TOPIC_CHANNEL.test(note.channel)) return;
    this.notes.push(note);
    this.timer ??= setTimeout(() => void this.flush(), this.options.delayMs);
  }

  /** Sends what was heard so far (the timer calls it; tests and shutdown may too). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const notes = this.notes;
    this.notes = [];
    // One request at a time, in order: a later batch never overtakes an earlier one.
    this.inFlight = this.inFlight.then(() => (notes.length ? this.announce(notes) : undefined));
    return this.inFlight;
  }

  private async announce(notes: BusNote[]): Promise<void> {
    try {
      const urls = await this.urlsFor(notes);
      for (let i = 0; i < urls.length; i += MAX_URLS) await this.post(urls.slice(i, i + MAX_URLS));
    } catch (err) {
      this.log.warn({ err }, 'IndexNow: could not announce changed topics');
    }
  }

  /** The URLs to announce for these notes: which events they were is read back from the outbox. */
  async urlsFor(notes: BusNote[]): Promise<string[]> {
    const pairs = sql.join(
      notes.map((n) => sql`(${n.channel}::text, ${n.seq}::bigint)`),
      sql`, `,
    );
    const events = await rows<{ channel: string; type: EventType }>(this.db, sql`SELECT channel, type FROM events WHERE (channel, seq) IN (${pairs})`);
    const changed = new Map<number, Set<EventType>>();
    for (const e of events) {
      if (!ANNOUNCED.has(e.type)) continue;
      const id = Number(TOPIC_CHANNEL.exec(e.channel)![1]);
      changed.set(id, (changed.get(id) ?? new Set()).add(e.type));
    }
    if (!changed.size) return [];
    const ids = sql.join(
      [...changed.keys()].map((id) => sql`${id}::int`),
      sql`, `,
    );
    const topics = await rows<TopicState>(
      this.db,
      sql`SELECT t.id, t.title, t.hidden, c.slug, (c.unlisted OR cat.unlisted) AS unlisted
        FROM topics t JOIN communities c ON c.id = t.community_id JOIN categories cat ON cat.id = t.category_id
        WHERE t.id IN (${ids}) ORDER BY t.id`,
    );
    const { origin } = this.options;
    return topics.flatMap((t) => {
      if (t.unlisted) return [];
      if (!t.hidden) return [origin + topicPath(t.slug, t)];
      // Hidden: announce only a hiding (a topic.updated), not the changes inside a topic that never was public.
      return changed.get(t.id)!.has('topic.updated') ? [`${origin}${communityPath(t.slug)}/t/${t.id}`] : [];
    });
  }

  private async post(urlList: string[]): Promise<void> {
    const { key, endpoint, origin } = this.options;
    const res = await this.send(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ host: new URL(origin).host, key, keyLocation: this.keyLocation, urlList }),
      signal: AbortSignal.timeout(10_000),
    });
    // 200 and 202 are both success in the protocol; anything else is worth a line in the log.
    if (!res.ok) this.log.warn({ status: res.status, urls: urlList.length }, 'IndexNow: the endpoint refused the announcement');
  }

  /** Stops listening; what was not sent yet is sent now, while the database is still open. */
  async close(): Promise<void> {
    this.unsubscribe();
    await this.flush();
  }
}
