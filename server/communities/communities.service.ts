import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { isUniqueViolation, preparedPerDb, type Db, type Executor } from '../../db/client.js';
import { categories, communities, embedSettings, memberships, UPLOAD_FILE_TYPES, users, type Role, type UploadFileType } from '../../db/schema.js';
import { badRequest, conflict, forbidden, notFound, unauthorized } from '../errors/errors.js';
import { canAdminister, communityCapabilities } from '../visibility/permissions.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';
import { presentUser, userColumns } from '../users/users.present.js';
import { decodeCursor, decodeIdCursor, encodeCursor } from '../topics/topics.cursor.js';
import { INT4_MAX } from '../schemas/common.schema.js';
import { standingColumns } from '../topics/topics.load.js';
import { randomBytes } from 'node:crypto';
import { logAction } from '../moderation/moderation.log.js';
import { communityChannel, userChannel } from '../live/outbox.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { presentCommunity, presentCommunitySummary, type CommunityRow, type ShownCategory } from './communities.present.js';
import { scheduleReindex } from '../search/search.reindex.js';

export async function findCommunity(db: Executor, slug: string): Promise<CommunityRow> {
  const [row] = await db.select().from(communities).where(eq(communities.slug, slug.toLowerCase()));
  if (!row) throw notFound('community_not_found', `No community "${slug}".`, { slug });
  return row;
}

/** Admins of the community (and site admins) only: 401 for guests, 403 for anyone else. */
export async function requireAdmin(db: Executor, viewer: Viewer, community: CommunityRow): Promise<Role | null> {
  if (!viewer.user) throw unauthorized();
  const role = await roleIn(db, viewer, community.id);
  if (!canAdminister({ viewer, role })) throw forbidden('not_community_admin', 'Only admins of this community can do this.');
  return role;
}

export interface CreateCommunityInput {
  slug: string;
  name: string;
  description?: string | undefined;
  /** The community's language: the creator's own, until an admin picks another. */
  language: string;
  /** The first category's words, in that language (put into words at the edge). */
  defaultCategory: { name: string; description: string };
}

