import { sql } from 'drizzle-orm';
import { intArray, preparedPerDb, type Executor } from '../../db/client.js';
import { bans, type ReactionKind, type Role } from '../../db/schema.js';
import { banInForce } from '../moderation/bans.js';
import { presentTopicViewerState, topicViewerStateColumns, type TopicViewerStateRow } from '../reads/viewer-state.js';
import { canModerate, topicCapabilities } from '../visibility/permissions.js';
import type { Viewer } from '../visibility/viewer.js';
import type { TopicPageFacts, readTopicPage } from './topics.service.js';

type TopicPage = Awaited<ReturnType<typeof readTopicPage>>;

/**
 * A guest's topic page, serialised once, with where a signed-in reader's page differs from it:
 * the `viewerCan` object (replaced), the place before it (their `viewerState` goes there) and the
 * end of each post (their `viewerReactions` go there). Offsets are in bytes of `json`.
 */
export interface PageLayout {
  json: Buffer;
  viewerCanStart: number;
  viewerCanEnd: number;
  /** Where each post's closing brace is. */
  postEnds: number[];
  postIds: number[];
  /** The same ids as a PostgreSQL array literal, the overlay's parameter: made once, not on every read. */
  postIdArray: string;
}

/**
 * Serialises a guest's page as JSON.stringify would (same keys, same order) and notes the places
 * above. Splicing into these bytes costs a copy; parsing and serialising 50 posts costs far more.
 */
export function layOut(page: TopicPage): PageLayout {
  const parts: string[] = [];
  let at = 0;
  const push = (text: string) => {
    parts.push(text);
    at += Buffer.byteLength(text);
  };
  push(`{"topic":${JSON.stringify(page.topic)}`);
  const viewerCanStart = at;
  push(`,"viewerCan":${JSON.stringify(page.viewerCan)}`);
  const viewerCanEnd = at;
  push(`,"solution":${JSON.stringify(page.solution)}`);
  if (page.pinnedPosts !== undefined) push(`,"pinnedPosts":${JSON.stringify(page.pinnedPosts)}`);
  push(',"posts":[');
  const postEnds: number[] = [];
  page.posts.forEach((post, i) => {
    const text = JSON.stringify(post);
    push(`${i ? ',' : ''}${text.slice(0, -1)}`);
    postEnds.push(at);
    push('}');
  });
  push(`],"nextCursor":${JSON.stringify(page.nextCursor)}}`);
  const postIds = page.posts.map((p) => p.id);
  return { json: Buffer.from(parts.join('')), viewerCanStart, viewerCanEnd, postEnds, postIds, postIdArray: intArray(postIds) };
}

/** What is the reader's own on a topic page, read in one round trip. */
export interface Overlay {
  role: Role | null;
  banned: boolean;
  state: TopicViewerStateRow;
  reactions: Map<number, ReactionKind[]>;
}

const p = {
  userId: sql.placeholder('userId'),
  topicId: sql.placeholder('topicId'),
  categoryId: sql.placeholder('categoryId'),
  communityId: sql.placeholder('communityId'),
  postIds: sql.placeholder('postIds'),
};

/** One statement per signed-in page view, so it is prepared under a name (see preparedPerDb). */
const overlayStatement = preparedPerDb((db: Executor) =>
  db
    .select({
      ...topicViewerStateColumns(p.userId, { id: p.topicId, categoryId: p.categoryId }),
      role: sql<Role | null>`(SELECT role FROM memberships WHERE community_id = ${p.communityId} AND user_id = ${p.userId})`,
      banned: sql<boolean>`EXISTS (SELECT 1 FROM ${bans} WHERE ${bans.communityId} = ${p.communityId} AND ${bans.userId} = ${p.userId} AND ${banInForce()})`,
      reactions: sql<[number, ReactionKind][] | null>`(SELECT json_agg(json_build_array(post_id, kind) ORDER BY kind) FROM reactions
        WHERE user_id = ${p.userId} AND post_id = ANY(${p.postIds}::int[]))`,
    })
    .from(sql`(SELECT 1) AS one`)
    .prepare('topic_page_overlay'),
);

