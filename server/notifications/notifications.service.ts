/**
 * Reading one's notifications and marking them read. Every read decides visibility afresh
 * through the visibility module (see `isVisible`), so lists, counts and live events agree.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import type { NotificationKind, Role, TopicKind } from '../../db/schema.js';
import { notFound, unauthorized } from '../errors/errors.js';
import { userChannel } from '../live/outbox.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { decodeIdCursor } from '../topics/topics.cursor.js';
import type { Viewer, ViewerUser } from '../visibility/viewer.js';
import { isVisible, presentNotification, type ApiNotification, type NotificationRow } from './notifications.present.js';

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
  kind: NotificationKind;
  count: number;
  data: Record<string, unknown> | string;
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

function toRow(r: RawRow): NotificationRow {
  return {
    id: Number(r.id),
    kind: r.kind,
    count: Number(r.count),
    data: typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
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
 * One reader's notifications, newest first, with what visibility and presentation need. Only
 * the start of a post's HTML is read: an excerpt needs 140 characters of text, not 50 KB.
 */
async function loadRows(db: Executor, userId: number, where: SQL, limit: number, forCounting = false): Promise<NotificationRow[]> {
  // Counting decides visibility only: no text, no actor.
  const content = forCounting
    ? sql`NULL AS post_html, NULL AS actor_id`
    : sql`left(p.body_html, 2000) AS post_html,
      a.id AS actor_id, a.handle AS actor_handle, a.display_name AS actor_display_name, a.avatar_url AS actor_avatar_url, a.created_at AS actor_created_at`;
  const found = await rows<RawRow>(
    db,
    sql`
    SELECT n.id, n.kind, n.count, n.data, n.read_at, n.created_at, n.updated_at,
      c.id AS community_id, c.slug AS community_slug, c.name AS community_name,
      t.id AS topic_id, t.title AS topic_title, t.kind AS topic_kind, t.hidden AS topic_hidden, t.author_id AS topic_author_id,
      p.id AS post_id, p.number AS post_number, p.hidden AS post_hidden, p.deleted AS post_deleted, p.author_id AS post_author_id,
      ${content},
      m.role AS reader_role
    FROM notifications n
    JOIN communities c ON c.id = n.community_id
    LEFT JOIN topics t ON t.id = n.topic_id
    LEFT JOIN posts p ON p.id = n.post_id
    ${forCounting ? sql`` : sql`LEFT JOIN users a ON a.id = n.actor_id`}
    LEFT JOIN memberships m ON m.community_id = n.community_id AND m.user_id = n.user_id
    WHERE n.user_id = ${userId} AND ${where}
    ORDER BY n.id DESC
    LIMIT ${limit}`,
  );
  return found.map(toRow);
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
  while (found.length <= limit && scanned < SCAN_LIMIT) {
    const size = Math.min(Math.max(limit + 1, 50), SCAN_LIMIT - scanned);
    const batch = await loadRows(
      db,
      user.id,
      sql`${input.unread ? sql`n.read_at IS NULL` : sql`true`} AND (${before}::int IS NULL OR n.id < ${before}::int)`,
      size,
    );
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
  return { items: page.map((r) => presentNotification(viewer, r)), nextCursor, unreadCount: await countUnread(db, viewer) };
}

/** Visible unread notifications, up to UNREAD_CAP: exactly what an unread list would show. */
export async function countUnread(db: Executor, viewer: Viewer): Promise<number> {
  const user = signedIn(viewer);
  let count = 0;
  let before: number | null = null;
  for (let scanned = 0; scanned < SCAN_LIMIT;) {
    const size = 200;
    const batch = await loadRows(db, user.id, sql`n.read_at IS NULL AND (${before}::int IS NULL OR n.id < ${before}::int)`, size, true);
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
  const result = new Map<number, ApiNotification>();
  if (!ids.length) return result;
  const found = await loadRows(
    db,
    user.id,
    sql`n.id IN (${sql.join(
      ids.map((id) => sql`${id}::int`),
      sql`, `,
    )})`,
    ids.length,
  );
  for (const row of found) if (isVisible(viewer, row)) result.set(row.id, presentNotification(viewer, row));
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
