import { sql } from 'drizzle-orm';
import { namedStatement, statementValues, type Executor } from '../../db/client.js';
import type { PostRow } from '../../db/columns.js';
import { bans, type ReasonCode, type Role } from '../../db/schema.js';
import { banInForce } from '../moderation/bans.js';
import type { BusNote } from '../live/bus.js';
import { topicChannel } from '../live/outbox.js';
import {
  NEW_POST_NOTICE_VALUES,
  noticesOfNewPostSql,
  noticesOfNewPostValues,
  type DecidedBatch,
  type ToldWithPost,
} from '../notifications/notifications.write.js';

export interface AppendReply {
  topicId: number;
  communityId: number;
  authorId: number;
  authorRole: Role;
  /** The author is not a member yet: they join with this post. */
  joins: boolean;
  replyToId: number | null;
  body: string;
  bodyHtml: string;
  clientId: string | null;
  /** The post waits for a moderator (a held first post): it is stored hidden, pending review. */
  held?: boolean;
  /** Why it is held (default: a held first post). */
  heldReason?: ReasonCode;
  /**
   * Slow mode: the topic's seconds the caller checked this author's last reply against, under the
   * topic row's lock (server/safety/calm/slow-mode.ts); 0 when it checked nothing. A topic whose
   * slow mode is now stricter refuses the reply (null), and the caller checks again.
   */
  slowModeChecked?: number;
  /** The author replies at any pace (a moderator). */
  passesSlowMode?: boolean;
  /** The author may reply to a locked topic (a moderator). */
  passesLock: boolean;
  /** The author may see the topic when it is hidden (a moderator, or the topic's author). */
  seesHidden: boolean;
}

const values = statementValues({
  topicId: 'int',
  communityId: 'int',
  authorId: 'int',
  authorRole: 'text',
  replyToId: 'int',
  body: 'text',
  bodyHtml: 'text',
  clientId: 'text',
  held: 'boolean',
  heldReason: 'text',
  joins: 'boolean',
  passesLock: 'boolean',
  seesHidden: 'boolean',
  slowModeChecked: 'int',
  passesSlowMode: 'boolean',
  channel: 'text',
  ...NEW_POST_NOTICE_VALUES,
});
// Who the reply tells, decided before, is stored by the same statement (one commit, not two).
const told = noticesOfNewPostSql(values, 'p', 'e');

/**
 * The reply's one statement, its text the same for every reply (its values are read from the
 * CTE `args`, see statementValues), prepared under a name: each connection plans it once.
 */
const replyStatement = namedStatement<Record<string, unknown>>(
  'post_reply',
  ((a) => sql`
    WITH ${values.cte}, t AS (
      UPDATE topics SET last_number = last_number + 1, post_count = post_count + 1, last_post_at = now()
      FROM args
      WHERE topics.id = ${a.topicId} AND (NOT locked OR ${a.passesLock}) AND (NOT hidden OR ${a.seesHidden})
        AND (topics.slow_mode_seconds <= ${a.slowModeChecked} OR ${a.passesSlowMode})
        AND NOT EXISTS (SELECT 1 FROM ${bans} WHERE ${bans.communityId} = topics.community_id AND ${bans.userId} = ${a.authorId} AND ${banInForce()})
      RETURNING last_number
    ), m AS (
      INSERT INTO memberships (community_id, user_id, role)
      SELECT ${a.communityId}, ${a.authorId}, 'member' FROM t, args WHERE ${a.joins}
      ON CONFLICT DO NOTHING
    ), p AS (
      INSERT INTO posts (topic_id, number, author_id, author_role, reply_to_id, body, body_html, client_id, hidden, hidden_reason_code, hidden_at, hidden_pending)
      SELECT ${a.topicId}, t.last_number, ${a.authorId}, ${a.authorRole}, ${a.replyToId}, ${a.body}, ${a.bodyHtml}, ${a.clientId},
        ${a.held}, ${a.heldReason}, CASE WHEN ${a.held} THEN now() END, ${a.held} FROM t, args
      RETURNING id, number, created_at, hidden_at
    ), c AS (
      INSERT INTO channels (name, last_seq) SELECT ${a.channel}, 1 FROM p, args
      ON CONFLICT (name) DO UPDATE SET last_seq = channels.last_seq + 1
      RETURNING last_seq
    ), e AS (
      INSERT INTO events (channel, seq, type, ref)
      SELECT ${a.channel}, c.last_seq, 'post.created', jsonb_build_object('postId', p.id) FROM c, p, args
      RETURNING seq
    ), ${told.ctes}
    SELECT p.id, p.number, p.created_at, p.hidden_at, e.seq::int AS seq, parley_notify(${a.channel}, e.seq), ${told.told} AS told FROM p, e, args`)(values.v),
);

/**
 * A reply is the hottest write, so it is one statement instead of a transaction of five round
 * trips. A single statement is atomic on its own: the topic row's lock numbers the post, the
 * channel row's lock numbers its event (in that order, like every other writer), and the
 * NOTIFY goes out only when the statement commits.
 *
 * The caller checked the topic's lock, its hiding and the author's ban before, but any of them can
 * commit between that check and this statement, so the statement checks them again where they
 * hold: under the topic row's lock (a lock or hide that commits while this waits for the row is
 * seen in the row's new version) and in its own snapshot (a ban committed before it began).
 * Refused, it writes nothing (joining included) and answers null; the caller finds out why.
 */
export async function appendReply(
  db: Executor,
  r: AppendReply,
  notices: DecidedBatch = [],
): Promise<{ post: PostRow; note: BusNote; told: ToldWithPost[] } | null> {
  const channel = topicChannel(r.topicId);
  const held = r.held ?? false;
  const heldReason = held ? (r.heldReason ?? 'held_first_post') : null;
  const [row] = await replyStatement(db, {
    topicId: r.topicId,
    communityId: r.communityId,
    authorId: r.authorId,
    authorRole: r.authorRole,
    replyToId: r.replyToId,
    body: r.body,
    bodyHtml: r.bodyHtml,
    clientId: r.clientId,
    held,
    heldReason,
    joins: r.joins,
    passesLock: r.passesLock,
    seesHidden: r.seesHidden,
    slowModeChecked: r.slowModeChecked ?? 0,
    passesSlowMode: r.passesSlowMode ?? false,
    channel,
    ...noticesOfNewPostValues(notices),
  });
  if (!row) return null;
  const post: PostRow = {
    id: Number(row.id),
    topicId: r.topicId,
    number: Number(row.number),
    authorId: r.authorId,
    authorRole: r.authorRole,
    replyToId: r.replyToId,
    body: r.body,
    bodyHtml: r.bodyHtml,
    createdAt: new Date(row.created_at as string),
    editedAt: null,
    pinned: false,
    hidden: held,
    hiddenReason: null,
    hiddenReasonCode: heldReason,
    hiddenAt: row.hidden_at ? new Date(row.hidden_at as string) : null,
    hiddenPending: held,
    deleted: false,
    clientId: r.clientId,
    likeCount: 0,
    helpfulCount: 0,
  };
  return { post, note: { channel, seq: Number(row.seq) }, told: toldOf(row.told) };
}

/** The `told` column: json (pg) or its text (some drivers), absent without notices. */
function toldOf(value: unknown): ToldWithPost[] {
  if (value === undefined || value === null) return [];
  const list = (typeof value === 'string' ? JSON.parse(value) : value) as ToldWithPost[];
  return list.map((t) => ({ userId: Number(t.userId), kind: t.kind, mailable: !!t.mailable, channel: t.channel, seq: Number(t.seq) }));
}
