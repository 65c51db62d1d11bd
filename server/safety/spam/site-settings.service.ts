import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { siteSettings, type SignupChallengeMode } from '../../../db/schema.js';
import type { Viewer } from '../../visibility/viewer.js';
import { requireSiteAdmin } from './site-admin.guard.js';

export interface SiteSettings {
  signupChallenge: SignupChallengeMode;
}

/** The one row (id 1) the migration made; a database restored without it still answers the defaults. */
export async function readSiteSettings(db: Executor): Promise<SiteSettings> {
  const [row] = await db.select({ signupChallenge: siteSettings.signupChallenge }).from(siteSettings).where(eq(siteSettings.id, 1));
  return { signupChallenge: row?.signupChallenge ?? 'auto' };
}

export async function getSiteSettings(db: Executor, viewer: Viewer): Promise<SiteSettings> {
  requireSiteAdmin(viewer);
  return readSiteSettings(db);
}

export async function updateSiteSettings(db: Executor, viewer: Viewer, input: Partial<SiteSettings>): Promise<SiteSettings> {
  requireSiteAdmin(viewer);
  if (input.signupChallenge !== undefined) {
    await db
      .insert(siteSettings)
      .values({ id: 1, signupChallenge: input.signupChallenge })
      .onConflictDoUpdate({ target: siteSettings.id, set: { signupChallenge: input.signupChallenge, updatedAt: sql`now()` } });
  }
  return readSiteSettings(db);
}
