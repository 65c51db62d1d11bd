/**
 * A site admin suspends an account site-wide: it signs in to nothing and writes nothing, anywhere.
 * With `removeContent`, everything it posted goes in the same transaction, hidden (not deleted:
 * moderators can restore any of it) with the system reason `account_suspended`, and each community
 * it touched gets a public log entry saying so. Big accounts cost one statement per table, not one
 * per post; live events are one statement per topic.
 */
import { sql } from 'drizzle-orm';
import { rows, type Tx } from '../../../db/client.js';
import { accountChanged } from '../../auth/session.js';
import { AppError, badRequest, notFound } from '../../errors/errors.js';
import type { BusNote } from '../../live/bus.js';
import { appendSeries, communityChannel, topicChannel, type EventType } from '../../live/outbox.js';
import { logAction } from '../../moderation/moderation.log.js';
import type { Viewer } from '../../visibility/viewer.js';
import { write, type ServiceContext } from '../../write/unit-of-work.js';
import { requireSiteAdmin } from './site-admin.guard.js';

export interface SuspendInput {
  reason: string;
  removeContent?: boolean | undefined;
}

export interface SuspensionState {
  handle: string;
  displayName: string;
  suspended: boolean;
  suspendedAt: string | null;
  suspendedReason: string | null;
}

export interface SuspensionResult {
  user: SuspensionState;
  /** What the suspension hid now (zeros without `removeContent`, or when it was all hidden already). */
  removed: { posts: number; topics: number; communities: number };
}

interface TargetRow {
  id: number;
  handle: string;
  display_name: string;
  is_site_admin: boolean;
  suspended_at: string | null;
  suspended_reason: string | null;
}

async function findTarget(ctx: ServiceContext, handle: string): Promise<TargetRow> {
  const [row] = await rows<TargetRow>(
    ctx.db,
    sql`SELECT id, handle, display_name, is_site_admin, suspended_at, suspended_reason FROM users
        WHERE lower(handle) = ${handle.toLowerCase()} AND deleted_at IS NULL`,
  );
  if (!row) throw notFound('user_not_found', `No user "${handle}".`, { handle });
  return row;
}

const present = (row: TargetRow): SuspensionState => ({
  handle: row.handle,
  displayName: row.display_name,
  suspended: row.suspended_at !== null,
  suspendedAt: row.suspended_at === null ? null : new Date(row.suspended_at).toISOString(),
  suspendedReason: row.suspended_reason,
});

/** Who a site admin may suspend: not themselves, not another site admin (one admin cannot lock out the others). */
function checkTarget(adminId: number, target: TargetRow): void {
  if (target.id === adminId) throw badRequest('cannot_suspend_self', 'You cannot suspend your own account.');
  if (target.is_site_admin) throw new AppError(403, 'cannot_suspend_site_admin', 'A site admin cannot be suspended; remove their site admin rights first.');
}

interface Hidden {
  posts: Array<{ id: number; topic_id: number }>;
  topics: Array<{ id: number; community_id: number }>;
}

/** Hides everything the account posted that is not hidden for good already; held items count as hidden now. */
async function hideEverything(tx: Tx, userId: number, adminId: number): Promise<Hidden> {
  const posts = await rows<{ id: number; topic_id: number }>(
    tx,
    sql`UPDATE posts SET hidden = true, hidden_reason = NULL, hidden_reason_code = 'account_suspended', hidden_pending = false,
          hidden_at = CASE WHEN hidden THEN hidden_at ELSE now() END
        WHERE author_id = ${userId} AND NOT deleted AND (NOT hidden OR hidden_pending)
        RETURNING id, topic_id`,
  );
  const topics = await rows<{ id: number; community_id: number }>(
    tx,
    sql`UPDATE topics SET hidden = true, hidden_reason = NULL, hidden_reason_code = 'account_suspended', hidden_pending = false
        WHERE author_id = ${userId} AND (NOT hidden OR hidden_pending)
        RETURNING id, community_id`,
  );
  // Flags on what is gone are answered; held posts and review requests asked for it to stay, and it did not.
  await tx.execute(sql`
    UPDATE queue_items SET status = CASE WHEN kind = 'flag' THEN 'resolved' ELSE 'dismissed' END,
      resolved_by_id = ${adminId}, resolved_at = now()
    WHERE status = 'open' AND (
      post_id IN (SELECT id FROM posts WHERE author_id = ${userId})
      OR (target_type = 'topic' AND topic_id IN (SELECT id FROM topics WHERE author_id = ${userId})))`);
  return { posts, topics };
}

interface TouchedTopic {
  id: number;
  community_id: number;
  slug: string;
}

/** Every topic a change touched, with its community (for the log, the channels and the caches). */
async function topicsOf(tx: Tx, ids: number[]): Promise<TouchedTopic[]> {
  if (!ids.length) return [];
  return rows<TouchedTopic>(
    tx,
    sql`SELECT t.id, t.community_id, c.slug FROM topics t JOIN communities c ON c.id = t.community_id
        WHERE t.id IN (${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )})`,
  );
}

