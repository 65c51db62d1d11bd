import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { topicColumns } from '../../db/columns.js';
import { categories, communities, topics, users } from '../../db/schema.js';
import { notFound } from '../errors/errors.js';
import { canSeeTopic, type Standing } from '../visibility/visibility.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';
import { userColumns } from '../users/users.present.js';
import { presentTopic, type TopicContext, type TopicRow } from './topics.present.js';

export interface LoadedTopic extends TopicContext {
  topic: TopicRow;
  standing: Standing;
}

export const topicNotFound = () => notFound('topic_not_found', 'No such topic.');

/** Loads a topic with what presenting it needs, or a 404 the viewer cannot tell from a missing one. */
export async function loadVisibleTopic(db: Executor, viewer: Viewer, id: number): Promise<LoadedTopic> {
  const [row] = await db.select({
    topic: topicColumns, communitySlug: communities.slug, categorySlug: categories.slug, author: userColumns(users),
  }).from(topics)
    .innerJoin(communities, eq(topics.communityId, communities.id))
    .innerJoin(categories, eq(topics.categoryId, categories.id))
    .innerJoin(users, eq(topics.authorId, users.id))
    .where(eq(topics.id, id));
  if (!row) throw topicNotFound();
  const standing: Standing = { viewer, role: await roleIn(db, viewer, row.topic.communityId) };
  if (!canSeeTopic(standing, row.topic)) throw topicNotFound();
  return { ...row, standing };
}

export const presentLoaded = (loaded: LoadedTopic, topic: TopicRow = loaded.topic) => presentTopic(topic, loaded);
