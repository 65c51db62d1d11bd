/**
 * Reading one's notifications and marking them read. Every read decides visibility afresh
 * through the visibility module (see `isVisible`), so lists, counts and live events agree.
 */
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import { preparedPerDb, rows, type Executor } from '../../db/client.js';
import type { NotificationKind, Role, TopicKind } from '../../db/schema.js';
import { notFound, unauthorized } from '../errors/errors.js';
import { userChannel } from '../live/outbox.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { decodeIdCursor } from '../topics/topics.cursor.js';
import type { Viewer, ViewerUser } from '../visibility/viewer.js';
import { ABOUT_A_POST, isVisible, presentNotification, type ApiNotification, type NotificationRow, type VisibilityFacts } from './notifications.present.js';

/**
 * The unread count stops at this many: clients show "99+" above 99. Counting further would
 * cost a scan per page view for a number nobody reads.
 */
export const UNREAD_CAP = 100;

/**
 * Rows a list or count looks at before answering with what it has. Only notifications that
 * became invisible (hidden posts and topics) are skipped over, so this is reached only by an
 * account with hundreds of those, unread: then the count is a lower bound and a list page may
 * be short (its cursor continues where the scan stopped).
 */
const SCAN_LIMIT = 1000;

export const notificationNotFound = () => notFound('notification_not_found', 'No such notification.');

interface RawRow {
  id: number;
  user_id: number;
  kind: NotificationKind;
  count: number;
  data: Record<string, unknown> | string;
  reason: string | null;
  read_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  community_id: number;
  community_slug: string;
  community_name: string;
  topic_id: number | null;
  topic_title: string | null;
  topic_kind: TopicKind | null;
  topic_hidden: boolean | null;
  topic_author_id: number | null;
  topic_category: string | null;
  post_id: number | null;
  post_number: number | null;
  post_hidden: boolean | null;
  post_deleted: boolean | null;
  post_author_id: number | null;
  post_html: string | null;
  actor_id: number | null;
  actor_handle: string | null;
  actor_display_name: string | null;
  actor_avatar_url: string | null;
  actor_created_at: Date | string | null;
  reader_role: Role | null;
}

const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function toRow(r: RawRow): NotificationRow & { userId: number } {
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    kind: r.kind,
    count: Number(r.count),
    data: typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
    reason: r.reason ?? null,
    readAt: r.read_at === null ? null : date(r.read_at),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    community: { id: Number(r.community_id), slug: r.community_slug, name: r.community_name },
    topic:
      r.topic_id === null
        ? null
        : {
            id: Number(r.topic_id),
            title: r.topic_title!,
            kind: r.topic_kind!,
            hidden: !!r.topic_hidden,
            authorId: Number(r.topic_author_id),
            categorySlug: r.topic_category ?? '',
          },
    post:
      r.post_id === null
        ? null
        : {
            id: Number(r.post_id),
            number: Number(r.post_number),
            hidden: !!r.post_hidden,
            deleted: !!r.post_deleted,
            authorId: Number(r.post_author_id),
            html: r.post_html ?? '',
          },
    actor:
      r.actor_id === null
        ? null
        : {
            id: Number(r.actor_id),
            handle: r.actor_handle!,
            displayName: r.actor_display_name!,
            avatarUrl: r.actor_avatar_url,
            createdAt: date(r.actor_created_at!),
          },
    readerRole: r.reader_role,
  };
}

/**
 * Readers' notifications (`whose` picks the readers, `where` the rows), newest first, with what
 * visibility and presentation need. Only the start of a post's HTML is read: an excerpt needs 140
 * characters of text, not 50 KB.
 */
