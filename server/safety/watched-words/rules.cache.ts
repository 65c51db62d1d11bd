import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { watchedWords } from '../../../db/schema.js';
import { compileRule, type CompiledRule } from './matcher.js';

/**
 * Each community's rules, compiled once and kept per process. A change made here clears the
 * community's entry at once; a change made by another process is seen within KEEP_MS (a rule
 * added there lets posts through here for at most those seconds, which a moderator adding a rule
 * by hand does not notice, and it costs posting no query at all).
 */
export const KEEP_MS = 5_000;

interface Kept {
  at: number;
  rules: Promise<CompiledRule[]>;
}

// Keyed by the database: a process (a test run) may hold several, whose community ids overlap.
const kept = new WeakMap<object, Map<number, Kept>>();

const keptFor = (db: Executor) => {
  let map = kept.get(db);
  if (!map) kept.set(db, (map = new Map<number, Kept>()));
  return map;
};

async function load(db: Executor, communityId: number): Promise<CompiledRule[]> {
  const stored = await db.select().from(watchedWords).where(eq(watchedWords.communityId, communityId)).orderBy(asc(watchedWords.id));
  const compiled: CompiledRule[] = [];
  for (const r of stored) {
    try {
      compiled.push(compileRule(r));
    } catch {
      // A rule saved before the checker grew stricter is skipped rather than failing every post.
    }
  }
  return compiled;
}

export function communityRules(db: Executor, communityId: number): Promise<CompiledRule[]> {
  const map = keptFor(db);
  const entry = map.get(communityId);
  if (entry && Date.now() - entry.at < KEEP_MS) return entry.rules;
  const rules = load(db, communityId);
  map.set(communityId, { at: Date.now(), rules });
  // A failed read is not kept.
  rules.catch(() => map.delete(communityId));
  return rules;
}

export function forgetRules(db: Executor, communityId: number): void {
  kept.get(db)?.delete(communityId);
}
