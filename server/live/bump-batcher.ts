import type { FastifyBaseLogger } from 'fastify';
import { communityChannel } from './outbox.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';

/**
 * "This topic has new activity" events for live topic lists. Appending one inside every reply
 * would make all replies of a community queue on that community's channel row until commit,
 * capping a whole community at one commit at a time. Instead bumps are collected for a few
 * milliseconds after the replies commit and appended together, one transaction for many, with
 * repeats of the same topic folded into one. The reply itself is in its topic's channel
 * transactionally; a bump lost to a crash only delays a topic list, which refetches on reconnect.
 */
export class BumpBatcher {
  private pending = new Map<string, Set<number>>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: Pick<ServiceContext, 'db' | 'bus'>,
    private readonly log: FastifyBaseLogger,
    private readonly windowMs = 15,
  ) {}

  bump(communitySlug: string, topicId: number): void {
    let topics = this.pending.get(communitySlug);
    if (!topics) this.pending.set(communitySlug, (topics = new Set()));
    topics.add(topicId);
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
      if (!batch.size) return;
      try {
        await write(this.ctx, async ({ emit }) => {
          for (const [slug, topics] of batch) for (const topicId of topics) await emit(communityChannel(slug), 'topic.bumped', { topicId });
        });
      } catch (err) {
        this.log.warn({ err }, 'could not append topic bumps');
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}
