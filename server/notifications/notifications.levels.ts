/**
 * A reader's choice of how much to hear about a topic or a category: `watching` (every reply),
 * `normal` (replies to their posts and mentions), `muted` (nothing but moderation notices).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { categories, notificationLevels, type NotificationLevel } from '../../db/schema.js';
import { findCategory } from '../communities/categories.js';
import { findCommunity } from '../communities/communities.service.js';
import { unauthorized } from '../errors/errors.js';
import { loadVisibleTopic } from '../topics/topics.load.js';
import type { Viewer } from '../visibility/viewer.js';

async function store(db: Executor, userId: number, targetType: 'topic' | 'category', targetId: number, level: NotificationLevel) {
  await db
    .insert(notificationLevels)
    .values({ userId, targetType, targetId, level })
    .onConflictDoUpdate({
      target: [notificationLevels.userId, notificationLevels.targetType, notificationLevels.targetId],
      set: { level, updatedAt: sql`now()` },
    });
}

/** Only for a topic the reader may see: a hidden one is a 404, as everywhere. */
export async function setTopicLevel(db: Executor, viewer: Viewer, topicId: number, level: NotificationLevel) {
  if (!viewer.user) throw unauthorized();
  await loadVisibleTopic(db, viewer, topicId);
  await store(db, viewer.user.id, 'topic', topicId, level);
  return { level };
}

export async function setCategoryLevel(db: Executor, viewer: Viewer, slug: string, categorySlug: string, level: NotificationLevel) {
  if (!viewer.user) throw unauthorized();
  const community = await findCommunity(db, slug);
  const category = await findCategory(db, community.id, categorySlug);
  await store(db, viewer.user.id, 'category', category.id, level);
  return { level };
}

/** The reader's explicit category settings in a community (categories without one are absent: they follow the default). */
export async function communityLevels(db: Executor, viewer: Viewer, slug: string) {
  if (!viewer.user) throw unauthorized();
  const community = await findCommunity(db, slug);
  const found = await db
    .select({ slug: categories.slug, level: notificationLevels.level })
    .from(notificationLevels)
    .innerJoin(categories, and(eq(notificationLevels.targetType, 'category'), eq(categories.id, notificationLevels.targetId)))
    .where(and(eq(notificationLevels.userId, viewer.user.id), eq(categories.communityId, community.id)));
  return { categories: Object.fromEntries(found.map((r) => [r.slug, r.level])) as Record<string, NotificationLevel> };
}