function rowsSql(whose: SQL, where: SQL, limit: number | Placeholder, forCounting = false): SQL {
  // Counting decides visibility only: no text, no actor.
  const content = forCounting
    ? sql`NULL AS post_html, NULL AS actor_id, NULL AS topic_category`
    : sql`left(p.body_html, 2000) AS post_html, cat.slug AS topic_category,
      a.id AS actor_id, a.handle AS actor_handle, a.display_name AS actor_display_name, a.avatar_url AS actor_avatar_url, a.created_at AS actor_created_at`;
  return sql`
    SELECT n.id, n.user_id, n.kind, n.count, n.data, n.reason, n.read_at, n.created_at, n.updated_at,
      c.id AS community_id, c.slug AS community_slug, c.name AS community_name,
      t.id AS topic_id, t.title AS topic_title, t.kind AS topic_kind, t.hidden AS topic_hidden, t.author_id AS topic_author_id,
      p.id AS post_id, p.number AS post_number, p.hidden AS post_hidden, p.deleted AS post_deleted, p.author_id AS post_author_id,
      ${content},
      m.role AS reader_role
    FROM notifications n
    JOIN communities c ON c.id = n.community_id
    LEFT JOIN topics t ON t.id = n.topic_id
    LEFT JOIN posts p ON p.id = n.post_id
    ${
      forCounting
        ? sql``
        : // A join, not a subquery per row: the planner scans a small categories table whole for each row (a third of the page's time).
          sql`LEFT JOIN users a ON a.id = n.actor_id LEFT JOIN categories cat ON cat.id = t.category_id`
    }
    LEFT JOIN memberships m ON m.community_id = n.community_id AND m.user_id = n.user_id
    WHERE ${whose} AND ${where}
    ORDER BY n.id DESC
    LIMIT ${limit}`;
}

async function loadRows(db: Executor, whose: SQL, where: SQL, limit: number, forCounting = false) {
  return (await rows<RawRow>(db, rowsSql(whose, where, limit, forCounting))).map(toRow);
}

/** Above every id: the first page's "before". */
const NO_CURSOR = 2_147_483_647;

const pageParams = { userId: sql.placeholder('userId'), before: sql.placeholder('before'), limit: sql.placeholder('limit') };

/** One reader's rows before `before`, all or unread only, newest first (placeholders: pageParams). */
const pageSql = (unread: boolean): SQL =>
  rowsSql(sql`n.user_id = ${pageParams.userId}`, sql`${unread ? sql`n.read_at IS NULL` : sql`true`} AND n.id < ${pageParams.before}`, pageParams.limit);

/**
 * A page of one reader's notifications, all or unread only, as statements prepared under a name:
 * each pooled PostgreSQL connection plans them once. On the million posts, one reader's first page
 * took 2.7–4.7 ms while it was planned each time and 0.9 ms once it was not (one connection, no load).
 */
function preparePage(db: Executor, unread: boolean) {
  const page = pageSql(unread);
  return db
    .select({ row: sql<RawRow>`to_json(q)` })
    .from(sql`(${page}) AS q`)
    .orderBy(sql`q.id DESC`)
    .prepare(unread ? 'notifications_unread_page' : 'notifications_page');
}

const pageStatements = preparedPerDb((db) => ({ all: preparePage(db, false), unread: preparePage(db, true) }));

async function loadPage(db: Executor, userId: number, unread: boolean, before: number | null, limit: number) {
  const found = await pageStatements(db)[unread ? 'unread' : 'all'].execute({ userId, before: before ?? NO_CURSOR, limit });
  return found.map((r) => toRow(r.row));
}

/**
 * The first batch of a page and the reader's unread count (which every page answers with), in one
 * statement: one round trip where two cost a third of the request on a busy server.
 */
function prepareFirstPage(db: Executor, unread: boolean) {
  const page = pageSql(unread);
  return db
    .select({
      counts: sql<UnreadCounts>`(SELECT to_json(c) FROM (${unreadCountsSql(sql`(VALUES (${pageParams.userId}::int))`)}) AS c)`,
      rows: sql<RawRow[] | null>`(SELECT json_agg(q ORDER BY q.id DESC) FROM (${page}) AS q)`,
    })
    .from(sql`(SELECT 1) AS one`)
    .prepare(unread ? 'notifications_unread_first_page' : 'notifications_first_page');
}

const firstPageStatements = preparedPerDb((db) => ({ all: prepareFirstPage(db, false), unread: prepareFirstPage(db, true) }));

async function loadFirstPage(db: Executor, userId: number, unread: boolean, before: number | null, limit: number) {
  const [found] = await firstPageStatements(db)[unread ? 'unread' : 'all'].execute({ userId, before: before ?? NO_CURSOR, limit });
  return { counts: found!.counts, rows: (found!.rows ?? []).map(toRow) };
}

const signedIn = (viewer: Viewer): ViewerUser => {
  if (!viewer.user) throw unauthorized();
  return viewer.user;
};