/** The creator becomes its admin; a "General" category gives the first topic somewhere to go. */
export async function createCommunity(db: Db, viewer: Viewer, input: CreateCommunityInput) {
  if (!viewer.user) throw unauthorized();
  const userId = viewer.user.id;
  try {
    return await db.transaction(async (tx) => {
      const [community] = await tx
        .insert(communities)
        .values({ slug: input.slug, name: input.name.trim(), description: input.description?.trim() ?? '', language: input.language })
        .returning();
      await tx.insert(memberships).values({ communityId: community!.id, userId, role: 'admin' });
      await tx.insert(embedSettings).values({ communityId: community!.id });
      const cats = await tx
        .insert(categories)
        .values({ communityId: community!.id, slug: 'general', ...input.defaultCategory })
        .returning();
      viewer.roles.set(community!.id, 'admin');
      return presentCommunity(community!, {
        categories: cats,
        viewerRole: 'admin',
        viewerCan: communityCapabilities({ viewer, role: 'admin', banned: false }),
        embed: { allowedOrigins: [], ssoSecretCreatedAt: null },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('community_slug_taken', `The address "${input.slug}" is taken.`, { slug: input.slug });
    throw err;
  }
}

export interface ListCommunitiesInput {
  cursor?: string | undefined;
  limit?: number | undefined;
}

/**
 * Communities by name, a page at a time (a site hosting thousands lists them in pages, not in one
 * answer): keyset over (name, id), the order of communities_name_idx.
 */
export async function listCommunities(db: Db, input: ListCommunitiesInput = {}) {
  const limit = input.limit ?? 50;
  let after: SQL | undefined;
  if (input.cursor) {
    const [name, id] = decodeCursor(input.cursor, ['string', 'number']) as [string, number];
    if (!Number.isInteger(id) || id < 0 || id > INT4_MAX) throw badRequest('invalid_cursor', 'The cursor is not one this server handed out.');
    after = sql`(${communities.name}, ${communities.id}) > (${name}, ${id}::int)`;
  }
  const rows = await db
    .select()
    .from(communities)
    .where(after)
    .orderBy(asc(communities.name), asc(communities.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(presentCommunitySummary), nextCursor: rows.length > limit && last ? encodeCursor([last.name, last.id]) : null };
}

/**
 * A community page's one statement, prepared under a name (see preparedPerDb): the community,
 * its categories in order and the reader's role and ban there (none for a guest).
 */
const communityPage = preparedPerDb((db: Executor) =>
  db
    .select({
      community: communities,
      categories: sql<ShownCategory[] | null>`(SELECT json_agg(json_build_object('id', cat.id, 'slug', cat.slug, 'name', cat.name,
          'description', cat.description, 'position', cat.position, 'unlisted', cat.unlisted) ORDER BY cat.position, cat.id)
        FROM ${categories} cat WHERE cat.community_id = communities.id)`,
      // Named in full: from one table drizzle writes a column unqualified, and inside these
      // subqueries a bare "id" would be the subquery's own.
      ...standingColumns(sql.placeholder('userId'), sql`communities.id`),
    })
    .from(communities)
    .where(eq(communities.slug, sql.placeholder('slug')))
    .prepare('community_page'),
);

/** The community with its categories, the viewer's role and what the viewer may do here. */
export async function getCommunity(db: Db, viewer: Viewer, slug: string) {
  const [found] = await communityPage(db).execute({ slug: slug.toLowerCase(), userId: viewer.user?.id ?? null });
  if (!found) throw notFound('community_not_found', `No community "${slug}".`, { slug });
  // A guest's id is NULL in the statement: no role, no ban.
  const { community, viewerRole: role, viewerBan: ban } = found;
  if (viewer.user) viewer.roles.set(community.id, role);
  const viewerCan = communityCapabilities({ viewer, role, banned: ban !== null });
  const embed = viewerCan.administer ? await embedSettingsOf(db, community.id) : undefined;
  return presentCommunity(community, { categories: found.categories ?? [], viewerRole: role, viewerCan, ...(embed ? { embed } : {}) });
}

/**
 * A new SSO signing secret for the community's own login, shown once: only its creation time is
 * ever shown again. A new secret replaces the old one at once (tokens signed with it stop working).
 */
export async function rotateSsoSecret(db: Db, viewer: Viewer, slug: string) {
  const community = await findCommunity(db, slug);
  await requireAdmin(db, viewer, community);
  const secret = randomBytes(32).toString('base64url');
  await db
    .insert(embedSettings)
    .values({ communityId: community.id, ssoSecret: secret, ssoSecretCreatedAt: new Date() })
    .onConflictDoUpdate({ target: embedSettings.communityId, set: { ssoSecret: secret, ssoSecretCreatedAt: sql`now()` } });
  return { secret };
}

export interface MembersQuery {
  role?: Role | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/**
 * People with a role in the community, by join order. Who the staff, moderators and admins are is
 * public (it is part of moderating in the open); the list of plain members is for admins.
 */
export async function listMembers(db: Executor, viewer: Viewer, slug: string, query: MembersQuery) {
  const community = await findCommunity(db, slug);
  if (query.role === 'member') await requireAdmin(db, viewer, community);
  const after = decodeIdCursor(query.cursor);
  const limit = query.limit ?? 50;
  const found = await db
    .select({ user: userColumns(users), role: memberships.role, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(
        eq(memberships.communityId, community.id),
        query.role ? eq(memberships.role, query.role) : sql`${memberships.role} <> 'member'`,
        after === null ? undefined : sql`${users.id} > ${after}`,
      ),
    )
    .orderBy(asc(users.id))
    .limit(limit + 1);
  return {
    items: found.slice(0, limit).map((r) => ({ user: presentUser(r.user), role: r.role, community: community.slug, joinedAt: r.joinedAt.toISOString() })),
    nextCursor: found.length > limit ? String(found[limit - 1]!.user.id) : null,
  };
}

/** What an admin sees of the embed settings: the origins, and whether (not what) an SSO secret is set. */
async function embedSettingsOf(db: Executor, communityId: number) {
  const [row] = await db
    .select({ origins: embedSettings.allowedOrigins, ssoSecretCreatedAt: embedSettings.ssoSecretCreatedAt })
    .from(embedSettings)
    .where(eq(embedSettings.communityId, communityId));
  return { allowedOrigins: row?.origins ?? [], ssoSecretCreatedAt: row?.ssoSecretCreatedAt?.toISOString() ?? null };
}

export async function embedOrigins(db: Executor, communityId: number): Promise<string[]> {
  const [row] = await db.select({ origins: embedSettings.allowedOrigins }).from(embedSettings).where(eq(embedSettings.communityId, communityId));
  return row?.origins ?? [];
}

/** Origins are compared as strings later, so store them in one canonical form. */
export function canonicalOrigin(origin: string): string {
  const url = new URL(origin);
  return url.origin;
}

export interface UpdateCommunityInput {
  name?: string | undefined;
  description?: string | undefined;
  accentColor?: string | null | undefined;
  /** One of the server's catalogue languages (translator.languages). */
  language?: string | undefined;
  unlisted?: boolean | undefined;
  healthPanel?: boolean | undefined;
  /** Files other than images members may attach here (UPLOAD_FILE_TYPES); images need no setting. */
  uploadFileTypes?: UploadFileType[] | undefined;
  embed?: { allowedOrigins: string[] } | undefined;
  moderation?:
    | {
        flagThreshold?: number | undefined;
        holdFirstPosts?: boolean | undefined;
        requireVerifiedEmail?: boolean | undefined;
        holdNewMemberLinks?: boolean | undefined;
        keepAcceptedAnswers?: boolean | undefined;
      }
    | undefined;
}

/** Settings change for everyone at once: open community pages hear `community.updated`. */
export async function updateCommunity(ctx: Pick<ServiceContext, 'db' | 'bus' | 'translator'>, viewer: Viewer, slug: string, input: UpdateCommunityInput) {
  const { db } = ctx;
  const community = await findCommunity(db, slug);
  await requireAdmin(db, viewer, community);
  const languages = ctx.translator.languages;
  const language = input.language === undefined ? undefined : languages.find((l) => l.toLowerCase() === input.language!.toLowerCase());
  if (input.language !== undefined && !language) {
    throw badRequest('unknown_language', `"${input.language}" is not a language this forum offers.`, { language: input.language, available: [...languages] });
  }
  await write(ctx, async ({ tx, emit }) => {
    const patch: Partial<CommunityRow> = {};
    if (input.name !== undefined) patch.name = input.name.trim();
    if (input.description !== undefined) patch.description = input.description.trim();
    if (input.accentColor !== undefined) patch.accentColor = input.accentColor;
    if (language !== undefined) patch.language = language;
    if (input.unlisted !== undefined) patch.unlisted = input.unlisted;
    if (input.healthPanel !== undefined) patch.healthPanel = input.healthPanel;
    // In one order, so the stored array compares equal however the admin listed them.
    if (input.uploadFileTypes !== undefined) patch.uploadFileTypes = UPLOAD_FILE_TYPES.filter((type) => input.uploadFileTypes!.includes(type));
    if (input.moderation?.flagThreshold !== undefined) patch.flagThreshold = input.moderation.flagThreshold;
    if (input.moderation?.holdFirstPosts !== undefined) patch.holdFirstPosts = input.moderation.holdFirstPosts;
    if (input.moderation?.requireVerifiedEmail !== undefined) patch.requireVerifiedEmail = input.moderation.requireVerifiedEmail;
    if (input.moderation?.holdNewMemberLinks !== undefined) patch.holdNewMemberLinks = input.moderation.holdNewMemberLinks;
    if (input.moderation?.keepAcceptedAnswers !== undefined) patch.keepAcceptedAnswers = input.moderation.keepAcceptedAnswers;
    if (Object.keys(patch).length) await tx.update(communities).set(patch).where(eq(communities.id, community.id));
    await logModerationSettings(tx, viewer, community, patch);
    if (input.embed) {
      const origins = [...new Set(input.embed.allowedOrigins.map(canonicalOrigin))];
      await tx
        .insert(embedSettings)
        .values({ communityId: community.id, allowedOrigins: origins })
        .onConflictDoUpdate({ target: embedSettings.communityId, set: { allowedOrigins: origins } });
    }
    await emit(communityChannel(community.slug), 'community.updated', { communityId: community.id });
  });
  // Posts are searched in the community's language: new ones at once, the others re-indexed in the background.
  if (language !== undefined) await scheduleReindex(ctx, community.id);
  return getCommunity(db, viewer, slug);
}

/** The moderation settings are public rules: changing them is a log entry, with what changed to what (JSON). */
const MODERATION_SETTINGS = ['flagThreshold', 'holdFirstPosts', 'requireVerifiedEmail', 'holdNewMemberLinks', 'keepAcceptedAnswers'] as const;

async function logModerationSettings(tx: Executor, viewer: Viewer, before: CommunityRow, patch: Partial<CommunityRow>) {
  const changed = Object.fromEntries(MODERATION_SETTINGS.filter((k) => patch[k] !== undefined && patch[k] !== before[k]).map((k) => [k, patch[k]]));
  if (!Object.keys(changed).length) return;
  await logAction(tx, {
    communityId: before.id,
    moderatorId: viewer.user!.id,
    action: 'change_settings',
    targetType: 'community',
    targetId: before.id,
    detail: JSON.stringify(changed),
  });
}

export async function setMemberRole(ctx: Pick<ServiceContext, 'db' | 'bus'>, viewer: Viewer, slug: string, handle: string, role: Role) {
  const { db } = ctx;
  const community = await findCommunity(db, slug);
  await requireAdmin(db, viewer, community);
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.handle}) = ${handle.toLowerCase()}`);
  if (!user) throw notFound('user_not_found', `No user "${handle}".`, { handle });
  return write(ctx, async ({ tx, emit }) => {
    if (role !== 'admin') {
      // A community must never lose its last admin, or nobody could manage it again.
      const admins = await tx
        .select({ userId: memberships.userId })
        .from(memberships)
        .where(and(eq(memberships.communityId, community.id), eq(memberships.role, 'admin')))
        .for('update');
      if (admins.length === 1 && admins[0]!.userId === user.id) throw conflict('last_admin', 'A community needs at least one admin.');
    }
    const [before] = await tx
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.communityId, community.id), eq(memberships.userId, user.id)));
    const [member] = await tx
      .insert(memberships)
      .values({ communityId: community.id, userId: user.id, role })
      .onConflictDoUpdate({ target: [memberships.communityId, memberships.userId], set: { role } })
      .returning();
    // Who holds moderating powers is part of moderating in the open.
    if ((before?.role ?? 'member') !== role) {
      await logAction(tx, {
        communityId: community.id,
        moderatorId: viewer.user!.id,
        action: 'change_role',
        targetType: 'user',
        targetId: user.id,
        detail: `${before?.role ?? 'member'} → ${role}`,
      });
      // Open live sockets of that account re-decide what it may see.
      await emit(userChannel(user.id), 'roles.changed', { communityId: community.id });
    }
    return { member: { user: presentUser(user), role: member!.role, community: community.slug, joinedAt: member!.createdAt.toISOString() } };
  });
}

/** Signed-in users join a community the first time they post in it. */
export async function ensureMembership(tx: Executor, viewer: Viewer, communityId: number): Promise<Role> {
  const known = viewer.roles.get(communityId);
  if (known) return known;
  const userId = viewer.user!.id;
  await tx.insert(memberships).values({ communityId, userId, role: 'member' }).onConflictDoNothing();
  const [row] = await tx
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.communityId, communityId), eq(memberships.userId, userId)));
  const role = row?.role ?? 'member';
  viewer.roles.set(communityId, role);
  return role;
}
