/**
 * The rules that put items into a community's inbox: one per kind, on or off, and for the kinds
 * that wait or count, how long or how many. A community stores only what it changed; everything
 * else is the default here, so a default can improve for every community that kept it.
 */
import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { inboxRules } from '../../db/schema.js';
import { badRequest } from '../errors/errors.js';
import { INBOX_KINDS, type InboxKind } from './inbox.kinds.js';

export { INBOX_KINDS, type InboxKind };
export const isInboxKind = (value: string): value is InboxKind => (INBOX_KINDS as readonly string[]).includes(value);

/** What a kind's threshold measures; held and flagged content has none (it is there until settled). */
export type ThresholdUnit = 'hours' | 'days' | 'votes';

export const THRESHOLDS: Readonly<Record<InboxKind, ThresholdUnit | null>> = {
  no_reply: 'hours',
  asker_waiting: 'hours',
  stale_unsolved: 'days',
  popular_idea: 'votes',
  mentions_staff: 'days',
  held: null,
  flagged: null,
};

/** The bounds of each unit: a month of hours, a quarter of days, and more votes than any idea gets. */
export const THRESHOLD_RANGE: Readonly<Record<ThresholdUnit, { min: number; max: number }>> = {
  hours: { min: 1, max: 720 },
  days: { min: 1, max: 90 },
  votes: { min: 1, max: 100_000 },
};

export interface InboxRule {
  kind: InboxKind;
  enabled: boolean;
  hours?: number;
  days?: number;
  votes?: number;
}

const DEFAULT_THRESHOLD: Readonly<Record<InboxKind, number | null>> = {
  no_reply: 24,
  asker_waiting: 24,
  stale_unsolved: 7,
  popular_idea: 10,
  mentions_staff: 7,
  held: null,
  flagged: null,
};

type Stored = Record<string, { enabled?: boolean; hours?: number; days?: number; votes?: number }>;

function ruleOf(kind: InboxKind, enabled: boolean, threshold: number | null): InboxRule {
  const unit = THRESHOLDS[kind];
  return unit && threshold !== null ? { kind, enabled, [unit]: threshold } : { kind, enabled };
}

/** A rule's threshold (null for held and flagged). */
export const thresholdOf = (rule: InboxRule): number | null => {
  const unit = THRESHOLDS[rule.kind];
  return unit ? (rule[unit] ?? DEFAULT_THRESHOLD[rule.kind]) : null;
};

/** Every kind's rule, in the order of INBOX_KINDS: the stored choices over the defaults. */
export function effectiveRules(stored: Stored): InboxRule[] {
  return INBOX_KINDS.map((kind) => {
    const own = stored[kind] ?? {};
    const unit = THRESHOLDS[kind];
    const value = unit ? own[unit] : undefined;
    return ruleOf(kind, own.enabled ?? true, typeof value === 'number' && withinRange(unit!, value) ? value : DEFAULT_THRESHOLD[kind]);
  });
}

const withinRange = (unit: ThresholdUnit, n: number) => Number.isInteger(n) && n >= THRESHOLD_RANGE[unit].min && n <= THRESHOLD_RANGE[unit].max;

export async function loadRules(db: Executor, communityId: number): Promise<InboxRule[]> {
  const [row] = await db.select({ rules: inboxRules.rules }).from(inboxRules).where(eq(inboxRules.communityId, communityId));
  return effectiveRules(row?.rules ?? {});
}

/** What a client may send for one rule: the kind is checked here, so an unknown one has its own code. */
export interface RuleInput {
  kind: string;
  enabled: boolean;
  hours?: number | undefined;
  days?: number | undefined;
  votes?: number | undefined;
}

const invalidRule = (kind: string, field: string, message: string) => badRequest('invalid_inbox_rule', message, { kind, field, range: 'no' });

/**
 * The rules after applying `changes` to `current`: each named kind gets the new switch and, when
 * given, the new threshold; kinds not named keep theirs. A kind named twice, a threshold of another
 * unit than the kind's, or a value out of range is refused as a whole.
 */
export function applyRuleChanges(current: InboxRule[], changes: RuleInput[]): InboxRule[] {
  const seen = new Set<string>();
  const next = new Map(current.map((r) => [r.kind, r]));
  for (const change of changes) {
    if (!isInboxKind(change.kind)) throw badRequest('unknown_inbox_rule', 'There is no inbox rule of that kind.', { kind: change.kind });
    const kind = change.kind;
    if (seen.has(kind)) throw invalidRule(kind, 'kind', 'Each kind may be named once.');
    seen.add(kind);
    const unit = THRESHOLDS[kind];
    for (const field of ['hours', 'days', 'votes'] as const) {
      const value = change[field];
      if (value === undefined) continue;
      if (field !== unit) throw invalidRule(kind, field, `This rule has no ${field}.`);
      if (!withinRange(field, value)) {
        const { min, max } = THRESHOLD_RANGE[field];
        throw badRequest('invalid_inbox_rule', `The ${field} must be a whole number from ${min} to ${max}.`, { kind, field, range: 'yes', min, max });
      }
    }
    const before = next.get(kind)!;
    const value = unit ? (change[unit] ?? thresholdOf(before)) : null;
    next.set(kind, ruleOf(kind, change.enabled, value));
  }
  return INBOX_KINDS.map((kind) => next.get(kind)!);
}

/** The rules as stored: the whole of every kind, so what an admin chose stays what it is. */
export async function saveRules(db: Executor, communityId: number, rules: InboxRule[]): Promise<void> {
  const stored: Stored = Object.fromEntries(rules.map(({ kind, ...rest }) => [kind, rest]));
  await db
    .insert(inboxRules)
    .values({ communityId, rules: stored })
    .onConflictDoUpdate({ target: inboxRules.communityId, set: { rules: stored, updatedAt: sql`now()` } });
}

/** The rules that differ between two lists, as they are after: what a log entry records. */
export function changedRules(before: InboxRule[], after: InboxRule[]): InboxRule[] {
  return after.filter((rule, i) => JSON.stringify(rule) !== JSON.stringify(before[i]));
}
