import type { Me, Role } from './api';

/** Mirrors the server's rule: moderators and admins of the community, and site admins. */
export const canModerate = (role: Role | null | undefined, viewer: Me | null): boolean =>
  !!viewer && (viewer.isSiteAdmin || role === 'moderator' || role === 'admin');

/** Admins of the community, and site admins. */
export const canAdminister = (role: Role | null | undefined, viewer: Me | null): boolean =>
  !!viewer && (viewer.isSiteAdmin || role === 'admin');

/** Staff, moderators and admins of the community, and site admins: they set where ideas stand. */
export const canSetIdeaStatus = (role: Role | null | undefined, viewer: Me | null): boolean =>
  !!viewer && (viewer.isSiteAdmin || role === 'staff' || role === 'moderator' || role === 'admin');
