import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { watchedWords } from '../../../db/schema.js';
import type { Bus } from '../../live/bus.js';
import { compileRule, type CompiledRule } from './matcher.js';

/**
 * Each community's rules, compiled once and kept per process, so posting costs no query for them.
 * A change, made on any process, is signalled on the bus and every process reads the community's
 * rules again at once (followRuleChanges): a spam wave's word, added on one process, stops the
 * next post on all of them. KEEP_MS only bounds what a lost signal could leave behind (the bus
 * resyncs after losing anything, which forgets every community's rules anyway).
 */
export const KEEP_MS = 60_000;

const SIGNAL_PREFIX = 'watched-words:';
/** The bus signal that a community's rules changed. */
export const rulesSignal = (communityId: number) => `${SIGNAL_PREFIX}${communityId}`;

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

/** Forgets a community's rules here, and on every other process, before it resolves. */
export async function rulesChanged(ctx: { db: Executor; bus: Pick<Bus, 'publishSignal'> }, communityId: number): Promise<void> {
  forgetRules(ctx.db, communityId);
  await ctx.bus.publishSignal(rulesSignal(communityId));
}

/** Keeps the rules kept for `db` in step with changes made by any process; returns the stop. */
export function followRuleChanges(db: Executor, bus: Pick<Bus, 'onSignal' | 'onResync'>): () => void {
  const stops = [
    bus.onSignal((payload) => {
      if (payload.startsWith(SIGNAL_PREFIX)) forgetRules(db, Number(payload.slice(SIGNAL_PREFIX.length)));
    }),
    bus.onResync(() => kept.delete(db)),
  ];
  return () => stops.forEach((stop) => stop());
}
