import { and, eq, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db, Executor } from '../../db/client.js';
import { bans, users, type CannedReason } from '../../db/schema.js';
import { badRequest, forbidden, notFound } from '../errors/errors.js';
import { findCommunity } from '../communities/communities.service.js';
import { decodeIdCursor } from '../topics/topics.cursor.js';
import { presentUser, userColumns } from '../users/users.present.js';
import { canModerate } from '../visibility/permissions.js';
import type { Standing } from '../visibility/visibility.js';
import { roleIn, userViewer, type Viewer } from '../visibility/viewer.js';
import { banInForce } from './bans.js';
import { requireModerator } from './moderation.guard.js';
import { logAction } from './moderation.log.js';
import { isReasonCode, reasonText } from './system-reasons.js';
import { SOURCE_LOCALE } from '../i18n/locales.js';

const banned = alias(users, 'banned');
const moderators = alias(users, 'moderator');

async function moderatorOf(db: Executor, viewer: Viewer, slug: string) {
  const community = await findCommunity(db, slug);
  const standing: Standing = { viewer, role: await roleIn(db, viewer, community.id) };
  requireModerator(standing);
  return { community, moderatorId: viewer.user!.id };
}

async function findUser(db: Executor, handle: string) {
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.handle}) = ${handle.toLowerCase()}`);
  if (!user) throw notFound('user_not_found', `No user "${handle}".`, { handle });
  return user;
}

export interface BanInput {
  handle: string;
  /** The moderator's own words, or (then null) the canned reason's code: exactly one (see givenReason). */
  reason: string | null;
  reasonCode: CannedReason | null;
  until?: string | undefined;
}

/**
 * Bans a member from writing in this community (reading stays open). A new ban replaces the
 * member's current one, so a moderator can shorten or extend it. Moderators cannot ban each other:
 * that is a role change, for an admin to make.
 */
export async function createBan(db: Db, viewer: Viewer, slug: string, input: BanInput, locale: string = SOURCE_LOCALE) {
  const { community, moderatorId } = await moderatorOf(db, viewer, slug);
  const target = await findUser(db, input.handle);
  const until = input.until === undefined ? null : new Date(input.until);
  if (until && until.getTime() <= Date.now()) throw badRequest('invalid_until', 'A ban must end in the future (or leave out `until`).', { problem: 'past' });
  // A valid date-time can still land past what the database stores (offsets can push 9999 over).
  if (until && until.getUTCFullYear() > 9999)
    throw badRequest('invalid_until', 'A ban must end before the year 10000 (or leave out `until` for no end).', { problem: 'too_late' });
  if (canModerate({ viewer: userViewer(target), role: await roleIn(db, userViewer(target), community.id) }))
    throw forbidden('cannot_ban_moderator', 'Moderators and admins cannot be banned; change their role first.');
  const { reason, reasonCode } = input;
  const id = await db.transaction(async (tx) => {
    await tx
      .update(bans)
      .set({ liftedAt: sql`now()` })
      .where(and(eq(bans.communityId, community.id), eq(bans.userId, target.id), isNull(bans.liftedAt)));
    const [row] = await tx
      .insert(bans)
      .values({ communityId: community.id, userId: target.id, reason, reasonCode, until, createdById: moderatorId })
      .returning({ id: bans.id });
    await logAction(tx, {
      communityId: community.id,
      moderatorId,
      action: 'ban_user',
      targetType: 'user',
      targetId: target.id,
      reason,
      reasonCode,
      detail: until ? `until ${until.toISOString()}` : 'permanent',
    });
    return row!.id;
  });
  return { ban: await loadBan(db, id, community.slug, locale) };
}

/** Lifts the member's active ban (if any) and logs it; lifting when there is none is a 404. */
export async function liftBan(db: Db, viewer: Viewer, slug: string, handle: string, locale: string = SOURCE_LOCALE) {
  const { community, moderatorId } = await moderatorOf(db, viewer, slug);
  const target = await findUser(db, handle);
  const id = await db.transaction(async (tx) => {
    const lifted = await tx
      .update(bans)
      .set({ liftedAt: sql`now()` })
      .where(and(eq(bans.communityId, community.id), eq(bans.userId, target.id), banInForce()))
      .returning({ id: bans.id });
    if (!lifted.length) throw notFound('ban_not_found', `@${target.handle} is not banned here.`, { handle: target.handle });
    await logAction(tx, { communityId: community.id, moderatorId, action: 'unban_user', targetType: 'user', targetId: target.id });
    return lifted[0]!.id;
  });
  return { ban: await loadBan(db, id, community.slug, locale) };
}

const banSelection = { ban: bans, user: userColumns(banned), moderator: userColumns(moderators) };
type BanSelected = { ban: typeof bans.$inferSelect; user: Parameters<typeof presentUser>[0]; moderator: Parameters<typeof presentUser>[0] };

const presentBan = (r: BanSelected, community: string, locale: string) => ({
  id: r.ban.id,
  community,
  user: presentUser(r.user),
  reason: reasonText(r.ban.reason, r.ban.reasonCode, locale) ?? '',
  // Only a ban with a canned reason carries its code, beside its words.
  ...(r.ban.reason === null && isReasonCode(r.ban.reasonCode) ? { reasonCode: r.ban.reasonCode } : {}),
  until: r.ban.until?.toISOString() ?? null,
  moderator: presentUser(r.moderator),
  createdAt: r.ban.createdAt.toISOString(),
  liftedAt: r.ban.liftedAt?.toISOString() ?? null,
});

async function loadBan(db: Executor, id: number, community: string, locale: string) {
  const [row] = await db
    .select(banSelection)
    .from(bans)
    .innerJoin(banned, eq(banned.id, bans.userId))
    .innerJoin(moderators, eq(moderators.id, bans.createdById))
    .where(eq(bans.id, id));
  return presentBan(row!, community, locale);
}

/** Bans in force, newest first: moderators only (the public log already tells who was banned and why). */
export async function listBans(
  db: Executor,
  viewer: Viewer,
  slug: string,
  page: { cursor?: string | undefined; limit?: number | undefined },
  locale: string = SOURCE_LOCALE,
) {
  const { community } = await moderatorOf(db, viewer, slug);
  const before = decodeIdCursor(page.cursor);
  const limit = page.limit ?? 50;
  const found = await db
    .select(banSelection)
    .from(bans)
    .innerJoin(banned, eq(banned.id, bans.userId))
    .innerJoin(moderators, eq(moderators.id, bans.createdById))
    .where(and(eq(bans.communityId, community.id), banInForce(), before === null ? undefined : sql`${bans.id} < ${before}`))
    .orderBy(sql`${bans.id} DESC`)
    .limit(limit + 1);
  return {
    items: found.slice(0, limit).map((r) => presentBan(r, community.slug, locale)),
    nextCursor: found.length > limit ? String(found[limit - 1]!.ban.id) : null,
  };
}
