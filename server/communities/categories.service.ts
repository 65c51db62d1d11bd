import { and, asc, eq, sql } from 'drizzle-orm';
import { isUniqueViolation, type Executor } from '../../db/client.js';
import { categories, embedSettings, notificationLevels, topics } from '../../db/schema.js';
import { badRequest, conflict } from '../errors/errors.js';
import { communityChannel, topicChannel } from '../live/outbox.js';
import { logAction } from '../moderation/moderation.log.js';
import { DEFAULT_EMBED_CATEGORY } from '../embed/embed.service.js';
import type { Viewer } from '../visibility/viewer.js';
import { write, type ServiceContext, type WriteScope } from '../write/unit-of-work.js';
import { categoryNotFound, findCategory } from './categories.js';
import { presentCategory, type CategoryRow, type CommunityRow } from './communities.present.js';
import { findCommunity, getCommunity, requireAdmin } from './communities.service.js';

type Ctx = Pick<ServiceContext, 'db' | 'bus'>;

/** Topic channels told per statement when topics move: a large category moves in several. */
const MOVE_BATCH = 500;

/** A community's categories in their order, the order every list of them shows. */
export const categoryOrder = [asc(categories.position), asc(categories.id)] as const;

/** Taken in one order by every write that changes several, so two admins' changes queue rather than deadlock. */
async function lockCategories(tx: Executor, communityId: number): Promise<CategoryRow[]> {
  return tx
    .select()
    .from(categories)
    .where(eq(categories.communityId, communityId))
    .orderBy(...categoryOrder)
    .for('update');
}

/**
 * The log's `detail` of a category action: JSON of names and slugs as they were at the time, since
 * the category may be renamed or gone when the log is read. They are the admin's own words.
 */
const detail = (facts: Record<string, unknown>) => JSON.stringify(facts);

/** Open community pages hear every change to the categories at once (and rendered pages start a new generation). */
const announce = (emit: WriteScope['emit'], community: CommunityRow) =>
  emit(communityChannel(community.slug), 'community.updated', { communityId: community.id });

/**
 * Topic pages name their category by slug: moved topics, or all topics of a category whose slug
 * changed, are told on their own channels, which also clears guests' cached copies of them.
 */
async function tellTopics(emitMany: WriteScope['emitMany'], topicIds: number[]): Promise<void> {
  for (let i = 0; i < topicIds.length; i += MOVE_BATCH) {
    await emitMany(topicIds.slice(i, i + MOVE_BATCH).map((id) => ({ channel: topicChannel(id), type: 'topic.updated', ref: { topicId: id } })));
  }
}

export interface CreateCategoryInput {
  slug: string;
  name: string;
  description?: string | undefined;
  position?: number | undefined;
}

