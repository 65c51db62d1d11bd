import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { findCommunity } from '../communities/communities.service.js';
import { previousVisit, recordVisit } from '../reads/visits.js';
import { listViewerState } from '../reads/viewer-state.js';
import { canModerate } from '../visibility/permissions.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';
import type { ListTopicsInput, listTopics } from './topics.service.js';

/** The guests' list, as the route serialised it. */
type GuestList = Awaited<ReturnType<typeof listTopics>>;

/** The reader's own facts about each listed topic, and the topic's current state, in one statement. */
interface ReaderFacts {
  id: number;
  last_number: number;
  author_id: number;
  created_at: string | Date;
  hidden: boolean;
  last_read: number | null;
  voted: boolean;
}

/**
 * A signed-in reader's topic list as the guests' list (kept serialised per process, see
 * TopicListCache) plus what is the reader's own: their place in each topic and their votes, read
 * in one statement with each topic's current last number, so unread counts are exact even when
 * the shared list is a few seconds old; a topic hidden since the list was kept is left out.
 * Readers who moderate the community see hidden topics in their lists: `null`, the caller reads
 * the list for them in full (listTopics), as it does when no list is kept.
 */
export async function listTopicsOverlaid(
  db: Executor,
  viewer: Viewer & { user: { id: number } },
  slug: string,
  input: ListTopicsInput,
  guestList: () => Promise<Buffer>,
) {
  const community = await findCommunity(db, slug);
  if (canModerate({ viewer, role: await roleIn(db, viewer, community.id) })) return null;
  const uid = viewer.user.id;
  const laterPage = !!input.cursor || (input.page ?? 1) > 1;
  // First: an unknown category or a bad cursor answers as for guests, before any visit is noted.
  const base = JSON.parse((await guestList()).toString('utf8')) as GuestList;
  const previousVisitAt = laterPage ? await previousVisit(db, uid, community.id) : await recordVisit(db, uid, community.id);
  const ids = base.items.map((i) => i.id);
  const facts = ids.length
    ? await rows<ReaderFacts>(
        db,
        sql`
    SELECT t.id, t.last_number, t.author_id, t.created_at, t.hidden,
      (SELECT r.last_read_number FROM topic_reads r WHERE r.user_id = ${uid} AND r.topic_id = t.id) AS last_read,
      EXISTS (SELECT 1 FROM topic_votes v WHERE v.topic_id = t.id AND v.user_id = ${uid}) AS voted
    FROM topics t WHERE t.id = ANY(${`{${ids.join(',')}}`}::int[])`,
      )
    : [];
  const byId = new Map(facts.map((f) => [Number(f.id), f]));
  return {
    ...base,
    items: base.items.flatMap((item) => {
      const f = byId.get(item.id);
      if (!f || f.hidden) return [];
      const topic = { lastNumber: Number(f.last_number), authorId: Number(f.author_id), createdAt: new Date(f.created_at) };
      const row = { lastRead: f.last_read === null ? null : Number(f.last_read), voted: f.voted === true };
      return [{ ...item, viewer: listViewerState(topic, row, uid, previousVisitAt) }];
    }),
    previousVisitAt: previousVisitAt?.toISOString() ?? null,
  };
}
