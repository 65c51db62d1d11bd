import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { categories } from '../../db/schema.js';
import { notFound } from '../errors/errors.js';
import type { CategoryRow } from './communities.present.js';

/**
 * A community's category by slug (or id), else `404 category_not_found`: the one answer every
 * route gives for a category that is not there, whether it lists, posts, moves a topic or saves a
 * setting. Slugs are lower case, so the lookup is too (as for communities).
 */
export async function findCategory(db: Executor, communityId: number, slugOrId: string | number): Promise<CategoryRow> {
  const match = typeof slugOrId === 'number' ? eq(categories.id, slugOrId) : eq(categories.slug, slugOrId.toLowerCase());
  const [row] = await db
    .select()
    .from(categories)
    .where(and(eq(categories.communityId, communityId), match));
  if (!row) throw categoryNotFound(slugOrId);
  return row;
}

export const categoryNotFound = (slugOrId: string | number) =>
  notFound('category_not_found', `No category "${slugOrId}" in this community.`, { category: String(slugOrId) });
