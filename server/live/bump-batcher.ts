import type { FastifyBaseLogger } from 'fastify';
import { appendSeries, communityChannel } from './outbox.js';
import type { ServiceContext } from '../write/unit-of-work.js';

/** What a topic list hears about a topic: new activity (moves it up), or changed data in place (votes, status). */
export type ListEvent = 'topic.bumped' | 'topic.updated';

/**
 * "This topic has new activity" and "this topic changed" events for live topic lists. Appending
 * one inside every reply or vote would make all replies and votes of a community queue on that
 * community's channel row until commit, capping a whole community at one commit at a time.
 * Instead they are collected for a few milliseconds after the writes commit and appended
 * together, one statement per community, with repeats of the same event for the same topic
 * folded into one (each renders the topic as it is when loaded). The write itself is in its
 * topic's channel transactionally; an event lost to a crash only delays a topic list, which
 * refetches on reconnect.
 */
export class BumpBatcher {
  /** Per community: the events to append, in the order first asked for, keyed by `type:topicId`. */
  private pending = new Map<string, Map<string, { type: ListEvent; topicId: number }>>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(communitySlug: string) => void>();

  constructor(
    private readonly ctx: Pick<ServiceContext, 'db' | 'bus'>,
    private readonly log: FastifyBaseLogger,
    private readonly windowMs = 15,
  ) {}

  /**
   * Told at once, when a committed write asks for a list event: this process's caches of lists
   * must not wait for the batch (other processes hear the batch's own note a moment later).
   */
  onBump(listener: (communitySlug: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  bump(communitySlug: string, topicId: number, type: ListEvent = 'topic.bumped'): void {
    for (const listener of this.listeners) listener(communitySlug);
    let events = this.pending.get(communitySlug);
    if (!events) this.pending.set(communitySlug, (events = new Map<string, { type: ListEvent; topicId: number }>()));
    const key = `${type}:${topicId}`;
    if (!events.has(key)) events.set(key, { type, topicId });
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.windowMs);
  }

  /** Appends everything collected so far; waits for a flush already under way. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = this.pending;
      this.pending = new Map();
      await Promise.all(
        [...batch].map(async ([slug, events]) => {
          try {
            const notes = await appendSeries(
              this.ctx.db,
              communityChannel(slug),
              [...events.values()].map(({ type, topicId }) => ({ type, ref: { topicId } })),
            );
            this.ctx.bus.publishLocal(notes);
          } catch (err) {
            this.log.warn({ err, community: slug }, 'could not append topic list events');
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
