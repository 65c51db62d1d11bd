import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { postColumns } from '../../db/columns.js';
import { posts, users } from '../../db/schema.js';
import { notFound } from '../errors/errors.js';
import { loadVisibleTopic, type LoadedTopic } from '../topics/topics.load.js';
import { userColumns } from '../users/users.present.js';
import type { Standing } from '../visibility/visibility.js';
import type { Viewer } from '../visibility/viewer.js';
import { presentPost, type ApiPost, type PostRow } from './posts.present.js';

export const postNotFound = () => notFound('post_not_found', 'No such post.');

interface LoadedPost {
  post: PostRow;
  loaded: LoadedTopic;
}

/** A post the viewer may at least see as a tombstone; hidden topics hide their posts too. */
export async function loadVisiblePost(db: Executor, viewer: Viewer, postId: number): Promise<LoadedPost> {
  const [post] = await db.select(postColumns).from(posts).where(eq(posts.id, postId));
  if (!post) throw postNotFound();
  try {
    return { post, loaded: await loadVisibleTopic(db, viewer, post.topicId) };
  } catch {
    throw postNotFound();
  }
}

/** One post with its author, as a viewer of that standing gets it. */
export async function loadPostFor(db: Executor, standing: Standing, postId: number): Promise<ApiPost> {
  const [row] = await db
    .select({ post: postColumns, author: userColumns(users) })
    .from(posts)
    .innerJoin(users, eq(posts.authorId, users.id))
    .where(eq(posts.id, postId));
  if (!row) throw postNotFound();
  return presentPost(row.post, row.author, standing);
}
