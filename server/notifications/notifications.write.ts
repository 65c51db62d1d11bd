/**
 * Storing notifications. Every kind goes through `notify`, which decides who may be told (the
 * same visibility rules as every other channel, plus mutes and bans), stores them and announces
 * each new or raised notification on its recipient's live channel.
 */
import { sql, type SQL } from 'drizzle-orm';
import { intArray, namedStatement, rows, statementValues, textArray, type Executor, type StatementValues } from '../../db/client.js';
import type { NotificationKind, NotificationLevel, Role } from '../../db/schema.js';
import { channelEventsCtes, eventsForV, USER_CHANNEL_PREFIX, userChannel, type EventDraft } from '../live/outbox.js';
import type { ServiceContext, WriteScope } from '../write/unit-of-work.js';
import { banInForce } from '../moderation/bans.js';
import { mayGetNotificationMail, queueNotificationMail } from '../mail/notify/notify.queue.js';
import { canReadPostBody, canSeeTopic, type Standing } from '../visibility/visibility.js';
import type { Viewer } from '../visibility/viewer.js';
import { reasonFor, strongerReasonSql, type DraftReason } from './notifications.reasons.js';

export interface NotificationDraft {
  kind: NotificationKind;
  communityId: number;
  topicId: number | null;
  /** The post the notification is about; recipients must be able to read it. */
  postId: number | null;
  /** Who caused it (never told about their own act); null for the system. */
  actorId: number | null;
  data?: Record<string, unknown>;
  /** Why each recipient is told (notifications.reasons.ts); kinds with one possible reason may leave it out. */
  reason?: DraftReason;
}

/** The level a reader gets when they chose none: authors watch their own topics. */
export const defaultLevel = (userId: number, topic: { authorId: number }): NotificationLevel => (userId === topic.authorId ? 'watching' : 'normal');

/**
 * Statements take at most this many recipients: a category with ten thousand watchers must not
 * run into PostgreSQL's 65,535 parameters per statement.
 */
const CHUNK = 1000;

