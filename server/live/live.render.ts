import { asc, eq, inArray, sql } from 'drizzle-orm';
import { presentPublicCommunity } from '../communities/communities.present.js';
import { rows, type Executor } from '../../db/client.js';
import { postColumns, topicColumns, type PostRow, type TopicRow } from '../../db/columns.js';
import { categories, communities as communitiesTable, posts, topics, users } from '../../db/schema.js';
import { presentPost } from '../posts/posts.present.js';
import { presentTopic } from '../topics/topics.present.js';
import { userColumns, type UserRow } from '../users/users.present.js';
import { audienceStanding, canSeeTopic, type Audience } from '../visibility/visibility.js';
import { loadUserChannelData, type UserChannelData } from '../notifications/notifications.live.js';
import type { ApiNotification } from '../notifications/notifications.present.js';
import type { Static } from 'typebox';
import type { LiveEventName } from './live.protocol.js';
import { INBOX_CHANNEL_PREFIX, USER_CHANNEL_PREFIX } from './outbox.js';
import type { MarkOneReply, NotificationsRead } from '../notifications/notifications.schema.js';
import type { ReactionsChanged } from '../posts/posts.schema.js';
import type { Post, Topic } from '../schemas/common.schema.js';

interface TopicInfo {
  topic: TopicRow;
  communitySlug: string;
  categorySlug: string;
  author: UserRow;
}
interface PostInfo {
  post: PostRow;
  author: UserRow;
}

/**
 * One event, loaded once and rendered at most once per audience. Each audience's message is
 * kept as UTF-8 bytes, so sending it to a thousand sockets encodes it once, not a thousand times.
 */
export class RenderedEvent {
  private readonly byAudience = new Map<string, Buffer>();

  constructor(
    readonly channel: string,
    readonly seq: number,
    readonly type: LiveEventName,
    private readonly render: (audience: Audience) => unknown,
    private readonly audienceKey: (audience: Audience) => string,
  ) {}

  messageFor(audience: Audience): Buffer {
    const key = this.audienceKey(audience);
    let bytes = this.byAudience.get(key);
    if (bytes === undefined) {
      bytes = Buffer.from(JSON.stringify({ type: 'event', channel: this.channel, seq: this.seq, event: this.type, data: this.render(audience) }));
      this.byAudience.set(key, bytes);
    }
    return bytes;
  }
}

const publicKey = (a: Audience) => (a.moderator ? 'moderator' : 'public');

/** Events of one channel with seq in (after, upTo], oldest first, rendered lazily. */
export async function loadEvents(db: Executor, channel: string, after: number, upTo: number | null, limit = 500): Promise<RenderedEvent[]> {
  return (await loadEventsOf(db, [{ channel, after, upTo }], limit)).get(channel) ?? [];
}

/** Which events of a channel to load: seq in (after, upTo], upTo null for "all there are". */
export interface EventWindow {
  channel: string;
  after: number;
  upTo: number | null;
}

interface EventRow {
  channel: string;
  seq: number;
  type: LiveEventName;
  ref: Record<string, unknown>;
}

/**
 * Events of many channels, at most `limit` per channel, oldest first, by channel; rendered lazily.
 * However many channels: one query for the events, then one per kind of thing they refer to
 * (posts, topics, communities; readers, notifications and unread counts for readers' channels).
 */
export async function loadEventsOf(db: Executor, windows: EventWindow[], limit = 500): Promise<Map<string, RenderedEvent[]>> {
  const byChannel = new Map<string, EventRow[]>();
  if (!windows.length) return new Map();
  const found = await rows<Omit<EventRow, 'ref'> & { ref: Record<string, unknown> | string }>(
    db,
    sql`
    SELECT w.channel, e.seq, e.type, e.ref
    FROM (VALUES ${sql.join(
      windows.map((w) => sql`(${w.channel}::text, ${w.after}::bigint, ${w.upTo ?? Number.MAX_SAFE_INTEGER}::bigint)`),
      sql`, `,
    )}) AS w (channel, after, up_to)
    CROSS JOIN LATERAL (
      SELECT seq, type, ref FROM events
      WHERE events.channel = w.channel AND events.seq > w.after AND events.seq <= w.up_to
      ORDER BY seq LIMIT ${limit}
    ) e`,
  );
  for (const r of found) {
    const row = {
      channel: r.channel,
      seq: Number(r.seq),
      type: r.type,
      ref: typeof r.ref === 'string' ? (JSON.parse(r.ref) as Record<string, unknown>) : r.ref,
    };
    const list = byChannel.get(r.channel);
    if (list) list.push(row);
    else byChannel.set(r.channel, [row]);
  }
  for (const list of byChannel.values()) list.sort((a, b) => a.seq - b.seq);
  const readers = new Map<string, EventRow[]>();
  const content = new Map<string, EventRow[]>();
  for (const [channel, list] of byChannel) (channel.startsWith(USER_CHANNEL_PREFIX) ? readers : content).set(channel, list);
  const [a, b] = await Promise.all([renderUserEvents(db, readers), renderContentEvents(db, content)]);
  return new Map([...a, ...b]);
}

