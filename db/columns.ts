import { getTableColumns } from 'drizzle-orm';
import { posts, topics } from './schema.js';

/**
 * Rows as the app reads them: everything except the generated search vectors, which only the
 * database's own search uses and which are larger than the text they index.
 */
const { search: _postSearch, ...postColumnSet } = getTableColumns(posts);
const { search: _topicSearch, ...topicColumnSet } = getTableColumns(topics);
export const postColumns = postColumnSet;
export const topicColumns = topicColumnSet;
export type PostRow = Omit<typeof posts.$inferSelect, 'search'>;
export type TopicRow = Omit<typeof topics.$inferSelect, 'search'>;
