import { forbidden, unauthorized } from '../errors/errors.js';
import { canModerate } from '../visibility/permissions.js';
import type { Standing } from '../visibility/visibility.js';

/** Moderators and admins act only in their own community; staff are participants, not moderators. */
export function requireModerator(standing: Standing): void {
  if (!standing.viewer.user) throw unauthorized();
  if (!canModerate(standing)) throw forbidden('not_moderator', 'Only moderators of this community can do this.');
}
