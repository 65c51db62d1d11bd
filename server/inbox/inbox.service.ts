/**
 * A community's inbox: the few conversations where a person from the organisation is needed now
 * (inbox.items.ts finds them; inbox.rules.ts says which), and who is on which. Staff, moderators
 * and admins use it (and site admins, anywhere); held and flagged content, which only moderators
 * can settle, is shown to moderators only.
 *
 * A claim is a colleague's word about an item: taken ("I'm on it", shown to everyone so two people
 * do not answer the same thing), snoozed until a time, or done. A done item comes back when it
 * changes again (its `since` or its latest activity moves past the time it was marked done); a
 * snoozed one when its time is up.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { inboxClaims, users, type InboxClaimState } from '../../db/schema.js';
import { badRequest, conflict, forbidden, notFound, unauthorized } from '../errors/errors.js';
import { findCommunity } from '../communities/communities.service.js';
import type { CommunityRow } from '../communities/communities.present.js';
import { inboxChannel } from '../live/outbox.js';
import { logAction } from '../moderation/moderation.log.js';
import { plainExcerpt } from '../notifications/notifications.present.js';
import { INT4_MAX } from '../schemas/common.schema.js';
import { canAdminister, canModerate, canUseInbox } from '../visibility/permissions.js';
import type { Standing } from '../visibility/visibility.js';
import { roleIn, type Viewer } from '../visibility/viewer.js';
import { write, type ServiceContext } from '../write/unit-of-work.js';
import { findKind, ITEMS_PER_KIND, type KindRow } from './inbox.items.js';
import { INBOX_VIEWS, type InboxView } from './inbox.kinds.js';
import {
  applyRuleChanges,
  changedRules,
  INBOX_KINDS,
  isInboxKind,
  loadRules,
  saveRules,
  type InboxKind,
  type InboxRule,
  type RuleInput,
} from './inbox.rules.js';

export { INBOX_VIEWS, type InboxView };

/** The longest snooze: longer than a month is not "later" but "never". */
export const MAX_SNOOZE_DAYS = 30;

type Person = { id: number; handle: string; displayName: string };

export interface InboxClaim {
  state: InboxClaimState;
  by: Person;
  at: string;
  until: string | null;
}

export interface InboxItem {
  key: string;
  kind: InboxKind;
  since: string;
  topic: { id: number; title: string; kind: 'discussion' | 'question' | 'idea'; categorySlug: string | null } | null;
  post: { id: number; number: number; excerpt: string; author: Person } | null;
  detail: { votes?: number; replies?: number; flags?: number; queueItemId?: number };
  claim: InboxClaim | null;
}

/** An item as found, before claims: when it last changed decides whether a done claim still holds. */
interface Found {
  item: Omit<InboxItem, 'claim'>;
  since: Date;
  activity: Date;
}

interface ClaimRow {
  key: string;
  state: InboxClaimState;
  at: Date;
  until: Date | null;
  by: Person;
}

const MODERATION_KINDS: ReadonlySet<InboxKind> = new Set(['held', 'flagged']);

const date = (value: string | Date) => (value instanceof Date ? value : new Date(value));

// -- who ---------------------------------------------------------------------------------------

async function standingIn(db: Executor, viewer: Viewer, community: CommunityRow): Promise<Standing> {
  return { viewer, role: await roleIn(db, viewer, community.id) };
}

/** Staff, moderators, admins and site admins: 401 for guests, 403 `not_staff` for everyone else. */
async function inboxUser(db: Executor, viewer: Viewer, slug: string) {
  if (!viewer.user) throw unauthorized();
  const community = await findCommunity(db, slug);
  const standing = await standingIn(db, viewer, community);
  if (!canUseInbox(standing)) {
    throw forbidden('not_staff', 'Only staff, moderators and admins of this community can use its inbox.', { what: 'inbox' });
  }
  return { community, standing, user: viewer.user };
}

/** The kinds a viewer's inbox has: held and flagged content only for those who can settle it. */
const kindsFor = (standing: Standing, rules: InboxRule[]) => rules.filter((r) => r.enabled && (!MODERATION_KINDS.has(r.kind) || canModerate(standing)));

