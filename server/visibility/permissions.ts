/**
 * The one place that decides what a viewer may do. Services refuse with these rules, and the
 * replies the web reads carry their answers (`viewerCan` on a community and on a topic page), so
 * no component re-derives a permission and the two cannot disagree. What a viewer may *see* is
 * decided next door, in visibility.ts, on top of these.
 */
import type { Role, TopicKind } from '../../db/schema.js';
import { NO_TOPIC_CAPABILITIES, type CommunityCapabilities, type TopicCapabilities } from '../rules/capabilities.js';
import type { ViewerUser } from './viewer.js';
import type { Standing } from './visibility.js';

// -- roles ------------------------------------------------------------------------------------

/** Moderators and admins hold a community's moderating powers (admins add its settings). */
export const isModeratorRole = (role: Role | null): boolean => role === 'moderator' || role === 'admin';

/**
 * The organisation's own people in a community: staff, moderators and admins, every role above
 * member. They answer ideas, and "hold first posts" never holds them.
 */
export const isOrganisationRole = (role: Role | null): boolean => role === 'staff' || isModeratorRole(role);

/**
 * The roles that speak for the organisation, shown as staff everywhere: staff and admins.
 * Moderators are not among them: they are mostly volunteers from the community.
 */
export const OFFICIAL_ROLES: readonly Role[] = ['staff', 'admin'];

export function canModerate({ viewer, role }: Standing): boolean {
  return !!viewer.user && (viewer.user.isSiteAdmin || isModeratorRole(role));
}

export function canAdminister({ viewer, role }: Standing): boolean {
  return !!viewer.user && (viewer.user.isSiteAdmin || role === 'admin');
}

/** Who answers ideas for the organisation: its staff (that is what staff are for), moderators, admins, site admins. */
export function canAnswerIdeas({ viewer, role }: Standing): boolean {
  return !!viewer.user && (viewer.user.isSiteAdmin || isOrganisationRole(role));
}

/** The inbox of what needs a person is the organisation's worklist: its staff, moderators and admins, and site admins. */
export function canUseInbox({ viewer, role }: Standing): boolean {
  return !!viewer.user && (viewer.user.isSiteAdmin || isOrganisationRole(role));
}

/** Insights are the organisation's view of its community (how fast and by whom help comes): its own people and site admins. */
export function canViewInsights({ viewer, role }: Standing): boolean {
  return !!viewer.user && (viewer.user.isSiteAdmin || isOrganisationRole(role));
}

/** Moderators clean up and admins set up: both post in bursts and are trusted not to spam. */
export const isExemptFromPostingLimits = (user: ViewerUser, role: Role | null): boolean => user.isSiteAdmin || isModeratorRole(role);

/** With "hold first posts" on, the organisation's own people (and site admins) still post at once. */
export const isNeverHeld = (user: ViewerUser, role: Role | null): boolean => user.isSiteAdmin || isOrganisationRole(role);

/**
 * Slow mode paces members, not the people who keep the thread calm: moderators, admins and site
 * admins reply at any pace. Staff are participants and keep the pace like everyone else.
 */
export const isExemptFromSlowMode = (user: ViewerUser, role: Role | null): boolean => user.isSiteAdmin || isModeratorRole(role);

// -- topics -----------------------------------------------------------------------------------

/** Only a question has an accepted answer: a discussion or an idea has no single right reply. */
export const canHaveAnswer = (kind: TopicKind): boolean => kind === 'question';

/** Only ideas take votes and a status from the organisation. */
export const isIdea = (kind: TopicKind): boolean => kind === 'idea';

/** A lock closes a topic to writing (replies, edits) for everyone but moderators. */
export const isOpenTo = (standing: Standing, topic: { locked: boolean }): boolean => !topic.locked || canModerate(standing);

/** The topic's author or a moderator: they retitle and move it, and choose its accepted answer. */
export const isAuthorOrModerator = (standing: Standing, topic: { authorId: number }): boolean =>
  standing.viewer.user?.id === topic.authorId || canModerate(standing);

/** A lock closes an idea's tally for everyone, moderators too: the count people see is final until unlocked. */
export const votesOpen = (topic: { kind: TopicKind; locked: boolean }): boolean => isIdea(topic.kind) && !topic.locked;

// -- capabilities: these rules' answers, as the web gets them ----------------------------------

/** Where a viewer stands, plus whether a ban stops them writing there. */
export interface Position extends Standing {
  banned: boolean;
}

/**
 * Guests may do nothing. This is all a guest's capabilities ever depend on: anonymous topic pages
 * are cached and shared by every guest.
 */
const GUEST_COMMUNITY_CAPABILITIES: Readonly<CommunityCapabilities> = Object.freeze({
  moderate: false,
  administer: false,
  setIdeaStatus: false,
  startTopic: false,
  useInbox: false,
  viewInsights: false,
});

/** A banned member reads on but writes nothing. Moderating is not writing as a member (and moderators cannot be banned). */
export function communityCapabilities(position: Position): CommunityCapabilities {
  if (!position.viewer.user) return { ...GUEST_COMMUNITY_CAPABILITIES };
  const writes = !position.banned;
  return {
    moderate: canModerate(position),
    administer: canAdminister(position),
    setIdeaStatus: writes && canAnswerIdeas(position),
    startTopic: writes,
    useInbox: canUseInbox(position),
    viewInsights: canViewInsights(position),
  };
}

export function topicCapabilities(position: Position, topic: { kind: TopicKind; locked: boolean; authorId: number }): TopicCapabilities {
  if (!position.viewer.user) return { ...NO_TOPIC_CAPABILITIES };
  const writes = !position.banned;
  const open = writes && isOpenTo(position, topic);
  return {
    reply: open,
    editOwnPosts: open,
    deleteOwnPosts: writes,
    react: writes,
    report: writes,
    moderate: canModerate(position),
    edit: open && isAuthorOrModerator(position, topic),
    acceptAnswer: writes && canHaveAnswer(topic.kind) && isAuthorOrModerator(position, topic),
    vote: writes && votesOpen(topic),
    setIdeaStatus: writes && isIdea(topic.kind) && canAnswerIdeas(position),
  };
}
