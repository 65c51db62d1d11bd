import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/client.js';
import { users } from '../../db/schema.js';
import { notFound } from '../errors/errors.js';
import { presentUser } from './users.present.js';

/** A public profile: the record of helping others counts only what every reader can see. */
export async function getProfile(db: Db, handle: string) {
  const [user] = await db.select().from(users).where(sql`lower(${users.handle}) = ${handle.toLowerCase()}`);
  if (!user) throw notFound('user_not_found', `No user "${handle}".`);
  const [stats] = await rows<{ posts: number; helpful: number; solutions: number }>(db, sql`
    SELECT count(*)::int AS posts,
           coalesce(sum(p.helpful_count), 0)::int AS helpful,
           count(*) FILTER (WHERE t.solution_post_id = p.id)::int AS solutions
    FROM posts p JOIN topics t ON t.id = p.topic_id
    WHERE p.author_id = ${user.id} AND NOT p.deleted AND NOT p.hidden AND NOT t.hidden`);
  return { user: presentUser(user), stats: stats ?? { posts: 0, helpful: 0, solutions: 0 } };
}
