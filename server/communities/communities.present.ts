import type { categories, communities, Role } from '../../db/schema.js';
import type { CommunityCapabilities } from '../rules/capabilities.js';

export type CommunityRow = typeof communities.$inferSelect;
export type CategoryRow = typeof categories.$inferSelect;

/** What a category shows of itself (a row, or the same fields read as JSON). */
export type ShownCategory = Pick<CategoryRow, 'id' | 'slug' | 'name' | 'description' | 'position' | 'unlisted'>;

export const presentCategory = (c: ShownCategory) => ({
  id: c.id,
  slug: c.slug,
  name: c.name,
  description: c.description,
  position: c.position,
  unlisted: c.unlisted,
});

/** What only a read of one community adds to it. */
export interface CommunityDetail {
  categories: ShownCategory[];
  /** The viewer's role here; null for guests and signed-in non-members. */
  viewerRole: Role | null;
  /** What the viewer may do here (permissions.ts decides). */
  viewerCan: CommunityCapabilities;
  /** Admins only. */
  embed?: { allowedOrigins: string[]; ssoSecretCreatedAt: string | null };
}

/** A community as lists show it. */
export const presentCommunitySummary = (c: CommunityRow) => ({
  id: c.id,
  slug: c.slug,
  name: c.name,
  description: c.description,
  accentColor: c.accentColor,
  language: c.language,
  isDemo: c.isDemo,
  unlisted: c.unlisted,
  healthPanel: c.healthPanel,
  uploadFileTypes: c.uploadFileTypes,
  moderation: {
    flagThreshold: c.flagThreshold,
    holdFirstPosts: c.holdFirstPosts,
    requireVerifiedEmail: c.requireVerifiedEmail,
    holdNewMemberLinks: c.holdNewMemberLinks,
    keepAcceptedAnswers: c.keepAcceptedAnswers,
  },
  createdAt: c.createdAt.toISOString(),
});

/** A community and its categories as everyone may see them, whoever reads: `community.updated` carries it. */
export const presentPublicCommunity = (c: CommunityRow, cats: ShownCategory[]) => ({
  ...presentCommunitySummary(c),
  categories: cats.map(presentCategory),
});

/** One community as reading, creating or changing it answers. */
export const presentCommunity = (c: CommunityRow, detail: CommunityDetail) => ({
  ...presentPublicCommunity(c, detail.categories),
  viewerRole: detail.viewerRole,
  viewerCan: detail.viewerCan,
  ...(detail.embed ? { embed: detail.embed } : {}),
});
