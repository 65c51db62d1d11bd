import type { Role } from '../../lib/api';

/** What each role may do, in the words the settings page uses. */
export const ROLE_LABELS: Record<Role, string> = {
  member: 'Member',
  staff: 'Staff',
  moderator: 'Moderator',
  admin: 'Admin',
};

export const ROLE_HINTS: Record<Role, string> = {
  member: 'no role: posts like everyone else',
  staff: 'a badge, no powers',
  moderator: 'moderates posts, topics, flags and bans',
  admin: 'moderates and changes these settings',
};
