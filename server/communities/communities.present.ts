import type { categories, communities, Role } from '../../db/schema.js';
import type { CommunityCapabilities } from '../rules/capabilities.js';

export type CommunityRow = typeof communities.$inferSelect;
export type CategoryRow = typeof categories.$inferSelect;

export const presentCategory = (c: CategoryRow) => ({
  id: c.id, slug: c.slug, name: c.name, description: c.description, position: c.position,
});

export interface CommunityExtras {
  categories?: CategoryRow[];
  viewerRole?: Role | null;
  viewerCan?: CommunityCapabilities;
  /** Admins only. */
  embed?: { allowedOrigins: string[]; ssoSecretCreatedAt: string | null };
}

export const presentCommunity = (c: CommunityRow, extras: CommunityExtras = {}) => ({
  id: c.id,
  slug: c.slug,
  name: c.name,
  description: c.description,
  accentColor: c.accentColor,
  isDemo: c.isDemo,
  moderation: { flagThreshold: c.flagThreshold, holdFirstPosts: c.holdFirstPosts },
  createdAt: c.createdAt.toISOString(),
  ...(extras.categories ? { categories: extras.categories.map(presentCategory) } : {}),
  ...(extras.viewerRole !== undefined ? { viewerRole: extras.viewerRole } : {}),
  ...(extras.viewerCan ? { viewerCan: extras.viewerCan } : {}),
  ...(extras.embed ? { embed: extras.embed } : {}),
});
