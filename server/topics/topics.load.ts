import { eq, sql, type Placeholder, type SQL } from 'drizzle-orm';
import { preparedPerDb, type Executor } from '../../db/client.js';
import { topicColumns } from '../../db/columns.js';
import { bans, categories, communities, topics, users, type Role } from '../../db/schema.js';
import { banInForce } from '../moderation/bans.js';
import { notFound } from '../errors/errors.js';
import { canSeeTopic, type Standing } from '../visibility/visibility.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';
import { userColumns } from '../users/users.present.js';
import { presentTopic, type TopicContext, type TopicRow } from './topics.present.js';

export interface LoadedTopic extends TopicContext {
  topic: TopicRow;
  standing: Standing;
  /** The viewer's active ban in this community, if any: writes check it without another query. */
  ban: ActiveBan | null;
  /** The community's moderation settings, which replies and flags act on. */
  settings: ModerationSettings;
}

export interface ModerationSettings {
  flagThreshold: number;
  holdFirstPosts: boolean;
  requireVerifiedEmail: boolean;
  holdNewMemberLinks: boolean;
}

export interface ActiveBan {
  /** The moderator's own words; null when they picked a canned reason (then in reasonCode). */
  reason: string | null;
  reasonCode: string | null;
  until: string | null;
}

export const topicNotFound = () => notFound('topic_not_found', 'No such topic.');

/**
 * The topic with what presenting it needs and the viewer's role and active ban (null for guests),
 * in one round trip: prepared under a name, since every write into a topic and every read of one
 * starts here (planned each time, it cost PostgreSQL ten times its running).
 */
const topicStatement = preparedPerDb((db: Executor) =>
  db
    .select({
      topic: topicColumns,
      communitySlug: communities.slug,
      categorySlug: categories.slug,
      author: userColumns(users),
      ...standingColumns(sql.placeholder('uid'), sql`${topics.communityId}`),
      settings: {
        flagThreshold: communities.flagThreshold,
        holdFirstPosts: communities.holdFirstPosts,
        requireVerifiedEmail: communities.requireVerifiedEmail,
        holdNewMemberLinks: communities.holdNewMemberLinks,
      },
    })
    .from(topics)
    .innerJoin(communities, eq(topics.communityId, communities.id))
    .innerJoin(categories, eq(topics.categoryId, categories.id))
    .innerJoin(users, eq(topics.authorId, users.id))
    .where(eq(topics.id, sql.placeholder('id')))
    .prepare('topic_load'),
);

/** Loads a topic with what presenting it needs, or a 404 the viewer cannot tell from a missing one. */
export async function loadVisibleTopic(db: Executor, viewer: Viewer, id: number): Promise<LoadedTopic> {
  const uid = viewer.user?.id ?? null;
  const [found] = await topicStatement(db).execute({ uid, id });
  if (!found) throw topicNotFound();
  const { viewerRole, viewerBan, ...row } = found;
  if (uid !== null) viewer.roles.set(row.topic.communityId, viewerRole ?? null);
  const standing: Standing = { viewer, role: await roleIn(db, viewer, row.topic.communityId) };
  if (!canSeeTopic(standing, row.topic)) throw topicNotFound();
  return { ...row, standing, ban: viewerBan ?? null };
}

/** A viewer's role in a community and their ban in force there, as columns of a larger select. */
export const standingColumns = (uid: number | null | Placeholder, communityId: SQL) => ({
  viewerRole: sql<Role | null>`(SELECT role FROM memberships m WHERE m.community_id = ${communityId} AND m.user_id = ${uid})`,
  viewerBan: sql<ActiveBan | null>`(SELECT json_build_object('reason', ${bans.reason}, 'reasonCode', ${bans.reasonCode}, 'until', ${bans.until}) FROM ${bans}
    WHERE ${bans.communityId} = ${communityId} AND ${bans.userId} = ${uid} AND ${banInForce()}
    ORDER BY ${bans.id} DESC LIMIT 1)`,
});

/**
 * Where there is no topic to load them with (a new topic): the viewer's role and ban in the
 * community, decided by the same columns as `loadVisibleTopic`, in one round trip.
 */
export async function loadStanding(db: Executor, viewer: Viewer, communityId: number): Promise<{ standing: Standing; ban: ActiveBan | null }> {
  const uid = viewer.user?.id ?? null;
  if (uid === null) return { standing: { viewer, role: null }, ban: null };
  const [found] = await db.select(standingColumns(uid, sql`${communityId}::int`)).from(sql`(SELECT 1) AS one`);
  viewer.roles.set(communityId, found?.viewerRole ?? null);
  return { standing: { viewer, role: found?.viewerRole ?? null }, ban: found?.viewerBan ?? null };
}

export const presentLoaded = (loaded: LoadedTopic, topic: TopicRow = loaded.topic) => presentTopic(topic, loaded);