export interface ListInput {
  unread?: boolean | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/**
 * A page of the reader's visible notifications, newest first (by id: a coalesced reply keeps
 * its place and only its `updatedAt` moves). Invisible ones are skipped, so the loop reads on
 * until the page is full, the rows run out, or SCAN_LIMIT is reached.
 */
export async function listNotifications(db: Executor, viewer: Viewer, input: ListInput) {
  const user = signedIn(viewer);
  const limit = input.limit ?? 20;
  let before = decodeIdCursor(input.cursor);
  const found: NotificationRow[] = [];
  let scanned = 0;
  let exhausted = false;
  let counts: UnreadCounts | undefined;
  while (found.length <= limit && scanned < SCAN_LIMIT) {
    // The first batch is the page and one more (a row the reader may not see is rare), read with
    // the unread count in one statement; later ones read ahead. Each row carries up to 2 KB of the
    // post's HTML, so over-reading costs.
    const size = Math.min(scanned === 0 ? limit + 1 : Math.max(limit + 1, 50), SCAN_LIMIT - scanned);
    let batch: NotificationRow[];
    if (scanned === 0) ({ counts, rows: batch } = await loadFirstPage(db, user.id, input.unread === true, before, size));
    else batch = await loadPage(db, user.id, input.unread === true, before, size);
    scanned += batch.length;
    for (const row of batch) {
      before = row.id;
      if (isVisible(viewer, row)) found.push(row);
      if (found.length > limit) break;
    }
    if (batch.length < size) {
      exhausted = true;
      break;
    }
  }
  const page = found.slice(0, limit);
  const more = found.length > limit;
  const nextCursor = more ? String(page.at(-1)!.id) : exhausted || before === null ? null : String(before);
  const unreadCount = counts ? await unreadCountOf(db, viewer, counts) : 0;
  return { items: page.map((r) => presentNotification(viewer, r)), nextCursor, unreadCount };
}

/** Visible unread notifications, up to UNREAD_CAP: exactly what an unread list would show. */
export async function countUnread(db: Executor, viewer: Viewer): Promise<number> {
  const user = signedIn(viewer);
  return (await countUnreadOf(db, [viewer])).get(user.id) ?? 0;
}

/** The subject of an unread notification, as far as deciding its visibility needs. */
interface UnreadFacts {
  kind: NotificationKind;
  topic_id: number | null;
  topic_hidden: boolean | null;
  topic_author_id: number | null;
  post_id: number | null;
  post_hidden: boolean | null;
  post_deleted: boolean | null;
  post_author_id: number | null;
  reader_role: Role | null;
}

const factsOf = (r: UnreadFacts): VisibilityFacts => ({
  kind: r.kind,
  readerRole: r.reader_role,
  topic: r.topic_id === null ? null : { hidden: !!r.topic_hidden, authorId: Number(r.topic_author_id) },
  post: r.post_id === null ? null : { hidden: !!r.post_hidden, deleted: !!r.post_deleted, authorId: Number(r.post_author_id) },
});

type UnreadCounts = { user_id: number; scanned: number; plain: number; doubtful: UnreadFacts[] | string };

/** Each reader's newest UNREAD_CAP unread rows, summed up (see countUnreadOf); `readers` is a set of one column, user ids. */
function unreadCountsSql(readers: SQL): SQL {
  const aboutAPost = sql.join(
    [...ABOUT_A_POST].map((k) => sql`${k}`),
    sql`, `,
  );
  return sql`
    SELECT o.user_id, count(x.id)::int AS scanned, (count(x.id) FILTER (WHERE x.plain))::int AS plain,
      coalesce(json_agg(json_build_object(
        'kind', x.kind, 'topic_id', x.topic_id, 'topic_hidden', x.topic_hidden, 'topic_author_id', x.topic_author_id,
        'post_id', x.post_id, 'post_hidden', x.post_hidden, 'post_deleted', x.post_deleted, 'post_author_id', x.post_author_id,
        'reader_role', x.reader_role)) FILTER (WHERE NOT x.plain), '[]') AS doubtful
    FROM ${readers} AS o (user_id)
    LEFT JOIN LATERAL (
      SELECT n.id, n.kind, t.id AS topic_id, t.hidden AS topic_hidden, t.author_id AS topic_author_id,
        p.id AS post_id, p.hidden AS post_hidden, p.deleted AS post_deleted, p.author_id AS post_author_id, m.role AS reader_role,
        (t.id IS NULL OR NOT t.hidden) AND (p.id IS NULL OR n.kind NOT IN (${aboutAPost}) OR (NOT p.hidden AND NOT p.deleted)) AS plain
      FROM notifications n
      LEFT JOIN topics t ON t.id = n.topic_id
      LEFT JOIN posts p ON p.id = n.post_id
      LEFT JOIN memberships m ON m.community_id = n.community_id AND m.user_id = n.user_id
      WHERE n.user_id = o.user_id AND n.read_at IS NULL
      ORDER BY n.id DESC
      LIMIT ${UNREAD_CAP}
    ) x ON true
    GROUP BY o.user_id`;
}

/** One statement for one reader or a thousand (their ids an array): prepared under a name, planned once per connection. */
function prepareUnreadCounts(db: Executor) {
  return db
    .select({ row: sql<UnreadCounts>`to_json(q)` })
    .from(sql`(${unreadCountsSql(sql`unnest(${sql.placeholder('userIds')}::int[])`)}) AS q`)
    .prepare('notifications_unread_counts');
}

const unreadCountsStatement = preparedPerDb(prepareUnreadCounts);

/**
 * countUnread for many readers in one query (a reply's watchers, all online): each reader's newest
 * UNREAD_CAP unread rows. Rows about nothing hidden are visible to anyone and counted by the
 * database; the few others come back to be decided by `isVisible`. A reader whose newest rows are
 * all unread and not all visible needs a deeper scan: they alone are counted row by row (rare:
 * a hundred unread with hidden ones among them).
 */
export async function countUnreadOf(db: Executor, viewers: Viewer[]): Promise<Map<number, number>> {
  const byId = new Map(viewers.map((v) => [signedIn(v).id, v]));
  const result = new Map<number, number>();
  if (!byId.size) return result;
  const found = (await unreadCountsStatement(db).execute({ userIds: [...byId.keys()] })).map((r) => r.row);
  for (const r of found) result.set(Number(r.user_id), await unreadCountOf(db, byId.get(Number(r.user_id))!, r));
  return result;
}

/** One reader's count from their summed-up rows: exact without another read unless every one of the newest is unread and some are not visible. */
async function unreadCountOf(db: Executor, viewer: Viewer, r: UnreadCounts): Promise<number> {
  const doubtful = (typeof r.doubtful === 'string' ? JSON.parse(r.doubtful) : r.doubtful) as UnreadFacts[];
  const count = Number(r.plain) + doubtful.filter((f) => isVisible(viewer, factsOf(f))).length;
  if (Number(r.scanned) === UNREAD_CAP && count < UNREAD_CAP) return scanUnread(db, viewer);
  return Math.min(count, UNREAD_CAP);
}

/** Row by row, newest first, until UNREAD_CAP visible ones or SCAN_LIMIT rows. */
async function scanUnread(db: Executor, viewer: Viewer): Promise<number> {
  const user = signedIn(viewer);
  let count = 0;
  let before: number | null = null;
  for (let scanned = 0; scanned < SCAN_LIMIT;) {
    const size = 200;
    const batch = await loadRows(db, sql`n.user_id = ${user.id}`, sql`n.read_at IS NULL AND (${before}::int IS NULL OR n.id < ${before}::int)`, size, true);
    scanned += batch.length;
    for (const row of batch) {
      before = row.id;
      if (isVisible(viewer, row) && ++count >= UNREAD_CAP) return count;
    }
    if (batch.length < size) break;
  }
  return count;
}

/** These of the reader's notifications that they may see now (for live events), by id. */
export async function visibleByIds(db: Executor, viewer: Viewer, ids: number[]): Promise<Map<number, ApiNotification>> {
  const user = signedIn(viewer);
  return (await visibleByIdsOf(db, [{ viewer, ids }])).get(user.id) ?? new Map();
}

/** visibleByIds for many readers in one query (the live events of many readers' channels), by reader. */
export async function visibleByIdsOf(db: Executor, wants: { viewer: Viewer; ids: number[] }[]): Promise<Map<number, Map<number, ApiNotification>>> {
  const result = new Map<number, Map<number, ApiNotification>>();
  const byId = new Map<number, Viewer>();
  const pairs: SQL[] = [];
  for (const { viewer, ids } of wants) {
    const userId = signedIn(viewer).id;
    byId.set(userId, viewer);
    result.set(userId, new Map());
    for (const id of ids) pairs.push(sql`(${userId}::int, ${id}::int)`);
  }
  if (!pairs.length) return result;
  const found = await loadRows(db, sql`(n.user_id, n.id) IN (${sql.join(pairs, sql`, `)})`, sql`true`, pairs.length);
  for (const row of found) {
    const viewer = byId.get(row.userId)!;
    if (isVisible(viewer, row)) result.get(row.userId)!.set(row.id, presentNotification(viewer, row));
  }
  return result;
}

async function loadOwn(db: Executor, viewer: Viewer, id: number): Promise<ApiNotification> {
  const found = await visibleByIds(db, viewer, [id]);
  const notification = found.get(id);
  // Someone else's, or one the reader may no longer see: the same answer as a missing one.
  if (!notification) throw notificationNotFound();
  return notification;
}

/** Marks one read; other tabs hear `notifications.read` and lower their badge. Marking twice is fine. */
export async function markNotificationRead(ctx: ServiceContext, viewer: Viewer, id: number) {
  const user = signedIn(viewer);
  await loadOwn(ctx.db, viewer, id);
  await write(ctx, async ({ tx, emit }) => {
    const marked = await rows<{ id: number }>(
      tx,
      sql`
      UPDATE notifications SET read_at = now() WHERE id = ${id} AND user_id = ${user.id} AND read_at IS NULL RETURNING id`,
    );
    if (marked.length) await emit(userChannel(user.id), 'notifications.read', { ids: [id], upTo: null });
  });
  return { notification: await loadOwn(ctx.db, viewer, id), unreadCount: await countUnread(ctx.db, viewer) };
}

/**
 * Marks every unread notification read, or those with id ≤ upTo (what the reader had in front
 * of them, so one that arrived meanwhile stays unread). Invisible ones are marked too: they are
 * not the reader's to see, and should they become visible again they are not news.
 */
export async function markAllRead(ctx: ServiceContext, viewer: Viewer, upTo: number | undefined) {
  const user = signedIn(viewer);
  await write(ctx, async ({ tx, emit }) => {
    const [marked] = await rows<{ n: number; last: number | null }>(
      tx,
      sql`
      WITH m AS (
        UPDATE notifications SET read_at = now()
        WHERE user_id = ${user.id} AND read_at IS NULL AND (${upTo ?? null}::int IS NULL OR id <= ${upTo ?? null}::int)
        RETURNING id
      ) SELECT count(*)::int AS n, max(id) AS last FROM m`,
    );
    if (marked && Number(marked.n) > 0) {
      await emit(userChannel(user.id), 'notifications.read', { ids: null, upTo: upTo ?? Number(marked.last) });
    }
  });
  return { unreadCount: await countUnread(ctx.db, viewer) };
}

/**
 * Reading a topic past what a notification points at is reading the notification, wherever the
 * reader came from: the bell clears as they read. A coalesced reply notification stands for
 * every reply since its first, so it clears once the reader has reached the end of the topic.
 */
export async function markReadByPosition(ctx: ServiceContext, userId: number, topicId: number, lastReadNumber: number): Promise<void> {
  await write(ctx, async ({ tx, emit }) => {
    const marked = await rows<{ id: number }>(
      tx,
      sql`
      UPDATE notifications n SET read_at = now()
      FROM posts p, topics t
      WHERE n.user_id = ${userId} AND n.topic_id = ${topicId} AND n.read_at IS NULL
        AND n.kind IN ('reply', 'mention', 'new_topic', 'solution')
        AND p.id = n.post_id AND t.id = n.topic_id AND p.number <= ${lastReadNumber}
        AND (n.kind <> 'reply' OR t.last_number <= ${lastReadNumber})
      RETURNING n.id`,
    );
    if (marked.length) await emit(userChannel(userId), 'notifications.read', { ids: marked.map((m) => Number(m.id)).sort((a, b) => a - b), upTo: null });
  });
}