/** A new category goes at the end of the list unless the admin gives a position. */
export async function createCategory(ctx: Ctx, viewer: Viewer, slug: string, input: CreateCategoryInput) {
  const community = await findCommunity(ctx.db, slug);
  await requireAdmin(ctx.db, viewer, community);
  try {
    return await write(ctx, async ({ tx, emit }) => {
      const [row] = await tx
        .insert(categories)
        .values({
          communityId: community.id,
          slug: input.slug,
          name: input.name.trim(),
          description: input.description?.trim() ?? '',
          position:
            input.position ?? sql`(SELECT coalesce(max(${categories.position}) + 1, 0) FROM ${categories} WHERE ${categories.communityId} = ${community.id})`,
        })
        .returning();
      await logAction(tx, {
        communityId: community.id,
        moderatorId: viewer.user!.id,
        action: 'add_category',
        targetType: 'category',
        targetId: row!.id,
        detail: detail({ name: row!.name, slug: row!.slug }),
      });
      await announce(emit, community);
      return presentCategory(row!);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('category_slug_taken', `The category "${input.slug}" already exists.`, { slug: input.slug });
    throw err;
  }
}

export interface UpdateCategoryInput {
  name?: string | undefined;
  description?: string | undefined;
  /** A new address; old `?category=` links stop working, topic links (by id) do not. */
  slug?: string | undefined;
  unlisted?: boolean | undefined;
}

/**
 * Renames, describes or re-addresses a category, or changes its settings (admin). A new name or
 * address and a new description are each one entry in the public log.
 */
export async function updateCategory(ctx: Ctx, viewer: Viewer, slug: string, categorySlug: string, input: UpdateCategoryInput) {
  const community = await findCommunity(ctx.db, slug);
  await requireAdmin(ctx.db, viewer, community);
  const found = await findCategory(ctx.db, community.id, categorySlug);
  const name = input.name?.trim();
  const description = input.description?.trim();
  const newSlug = input.slug?.toLowerCase();
  try {
    return await write(ctx, async ({ tx, emit, emitMany }) => {
      const [before] = await tx.select().from(categories).where(eq(categories.id, found.id)).for('update');
      // Removed since it was looked up.
      if (!before) throw categoryNotFound(categorySlug);
      const patch: Partial<CategoryRow> = {};
      if (name !== undefined && name !== before.name) patch.name = name;
      if (description !== undefined && description !== before.description) patch.description = description;
      if (newSlug !== undefined && newSlug !== before.slug) patch.slug = newSlug;
      if (input.unlisted !== undefined && input.unlisted !== before.unlisted) patch.unlisted = input.unlisted;
      if (!Object.keys(patch).length) return presentCategory(before);
      const [after] = await tx.update(categories).set(patch).where(eq(categories.id, before.id)).returning();
      const moderatorId = viewer.user!.id;
      const entry = { communityId: community.id, moderatorId, targetType: 'category' as const, targetId: before.id };
      if (patch.name !== undefined || patch.slug !== undefined) {
        await logAction(tx, {
          ...entry,
          action: 'rename_category',
          detail: detail({ name: before.name, to: after!.name, slug: before.slug, toSlug: after!.slug }),
        });
      }
      if (patch.description !== undefined) {
        await logAction(tx, { ...entry, action: 'describe_category', detail: detail({ name: after!.name, slug: after!.slug }) });
      }
      if (patch.slug !== undefined) {
        // Embed threads keep going where the admin pointed them.
        await tx
          .update(embedSettings)
          .set({ categorySlug: after!.slug })
          .where(and(eq(embedSettings.communityId, community.id), eq(embedSettings.categorySlug, before.slug)));
        const inIt = await tx.select({ id: topics.id }).from(topics).where(eq(topics.categoryId, before.id));
        await tellTopics(
          emitMany,
          inIt.map((t) => t.id),
        );
      }
      await announce(emit, community);
      return presentCategory(after!);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('category_slug_taken', `The category "${newSlug}" already exists.`, { slug: newSlug });
    throw err;
  }
}

/**
 * Puts the categories in the given order (admin). The list names every category once, so an
 * admin working from a stale page cannot drop one out of the order by accident.
 */
export async function reorderCategories(ctx: Ctx, viewer: Viewer, slug: string, order: string[]) {
  const community = await findCommunity(ctx.db, slug);
  await requireAdmin(ctx.db, viewer, community);
  const wanted = order.map((s) => s.toLowerCase());
  await write(ctx, async ({ tx, emit }) => {
    const current = await lockCategories(tx, community.id);
    const bySlug = new Map(current.map((c) => [c.slug, c]));
    if (wanted.length !== current.length || new Set(wanted).size !== wanted.length || wanted.some((s) => !bySlug.has(s))) {
      throw badRequest('category_order_mismatch', 'The order must name every category of the community exactly once.', {
        categories: current.map((c) => c.slug),
      });
    }
    const moved = wanted.filter((s, position) => bySlug.get(s)!.position !== position);
    if (!moved.length) return;
    const cases = sql.join(
      wanted.map((s, position) => sql`WHEN ${bySlug.get(s)!.id}::int THEN ${position}::int`),
      sql` `,
    );
    await tx
      .update(categories)
      .set({ position: sql`CASE ${categories.id} ${cases} END` })
      .where(eq(categories.communityId, community.id));
    await logAction(tx, {
      communityId: community.id,
      moderatorId: viewer.user!.id,
      action: 'reorder_categories',
      targetType: 'community',
      targetId: community.id,
      detail: detail({ order: wanted.map((s) => bySlug.get(s)!.name) }),
    });
    await announce(emit, community);
  });
  return getCommunity(ctx.db, viewer, slug);
}

/**
 * Removes a category (admin). Its topics, if it has any, move to `moveTo`, keeping everything
 * else; a community keeps at least one category, so a new topic always has somewhere to go.
 */
export async function removeCategory(ctx: Ctx, viewer: Viewer, slug: string, categorySlug: string, moveTo: string | undefined) {
  const community = await findCommunity(ctx.db, slug);
  await requireAdmin(ctx.db, viewer, community);
  const found = await findCategory(ctx.db, community.id, categorySlug);
  const movedTopics = await write(ctx, async ({ tx, emit, emitMany }) => {
    const current = await lockCategories(tx, community.id);
    const removed = current.find((c) => c.id === found.id);
    if (!removed) throw categoryNotFound(categorySlug);
    if (current.length === 1) throw conflict('last_category', 'A community needs at least one category.', { category: removed.slug });
    let destination: CategoryRow | undefined;
    if (moveTo !== undefined) {
      destination = current.find((c) => c.slug === moveTo.toLowerCase());
      if (!destination) throw badRequest('move_target_not_found', `No category "${moveTo}" to move the topics to.`, { moveTo });
      if (destination.id === removed.id) {
        throw badRequest('move_to_same_category', 'Topics cannot move to the category being removed.', { category: removed.slug });
      }
    }
    const [{ count } = { count: 0 }] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(topics)
      .where(eq(topics.categoryId, removed.id));
    if (count > 0 && !destination) {
      throw conflict('category_not_empty', `The category "${removed.slug}" has topics: say where they go (moveTo).`, {
        category: removed.slug,
        topics: count,
      });
    }
    const moved = destination
      ? await tx.update(topics).set({ categoryId: destination.id }).where(eq(topics.categoryId, removed.id)).returning({ id: topics.id })
      : [];
    // Readers' watch or mute choices were about this category, not the one its topics join.
    await tx.delete(notificationLevels).where(and(eq(notificationLevels.targetType, 'category'), eq(notificationLevels.targetId, removed.id)));
    // Embed threads that went here now go where their earlier threads went (or, with nowhere named, to the default).
    const embedWentHere =
      removed.slug === DEFAULT_EMBED_CATEGORY.slug
        ? sql`(${embedSettings.categorySlug} = ${removed.slug} OR ${embedSettings.categorySlug} IS NULL)`
        : eq(embedSettings.categorySlug, removed.slug);
    await tx
      .update(embedSettings)
      .set({ categorySlug: destination?.slug ?? null })
      .where(and(eq(embedSettings.communityId, community.id), embedWentHere));
    await tx.delete(categories).where(eq(categories.id, removed.id));
    await logAction(tx, {
      communityId: community.id,
      moderatorId: viewer.user!.id,
      action: 'remove_category',
      targetType: 'category',
      targetId: removed.id,
      detail: detail({
        name: removed.name,
        slug: removed.slug,
        topics: moved.length,
        ...(destination ? { moveTo: destination.slug, moveToName: destination.name } : {}),
      }),
    });
    await tellTopics(
      emitMany,
      moved.map((t) => t.id),
    );
    await announce(emit, community);
    return moved.length;
  });
  return { movedTopics, community: await getCommunity(ctx.db, viewer, slug) };
}
