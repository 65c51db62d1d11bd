import { and, eq, sql } from 'drizzle-orm';
import { topics, topicVotes, type IdeaStatus } from '../../db/schema.js';
import { conflict, forbidden, unauthorized } from '../errors/errors.js';
import { topicChannel } from '../live/outbox.js';
import { write, type ServiceContext, type WriteScope } from '../write/unit-of-work.js';
import { throwIfBanned } from '../moderation/bans.js';
import { logAction } from '../moderation/moderation.log.js';
import { notify } from '../notifications/notifications.write.js';
import { loadVisibleTopic, presentLoaded, type LoadedTopic } from '../topics/topics.load.js';
import { canAnswerIdeas, isIdea, votesOpen } from '../visibility/permissions.js';
import type { Viewer } from '../visibility/viewer.js';

const notAnIdea = () => conflict('not_an_idea', 'Only ideas can be voted on or given a status.');

async function votable(ctx: ServiceContext, viewer: Viewer, id: number) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const loaded = await loadVisibleTopic(ctx.db, viewer, id);
  if (!isIdea(loaded.topic.kind)) throw notAnIdea();
  throwIfBanned(loaded.ban);
  // Nobody's vote counts for more than anyone else's: a lock closes the tally for moderators too.
  if (!votesOpen(loaded.topic)) throw tallyClosed();
  return { userId: user.id, loaded };
}

const tallyClosed = () => forbidden('topic_locked', 'This idea is locked: its votes are closed.', { action: 'vote' });

/**
 * Adds (on) or withdraws the viewer's vote. Idempotent: the vote row's primary key decides
 * whether anything changed, and only then is the counter moved and the change announced to the
 * topic's readers, in the same transaction (the community's list hears it after the commit).
 * Concurrent votes by one member meet at that key (one wins); votes by different members each
 * add one under the topic row's lock.
 */
export async function setVote(ctx: ServiceContext, viewer: Viewer, id: number, on: boolean) {
  const { userId, loaded } = await votable(ctx, viewer, id);
  const { votes, voted, changed } = await write(ctx, async ({ tx, emit }) => {
    const changed = on
      ? await tx.insert(topicVotes).values({ topicId: id, userId }).onConflictDoNothing().returning({ topicId: topicVotes.topicId })
      : await tx
          .delete(topicVotes)
          .where(and(eq(topicVotes.topicId, id), eq(topicVotes.userId, userId)))
          .returning({ topicId: topicVotes.topicId });
    if (!changed.length) {
      const [row] = await tx.select({ votes: topics.votes }).from(topics).where(eq(topics.id, id));
      return { votes: row?.votes ?? 0, voted: on, changed: false };
    }
    const [row] = await tx
      .update(topics)
      .set({ votes: on ? sql`${topics.votes} + 1` : sql`greatest(${topics.votes} - 1, 0)` })
      .where(eq(topics.id, id))
      .returning({ votes: topics.votes, locked: topics.locked });
    // Under the topic row's lock: a lock committed since the check closes the tally, and the vote goes with the refusal.
    if (row?.locked) throw tallyClosed();
    await announceToTopic({ emit }, loaded);
    return { votes: row?.votes ?? 0, voted: on, changed: true };
  });
  if (changed) announceToList(ctx, loaded);
  return { votes, voted };
}

export interface IdeaStatusInput {
  /** null clears it. */
  status: IdeaStatus | null;
  note?: string | null | undefined;
}

/**
 * Staff answer an idea publicly. Setting the same status and note again changes nothing and
 * tells nobody; any real change is announced and notifies the idea's author and every voter.
 * A null status takes the answer back (see clearIdeaStatus).
 */
export async function setIdeaStatus(ctx: ServiceContext, viewer: Viewer, id: number, input: IdeaStatusInput) {
  const user = viewer.user;
  if (!user) throw unauthorized();
  const loaded = await loadVisibleTopic(ctx.db, viewer, id);
  if (!canAnswerIdeas(loaded.standing)) throw forbidden('not_staff', 'Only staff, moderators and admins of this community can set an idea’s status.');
  if (!isIdea(loaded.topic.kind)) throw notAnIdea();
  throwIfBanned(loaded.ban);
  if (input.status === null) return clearIdeaStatus(ctx, viewer, user.id, loaded);
  const status = input.status;
  const note = input.note?.trim() || null;
  const changed = await write(ctx, async (scope) => {
    const { tx } = scope;
    const [changed] = await tx
      .update(topics)
      .set({ ideaStatus: status, ideaStatusNote: note, ideaStatusAt: sql`now()`, ideaStatusById: user.id })
      .where(and(eq(topics.id, id), sql`(${topics.ideaStatus} IS DISTINCT FROM ${status} OR ${topics.ideaStatusNote} IS DISTINCT FROM ${note})`))
      .returning({ id: topics.id });
    if (!changed) return false;
    await announceToTopic(scope, loaded);
    const voters = await tx.select({ userId: topicVotes.userId }).from(topicVotes).where(eq(topicVotes.topicId, id));
    await notify({ within: scope }, [
      {
        draft: {
          kind: 'idea_status',
          communityId: loaded.topic.communityId,
          topicId: id,
          postId: null,
          actorId: user.id,
          data: { status, note },
        },
        candidates: [loaded.topic.authorId, ...voters.map((v) => v.userId)],
      },
    ]);
    return true;
  });
  if (changed) announceToList(ctx, loaded);
  return { topic: presentLoaded(await loadVisibleTopic(ctx.db, viewer, id)) };
}

/**
 * Takes an idea's answer back: no status, no note, nobody named. The answer was public, so its
 * removal is too: an entry in the public log (the status it had as its detail), in the same
 * transaction. Voters are not told: nothing new was decided for them. Clearing an idea with no
 * status changes nothing and logs nothing.
 */
async function clearIdeaStatus(ctx: ServiceContext, viewer: Viewer, userId: number, loaded: LoadedTopic) {
  const id = loaded.topic.id;
  const changed = await write(ctx, async (scope) => {
    const { tx } = scope;
    // The row's lock makes the status read here the one this clearing removes.
    const [before] = await tx.select({ status: topics.ideaStatus }).from(topics).where(eq(topics.id, id)).for('update');
    if (!before?.status) return false;
    await tx.update(topics).set({ ideaStatus: null, ideaStatusNote: null, ideaStatusAt: null, ideaStatusById: null }).where(eq(topics.id, id));
    await logAction(tx, {
      communityId: loaded.topic.communityId,
      moderatorId: userId,
      action: 'clear_idea_status',
      targetType: 'topic',
      targetId: id,
      detail: before.status,
    });
    await announceToTopic(scope, loaded);
    return true;
  });
  if (changed) announceToList(ctx, loaded);
  return { topic: presentLoaded(await loadVisibleTopic(ctx.db, viewer, id)) };
}

/** Readers of the topic and of the community's list both show votes and status. The topic's hear it with the change itself. */
async function announceToTopic({ emit }: Pick<WriteScope, 'emit'>, loaded: LoadedTopic) {
  await emit(topicChannel(loaded.topic.id), 'topic.updated', { topicId: loaded.topic.id });
}

/**
 * The list's, after the commit and batched (BumpBatcher): inside every vote's transaction, all
 * votes of a community would queue on its channel's row until they commit.
 */
function announceToList(ctx: ServiceContext, loaded: LoadedTopic) {
  ctx.bumps.bump(loaded.communitySlug, loaded.topic.id, 'topic.updated');
}