export async function readOverlay(db: Executor, userId: number, facts: TopicPageFacts, layout: PageLayout): Promise<Overlay> {
  const { topic } = facts;
  const [row] = await overlayStatement(db).execute({
    userId,
    topicId: topic.id,
    categoryId: topic.categoryId,
    communityId: topic.communityId,
    postIds: layout.postIdArray,
  });
  const reactions = new Map<number, ReactionKind[]>();
  for (const [postId, kind] of row?.reactions ?? []) reactions.set(postId, [...(reactions.get(postId) ?? []), kind]);
  return {
    role: row?.role ?? null,
    banned: row?.banned === true,
    state: row ?? { last_read_number: null, voted: false, topic_level: null, category_level: null },
    reactions,
  };
}

/**
 * Whether the reader sees the guests' page (plus their own state): not when they may read hidden
 * text on it, as its moderators or as the author of a hidden post there.
 */
export function seesGuestPage(viewer: Viewer, facts: TopicPageFacts, role: Role | null): boolean {
  const user = viewer.user;
  if (!user) return true;
  return !canModerate({ viewer, role }) && !facts.hiddenAuthorIds.includes(user.id);
}

const NO_REACTIONS = Buffer.from(',"viewerReactions":[]');

/**
 * The guests' page as a signed-in reader without reactions on it gets it, all but what is theirs:
 * without `viewerCan`, every post with no reactions, and open at the end, where `overlayTail`
 * closes it. Their part goes last (JSON keys have no order), so this can be compressed once for
 * every such reader and their part added after it (see gzipWithTail).
 */
export function sharedHead(layout: PageLayout): Buffer {
  const { json } = layout;
  const chunks: Buffer[] = [json.subarray(0, layout.viewerCanStart)];
  let from = layout.viewerCanEnd;
  for (const end of layout.postEnds) {
    chunks.push(json.subarray(from, end), NO_REACTIONS);
    from = end;
  }
  chunks.push(json.subarray(from, json.length - 1));
  return Buffer.concat(chunks);
}

/** What follows `sharedHead` for this reader: their state and capabilities, and the page's closing brace. */
export function overlayTail(facts: TopicPageFacts, viewer: Viewer, overlay: Overlay): Buffer {
  return Buffer.from(`${readersOwn(facts, viewer, overlay)}}`);
}

/** The reader's state and capabilities as the page's members, each after a comma. */
function readersOwn(facts: TopicPageFacts, viewer: Viewer, overlay: Overlay): string {
  const viewerState = presentTopicViewerState(viewer.user!.id, facts.topic, overlay.state);
  const viewerCan = topicCapabilities({ viewer, role: overlay.role, banned: overlay.banned }, facts.topic);
  return `,"viewerState":${JSON.stringify(viewerState)},"viewerCan":${JSON.stringify(viewerCan)}`;
}

/** The guests' page with the reader's state, capabilities and reactions spliced in. */
export function spliceOverlay(layout: PageLayout, facts: TopicPageFacts, viewer: Viewer, overlay: Overlay): Buffer {
  const { json } = layout;
  const chunks: Buffer[] = [json.subarray(0, layout.viewerCanStart), Buffer.from(readersOwn(facts, viewer, overlay))];
  let from = layout.viewerCanEnd;
  layout.postEnds.forEach((end, i) => {
    chunks.push(json.subarray(from, end));
    const kinds = overlay.reactions.get(layout.postIds[i]!);
    chunks.push(kinds ? Buffer.from(`,"viewerReactions":${JSON.stringify(kinds)}`) : NO_REACTIONS);
    from = end;
  });
  chunks.push(json.subarray(from));
  return Buffer.concat(chunks);
}