/** Topic and community channels: the posts and topics their events refer to, each loaded once. */
async function renderContentEvents(db: Executor, byChannel: Map<string, EventRow[]>): Promise<Map<string, RenderedEvent[]>> {
  const result = new Map<string, RenderedEvent[]>();
  if (!byChannel.size) return result;
  const postIds = new Set<number>();
  const topicIds = new Set<number>();
  const slugs = new Set<string>();
  for (const [channel, list] of byChannel) {
    for (const r of list) {
      const ref = r.ref as { postId?: number; topicId?: number };
      if (typeof ref.postId === 'number') postIds.add(ref.postId);
      if (typeof ref.topicId === 'number') topicIds.add(ref.topicId);
      if (r.type === 'community.updated') slugs.add(channel.slice('community:'.length));
    }
  }
  const postInfo = new Map<number, PostInfo>();
  if (postIds.size) {
    const found = await db
      .select({ post: postColumns, author: userColumns(users) })
      .from(posts)
      .innerJoin(users, eq(posts.authorId, users.id))
      .where(inArray(posts.id, [...postIds]));
    for (const f of found) {
      postInfo.set(f.post.id, f);
      topicIds.add(f.post.topicId);
    }
  }
  const topicInfo = new Map<number, TopicInfo>();
  const [, communities] = await Promise.all([
    topicIds.size
      ? db
          .select({ topic: topicColumns, communitySlug: communitiesTable.slug, categorySlug: categories.slug, author: userColumns(users) })
          .from(topics)
          .innerJoin(communitiesTable, eq(topics.communityId, communitiesTable.id))
          .innerJoin(categories, eq(topics.categoryId, categories.id))
          .innerJoin(users, eq(topics.authorId, users.id))
          .where(inArray(topics.id, [...topicIds]))
          .then((found) => found.forEach((f) => topicInfo.set(f.topic.id, f)))
      : null,
    loadPublicCommunities(db, slugs),
  ]);
  for (const [channel, list] of byChannel) {
    result.set(
      channel,
      list.map((r) => {
        if (channel.startsWith(INBOX_CHANNEL_PREFIX)) return inboxEvent(channel, r);
        if (r.type !== 'community.updated') return renderRow(channel, r.seq, r.type, r.ref, postInfo, topicInfo);
        const community = communities.get(channel.slice('community:'.length)) ?? null;
        return new RenderedEvent(
          channel,
          r.seq,
          'community.updated',
          () => community,
          () => 'everyone',
        );
      }),
    );
  }
  return result;
}

/**
 * `community.updated` carries the community as everyone may see it (name, description, colour,
 * categories, moderation settings), as it is now. Who the reader is (viewerRole, an admin's embed
 * settings) is not in it: each page keeps what it knows of its own reader.
 */
async function loadPublicCommunities(db: Executor, slugs: Set<string>) {
  const result = new Map<string, ReturnType<typeof presentPublicCommunity>>();
  if (!slugs.size) return result;
  const found = await db
    .select()
    .from(communitiesTable)
    .where(inArray(communitiesTable.slug, [...slugs]));
  if (!found.length) return result;
  const cats = await db
    .select()
    .from(categories)
    .where(
      inArray(
        categories.communityId,
        found.map((c) => c.id),
      ),
    )
    .orderBy(asc(categories.position), asc(categories.id));
  for (const community of found)
    result.set(
      community.slug,
      presentPublicCommunity(
        community,
        cats.filter((c) => c.communityId === community.id),
      ),
    );
  return result;
}

/**
 * An inbox channel's events say only that something changed, and which item when one write knows
 * (`{key}`): the page refetches what it shows, as its reader may see it. Only staff subscribe.
 */
function inboxEvent(channel: string, r: EventRow): RenderedEvent {
  const data = typeof r.ref.key === 'string' ? { key: r.ref.key } : {};
  return new RenderedEvent(
    channel,
    r.seq,
    r.type,
    () => data,
    () => 'everyone',
  );
}

