/**
 * "New members' links wait for review": with the community's switch on, a post or topic with at
 * least one link, by an account in its first NEW_ACCOUNT_HOURS (the same "new" as the posting
 * limits), is stored hidden pending review, like a held first post: a queue item of the held
 * kind that a moderator approves, and a public log entry by the system.
 *
 * New is the account's age, not the member's first day in this community: spam waves come from
 * fresh accounts, while a long-standing member who joins another community is no new risk (and
 * the age needs no query). The organisation's people and site admins are never held (isNeverHeld).
 */
import type { Role } from '../../../db/schema.js';
import { NEW_ACCOUNT_HOURS } from '../../limits/posting-limits.js';
import type { HoldReason } from '../../moderation/hold.js';
import { isNeverHeld } from '../../visibility/permissions.js';
import type { ViewerUser } from '../../visibility/viewer.js';

export const NEW_MEMBER_LINKS_HOLD: HoldReason = { reasonCode: 'held_links', topicReasonCode: 'held_links' };

export const isNewAccount = (user: ViewerUser, now = Date.now()): boolean => now - user.createdAt.getTime() < NEW_ACCOUNT_HOURS * 3600_000;

/** Whether this post waits for a moderator because of its links (`links`: what the renderer counted). */
export function holdsNewMemberLinks(community: { holdNewMemberLinks?: boolean | undefined }, user: ViewerUser, role: Role | null, links: number): boolean {
  return !!community.holdNewMemberLinks && links > 0 && !isNeverHeld(user, role) && isNewAccount(user);
}
