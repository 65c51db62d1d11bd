import { forbidden, unauthorized } from '../../errors/errors.js';
import type { Viewer, ViewerUser } from '../../visibility/viewer.js';

/** Site-wide settings and accounts are the site admins' (the code and words mailbox.service.ts uses too). */
export function requireSiteAdmin(viewer: Viewer): ViewerUser {
  if (!viewer.user) throw unauthorized();
  if (!viewer.user.isSiteAdmin) throw forbidden('not_site_admin', 'Only site admins can do this.');
  return viewer.user;
}