// -- items -------------------------------------------------------------------------------------

function present(kind: InboxKind, r: KindRow, standing: Standing): Found {
  const detail: InboxItem['detail'] = {};
  if (r.votes !== null) detail.votes = Number(r.votes);
  if (r.replies !== null) detail.replies = Number(r.replies);
  if (r.flags !== null) detail.flags = Number(r.flags);
  if (r.queue_item_id !== null) detail.queueItemId = Number(r.queue_item_id);
  // Public content everywhere but in held and flagged items, whose text is for moderators (who alone see those).
  const readable = !r.post_deleted && (!r.post_hidden || canModerate(standing));
  return {
    item: {
      key: `${kind}:${r.item_id}`,
      kind,
      since: date(r.since).toISOString(),
      topic:
        r.topic_id === null
          ? null
          : { id: Number(r.topic_id), title: r.topic_title ?? '', kind: r.topic_kind ?? 'discussion', categorySlug: r.category_slug ?? null },
      post:
        r.post_id === null || r.author_id === null
          ? null
          : {
              id: Number(r.post_id),
              number: Number(r.post_number),
              excerpt: readable && r.post_html ? plainExcerpt(r.post_html) : '',
              author: { id: Number(r.author_id), handle: r.author_handle ?? '', displayName: r.author_display_name ?? '' },
            },
      detail,
    },
    since: date(r.since),
    activity: date(r.activity),
  };
}

/** Every kind's items (each kind one statement), the newest first, and when a time-based rule next brings one. */
async function findItems(db: Executor, communityId: number, rules: InboxRule[], standing: Standing) {
  const found: Found[] = [];
  let next: Date | null = null;
  const perKind = await Promise.all(rules.map(async (rule) => ({ rule, rows: await findKind(db, rule, communityId) })));
  for (const { rule, rows: kindRows } of perKind) {
    const due: Found[] = [];
    for (const r of kindRows) {
      if (r.due) due.push(present(rule.kind, r, standing));
      else if (next === null || date(r.since) < next) next = date(r.since);
    }
    due.sort(newestFirst);
    found.push(...due.slice(0, ITEMS_PER_KIND));
  }
  return { found: found.sort(newestFirst), next };
}

const newestFirst = (a: Found, b: Found) => b.since.getTime() - a.since.getTime() || (a.item.key < b.item.key ? -1 : 1);

async function loadClaims(db: Executor, communityId: number, keys: string[]): Promise<Map<string, ClaimRow>> {
  if (!keys.length) return new Map();
  const found = await db
    .select({
      key: inboxClaims.itemKey,
      state: inboxClaims.state,
      at: inboxClaims.at,
      until: inboxClaims.until,
      by: { id: users.id, handle: users.handle, displayName: users.displayName },
    })
    .from(inboxClaims)
    .innerJoin(users, eq(users.id, inboxClaims.userId))
    .where(and(eq(inboxClaims.communityId, communityId), inArray(inboxClaims.itemKey, keys)));
  return new Map(found.map((c) => [c.key, c]));
}

/** The claim that holds now: a snooze until its time, a done until the item changes again. */
function claimNow(found: Found, claim: ClaimRow | undefined, now: Date): InboxClaim | null {
  if (!claim) return null;
  if (claim.state === 'snoozed' && (!claim.until || claim.until <= now)) return null;
  if (claim.state === 'done' && (found.since > claim.at || found.activity > claim.at)) return null;
  return { state: claim.state, by: claim.by, at: claim.at.toISOString(), until: claim.state === 'snoozed' && claim.until ? claim.until.toISOString() : null };
}

const viewOf = (claim: InboxClaim | null): InboxView => (claim === null ? 'open' : claim.state);

/** Which items a view shows: `open` is everything nobody snoozed or finished, taken or not. */
const inView = (view: InboxView, claim: InboxClaim | null) => (view === 'open' ? claim === null || claim.state === 'taken' : viewOf(claim) === view);

