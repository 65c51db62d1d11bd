/**
 * The one place that decides what a viewer may see. HTTP replies, live events, search,
 * notifications and the embed all ask here, so a hidden post cannot leak through a side door.
 * What a viewer may do (moderate, administer, reply…) is decided in permissions.ts.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Role } from '../../db/schema.js';
import { canModerate } from './permissions.js';
import type { Viewer } from './viewer.js';

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