const NOTIFICATION_EVENTS = new Set(['notification.created', 'notification.updated', 'notifications.read']);

/**
 * Readers' own channels: notification events carry the notification as HTTP presents it (null
 * once the reader may no longer see it, like any event about something hidden) and the unread
 * count as it is now; `roles.changed` carries nothing. Only the owner can subscribe, and only the
 * owner gets data. Every reader's data is loaded together (loadUserChannelData).
 */
async function renderUserEvents(db: Executor, byChannel: Map<string, EventRow[]>): Promise<Map<string, RenderedEvent[]>> {
  const result = new Map<string, RenderedEvent[]>();
  if (!byChannel.size) return result;
  const wants = new Map<number, number[]>();
  for (const [channel, list] of byChannel) {
    if (!list.some((r) => NOTIFICATION_EVENTS.has(r.type))) continue;
    const ids = list.flatMap((r) => (typeof r.ref.notificationId === 'number' ? [r.ref.notificationId] : []));
    wants.set(Number(channel.slice(USER_CHANNEL_PREFIX.length)), ids);
  }
  const loaded = await loadUserChannelData(db, wants);
  for (const [channel, list] of byChannel) {
    const owner = Number(channel.slice(USER_CHANNEL_PREFIX.length));
    const data: UserChannelData | null = wants.has(owner) ? (loaded.get(owner) ?? { notifications: new Map<number, ApiNotification>(), unreadCount: 0 }) : null;
    result.set(
      channel,
      list.map((r) => {
        const ref = r.ref as { notificationId?: unknown; ids?: unknown; upTo?: unknown };
        let payload: unknown = null;
        if (data && r.type === 'notifications.read') {
          payload = {
            ids: Array.isArray(ref.ids) ? ref.ids : null,
            upTo: typeof ref.upTo === 'number' ? ref.upTo : null,
            unreadCount: data.unreadCount,
          } satisfies Static<typeof NotificationsRead>;
        } else if (data && NOTIFICATION_EVENTS.has(r.type) && typeof ref.notificationId === 'number') {
          const notification = data.notifications.get(ref.notificationId);
          payload = notification ? ({ notification, unreadCount: data.unreadCount } satisfies Static<typeof MarkOneReply>) : null;
        }
        return new RenderedEvent(
          channel,
          r.seq,
          r.type,
          (a) => (a.userId === owner ? payload : null),
          (a) => (a.userId === owner ? 'owner' : 'other'),
        );
      }),
    );
  }
  return result;
}

function renderRow(
  channel: string,
  seq: number,
  type: LiveEventName,
  ref: Record<string, unknown>,
  postInfo: Map<number, PostInfo>,
  topicInfo: Map<number, TopicInfo>,
): RenderedEvent {
  const seeTopic = (info: TopicInfo | undefined, audience: Audience) => !!info && canSeeTopic(audienceStanding(audience), info.topic);

  if (typeof ref.postId === 'number') {
    const info = postInfo.get(ref.postId);
    const topic = info ? topicInfo.get(info.post.topicId) : undefined;
    // Moderators see everything. For anyone else two things can differ from the public view:
    // the author of a hidden post gets its text, and the author of a hidden topic still sees
    // the topic. Each combination is its own audience, so no rendering is shared across them.
    const key = (a: Audience) => {
      if (a.moderator || !info) return publicKey(a);
      const ownHiddenPost = info.post.hidden && a.userId === info.post.authorId;
      const ownHiddenTopic = !!topic?.topic.hidden && a.userId === topic.topic.authorId;
      return `public:${ownHiddenPost ? 'p' : ''}${ownHiddenTopic ? 't' : ''}`;
    };
    const render = (a: Audience) => {
      if (!info || !seeTopic(topic, a)) return null;
      const post = presentPost(info.post, info.author, audienceStanding(a));
      return type === 'reactions.changed'
        ? ({ postId: post.id, reactions: post.reactions } satisfies Static<typeof ReactionsChanged>)
        : (post satisfies Static<typeof Post>);
    };
    return new RenderedEvent(channel, seq, type, render, key);
  }
  const info = typeof ref.topicId === 'number' ? topicInfo.get(ref.topicId) : undefined;
  const key = (a: Audience) => (info && a.userId === info.topic.authorId && info.topic.hidden ? `${publicKey(a)}:author` : publicKey(a));
  const render = (a: Audience) => (info && seeTopic(info, a) ? (presentTopic(info.topic, info) satisfies Static<typeof Topic>) : null);
  return new RenderedEvent(channel, seq, type, render, key);
}
