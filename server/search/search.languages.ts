import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';

/**
 * Our copies of PostgreSQL's configurations with accents folded (migration 0008), for the
 * languages whose readers commonly type words without their accents.
 */
const FOLDED: Record<string, string> = {
  english: 'parley_english',
  german: 'parley_german',
  french: 'parley_french',
  spanish: 'parley_spanish',
};
/** Language-neutral: no stemming, accents folded. */
export const SIMPLE_CONFIG = 'parley_simple';

const englishNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
/** Configuration names found (or not) in pg_ts_config, per process: the catalogue only changes with a migration. */
const available = new Map<string, boolean>();

/**
 * The text-search configuration a community's posts are indexed and searched with, from its
 * language code: our folded copies for en/de/fr/es, else the PostgreSQL configuration named after
 * the language in English when the database has one ("it" → italian, "pt-BR" → portuguese),
 * else simple (no stemming).
 */
export async function searchConfigFor(db: Executor, language: string): Promise<string> {
  let name: string | undefined;
  try {
    name = englishNames.of(language.split(/[-_]/)[0]!.toLowerCase())?.toLowerCase();
  } catch {
    return SIMPLE_CONFIG; // not a language code at all
  }
  if (!name) return SIMPLE_CONFIG;
  const folded = FOLDED[name];
  if (folded) return folded;
  if (!/^[a-z]+$/.test(name)) return SIMPLE_CONFIG;
  let found = available.get(name);
  if (found === undefined) {
    const hit = await rows<{ ok: number }>(db, sql`SELECT 1 AS ok FROM pg_ts_config WHERE cfgname = ${name} AND pg_ts_config_is_visible(oid)`);
    found = hit.length > 0;
    available.set(name, found);
  }
  return found ? name : SIMPLE_CONFIG;
}
