/**
 * The one place that decides what a viewer may see. HTTP replies, live events, search,
 * notifications and the embed all ask here, so a hidden post cannot leak through a side door.
 * What a viewer may do (moderate, administer, reply…) is decided in permissions.ts.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import type { Role } from '../../db/schema.js';
import { canModerate } from './permissions.js';
import { roleIn, type Viewer } from './viewer.js';

export interface Standing {
  viewer: Viewer;
  /** The viewer's role in the community concerned, null when not a member. */
  role: Role | null;
}

const isAuthor = (viewer: Viewer, authorId: number) => viewer.user?.id === authorId;

/** A hidden topic does not exist for anyone but moderators and its author. */
export function canSeeTopic(standing: Standing, topic: { hidden: boolean; authorId: number }): boolean {
  return !topic.hidden || canModerate(standing) || isAuthor(standing.viewer, topic.authorId);
}

/**
 * Whether the viewer may read a post's text. Deleted posts are tombstones for everyone;
 * hidden ones keep their text for moderators and the author (who must know what was hidden).
 */
export function canReadPostBody(standing: Standing, post: { hidden: boolean; deleted: boolean; authorId: number }): boolean {
  if (post.deleted) return false;
  if (!post.hidden) return true;
  return canModerate(standing) || isAuthor(standing.viewer, post.authorId);
}

/**
 * `canReadPostBody` as an SQL condition over a query's `posts` rows (unqualified column names), for
 * counting what a viewer can read without loading each post: the same three conditions.
 */
export function readablePostSql(standing: Standing): SQL {
  if (canModerate(standing)) return sql`(NOT deleted)`;
  const userId = standing.viewer.user?.id ?? null;
  return userId === null ? sql`(NOT deleted AND NOT hidden)` : sql`(NOT deleted AND (NOT hidden OR author_id = ${userId}))`;
}

/** Posts of one file looked at before giving up: visible ones come first, so only a file used by this many hidden posts and nothing else is ever cut short. */
const UPLOAD_POSTS_CHECKED = 50;

/**
 * Whether the viewer may fetch a stored file (`/uploads/<hash>.<ext>`): when they may read at least
 * one post that shows it (post_uploads; canSeeTopic and canReadPostBody, with their standing in that
 * post's community), or, failing that, when they sent it themselves: the composer's preview before
 * the post exists, and an author who still sees their own hidden post. A file used only by hidden or
 * deleted posts, or in a hidden topic, is then as absent as one that never existed.
 */
export async function canFetchUpload(db: Executor, viewer: Viewer, blobHash: string): Promise<boolean> {
  const uid = viewer.user?.id ?? null;
  // The order only decides which posts are looked at first: the rules below decide.
  const using = await rows<{ community_id: number; hidden: boolean; deleted: boolean; author_id: number; topic_hidden: boolean; topic_author_id: number }>(
    db,
    sql`SELECT t.community_id, p.hidden, p.deleted, p.author_id, t.hidden AS topic_hidden, t.author_id AS topic_author_id
        FROM post_uploads pu JOIN posts p ON p.id = pu.post_id JOIN topics t ON t.id = p.topic_id
        WHERE pu.blob_hash = ${blobHash}
        ORDER BY p.deleted, (p.hidden OR t.hidden)${
          uid === null
            ? sql``
            : sql`, (p.author_id = ${uid} OR t.author_id = ${uid}) DESC,
                  EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = t.community_id AND m.user_id = ${uid} AND m.role IN ('moderator', 'admin')) DESC`
        }
        LIMIT ${UPLOAD_POSTS_CHECKED}`,
  );
  for (const r of using) {
    const post = { hidden: !!r.hidden, deleted: !!r.deleted, authorId: Number(r.author_id) };
    const topic = { hidden: !!r.topic_hidden, authorId: Number(r.topic_author_id) };
    // A role is read only when the answer could depend on it.
    const plain = !post.hidden && !post.deleted && !topic.hidden;
    const standing: Standing = { viewer, role: plain ? null : await roleIn(db, viewer, Number(r.community_id)) };
    if (canSeeTopic(standing, topic) && canReadPostBody(standing, post)) return true;
  }
  if (uid === null) return false;
  const [sent] = await rows<{ one: number }>(db, sql`SELECT 1 AS one FROM uploads WHERE blob_hash = ${blobHash} AND uploader_id = ${uid} LIMIT 1`);
  return sent !== undefined;
}

/** Search, feeds and previews show only text that every reader may see. */
export function isPubliclyReadable(post: { hidden: boolean; deleted: boolean }, topic: { hidden: boolean }): boolean {
  return !post.deleted && !post.hidden && !topic.hidden;
}

/**
 * `isPubliclyReadable` for queries over many rows (sitemaps, feeds), over the aliases a query gave
 * its posts and topics rows: the same three conditions, so the two cannot drift apart.
 */
export function publiclyReadableSql(postAlias: string, topicAlias: string): SQL {
  // Aliases are written into the SQL as they are: only plain identifiers from our own queries.
  if (![postAlias, topicAlias].every((a) => /^[a-z_][a-z0-9_]*$/.test(a))) throw new Error(`not an SQL alias: ${postAlias}, ${topicAlias}`);
  return sql.raw(`(NOT ${postAlias}.deleted AND NOT ${postAlias}.hidden AND NOT ${topicAlias}.hidden)`);
}

/** Who a live event is rendered for: one rendering per audience, shared by every subscriber in it. */
export interface Audience {
  /** Moderator or admin of the community the channel belongs to (or a site admin). */
  moderator: boolean;
  /** Set for signed-in viewers: the author of a hidden post sees its text. */
  userId: number | null;
}

/**
 * A stand-in viewer with exactly the powers of an audience, so events go through the same
 * rules as HTTP replies. Only identity and role matter to those rules.
 */
export function audienceStanding(audience: Audience): Standing {
  const viewer: Viewer = {
    user:
      audience.userId === null
        ? null
        : {
            id: audience.userId,
            handle: '',
            displayName: '',
            avatarUrl: null,
            createdAt: new Date(0),
            isSiteAdmin: false,
          },
    sessionId: null,
    roles: new Map(),
  };
  return { viewer, role: audience.moderator ? 'moderator' : null };
}

export const audienceOf = (standing: Standing): Audience => ({ moderator: canModerate(standing), userId: standing.viewer.user?.id ?? null });
