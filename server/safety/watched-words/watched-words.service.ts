import { and, asc, eq } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { watchedWords, type WatchedWordAction } from '../../../db/schema.js';
import { findCommunity } from '../../communities/communities.service.js';
import { notFound } from '../../errors/errors.js';
import { requireModerator } from '../../moderation/moderation.guard.js';
import { roleIn, type Viewer } from '../../visibility/viewer.js';
import { compileRule, excerpt, findMatches, prepare, ACTION_STRENGTH, type WatchedWordRule } from './matcher.js';
import type { Bus } from '../../live/bus.js';
import { communityRules, rulesChanged } from './rules.cache.js';

export interface RuleInput {
  pattern: string;
  action: WatchedWordAction;
  replacement?: string | undefined;
  message?: string | undefined;
  isPattern?: boolean | undefined;
}

type RuleRow = typeof watchedWords.$inferSelect;

export const presentRule = (r: RuleRow) => ({
  id: r.id,
  pattern: r.pattern,
  isPattern: r.isPattern,
  action: r.action,
  replacement: r.replacement,
  message: r.message,
  createdAt: r.createdAt.toISOString(),
});

/** The community, after checking that the viewer moderates it: 401 for guests, 403 for members. */
async function moderated(db: Executor, viewer: Viewer, slug: string) {
  const community = await findCommunity(db, slug);
  requireModerator({ viewer, role: await roleIn(db, viewer, community.id) });
  return community;
}

/** A rule as typed, trimmed, with only the fields its action uses. */
function draft(input: RuleInput): WatchedWordRule {
  return {
    id: null,
    pattern: input.isPattern ? input.pattern : input.pattern.trim(),
    isPattern: input.isPattern ?? false,
    action: input.action,
    replacement: input.action === 'replace' ? (input.replacement ?? null) : null,
    message: input.action === 'block' ? input.message?.trim() || null : null,
  };
}

export async function listRules(db: Executor, viewer: Viewer, slug: string) {
  const community = await moderated(db, viewer, slug);
  const rows = await db.select().from(watchedWords).where(eq(watchedWords.communityId, community.id)).orderBy(asc(watchedWords.id));
  return { items: rows.map(presentRule) };
}

/** Saves a rule; a pattern that is not valid, or could run away, is refused (pattern-safety.ts). */
/** What a change of rules needs: the database, and the bus that tells every process. */
type RulesContext = { db: Executor; bus: Pick<Bus, 'publishSignal'> };

export async function createRule(ctx: RulesContext, viewer: Viewer, slug: string, input: RuleInput) {
  const { db } = ctx;
  const community = await moderated(db, viewer, slug);
  const rule = draft(input);
  compileRule(rule);
  const [row] = await db
    .insert(watchedWords)
    .values({ ...rule, id: undefined, communityId: community.id, createdById: viewer.user!.id })
    .returning();
  await rulesChanged(ctx, community.id);
  return { rule: presentRule(row!) };
}

export async function deleteRule(ctx: RulesContext, viewer: Viewer, slug: string, id: number): Promise<void> {
  const { db } = ctx;
  const community = await moderated(db, viewer, slug);
  const gone = await db
    .delete(watchedWords)
    .where(and(eq(watchedWords.id, id), eq(watchedWords.communityId, community.id)))
    .returning({ id: watchedWords.id });
  if (!gone.length) throw notFound('watched_word_not_found', 'No such watched word in this community.', { id });
  await rulesChanged(ctx, community.id);
}

/**
 * What the community's saved rules (and, when given, one unsaved draft, `ruleId: null`) catch in
 * a sample text: each match with the rule's action and an excerpt of the text around it, the
 * strongest actions first. Moderators try a rule here before saving it.
 */
export async function testRules(db: Executor, viewer: Viewer, slug: string, input: { text: string; rule?: RuleInput | undefined }) {
  const community = await moderated(db, viewer, slug);
  const saved = await communityRules(db, community.id);
  const rules = input.rule ? [...saved, compileRule(draft(input.rule))] : saved;
  const matches = findMatches(rules, prepare(input.text)).sort((a, b) => ACTION_STRENGTH[b.rule.action] - ACTION_STRENGTH[a.rule.action] || a.start - b.start);
  return {
    matches: matches.map((m) => ({
      ruleId: m.rule.id,
      action: m.rule.action,
      excerpt: excerpt(input.text, m),
      match: input.text.slice(m.start, m.end),
    })),
  };
}
