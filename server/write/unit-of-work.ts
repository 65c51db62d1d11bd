/**
 * The unit of work: a write, the events that announce it, and their publication, as one step.
 * Every service that changes data goes through `write` with a `ServiceContext`.
 */
import type { Db, Tx } from '../../db/client.js';
import type { Bus, BusNote } from '../live/bus.js';
import type { Translator } from '../i18n/translator.js';
import type { Mailer } from '../mail/mailer.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { appendEvent, appendEvents, type EventDraft, type EventType } from '../live/outbox.js';
import { retryingConflicts } from './retry-conflicts.js';
import { logCommit } from '../ops/request-context.js';

/** What services need to touch data and announce changes. */
export interface ServiceContext {
  db: Db;
  bus: Bus;
  /** Batched, after-commit topic list events for community channels: new activity (the default) or changed data. */
  bumps: {
    bump(communitySlug: string, topicId: number, type?: 'topic.bumped' | 'topic.updated'): void;
    /** Told of every bump at once, before its batched list event: this process's caches of the community's lists clear without waiting. */
    onBump(listener: (communitySlug: string) => void): () => void;
  };
  /** For work after a commit that must not fail the request (e.g. notifications): failures are logged here. */
  log?: { warn(obj: object, msg?: string): void };
  /** Posting limits and content rules (`PARLEY_RATE_LIMITS=off` turns them off, as for benchmarks and tests). */
  postingLimits: { enabled: boolean };
  /** Distinct uploaded files one post may show (config.uploads.maxPerPost): a content rule, on even when limits are off. */
  uploads: { maxPerPost: number };
  /** The app's one translator: the catalogues' words in a reader's language (mails, rendered pages). */
  translator: Translator;
  /** Mail is queued inside a write (`mail.queue(tx, draft)`) and sent by a job after it commits. */
  mail: Mailer;
  /** Durable background jobs (delayed notification mail, digests). */
  jobs: JobQueue;
}

export interface WriteScope {
  tx: Tx;
  /**
   * The app's job queue, when the write was given one (`write(ctx)` with a full context): a job
   * sent with `{ tx }` exists only if the write commits (e.g. notification mail).
   */
  jobs?: JobQueue;
  emit(channel: string, type: EventType, ref: Record<string, unknown>): Promise<BusNote>;
  /** One event on each of many distinct channels, in one round trip. */
  emitMany(drafts: EventDraft[]): Promise<BusNote[]>;
}

/**
 * Runs a write and its events in one transaction, then tells this process's listeners at once
 * (other processes hear it through the database's NOTIFY).
 */
export async function write<T>(
  ctx: Pick<ServiceContext, 'db' | 'bus'> & Partial<Pick<ServiceContext, 'jobs'>>,
  work: (scope: WriteScope) => Promise<T>,
): Promise<T> {
  const { result, notes, changedCommunities } = await stage(ctx.db, work, ctx.jobs);
  if (notes.length) ctx.bus.publishLocal(notes);
  logCommit(notes);
  // Pages kept rendered wear their community's name, language and categories; a note on the
  // community channel cannot say which event it was (most are topic list bumps), so a change of the
  // community itself is also signalled, once the write has committed.
  for (const channel of changedCommunities) await ctx.bus.publishSignal(channel);
  return result;
}

/**
 * `write` without the telling: the caller publishes the notes itself, later (the post pipeline
 * announces in a phase of its own, after storing).
 */
export async function stage<T>(
  db: Db,
  work: (scope: WriteScope) => Promise<T>,
  jobs?: JobQueue,
): Promise<{ result: T; notes: BusNote[]; changedCommunities: Set<string> }> {
  const notes: BusNote[] = [];
  const changedCommunities = new Set<string>();
  const result = await retryingConflicts(() =>
    db.transaction(async (tx) => {
      // A retried transaction starts over: events appended by an attempt that rolled back are gone.
      notes.length = 0;
      changedCommunities.clear();
      return work({
        tx,
        ...(jobs ? { jobs } : {}),
        emit: async (channel, type, ref) => {
          const note = await appendEvent(tx, channel, type, ref);
          notes.push(note);
          if (type === 'community.updated') changedCommunities.add(channel);
          return note;
        },
        emitMany: async (drafts) => {
          const added = await appendEvents(tx, drafts);
          notes.push(...added);
          for (const d of drafts) if (d.type === 'community.updated') changedCommunities.add(d.channel);
          return added;
        },
      });
    }),
  );
  return { result, notes, changedCommunities };
}
