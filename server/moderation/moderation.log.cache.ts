import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import type { KeptJson } from '../compression/kept-json.js';

/**
 * A serialised first page of a community's log, and the newest entry it was read with. Guests'
 * first pages are kept per process in a TopicListCache: an entry serves only while the
 * community's newest log entry is still the one it was read with (one index lookup, so a logged
 * action, in any process, shows at once); titles of topics hidden or renamed since are caught by
 * the community's live events, and by the time to live otherwise (as for topic lists).
 */
export interface KeptLogPage {
  top: number | null;
  json: KeptJson;
}

/** The id of the community's newest log entry; null when it has none (or there is no such community). */
export async function newestLogEntry(db: Executor, slug: string): Promise<number | null> {
  const [row] = await rows<{ top: number | null }>(
    db,
    sql`SELECT (SELECT l.id FROM moderation_log l WHERE l.community_id = c.id ORDER BY l.id DESC LIMIT 1) AS top
        FROM communities c WHERE c.slug = ${slug.toLowerCase()}`,
  );
  return row?.top === null || row?.top === undefined ? null : Number(row.top);
}
