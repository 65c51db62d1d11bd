import type { WatchedWordAction } from '../../../db/schema.js';
import { despaced, normalise, type Normalised } from './normalise.js';
import { checkPattern } from './pattern-safety.js';

export interface WatchedWordRule {
  id: number | null;
  pattern: string;
  isPattern: boolean;
  action: WatchedWordAction;
  replacement: string | null;
  message: string | null;
}

export interface CompiledRule extends WatchedWordRule {
  regex: RegExp;
}

/** What a rule caught, in the author's text as written. */
export interface RuleMatch {
  rule: CompiledRule;
  start: number;
  end: number;
}

/** Strongest first: a post one rule blocks is blocked, whatever else matched. */
export const ACTION_STRENGTH: Readonly<Record<WatchedWordAction, number>> = { block: 4, hold: 3, flag: 2, replace: 1 };

/** What a `replace` rule without its own replacement puts in place of the match (no words: they would not be translated). */
export const DEFAULT_REPLACEMENT = '•••';

// Rules match whole words: no letter or digit right before or after (a rule "ass" never catches "class").
const WORD_START = '(?<![\\p{L}\\p{N}])';
const WORD_END = '(?![\\p{L}\\p{N}])';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * The regular expression a rule runs as, over normalised text (normalise.ts). A word or phrase is
 * normalised like the text (so a rule typed with accents or look-alikes still matches), and any
 * spacing between its words matches any run of spaces; a pattern is checked (pattern-safety.ts)
 * and anchored to word boundaries the same way.
 */
export function compileRule(rule: WatchedWordRule): CompiledRule {
  const body = rule.isPattern ? checkPattern(rule.pattern) : normalise(rule.pattern.trim()).text.split(/\s+/u).filter(Boolean).map(escape).join('\\s+');
  return { ...rule, regex: new RegExp(`${WORD_START}(?:${body})${WORD_END}`, 'giu') };
}

/** A piece of text ready for matching: normalised once, whatever the number of rules. */
export interface PreparedText {
  original: string;
  forms: Normalised[];
}

export function prepare(original: string): PreparedText {
  const n = normalise(original);
  const d = despaced(n);
  return { original, forms: d ? [n, d] : [n] };
}

/** Every match of every rule, in the original text's offsets (a rule at most once per place). */
export function findMatches(rules: readonly CompiledRule[], text: PreparedText): RuleMatch[] {
  const found: RuleMatch[] = [];
  // Where each rule already matched: a set, since a long post may match thousands of times.
  const seen = new Set<string>();
  for (const [index, rule] of rules.entries()) {
    for (const form of text.forms) {
      rule.regex.lastIndex = 0;
      for (const m of form.text.matchAll(rule.regex)) {
        if (m[0].length === 0) continue;
        const start = form.from[m.index]!;
        const end = form.to[m.index + m[0].length - 1]!;
        const key = `${index}:${start}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push({ rule, start, end });
      }
    }
  }
  return found;
}

/** The strongest rule that matched, the first such rule for ties. */
export function strongest(matches: readonly RuleMatch[]): RuleMatch | null {
  let best: RuleMatch | null = null;
  for (const m of matches) if (!best || ACTION_STRENGTH[m.rule.action] > ACTION_STRENGTH[best.rule.action]) best = m;
  return best;
}

/** The text with every `replace` match swapped for its rule's replacement (overlaps: the earlier wins). */
export function applyReplacements(original: string, matches: readonly RuleMatch[]): string {
  const replacing = matches.filter((m) => m.rule.action === 'replace').sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const m of replacing) {
    if (m.start < at) continue;
    out += original.slice(at, m.start) + (m.rule.replacement ?? DEFAULT_REPLACEMENT);
    at = m.end;
  }
  return out + original.slice(at);
}

/** The match with a little of its surroundings, for moderators trying a rule. */
export function excerpt(original: string, m: { start: number; end: number }, context = 30): string {
  const from = Math.max(0, m.start - context);
  const to = Math.min(original.length, m.end + context);
  return `${from > 0 ? '…' : ''}${original.slice(from, to)}${to < original.length ? '…' : ''}`;
}
