import { sql } from 'drizzle-orm';
import type { KeptJson } from '../compression/kept-json.js';
import { preparedPerDb, type Executor } from '../../db/client.js';
import type { Role } from '../../db/schema.js';
import { noteVisit, VISIT_NOTE_SECONDS } from '../reads/visits.js';
import { listViewerState } from '../reads/viewer-state.js';
import { canModerate } from '../visibility/permissions.js';
import type { Viewer } from '../visibility/viewer.js';
import type { ListTopicsInput, listTopics } from './topics.service.js';

/** The guests' list, as the route serialised it. */
type GuestList = Awaited<ReturnType<typeof listTopics>>;

/** A guests' list as kept: its bytes (compressed on demand), and its layout once a signed-in reader needed it. */
export interface KeptList {
  kept: KeptJson;
  layout?: ListLayout;
}

/** The guests' list cut where a signed-in reader's differs: the end of each item (their state goes there) and the end. */
export interface ListLayout {
  /** Each listed topic's id, and its JSON without the closing brace. */
  items: { id: number; open: Buffer }[];
  ids: number[];
  /** The array's end and the other keys, without the closing brace. */
  tail: Buffer;
}

const HEAD = Buffer.from('{"items":[');
const COMMA = Buffer.from(',');

/**
 * Read once per kept list, by the first signed-in reader: splicing into these pieces costs a copy
 * per request where parsing and serialising 30 topics cost a millisecond.
 */
export function layOutList(json: Buffer): ListLayout {
  const { items, ...rest } = JSON.parse(json.toString('utf8')) as GuestList & { previousVisitAt?: unknown };
  delete rest.previousVisitAt;
  return {
    ids: items.map((item) => item.id),
    items: items.map((item) => {
      const { viewer: _, ...shown } = item as typeof item & { viewer?: unknown };
      return { id: item.id, open: Buffer.from(JSON.stringify(shown).slice(0, -1)) };
    }),
    tail: Buffer.from(
      `]${Object.entries(rest)
        .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
        .join('')}`,
    ),
  };
}

/** Per listed topic: id, last number, author, created at, hidden, the reader's last read number, their vote. */
type ReaderFact = [number, number, number, string, boolean, number | null, boolean];

/** Everything of the reader's own that a list needs, from one statement. */
interface ReaderFacts {
  community_id: number;
  role: Role | null;
  previous_seen_at: string | Date | null;
  /** Whether the visit was noted within the last minute (then it is not written again). */
  visit_fresh: boolean | null;
  facts: ReaderFact[] | null;
}

const p = { slug: sql.placeholder('slug'), userId: sql.placeholder('userId'), ids: sql.placeholder('ids') };

/** One statement per signed-in list view, so it is prepared under a name (see preparedPerDb). */
const readerFacts = preparedPerDb((db: Executor) =>
  db
    .select({
      community_id: sql<number>`c.id`,
      role: sql<Role | null>`(SELECT m.role FROM memberships m WHERE m.community_id = c.id AND m.user_id = ${p.userId})`,
      previous_seen_at: sql<string | Date | null>`v.previous_seen_at`,
      visit_fresh: sql<boolean | null>`v.last_seen_at > now() - make_interval(secs => ${VISIT_NOTE_SECONDS})`,
      facts: sql<ReaderFact[] | null>`(SELECT json_agg(json_build_array(t.id, t.last_number, t.author_id, t.created_at, t.hidden,
          (SELECT r.last_read_number FROM topic_reads r WHERE r.user_id = ${p.userId} AND r.topic_id = t.id),
          EXISTS (SELECT 1 FROM topic_votes tv WHERE tv.topic_id = t.id AND tv.user_id = ${p.userId})))
        FROM topics t WHERE t.id = ANY(${p.ids}::int[]))`,
    })
    .from(sql`communities c LEFT JOIN community_visits v ON v.community_id = c.id AND v.user_id = ${p.userId}`)
    .where(sql`c.slug = ${p.slug}`)
    .prepare('topic_list_reader_facts'),
);

/**
 * A signed-in reader's topic list as the guests' list (kept serialised per process, see
 * TopicListCache) plus what is the reader's own: their place in each topic and their votes, read
 * in one statement with their role, their visit and each topic's current last number, so unread
 * counts are exact even when the shared list is a few seconds old; a topic hidden since the list
 * was kept is left out. A first page notes the visit (at most once a minute, see recordVisit).
 * Readers who moderate the community see hidden topics in their lists: `null`, the caller reads
 * the list for them in full (listTopics), as it does when no list is kept.
 */
export async function listTopicsOverlaid(
  db: Executor,
  viewer: Viewer & { user: { id: number } },
  slug: string,
  input: ListTopicsInput,
  guestList: () => Promise<KeptList>,
): Promise<Buffer | null> {
  const uid = viewer.user.id;
  const laterPage = !!input.cursor || (input.page ?? 1) > 1;
  // First: an unknown community or category, or a bad cursor, answers as for guests, before any visit is noted.
  const kept = await guestList();
  const layout = (kept.layout ??= layOutList(kept.kept.json));
  const [own] = (await readerFacts(db).execute({ slug: slug.toLowerCase(), userId: uid, ids: layout.ids })) as ReaderFacts[];
  // Gone between the two reads: the guests' read of it again says so.
  if (!own) return null;
  viewer.roles.set(own.community_id, own.role);
  if (canModerate({ viewer, role: own.role })) return null;
  const previousVisitAt =
    laterPage || own.visit_fresh ? (own.previous_seen_at === null ? null : new Date(own.previous_seen_at)) : await noteVisit(db, uid, own.community_id);
  const byId = new Map((own.facts ?? []).map((f) => [f[0], f]));
  const chunks: Buffer[] = [HEAD];
  for (const item of layout.items) {
    const f = byId.get(item.id);
    if (!f || f[4]) continue;
    const topic = { lastNumber: f[1], authorId: f[2], createdAt: new Date(f[3]) };
    const state = listViewerState(topic, { lastRead: f[5], voted: f[6] }, uid, previousVisitAt);
    if (chunks.length > 1) chunks.push(COMMA);
    chunks.push(item.open, Buffer.from(`,"viewer":${JSON.stringify(state)}}`));
  }
  chunks.push(layout.tail, Buffer.from(`,"previousVisitAt":${JSON.stringify(previousVisitAt?.toISOString() ?? null)}}`));
  return Buffer.concat(chunks);
}
