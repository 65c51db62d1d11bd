import type { Db } from '../../db/client.js';
import { findCommunity } from '../communities/communities.service.js';
import { notFound } from '../errors/errors.js';
import { HelpersCache } from '../reputation/helpers.cache.js';
import { readInsights } from './insights.service.js';

/** The public panel looks back this far from now. */
export const HEALTH_DAYS = 90;
/** How long each process keeps a community's panel: it moves slowly, and any reader may ask. */
export const HEALTH_CACHE_SECONDS = 300;

export interface Health {
  from: string;
  to: string;
  solvedRate: number | null;
  firstResponseMedianSeconds: number | null;
  memberReplyShare: number | null;
}

/** The health panel's figures: the insights of the last HEALTH_DAYS days, as members see them. */
export async function readHealth(db: Db, communityId: number, now: Date = new Date()): Promise<Health> {
  const from = new Date(now.getTime() - HEALTH_DAYS * 86_400_000);
  const { totals } = await readInsights(db, communityId, { from, to: now, interval: 'week', now });
  return {
    from: from.toISOString(),
    to: now.toISOString(),
    solvedRate: totals.solvedRate,
    firstResponseMedianSeconds: totals.firstResponseMedianSeconds,
    memberReplyShare: totals.staffReplyShare === null ? null : 1 - totals.staffReplyShare,
  };
}

/**
 * GET /api/communities/:slug/health: public once the community's admin switched the panel on
 * (404 `health_panel_off` until then; the switch is read at every request, the figures are kept
 * HEALTH_CACHE_SECONDS per process).
 */
export function healthPanel(db: Db, cacheSeconds: number = HEALTH_CACHE_SECONDS) {
  const cache = new HelpersCache<Health>(cacheSeconds);
  return async (slug: string): Promise<Health> => {
    const community = await findCommunity(db, slug);
    if (!community.healthPanel) throw notFound('health_panel_off', 'This community does not show its health overview.', { slug: community.slug });
    return cache.get(String(community.id), () => readHealth(db, community.id));
  };
}
