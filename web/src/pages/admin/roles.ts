import type { Role } from '../../lib/api';
import { t, type MessageKey } from '../../lib/i18n.svelte';

/** What each role is called, and what it may do, in the words the settings page uses. */
const LABELS: Record<Role, MessageKey> = {
  member: 'admin.role.member',
  staff: 'admin.role.staff',
  moderator: 'admin.role.moderator',
  admin: 'admin.role.admin',
};

const HINTS: Record<Role, MessageKey> = {
  member: 'admin.role.member_hint',
  staff: 'admin.role.staff_hint',
  moderator: 'admin.role.moderator_hint',
  admin: 'admin.role.admin_hint',
};

/** Call at render time (in markup or $derived), so that a change of language shows at once. */
export const roleLabel = (role: Role): string => t(LABELS[role]);
export const roleHint = (role: Role): string => t(HINTS[role]);
