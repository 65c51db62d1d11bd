/**
 * What a member may be mailed now, read under lock inside the mailing transaction: their unread,
 * not yet (fully) mailed notifications of the mailed kinds, and for replies and mentions the posts
 * themselves. The rules of "only when away" and of visibility are applied here, at send time.
 */
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../../db/client.js';
import type { EmailNotificationChoice, NotificationReason } from '../../../db/schema.js';
import { isNotificationReason } from '../../notifications/notifications.reasons.js';
import { levelOfPerson, loadPeople, mayBeTold, type NotificationDraft } from '../../notifications/notifications.write.js';
import { MAILED_KINDS, type MailedKind } from './notify.queue.js';

/** Notifications older than this are left to the app: mail is about what is new. */
const STALE_AFTER_DAYS = 7;

/** At most this many posts are shown in one mail; the rest are counted and linked. */
export const MAX_POSTS_SHOWN = 10;

const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));

export interface Recipient {
  id: number;
  email: string;
  locale: string | null;
  choice: EmailNotificationChoice;
  lastSeenAt: Date | null;
  bounceScore: number;
  /** The address is proven (or the organisation vouches for it, SSO): only then is everyday mail sent. */
  verified: boolean;
}

export async function loadRecipient(db: Executor, userId: number): Promise<Recipient | null> {
  const [u] = await rows<{
    id: number;
    email: string | null;
    locale: string | null;
    email_notifications: EmailNotificationChoice;
    last_seen_at: Date | string | null;
    email_bounce_score: number;
    verified: boolean;
  }>(
    db,
    sql`SELECT id, email, locale, email_notifications, last_seen_at, email_bounce_score,
          (email_verified_at IS NOT NULL OR sso_subject IS NOT NULL) AS verified
        FROM users WHERE id = ${userId}`,
  );
  if (!u?.email) return null;
  return {
    id: Number(u.id),
    email: u.email,
    locale: u.locale,
    choice: u.email_notifications,
    lastSeenAt: u.last_seen_at === null ? null : date(u.last_seen_at),
    bounceScore: Number(u.email_bounce_score),
    verified: !!u.verified,
  };
}

export interface PendingPost {
  id: number;
  number: number;
  html: string;
  createdAt: Date;
  author: { handle: string; displayName: string };
}

export interface PendingNotification {
  id: number;
  kind: MailedKind;
  count: number;
  data: Record<string, unknown>;
  postId: number | null;
  /** The number of the post it is about (an accepted answer, a moderated post), for its link. */
  postNumber: number | null;
  actor: { handle: string } | null;
  /** For replies and mentions: the posts still to mail (read, hidden, mailed or seen ones left out). */
  posts: PendingPost[];
  watching: boolean;
  /** Why the member was told, as stored (null on older rows). */
  reason: NotificationReason | null;
}

export interface PendingTopic {
  topic: { id: number; title: string; kind: string };
  community: { id: number; slug: string; name: string; language: string };
  notifications: PendingNotification[];
}

interface NotificationRow {
  id: number;
  kind: MailedKind;
  count: number;
  data: Record<string, unknown> | string;
  reason: string | null;
  community_id: number;
  topic_id: number;
  post_id: number | null;
  post_number: number | null;
  actor_id: number | null;
  actor_handle: string | null;
  topic_title: string;
  topic_kind: string;
  community_slug: string;
  community_name: string;
  community_language: string;
}

/**
 * The member's mailable notifications, in one topic or all, locked until the mailing commits (so
 * two jobs never mail the same thing). "Only when away": only those raised after the member was
 * last seen. Opted-out topics and kinds, read ones and stale ones are left out.
 */