export async function getInbox(db: Executor, viewer: Viewer, slug: string, view: InboxView = 'open') {
  const { community, standing } = await inboxUser(db, viewer, slug);
  const rules = await loadRules(db, community.id);
  const { found, next } = await findItems(db, community.id, kindsFor(standing, rules), standing);
  const claims = await loadClaims(
    db,
    community.id,
    found.map((f) => f.item.key),
  );
  const now = new Date();
  const counts: Record<InboxView, number> = { open: 0, taken: 0, snoozed: 0, done: 0 };
  const items: InboxItem[] = [];
  let nextCheck = next;
  for (const f of found) {
    const claim = claimNow(f, claims.get(f.item.key), now);
    if (inView('open', claim)) counts.open++;
    if (claim) counts[claim.state]++;
    if (claim?.state === 'snoozed' && claim.until && (nextCheck === null || new Date(claim.until) < nextCheck)) nextCheck = new Date(claim.until);
    if (inView(view, claim)) items.push({ ...f.item, claim });
  }
  return { items, counts, rules, nextCheckAt: nextCheck?.toISOString() ?? null };
}

/**
 * Open items per kind (nobody snoozed or finished them; taken ones count) in a community, as its
 * moderators' inbox shows them: for the weekly summary to its admins.
 */
export async function countInbox(db: Executor, communityId: number): Promise<Record<InboxKind, number>> {
  const rules = (await loadRules(db, communityId)).filter((r) => r.enabled);
  const everything: Standing = {
    viewer: {
      user: { id: 0, handle: '', displayName: '', avatarUrl: null, createdAt: new Date(0), isSiteAdmin: true },
      sessionId: null,
      roles: new Map(),
    },
    role: 'admin',
  };
  const { found } = await findItems(db, communityId, rules, everything);
  const claims = await loadClaims(
    db,
    communityId,
    found.map((f) => f.item.key),
  );
  const now = new Date();
  const counts = Object.fromEntries(INBOX_KINDS.map((k) => [k, 0])) as Record<InboxKind, number>;
  for (const f of found) if (inView('open', claimNow(f, claims.get(f.item.key), now))) counts[f.item.kind]++;
  return counts;
}

// -- claims ------------------------------------------------------------------------------------

export interface ItemChange {
  state: InboxClaimState | 'open';
  until?: string | undefined;
  takeOver?: boolean | undefined;
}

const KEY = /^([a-z_]+):([1-9][0-9]{0,9})$/;

const itemNotFound = (key: string) => notFound('inbox_item_not_found', 'This is not an item of the inbox (any more).', { key });

/** The item a key names, if it is one now for this viewer (a claim does not matter here). */
async function findOne(db: Executor, communityId: number, key: string, standing: Standing): Promise<Found> {
  const m = KEY.exec(key);
  const kind = m?.[1];
  const id = Number(m?.[2]);
  if (!kind || !isInboxKind(kind) || id > INT4_MAX) throw itemNotFound(key);
  const rule = kindsFor(standing, await loadRules(db, communityId)).find((r) => r.kind === kind);
  if (!rule) throw itemNotFound(key);
  const row = (await findKind(db, rule, communityId, id)).find((r) => r.due && Number(r.item_id) === id);
  if (!row) throw itemNotFound(key);
  return present(kind, row, standing);
}

function snoozeEnd(change: ItemChange): Date | null {
  if (change.state !== 'snoozed') return null;
  const until = change.until === undefined ? null : new Date(change.until);
  const now = Date.now();
  if (!until || Number.isNaN(until.getTime()) || until.getTime() <= now || until.getTime() > now + MAX_SNOOZE_DAYS * 86_400_000) {
    throw badRequest('invalid_snooze', `A snooze needs \`until\`: a time in the future, at most ${MAX_SNOOZE_DAYS} days ahead.`, { maxDays: MAX_SNOOZE_DAYS });
  }
  return until;
}

const taken = (by: string) => conflict('inbox_item_taken', `@${by} is already on this item.`, { handle: by });

