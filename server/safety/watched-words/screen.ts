import type { Executor } from '../../../db/client.js';
import type { HoldReason } from '../../moderation/hold.js';
import { AppError } from '../../errors/errors.js';
import { applyReplacements, findMatches, prepare, strongest, type RuleMatch } from './matcher.js';
import { communityRules } from './rules.cache.js';

/** What the rules decided beyond replacing text: hold the post for review, or flag it for moderators. */
export interface RuleVerdict {
  action: 'hold' | 'flag';
  ruleId: number;
}

export interface Screened {
  /** The texts with `replace` rules applied (unchanged when none matched). */
  body: string;
  title: string | null;
  verdict: RuleVerdict | null;
}

/**
 * Runs a community's watched words over what an author writes (a post's body, a topic's title).
 * The strongest rule wins: block (refused with `422 blocked_by_rule`, nothing stored) over hold
 * over flag over replace; replacements apply whenever the post is not blocked.
 *
 * `exempt` (the community's moderators and admins, and site admins: permissions.ts canModerate)
 * means block, hold and flag do not apply: they enforce the rules and may need to quote what a
 * rule catches. Replacements apply to everyone: the community chose to show those words
 * differently. Staff are not exempt.
 */
export async function screen(
  db: Executor,
  communityId: number,
  texts: { body: string; title?: string | null | undefined },
  exempt: boolean,
): Promise<Screened> {
  const rules = await communityRules(db, communityId);
  const title = texts.title ?? null;
  if (!rules.length) return { body: texts.body, title, verdict: null };
  const bodyMatches = findMatches(rules, prepare(texts.body));
  const titleMatches = title === null ? [] : findMatches(rules, prepare(title));
  const best = exempt ? null : strongest([...titleMatches, ...bodyMatches]);
  if (best?.rule.action === 'block') throw blockedBy(best);
  return {
    body: applyReplacements(texts.body, bodyMatches),
    title: title === null ? null : applyReplacements(title, titleMatches),
    verdict: best && (best.rule.action === 'hold' || best.rule.action === 'flag') ? { action: best.rule.action, ruleId: best.rule.id! } : null,
  };
}

/** The writer sees why: the rule's public message (empty when the moderator wrote none). */
const blockedBy = (m: RuleMatch) =>
  new AppError(422, 'blocked_by_rule', m.rule.message ?? 'This community does not allow some of these words.', {
    ruleId: m.rule.id,
    message: m.rule.message ?? '',
  });

/** How a post held by a rule waits in the queue and is logged. */
export const ruleHold = (ruleId: number): HoldReason => ({ kind: 'watched_word', reasonCode: 'watched_word', topicReasonCode: 'watched_word', ruleId });