function* chunks<T>(items: T[], size = CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export interface Person {
  id: number;
  /** Lower-cased, for matching mentions. */
  handle: string;
  is_site_admin: boolean;
  role: Role | null;
  banned: boolean;
  /** Their choice of who may mention them (users.mentions_from) refuses the draft's actor. */
  mention_refused: boolean;
  topic_level: NotificationLevel | null;
  category_level: NotificationLevel | null;
  // The subject, repeated on every row (null when the draft names none or it is gone).
  t_id: number | null;
  t_hidden: boolean | null;
  t_author_id: number | null;
  t_category_id: number | null;
  p_id: number | null;
  p_hidden: boolean | null;
  p_deleted: boolean | null;
  p_author_id: number | null;
}

/**
 * Who of the candidates may be told. One round trip per thousand candidates; see `mayBeTold`.
 */
export async function recipientsFor(db: Executor, draft: NotificationDraft, candidates: Iterable<number>): Promise<number[]> {
  const ids = [...new Set(candidates)].filter((id) => id !== draft.actorId);
  const people: Person[] = [];
  for (const part of chunks(ids)) people.push(...(await loadPeople(db, draft, part)));
  return mayBeTold(draft, people);
}

/**
 * The rule, for people loaded by `loadPeople`: not the actor, not someone who muted the topic or
 * its category, not someone banned from the community (a moderator's action on their own post is
 * still theirs to know), and only someone who may see the topic and read the post.
 */
export function mayBeTold(draft: NotificationDraft, people: Person[]): number[] {
  const first = people[0];
  // The topic or post went away meanwhile: nobody is told about nothing.
  if (!first || (draft.topicId !== null && first.t_id === null) || (draft.postId !== null && first.p_id === null)) return [];
  const topic = first.t_id === null ? null : { hidden: !!first.t_hidden, authorId: Number(first.t_author_id) };
  const post = first.p_id === null ? null : { hidden: !!first.p_hidden, deleted: !!first.p_deleted, authorId: Number(first.p_author_id) };

  return people
    .filter((p) => {
      const id = Number(p.id);
      if (id === draft.actorId) return false;
      // A moderator's action on your own post reaches you even when banned, or in a topic you muted.
      if (draft.kind !== 'moderation') {
        if (p.banned) return false;
        if (levelOfPerson(p) === 'muted') return false;
      }
      if (draft.kind === 'mention' && p.mention_refused) return false;
      const standing = standingOf(id, p.is_site_admin, p.role);
      if (topic && !canSeeTopic(standing, topic)) return false;
      if (post && !canReadPostBody(standing, post)) return false;
      return true;
    })
    .map((p) => Number(p.id));
}

/**
 * The one rule for how much a reader hears about a topic: their own setting for the topic, else
 * for its category, else the default (authors watch their own topics).
 */
export const effectiveLevel = (
  userId: number,
  topic: { authorId: number } | null,
  own: { topic: NotificationLevel | null; category: NotificationLevel | null },
): NotificationLevel => own.topic ?? own.category ?? (topic === null ? 'normal' : defaultLevel(userId, topic));

/** A loaded person's effective level for the draft's topic. */
export const levelOfPerson = (p: Person): NotificationLevel =>
  effectiveLevel(Number(p.id), p.t_id === null ? null : { authorId: Number(p.t_author_id) }, { topic: p.topic_level, category: p.category_level });

/**
 * Notices that are acts of office, not one person reaching another: they still reach a member who
 * ignores the one who acted (a moderator's action on your own post, the organisation's status of an idea).
 */
const DESPITE_IGNORE: readonly NotificationKind[] = ['moderation', 'idea_status'];

/** Beyond the listed ids: everyone watching the topic or its category, and these handles. */
export interface AlsoLoad {
  watchersOf?: { topicId: number; categoryId: number };
  handles?: string[];
}

/**
 * Candidates with their role, ban, levels and the subject's state, in one round trip. Its text is
 * the same for every draft (what varies are its values, read from `args`: see statementValues), so
 * it is prepared under a name and planned once per connection: every reply runs it, and planned
 * each time it cost PostgreSQL five times its running.
 *
 * Candidates come from three sources, each read by its own index, as one set. Written as three
 * ORs in the WHERE, they made PostgreSQL read every user and test each: 55 ms a reply on 50,000.
 * Nobody hears from someone they ignore (safety/boundaries), decided here, where every kind's
 * recipients are: one NOT EXISTS, not a check per recipient (`ignoring`: null for acts of office).
 * `mention_refused`: whether a person's `mentions_from` refuses the actor: `staff` takes a staff,
 * moderator or admin role in the community where the mention is written (or a site admin).
 */
const people = statementValues({
  communityId: 'int',
  topicId: 'int',
  postId: 'int',
  actorId: 'int',
  ignoring: 'int',
  ids: 'int[]',
  watchTopic: 'int',
  watchCategory: 'int',
  handles: 'text[]',
});
const peopleStatement = namedStatement<Person>(
  'notice_people',
  ((a) => sql`
    WITH ${people.cte}
    SELECT u.id, u.is_site_admin, m.role, lower(u.handle) AS handle,
      EXISTS (SELECT 1 FROM bans WHERE bans.community_id = ${a.communityId} AND bans.user_id = u.id AND ${banInForce()}) AS banned,
      CASE WHEN ${a.actorId} IS NULL THEN false
        WHEN u.mentions_from = 'anyone' THEN false WHEN u.mentions_from = 'nobody' THEN true
        ELSE NOT coalesce((SELECT actor.is_site_admin OR am.role IN ('staff', 'moderator', 'admin') FROM users actor
          LEFT JOIN memberships am ON am.user_id = actor.id AND am.community_id = ${a.communityId} WHERE actor.id = ${a.actorId}), false) END AS mention_refused,
      (SELECT l.level FROM notification_levels l WHERE l.user_id = u.id AND l.target_type = 'topic' AND l.target_id = t.id) AS topic_level,
      (SELECT l.level FROM notification_levels l WHERE l.user_id = u.id AND l.target_type = 'category' AND l.target_id = t.category_id) AS category_level,
      t.id AS t_id, t.hidden AS t_hidden, t.author_id AS t_author_id, t.category_id AS t_category_id,
      p.id AS p_id, p.hidden AS p_hidden, p.deleted AS p_deleted, p.author_id AS p_author_id
    FROM args CROSS JOIN users u
    LEFT JOIN memberships m ON m.user_id = u.id AND m.community_id = ${a.communityId}
    LEFT JOIN topics t ON t.id = ${a.topicId}
    LEFT JOIN posts p ON p.id = ${a.postId}
    WHERE u.id IN (
        SELECT unnest(${a.ids}) FROM args
        UNION ALL SELECT l.user_id FROM args, notification_levels l WHERE l.level = 'watching' AND l.target_type = 'topic' AND l.target_id = ${a.watchTopic}
        UNION ALL SELECT l.user_id FROM args, notification_levels l WHERE l.level = 'watching' AND l.target_type = 'category' AND l.target_id = ${a.watchCategory}
        UNION ALL SELECT h.id FROM args, users h WHERE lower(h.handle) = ANY (${a.handles}))
      AND NOT EXISTS (SELECT 1 FROM user_ignores ui WHERE ui.user_id = u.id AND ui.ignored_id = ${a.ignoring})`)(people.v),
);

/**
 * Candidates with what the rules need to decide on them (see peopleStatement). With `also`, the
 * topic's watchers and the mentioned handles come along in the same query: the reply path decides
 * everything from one read.
 */
export async function loadPeople(db: Executor, draft: NotificationDraft, ids: number[], also: AlsoLoad = {}): Promise<Person[]> {
  return peopleStatement(db, {
    communityId: draft.communityId,
    topicId: draft.topicId,
    postId: draft.postId,
    actorId: draft.actorId,
    ignoring: DESPITE_IGNORE.includes(draft.kind) ? null : draft.actorId,
    ids: intArray(ids.map(Number)),
    watchTopic: also.watchersOf?.topicId ?? null,
    watchCategory: also.watchersOf?.categoryId ?? null,
    handles: textArray((also.handles ?? []).map((h) => h.toLowerCase())),
  });
}

/** Only identity and role matter to the visibility rules. */
function standingOf(userId: number, isSiteAdmin: boolean, role: Role | null): Standing {
  const viewer: Viewer = {
    user: { id: userId, handle: '', displayName: '', avatarUrl: null, createdAt: new Date(0), isSiteAdmin },
    sessionId: null,
    roles: new Map(),
  };
  return { viewer, role };
}

/** Notifications to store: each draft with the people it might tell. */
export type NotificationBatch = { draft: NotificationDraft; candidates: Iterable<number> }[];

/**
 * Where the notifications are stored: inside the write that made them true (moderation notices,
 * answers, idea statuses, reminders: a notice exists exactly when its action does), or after a
 * write that committed (new content: the reply path is the hottest write and stays one statement,
 * and a failure to notify must not turn a stored post into an error).
 */
export type NotifyWhere = { within: WriteScope } | { after: Pick<ServiceContext, 'db' | 'bus'> & Partial<Pick<ServiceContext, 'jobs'>> };

/**
 * The one way notifications are stored. For each draft: who of the candidates may be told
 * (`recipientsFor`, skipped when `decided`: the candidates already passed `mayBeTold`), one
 * INSERT with the kind's coalescing and once-only rules (`insertSql`), and a live event on each
 * recipient's channel. Unread reply notifications of one topic coalesce (the count rises, the
 * link stays on the first unread reply); mentions and reminders happen to a reader once per post
 * or topic, so running twice (an edit, a second job process) adds nothing.
 *
 * Every statement takes notification rows before recipients' channel rows, and those in name
 * order, so two writers never wait on each other crosswise. Within a write, every draft's rows
 * are stored first and all events appended last, after the write's own events (a transaction
 * holds its locks to the end, so per-draft statements could cross another's). After a commit,
 * each draft is one statement and its own transaction: three round trips fewer than BEGIN,
 * insert, events, COMMIT, on the path where they show.
 * Last, with a job queue at hand, each draft of a mailed kind sends one job that may mail its
 * recipients later (mail/notify): within a write, in its transaction.
 * Answers the recipients told, per draft.
 */
export async function notify(where: NotifyWhere, batch: NotificationBatch, opts: { decided?: boolean } = {}): Promise<number[][]> {
  const db = 'within' in where ? where.within.tx : where.after.db;
  const told: number[][] = [];
  const mailable: number[][] = [];
  const stored: Stored[] = [];
  for (const { draft, candidates } of batch) {
    const recipients = (opts.decided ? [...candidates] : await recipientsFor(db, draft, candidates)).sort((x, y) => x - y);
    const mine: Told[] = [];
    for (const part of chunks(recipients)) {
      mine.push(...('within' in where ? await insertFor(db, draft, part, stored) : await insertAndAnnounce(where.after, draft, part)));
    }
    told.push(mine.map((r) => r.userId));
    mailable.push(mine.filter((r) => r.mailable).map((r) => r.userId));
  }
  if ('within' in where) await announceStored(where.within, stored);
  const jobs = 'within' in where ? where.within.jobs : where.after.jobs;
  const tx = 'within' in where ? where.within.tx : undefined;
  for (const [i, { draft }] of batch.entries()) await queueNotificationMail(jobs, tx, draft, mailable[i]!);
  return told;
}

interface Stored {
  id: number;
  userId: number;
  created: boolean;
}

/** A recipient told, and whether they may get notification mail at all (most replies' readers may not: no job then). */
interface Told {
  userId: number;
  mailable: boolean;
}

/** The INSERT of one draft for some recipients; coalescing and once-only rules per kind. */
function insertSql(draft: NotificationDraft, recipients: number[]) {
  const data = JSON.stringify(draft.data ?? {});
  const values = sql.join(
    recipients.map(
      (userId) => sql`(${userId}::int, ${draft.kind}::text, ${draft.communityId}::int,
    ${draft.topicId}::int, ${draft.postId}::int, ${draft.actorId}::int, ${data}::jsonb, ${reasonFor(draft, userId)}::text)`,
    ),
    sql`, `,
  );
  return sql`INSERT INTO notifications (user_id, kind, community_id, topic_id, post_id, actor_id, data, reason)
    VALUES ${values} ${conflictSql(draft)} ${RETURNING}`;
}

/**
 * The INSERT of one kind of notice about a post that the same statement stores (`post`: the name
 * of its CTE, with `id`), run after the CTE named `after`: nothing is stored when the post is not.
 * The recipients, their reasons and the data are values of the statement (`<kind>Ids`,
 * `<kind>Reasons`, `<kind>Data`), so no audience is too large for one statement and its text never changes.
 */
function insertForNewPostSql(kind: NewPostNotice, values: NewPostValues, post: string, after: string): SQL {
  const a = values.v;
  return sql`INSERT INTO notifications (user_id, kind, community_id, topic_id, post_id, actor_id, data, reason)
    SELECT r.user_id, ${kind}::text, ${a.communityId}, ${a.topicId}, np.id, ${a.authorId}, ${a[`${kind}Data`]}, r.reason
    FROM args CROSS JOIN LATERAL unnest(${a[`${kind}Ids`]}, ${a[`${kind}Reasons`]}) AS r (user_id, reason)
      CROSS JOIN ${sql.raw(post)} np CROSS JOIN (SELECT 1 FROM ${sql.raw(after)} LIMIT 1) run_after
    ORDER BY r.user_id
    ${conflictSql({ kind })} ${RETURNING}`;
}

/** Drafts whose recipients are decided (`mayBeTold` ran), each recipient in one draft at most. */
export type DecidedBatch = { draft: NotificationDraft; recipients: number[] }[];

/** A recipient told by the statement that stored the post, with the event that told them. */
export interface ToldWithPost {
  userId: number;
  kind: NotificationKind;
  mailable: boolean;
  channel: string;
  seq: number;
}

/** The kinds of notice a new reply tells (replyAudience), in the order its statement stores them. */
const NEW_POST_NOTICES = ['mention', 'reply'] as const;
type NewPostNotice = (typeof NEW_POST_NOTICES)[number];

/** The values a new post's notices take (see statementValues), beside what they are about. */
export const NEW_POST_NOTICE_VALUES = {
  mentionIds: 'int[]',
  mentionReasons: 'text[]',
  mentionData: 'jsonb',
  replyIds: 'int[]',
  replyReasons: 'text[]',
  replyData: 'jsonb',
} as const satisfies Record<`${NewPostNotice}${'Ids' | 'Reasons' | 'Data'}`, string>;

type NewPostValues = StatementValues<keyof typeof NEW_POST_NOTICE_VALUES | 'communityId' | 'topicId' | 'authorId'>;

/**
 * The notices of a new post, stored by the statement that stores the post (posts.append), so the
 * two commit together: one commit, and one `NOTIFY` lock at commit, where storing them after the
 * post took two. `post` names the statement's CTE of the new post (with `id`); `after` one that must
 * run first (the post's own event: every writer takes channel rows in the same order, the
 * content's channel first, then notification rows, then recipients' channels by name).
 * Answers CTEs to add (`n_<kind>`, `nv`, `nc`, `ne`) and `told`, an expression for the statement's
 * row: a JSON array of `ToldWithPost`, whose evaluation also queues each event's NOTIFY. Its text is
 * the same for every audience (a kind nobody is told about has no recipients), so the statement can
 * be prepared under a name. `values` are the statement's (with NEW_POST_NOTICE_VALUES among
 * them); `noticesOfNewPostValues` gives theirs for a batch.
 */
export function noticesOfNewPostSql(values: NewPostValues, post: string, after: string): { ctes: SQL; told: SQL } {
  const inserts = NEW_POST_NOTICES.map((kind) => sql`${sql.raw(`n_${kind}`)} AS (${insertForNewPostSql(kind, values, post, after)})`);
  const named = sql.join(
    NEW_POST_NOTICES.map(
      (kind) => sql`SELECT ${USER_CHANNEL_PREFIX}::text || user_id AS name, user_id, ${kind}::text AS kind, mailable,
        jsonb_build_object('notificationId', id) AS ref, CASE WHEN created THEN 'notification.created' ELSE 'notification.updated' END AS type
      FROM ${sql.raw(`n_${kind}`)}`,
    ),
    sql` UNION ALL `,
  );
  const ctes = sql`${sql.join(inserts, sql`, `)}, nv AS (${named}), ${channelEventsCtes('nv', 'n')}`;
  const told = sql`(SELECT coalesce(json_agg(json_build_object('userId', x.user_id, 'kind', x.kind, 'mailable', x.mailable, 'channel', x.channel, 'seq', x.seq)), '[]')
    FROM (SELECT nv.user_id, nv.kind, nv.mailable, ne.channel, ne.seq::int AS seq, parley_notify(ne.channel, ne.seq) AS notified
      FROM ne JOIN nv ON nv.name = ne.channel) x)`;
  return { ctes, told };
}

/** The values of NEW_POST_NOTICE_VALUES for a decided batch (whose drafts are about the post it stores). */
export function noticesOfNewPostValues(batch: DecidedBatch): Record<string, string> {
  const values: Record<string, string> = {};
  for (const kind of NEW_POST_NOTICES) {
    const { draft, recipients } = batch.find((d) => d.draft.kind === kind) ?? { draft: { kind }, recipients: [] };
    values[`${kind}Ids`] = intArray(recipients.map(Number));
    values[`${kind}Reasons`] = textArray(recipients.map((id) => reasonFor(draft, id)));
    values[`${kind}Data`] = JSON.stringify(('data' in draft && draft.data) || {});
  }
  const other = batch.find((d) => !(NEW_POST_NOTICES as readonly string[]).includes(d.draft.kind));
  if (other) throw new Error(`a new post's statement stores no "${other.draft.kind}" notices`);
  return values;
}

/** After the post's statement committed: the mail jobs of those told (the events are the caller's to publish). */
export async function afterNoticesOfNewPost(ctx: Pick<ServiceContext, 'jobs'>, batch: DecidedBatch, told: ToldWithPost[], topicId: number): Promise<void> {
  for (const { draft } of batch) {
    const mailable = told.filter((t) => t.kind === draft.kind && t.mailable).map((t) => t.userId);
    await queueNotificationMail(ctx.jobs, undefined, { kind: draft.kind, topicId }, mailable);
  }
}

/** Each kind's coalescing and once-only rule. */
function conflictSql(draft: Pick<NotificationDraft, 'kind'>): SQL {
  return draft.kind === 'reply'
    ? // The link stays on the first unread reply, unless that one was since hidden or deleted
      // (a notification about an unreadable post is shown to nobody): then it moves to this one.
      sql`ON CONFLICT (user_id, topic_id) WHERE kind = 'reply' AND read_at IS NULL
          DO UPDATE SET count = notifications.count + 1, updated_at = now(), actor_id = excluded.actor_id,
            reason = ${strongerReasonSql(sql`notifications.reason`, sql`excluded.reason`)},
            post_id = CASE WHEN EXISTS (SELECT 1 FROM posts p WHERE p.id = notifications.post_id AND NOT p.hidden AND NOT p.deleted)
              THEN notifications.post_id ELSE excluded.post_id END`
    : draft.kind === 'mention'
      ? sql`ON CONFLICT (user_id, post_id) WHERE kind = 'mention' DO NOTHING`
      : draft.kind === 'reminder'
        ? sql`ON CONFLICT (user_id, topic_id) WHERE kind = 'reminder' DO NOTHING`
        : sql``;
}

const RETURNING = sql`RETURNING id, user_id, (xmax = 0) AS created,
      (SELECT ${mayGetNotificationMail(sql`u`)} FROM users u WHERE u.id = notifications.user_id) AS mailable`;

/** Within a write: the rows now, their events later (`announceStored`). */
async function insertFor(tx: Executor, draft: NotificationDraft, recipients: number[], into: Stored[]): Promise<Told[]> {
  const found = await rows<{ id: number; user_id: number; created: boolean; mailable: boolean }>(tx, insertSql(draft, recipients));
  for (const n of found) into.push({ id: Number(n.id), userId: Number(n.user_id), created: !!n.created });
  return found.map((n) => ({ userId: Number(n.user_id), mailable: !!n.mailable }));
}

/**
 * The events for rows stored within a write. A reader told twice in one transaction gets two
 * events: one round each, channels distinct within a round, in name order, a thousand per statement.
 */
async function announceStored(scope: WriteScope, stored: Stored[]): Promise<void> {
  let pending = stored;
  while (pending.length) {
    const seen = new Set<number>();
    const round: Stored[] = [];
    const rest: Stored[] = [];
    for (const n of pending) {
      if (seen.has(n.userId)) rest.push(n);
      else {
        seen.add(n.userId);
        round.push(n);
      }
    }
    const drafts = round
      .map((n): EventDraft => ({
        channel: userChannel(n.userId),
        type: n.created ? 'notification.created' : 'notification.updated',
        ref: { notificationId: n.id },
      }))
      .sort((x, y) => (x.channel < y.channel ? -1 : x.channel > y.channel ? 1 : 0));
    for (const part of chunks(drafts)) await scope.emitMany(part);
    pending = rest;
  }
}

/** After a commit: rows and events in one statement (the outbox's events, fed by the insert), told to this process at once. */
async function insertAndAnnounce(ctx: Pick<ServiceContext, 'db' | 'bus'>, draft: NotificationDraft, recipients: number[]): Promise<Told[]> {
  const found = await rows<{ user_id: number; channel: string; seq: number; mailable: boolean }>(
    ctx.db,
    sql`
    WITH n AS (${insertSql(draft, recipients)}),
    v AS (
      SELECT ${USER_CHANNEL_PREFIX}::text || user_id AS name, user_id, mailable, jsonb_build_object('notificationId', id) AS ref,
        CASE WHEN created THEN 'notification.created' ELSE 'notification.updated' END AS type
      FROM n
    ), ${eventsForV(sql`, v.user_id, v.mailable`)}`,
  );
  if (found.length) ctx.bus.publishLocal(found.map((r) => ({ channel: r.channel, seq: Number(r.seq) })));
  return found.map((r) => ({ userId: Number(r.user_id), mailable: !!r.mailable }));
}

/** Users among `handles` (case-insensitive), for mentions. */
export async function usersByHandle(db: Executor, handles: string[]): Promise<number[]> {
  if (!handles.length) return [];
  const lower = [...new Set(handles.map((h) => h.toLowerCase()))];
  const found = await rows<{ id: number }>(
    db,
    sql`SELECT id FROM users WHERE lower(handle) IN (${sql.join(
      lower.map((h) => sql`${h}`),
      sql`, `,
    )})`,
  );
  return found.map((r) => Number(r.id));
}