/**
 * Takes, snoozes, finishes or gives back an item. Someone else's "taken" stands unless `takeOver`
 * says to take it over (409 `inbox_item_taken` otherwise, naming who). Every change is told to the
 * community's inbox channel in its transaction.
 */
export async function setInboxItem(ctx: ServiceContext, viewer: Viewer, slug: string, key: string, change: ItemChange) {
  const { community, standing, user } = await inboxUser(ctx.db, viewer, slug);
  const until = snoozeEnd(change);
  const found = await findOne(ctx.db, community.id, key, standing);
  const overrule = change.takeOver === true;
  await write(ctx, async ({ tx, emit }) => {
    // Someone else's "taken" holds unless taken over: the condition is in the statement, so two colleagues racing cannot both win.
    const mayChange = sql`(${inboxClaims.state} <> 'taken' OR ${inboxClaims.userId} = ${user.id} OR ${overrule})`;
    const changed =
      change.state === 'open'
        ? await tx
            .delete(inboxClaims)
            .where(and(eq(inboxClaims.communityId, community.id), eq(inboxClaims.itemKey, key), mayChange))
            .returning({ key: inboxClaims.itemKey })
        : await tx
            .insert(inboxClaims)
            .values({ communityId: community.id, itemKey: key, state: change.state, userId: user.id, until })
            .onConflictDoUpdate({
              target: [inboxClaims.communityId, inboxClaims.itemKey],
              set: { state: change.state, userId: user.id, at: sql`now()`, until },
              setWhere: mayChange,
            })
            .returning({ key: inboxClaims.itemKey });
    if (!changed.length) {
      const [holder] = await rows<{ handle: string }>(
        tx,
        sql`SELECT u.handle FROM inbox_claims c JOIN users u ON u.id = c.user_id
            WHERE c.community_id = ${community.id} AND c.item_key = ${key} AND c.state = 'taken' AND c.user_id <> ${user.id}`,
      );
      if (holder) throw taken(holder.handle);
      return;
    }
    await emit(inboxChannel(community.slug), 'inbox.changed', { key });
  });
  const claims = await loadClaims(ctx.db, community.id, [key]);
  return { item: { ...found.item, claim: claimNow(found, claims.get(key), new Date()) } };
}

// -- rules -------------------------------------------------------------------------------------

/** Anyone may read them: what puts an item in front of the organisation is no secret (changes are in the public log too). */
export async function getInboxRules(db: Executor, slug: string) {
  const community = await findCommunity(db, slug);
  return { rules: await loadRules(db, community.id) };
}

/**
 * Admins change the rules; kinds not named keep theirs. A real change is an entry in the public
 * moderation log (`change_inbox_rules`, its detail the changed rules as JSON) and is told to open
 * inboxes; the same rules again change nothing.
 */
export async function setInboxRules(ctx: ServiceContext, viewer: Viewer, slug: string, input: RuleInput[]) {
  if (!viewer.user) throw unauthorized();
  const userId = viewer.user.id;
  const community = await findCommunity(ctx.db, slug);
  if (!canAdminister(await standingIn(ctx.db, viewer, community)))
    throw forbidden('not_admin', 'Only admins of this community can change its inbox rules.', { what: 'inbox_rules' });
  return write(ctx, async ({ tx, emit }) => {
    // One admin's change at a time: the second reads the first's rules as its starting point.
    await tx.execute(sql`SELECT 1 FROM communities WHERE id = ${community.id} FOR UPDATE`);
    const before = await loadRules(tx, community.id);
    const after = applyRuleChanges(before, input);
    const changed = changedRules(before, after);
    if (!changed.length) return { rules: before };
    await saveRules(tx, community.id, after);
    await logAction(tx, {
      communityId: community.id,
      moderatorId: userId,
      action: 'change_inbox_rules',
      targetType: 'community',
      targetId: community.id,
      detail: JSON.stringify({ rules: changed }),
    });
    await emit(inboxChannel(community.slug), 'inbox.changed', {});
    return { rules: after };
  });
}
