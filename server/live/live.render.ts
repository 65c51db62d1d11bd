import { and, asc, eq, gt, inArray, lte } from 'drizzle-orm';
import { presentPublicCommunity } from '../communities/communities.present.js';
import type { Executor } from '../../db/client.js';
import { postColumns, topicColumns, type PostRow, type TopicRow } from '../../db/columns.js';
import { categories, communities, events, posts, topics, users } from '../../db/schema.js';
import { presentPost } from '../posts/posts.present.js';
import { presentTopic } from '../topics/topics.present.js';
import { userColumns, type UserRow } from '../users/users.present.js';
import { audienceStanding, canSeeTopic, type Audience } from '../visibility/visibility.js';
import { loadUserChannelData } from '../notifications/notifications.live.js';
import type { Static } from 'typebox';
import type { LiveEventName } from './live.protocol.js';
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
  const rows = await db
    .select({ seq: events.seq, type: events.type, ref: events.ref })
    .from(events)
    .where(and(eq(events.channel, channel), gt(events.seq, after), ...(upTo === null ? [] : [lte(events.seq, upTo)])))
    .orderBy(asc(events.seq))
    .limit(limit);
  if (!rows.length) return [];
  if (channel.startsWith('user:')) return loadUserEvents(db, channel, rows);

  const postIds = new Set<number>();
  const topicIds = new Set<number>();
  for (const r of rows) {
    const ref = r.ref as { postId?: number; topicId?: number };
    if (typeof ref.postId === 'number') postIds.add(ref.postId);
    if (typeof ref.topicId === 'number') topicIds.add(ref.topicId);
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
  if (topicIds.size) {
    const found = await db
      .select({ topic: topicColumns, communitySlug: communities.slug, categorySlug: categories.slug, author: userColumns(users) })
      .from(topics)
      .innerJoin(communities, eq(topics.communityId, communities.id))
      .innerJoin(categories, eq(topics.categoryId, categories.id))
      .innerJoin(users, eq(topics.authorId, users.id))
      .where(inArray(topics.id, [...topicIds]));
    for (const f of found) topicInfo.set(f.topic.id, f);
  }
  const community = rows.some((r) => r.type === 'community.updated') ? await loadPublicCommunity(db, channel) : null;
  return rows.map((r) =>
    r.type === 'community.updated'
      ? new RenderedEvent(
          channel,
          Number(r.seq),
          'community.updated',
          () => community,
          () => 'everyone',
        )
      : renderRow(channel, Number(r.seq), r.type as LiveEventName, r.ref, postInfo, topicInfo),
  );
}

/**
 * `community.updated` carries the community as everyone may see it (name, description, colour,
 * categories, moderation settings), as it is now. Who the reader is (viewerRole, an admin's embed
 * settings) is not in it: each page keeps what it knows of its own reader.
 */
async function loadPublicCommunity(db: Executor, channel: string) {
  const [community] = await db
    .select()
    .from(communities)
    .where(eq(communities.slug, channel.slice('community:'.length)));
  if (!community) return null;
  const cats = await db.select().from(categories).where(eq(categories.communityId, community.id)).orderBy(asc(categories.position), asc(categories.id));
  return presentPublicCommunity(community, cats);
}

const NOTIFICATION_EVENTS = new Set(['notification.created', 'notification.updated', 'notifications.read']);

/**
 * A reader's own channel: notification events carry the notification as HTTP presents it (null
 * once the reader may no longer see it, like any event about something hidden) and the unread
 * count as it is now; `roles.changed` carries nothing. Only the owner can subscribe, and only the
 * owner gets data.
 */
async function loadUserEvents(db: Executor, channel: string, rows: { seq: number; type: string; ref: unknown }[]): Promise<RenderedEvent[]> {
  const owner = Number(channel.slice(5));
  const refs = rows.map((r) => r.ref as { notificationId?: unknown; ids?: unknown; upTo?: unknown });
  const ids = refs.flatMap((ref) => (typeof ref.notificationId === 'number' ? [ref.notificationId] : []));
  const needed = rows.some((r) => NOTIFICATION_EVENTS.has(r.type));
  const data = needed ? await loadUserChannelData(db, owner, ids) : null;
  return rows.map((r, i) => {
    const ref = refs[i]!;
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
      Number(r.seq),
      r.type as LiveEventName,
      (a) => (a.userId === owner ? payload : null),
      (a) => (a.userId === owner ? 'owner' : 'other'),
    );
  });
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