/** Open pages drop the posts (one statement per topic) and the topics; community lists hear of hidden topics. */
async function announce(tx: Tx, hidden: Hidden, touched: TouchedTopic[]): Promise<BusNote[]> {
  const notes: BusNote[] = [];
  const postsByTopic = new Map<number, number[]>();
  for (const p of hidden.posts) postsByTopic.set(p.topic_id, [...(postsByTopic.get(p.topic_id) ?? []), p.id]);
  const hiddenTopics = new Set(hidden.topics.map((t) => t.id));
  for (const topic of touched) {
    const drafts: Array<{ type: EventType; ref: Record<string, unknown> }> = (postsByTopic.get(topic.id) ?? []).map((postId) => ({
      type: 'post.hidden',
      ref: { postId },
    }));
    if (hiddenTopics.has(topic.id)) drafts.push({ type: 'topic.updated', ref: { topicId: topic.id } });
    notes.push(...(await appendSeries(tx, topicChannel(topic.id), drafts)));
  }
  const bySlug = new Map<string, number[]>();
  for (const topic of touched) if (hiddenTopics.has(topic.id)) bySlug.set(topic.slug, [...(bySlug.get(topic.slug) ?? []), topic.id]);
  for (const [slug, ids] of bySlug)
    notes.push(
      ...(await appendSeries(
        tx,
        communityChannel(slug),
        ids.map((topicId) => ({ type: 'topic.updated' as const, ref: { topicId } })),
      )),
    );
  return notes;
}

export async function suspendUser(ctx: ServiceContext, viewer: Viewer, handle: string, input: SuspendInput): Promise<SuspensionResult> {
  const admin = requireSiteAdmin(viewer);
  const target = await findTarget(ctx, handle);
  checkTarget(admin.id, target);
  const reason = input.reason.trim();
  if (!reason) throw badRequest('suspension_reason_required', 'Say why: the member reads it when they try to sign in.', { field: 'reason' });

  const notes: BusNote[] = [];
  const { state, removed, touched } = await write(ctx, async ({ tx }) => {
    notes.length = 0;
    const [updated] = await rows<TargetRow>(
      tx,
      sql`UPDATE users SET suspended_at = coalesce(suspended_at, now()), suspended_reason = ${reason}, suspended_by_id = ${admin.id}
          WHERE id = ${target.id}
          RETURNING id, handle, display_name, is_site_admin, suspended_at, suspended_reason`,
    );
    // Every session, of every kind (cookie, bearer, embed), ends with the transaction.
    await tx.execute(sql`DELETE FROM sessions WHERE user_id = ${target.id}`);
    const hidden: Hidden = input.removeContent ? await hideEverything(tx, target.id, admin.id) : { posts: [], topics: [] };
    const touched = await topicsOf(tx, [...new Set([...hidden.posts.map((p) => p.topic_id), ...hidden.topics.map((t) => t.id)])]);
    notes.push(...(await announce(tx, hidden, touched)));

    // The log of every community it touched, and of every community it belongs to, says so in public.
    const counts = new Map<number, { posts: number; topics: number }>();
    const communityOf = new Map(touched.map((t) => [t.id, t.community_id]));
    const count = (communityId: number) => counts.get(communityId) ?? counts.set(communityId, { posts: 0, topics: 0 }).get(communityId)!;
    for (const p of hidden.posts) count(communityOf.get(p.topic_id)!).posts++;
    for (const t of hidden.topics) count(t.community_id).topics++;
    const members = await rows<{ community_id: number }>(tx, sql`SELECT community_id FROM memberships WHERE user_id = ${target.id}`);
    for (const m of members) count(m.community_id);
    for (const [communityId, c] of counts) {
      await logAction(tx, {
        communityId,
        moderatorId: admin.id,
        action: 'suspend_user',
        targetType: 'user',
        targetId: target.id,
        reason,
        detail: input.removeContent ? JSON.stringify({ removed: true, posts: c.posts, topics: c.topics }) : JSON.stringify({ removed: false }),
      });
    }
    const communitiesTouched = new Set(touched.map((t) => t.community_id)).size;
    return {
      state: present(updated!),
      removed: { posts: hidden.posts.length, topics: hidden.topics.length, communities: communitiesTouched },
      touched,
    };
  });
  ctx.bus.publishLocal(notes);
  // Every process forgets the account's cached sessions before this answers.
  await accountChanged(ctx.bus, target.id);
  // Lists (visible counts, hidden topics), rendered pages and kept search answers hear of every topic.
  for (const topic of touched) ctx.bumps.bump(topic.slug, topic.id, 'topic.updated');
  return { user: state, removed };
}

/** Lifting a suspension lets the member sign in again; what was removed stays hidden (moderators can restore it). */
export async function liftSuspension(ctx: ServiceContext, viewer: Viewer, handle: string): Promise<SuspensionState> {
  const admin = requireSiteAdmin(viewer);
  const target = await findTarget(ctx, handle);
  if (target.suspended_at === null) return present(target);
  return write(ctx, async ({ tx }) => {
    const [updated] = await rows<TargetRow>(
      tx,
      sql`UPDATE users SET suspended_at = NULL, suspended_reason = NULL, suspended_by_id = NULL WHERE id = ${target.id}
          RETURNING id, handle, display_name, is_site_admin, suspended_at, suspended_reason`,
    );
    const logged = await rows<{ community_id: number }>(
      tx,
      sql`SELECT DISTINCT community_id FROM moderation_log WHERE action = 'suspend_user' AND target_type = 'user' AND target_id = ${target.id}
          UNION SELECT community_id FROM memberships WHERE user_id = ${target.id}`,
    );
    for (const { community_id } of logged)
      await logAction(tx, { communityId: community_id, moderatorId: admin.id, action: 'unsuspend_user', targetType: 'user', targetId: target.id });
    return present(updated!);
  });
}

/** For a site admin looking someone up before acting. */
export async function suspensionOf(ctx: ServiceContext, viewer: Viewer, handle: string): Promise<SuspensionState> {
  requireSiteAdmin(viewer);
  return present(await findTarget(ctx, handle));
}
