import { and, eq, sql } from 'drizzle-orm';
import { moderationLog, posts, queueItems, topics } from '../../db/schema.js';
import { findCommunity } from '../communities/communities.service.js';
import { badRequest, conflict, notFound, unauthorized } from '../errors/errors.js';
import { inboxChannel } from '../live/outbox.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';
import { write, type ServiceContext, type WriteScope } from '../write/unit-of-work.js';
import { requireModerator } from './moderation.guard.js';
import { logAction, UNDOABLE } from './moderation.log.js';
import { restorePostIn } from './moderation.posts.js';
import { changeTopicIn, UNHIDE_TOPIC } from './moderation.topics.js';

type Entry = typeof moderationLog.$inferSelect;
interface Undoing {
  scope: WriteScope;
  entry: Entry;
  moderatorId: number;
  slug: string;
}

const alreadyUndone = () => conflict('already_undone', 'This action was already undone.');
/** A moderator decided since (confirmed the hide, settled the flag): undoing the system's action would overrule them. */
const superseded = () => conflict('undo_superseded', 'A moderator has decided on this since; change their decision instead.');

/**
 * One-step undo of something the system did on its own (a watched-word rule's hold or flag, a
 * held first post or topic, a hide at the flag threshold): a moderator of the community releases
 * the post or topic (or dismisses the rule's flag). The undo is a log entry of its own (the
 * ordinary `unhide_post`, `unhide_topic` or `dismiss_flag`, by the moderator), and the original
 * entry is marked undone by it in the same transaction (moderation.log.ts logAction): undoing
 * again is `409 already_undone`. Approving the same post in the queue marks it undone the same way.
 */
export async function undoAutomaticAction(ctx: ServiceContext, viewer: Viewer, slug: string, logId: number) {
  if (!viewer.user) throw unauthorized();
  const community = await findCommunity(ctx.db, slug);
  requireModerator({ viewer, role: await roleIn(ctx.db, viewer, community.id) });
  const moderatorId = viewer.user.id;
  const { undoneBy, topicId } = await write(ctx, async (scope) => {
    // Under the entry's lock: two moderators undoing at once are ordered, the second sees it undone.
    const [entry] = await scope.tx
      .select()
      .from(moderationLog)
      .where(and(eq(moderationLog.id, logId), eq(moderationLog.communityId, community.id)))
      .for('update');
    if (!entry) throw notFound('log_entry_not_found', 'No such entry in this community’s moderation log.');
    if (!entry.automatic || !UNDOABLE.includes(entry.action as (typeof UNDOABLE)[number])) {
      throw badRequest('not_undoable', 'Only what the system held, hid or flagged on its own can be undone here.');
    }
    if (entry.undoneAt) throw alreadyUndone();
    const undoing: Undoing = { scope, entry, moderatorId, slug: community.slug };
    if (entry.action === 'hold_topic') return releaseTopic(undoing);
    if (entry.action === 'flag_post') return dismissRuleFlag(undoing);
    return releasePost(undoing);
  });
  if (topicId !== null) ctx.bumps.bump(community.slug, topicId, 'topic.updated');
  return { entryId: logId, undoneByLogId: undoneBy };
}

/** Releases a held post or restores one hidden at the flag threshold: a moderator's restore (restorePostIn). */
async function releasePost({ scope, entry, moderatorId }: Undoing) {
  const [post] = await scope.tx
    .select({ topicId: posts.topicId, authorId: posts.authorId, hidden: posts.hidden, hiddenPending: posts.hiddenPending })
    .from(posts)
    .where(eq(posts.id, entry.targetId))
    .for('update');
  if (!post || !post.hidden) throw alreadyUndone();
  if (!post.hiddenPending) throw superseded();
  const target = { postId: entry.targetId, topicId: post.topicId, authorId: post.authorId, communityId: entry.communityId };
  const undoneBy = await restorePostIn(scope, target, moderatorId);
  return { undoneBy: undoneBy!, topicId: post.topicId };
}

/** Releases a held topic: its approval (UNHIDE_TOPIC). */
async function releaseTopic({ scope, entry, moderatorId, slug }: Undoing) {
  const [topic] = await scope.tx
    .select({ authorId: topics.authorId, hidden: topics.hidden, hiddenPending: topics.hiddenPending })
    .from(topics)
    .where(eq(topics.id, entry.targetId))
    .for('update');
  if (!topic || !topic.hidden) throw alreadyUndone();
  if (!topic.hiddenPending) throw superseded();
  const target = { id: entry.targetId, communityId: entry.communityId, communitySlug: slug, authorId: topic.authorId };
  const undoneBy = await changeTopicIn(scope, target, moderatorId, UNHIDE_TOPIC);
  return { undoneBy: undoneBy!, topicId: entry.targetId };
}

/** Dismisses the open flag the rule raised on the post; the post was never hidden. */
async function dismissRuleFlag({ scope, entry, moderatorId, slug }: Undoing) {
  const { tx, emit } = scope;
  const dismissed = await tx
    .update(queueItems)
    .set({ status: 'dismissed', resolvedById: moderatorId, resolvedAt: sql`now()` })
    .where(
      and(
        eq(queueItems.postId, entry.targetId),
        eq(queueItems.kind, 'flag'),
        eq(queueItems.status, 'open'),
        entry.ruleId === null ? sql`${queueItems.ruleId} IS NOT NULL` : eq(queueItems.ruleId, entry.ruleId),
      ),
    )
    .returning({ id: queueItems.id });
  if (!dismissed.length) throw superseded();
  await emit(inboxChannel(slug), 'inbox.changed', { key: `flagged:${entry.targetId}` });
  const undoneBy = await logAction(tx, {
    communityId: entry.communityId,
    moderatorId,
    action: 'dismiss_flag',
    targetType: 'post',
    targetId: entry.targetId,
    detail: 'flag',
  });
  return { undoneBy, topicId: null };
}