async function lockNotifications(db: Executor, r: Recipient, topicId: number | null): Promise<NotificationRow[]> {
  const since = r.choice === 'always' || r.lastSeenAt === null ? null : r.lastSeenAt.toISOString();
  return rows<NotificationRow>(
    db,
    sql`
    SELECT n.id, n.kind, n.count, n.data, n.reason, n.community_id, n.topic_id, n.post_id, pn.number AS post_number, n.actor_id, a.handle AS actor_handle,
      t.title AS topic_title, t.kind AS topic_kind, c.slug AS community_slug, c.name AS community_name, c.language AS community_language
    FROM notifications n
    JOIN topics t ON t.id = n.topic_id
    JOIN communities c ON c.id = n.community_id
    LEFT JOIN users a ON a.id = n.actor_id
    LEFT JOIN posts pn ON pn.id = n.post_id
    WHERE n.user_id = ${r.id} ${topicId === null ? sql`` : sql`AND n.topic_id = ${topicId}`}
      AND n.kind IN (${sql.join(
        MAILED_KINDS.map((k) => sql`${k}`),
        sql`, `,
      )})
      AND n.read_at IS NULL AND n.count > n.emailed_count
      AND n.updated_at > now() - make_interval(days => ${STALE_AFTER_DAYS})
      ${since === null ? sql`` : sql`AND n.updated_at > ${since}::timestamptz`}
      AND NOT EXISTS (SELECT 1 FROM email_opt_outs o WHERE o.user_id = n.user_id
        AND ((o.stream = 'topic' AND o.target = n.topic_id::text) OR (o.stream = 'kind' AND o.target = n.kind)))
    ORDER BY n.topic_id, n.id
    FOR UPDATE OF n`,
  );
}

/**
 * A topic's posts the member has not read, not been mailed, and (away) not been around for, from
 * `fromNumber` on. Hidden and deleted posts never go out, nor the member's own, nor those of someone they ignore.
 */
async function unreadPosts(db: Executor, r: Recipient, topicId: number, fromNumber: number, only: 'all' | 'to_me' | number): Promise<PendingPost[]> {
  const since = r.choice === 'always' || r.lastSeenAt === null ? null : r.lastSeenAt.toISOString();
  const which =
    only === 'all'
      ? sql``
      : only === 'to_me'
        ? sql`AND EXISTS (SELECT 1 FROM posts rt WHERE rt.id = p.reply_to_id AND rt.author_id = ${r.id})`
        : sql`AND p.id = ${only}`;
  const found = await rows<{ id: number; number: number; body_html: string; created_at: Date | string; handle: string; display_name: string }>(
    db,
    sql`
    SELECT p.id, p.number, p.body_html, p.created_at, au.handle, au.display_name
    FROM posts p JOIN users au ON au.id = p.author_id
    WHERE p.topic_id = ${topicId} AND p.number >= ${fromNumber} AND NOT p.hidden AND NOT p.deleted AND p.author_id <> ${r.id}
      AND p.number > coalesce((SELECT tr.last_read_number FROM topic_reads tr WHERE tr.user_id = ${r.id} AND tr.topic_id = ${topicId}), 0)
      AND NOT EXISTS (SELECT 1 FROM mailed_posts m WHERE m.user_id = ${r.id} AND m.post_id = p.id)
      -- Posts of someone the member ignores never go out (they fold on the page too).
      AND NOT EXISTS (SELECT 1 FROM user_ignores ui WHERE ui.user_id = ${r.id} AND ui.ignored_id = p.author_id)
      ${since === null ? sql`` : sql`AND p.created_at > ${since}::timestamptz`}
      ${which}
    ORDER BY p.number`,
  );
  return found.map((p) => ({
    id: Number(p.id),
    number: Number(p.number),
    html: p.body_html,
    createdAt: date(p.created_at),
    author: { handle: p.handle, displayName: p.display_name },
  }));
}

/**
 * Whether the member may still be told, by the rules notifications use (bans, mutes, topic and
 * post visibility). Replies and mentions are judged on the topic: their posts are filtered above.
 */
