/**
 * How an open inbox hears that it may have changed. Nearly everything that makes or resolves an
 * item (a new topic or reply, an answer, a vote, an idea's status, hiding and restoring, approving
 * and rejecting held content) is already announced on its community's channel; so instead of
 * touching every service, the process that committed such a write tells that community's inbox
 * channel too, once the write has committed, with one `inbox.changed` for all the community's
 * writes of a short window. Writes that announce nothing on the community channel (flags, settled
 * queue items, review requests, claims) emit `inbox.changed` themselves, in their transaction.
 *
 * An event lost to a crash only delays an inbox page, which also refetches every minute.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import type { Bus, BusNote } from '../live/bus.js';
import { appendSeries, inboxChannel } from '../live/outbox.js';

const COMMUNITY_PREFIX = 'community:';

export class InboxSignals {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: { db: Db; bus: Bus },
    private readonly log: FastifyBaseLogger,
    /**
     * A busy community's inbox hears at most one event a second, not one per reply: every open
     * inbox page refetches on each, and a second is soon enough for work people do in minutes.
     */
    private readonly windowMs = 1000,
  ) {}

  /**
   * The bus, with this process's own committed notes also read here: every write announces its
   * notes through `publishLocal` once it has committed, exactly once, in the process that wrote.
   */
  listen(bus: Bus): Bus {
    return {
      publishLocal: (notes) => {
        bus.publishLocal(notes);
        this.noted(notes);
      },
      subscribe: (listener) => bus.subscribe(listener),
      onResync: (listener) => bus.onResync(listener),
      publishPresence: (payload) => bus.publishPresence(payload),
      onPresence: (listener) => bus.onPresence(listener),
      publishSignal: (payload) => bus.publishSignal(payload),
      onSignal: (listener) => bus.onSignal(listener),
      watch: (channel) => bus.watch(channel),
      watchKind: (kind) => bus.watchKind(kind),
      status: () => bus.status(),
      close: () => bus.close(),
    };
  }

  noted(notes: BusNote[]): void {
    for (const note of notes) if (note.channel.startsWith(COMMUNITY_PREFIX)) this.touch(note.channel.slice(COMMUNITY_PREFIX.length));
  }

  touch(communitySlug: string): void {
    this.pending.add(communitySlug);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.windowMs);
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const slugs = [...this.pending];
      this.pending.clear();
      await Promise.all(
        slugs.map(async (slug) => {
          try {
            this.ctx.bus.publishLocal(await appendSeries(this.ctx.db, inboxChannel(slug), [{ type: 'inbox.changed', ref: {} }]));
          } catch (err) {
            this.log.warn({ err, community: slug }, 'could not tell the inbox of a change');
          }
        }),
      );
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}