async function mayStillBeTold(db: Executor, userId: number, n: NotificationRow): Promise<{ told: boolean; watching: boolean }> {
  const aboutPosts = n.kind === 'reply' || n.kind === 'mention';
  const draft: NotificationDraft = {
    kind: n.kind,
    communityId: Number(n.community_id),
    topicId: Number(n.topic_id),
    postId: aboutPosts || n.post_id === null ? null : Number(n.post_id),
    actorId: null,
  };
  const people = await loadPeople(db, draft, [userId]);
  const person = people[0];
  return { told: mayBeTold(draft, people).includes(userId), watching: !!person && levelOfPerson(person) === 'watching' };
}

/** The member's pending mail, per topic (one topic, or every topic for the roll-up). */
export async function pendingFor(db: Executor, r: Recipient, topicId: number | null): Promise<PendingTopic[]> {
  const found = await lockNotifications(db, r, topicId);
  const byTopic = new Map<number, PendingTopic>();
  for (const n of found) {
    const { told, watching } = await mayStillBeTold(db, r.id, n);
    if (!told) continue;
    let posts: PendingPost[] = [];
    if (n.kind === 'reply') {
      posts = await unreadPosts(db, r, Number(n.topic_id), n.post_number === null ? 1 : Number(n.post_number), watching ? 'all' : 'to_me');
    } else if (n.kind === 'mention' && n.post_id !== null) {
      posts = await unreadPosts(db, r, Number(n.topic_id), 1, Number(n.post_id));
    }
    // A reply or mention whose posts were all read, hidden or mailed meanwhile has nothing to say.
    if ((n.kind === 'reply' || n.kind === 'mention') && !posts.length) continue;
    const tid = Number(n.topic_id);
    let entry = byTopic.get(tid);
    if (!entry) {
      entry = {
        topic: { id: tid, title: n.topic_title, kind: n.topic_kind },
        community: { id: Number(n.community_id), slug: n.community_slug, name: n.community_name, language: n.community_language },
        notifications: [],
      };
      byTopic.set(tid, entry);
    }
    entry.notifications.push({
      id: Number(n.id),
      kind: n.kind,
      count: Number(n.count),
      data: typeof n.data === 'string' ? (JSON.parse(n.data) as Record<string, unknown>) : n.data,
      postId: n.post_id === null ? null : Number(n.post_id),
      postNumber: n.post_number === null ? null : Number(n.post_number),
      actor: n.actor_handle === null ? null : { handle: n.actor_handle },
      posts,
      watching,
      reason: isNotificationReason(n.reason) ? n.reason : null,
    });
  }
  return [...byTopic.values()];
}

/** The posts of a topic's pending mail, each once (a mention may also be a reply), in order. */
export function postsOf(pending: PendingTopic): PendingPost[] {
  const seen = new Map<number, PendingPost>();
  for (const n of pending.notifications) for (const p of n.posts) seen.set(p.id, p);
  return [...seen.values()].sort((a, b) => a.number - b.number);
}

/**
 * Records what was mailed, with the mail: the notifications up to their count now, and the posts
 * (which no later mail or digest repeats).
 */
export async function recordMailed(db: Executor, userId: number, pending: PendingTopic[]): Promise<void> {
  const ids = pending.flatMap((p) => p.notifications.map((n) => n.id));
  if (ids.length) {
    await db.execute(
      sql`UPDATE notifications SET emailed_count = count, emailed_at = now() WHERE id IN (${sql.join(
        ids.map((id) => sql`${id}::int`),
        sql`, `,
      )})`,
    );
  }
  const postIds = pending.flatMap((p) => postsOf(p).map((post) => post.id));
  if (postIds.length) {
    await db.execute(
      sql`INSERT INTO mailed_posts (user_id, post_id) VALUES ${sql.join(
        postIds.map((id) => sql`(${userId}::int, ${id}::int)`),
        sql`, `,
      )} ON CONFLICT DO NOTHING`,
    );
  }
}
