import { RegExpParser, type AST } from '@eslint-community/regexpp';
import safeRegex from 'safe-regex2';
import { badRequest } from '../../errors/errors.js';

/** Longest pattern (or word) a rule may have. */
export const MAX_PATTERN_LENGTH = 200;
/** How far an unbounded repeat (`*`, `+`, `{n,}`) reaches: it is rewritten to this bound. */
export const REPEAT_BOUND = 20;
/**
 * How many ways a pattern may try to match from one starting point: the product of its repeats'
 * ranges (each unbounded one counting REPEAT_BOUND). With nested and alternated repeats refused,
 * this caps the backtracking one crafted post can cause, whatever its length. Measured: at 500,
 * the worst pattern it lets through (`[a ]{0,20}[a ]{0,20}b`, two overlapping repeats) takes about
 * 100 ms over a 50,000-character post of "a a a …"; at 10,000 a third such repeat took 3.7 s.
 */
export const BACKTRACK_BUDGET = 500;

const unsafe = (why: string) => badRequest('unsafe_pattern', `This pattern could take too long on crafted text: ${why}.`, { why });

/**
 * Checks a moderator's regular expression and gives the source that is compiled: refuses what
 * could run away on crafted input (catastrophic backtracking) and the features that make a
 * pattern's cost impossible to judge, and bounds unbounded repeats.
 *
 * - syntax (as a Unicode-mode pattern): `400 invalid_pattern`;
 * - backreferences and lookarounds (the rule's own word boundaries are added around it): refused;
 * - a repeat inside a repeat (`(a+)+`), and a repeated group with alternatives (`(x|x)*`, whose
 *   alternatives may overlap): refused; fastify's safe-regex2 judges star height too, as a second
 *   opinion (it also refuses what it cannot parse);
 * - the product of all repeats' ranges over BACKTRACK_BUDGET: refused.
 * All refusals are `400 unsafe_pattern` with a `why` detail.
 */
export function checkPattern(source: string): string {
  if (source.length > MAX_PATTERN_LENGTH) throw unsafe('too_long');
  let pattern: AST.Pattern;
  try {
    pattern = new RegExpParser({ ecmaVersion: 2025 }).parsePattern(source, 0, source.length, { unicode: true });
    new RegExp(source, 'giu');
  } catch {
    throw badRequest('invalid_pattern', 'This is not a valid regular expression.');
  }
  const bounds: Array<{ start: number; end: number; text: string }> = [];
  let tries = 1;
  const walk = (node: AST.Node, repeated: boolean): void => {
    switch (node.type) {
      case 'Backreference':
        throw unsafe('backreference');
      case 'Assertion':
        if (node.kind === 'lookahead' || node.kind === 'lookbehind') throw unsafe('lookaround');
        return;
      case 'Quantifier': {
        if (node.max <= 1) return walk(node.element, repeated);
        if (repeated) throw unsafe('nested_repeat');
        const element = node.element;
        if ((element.type === 'Group' || element.type === 'CapturingGroup') && element.alternatives.length > 1) throw unsafe('repeated_alternatives');
        const max = node.max === Infinity ? Math.max(node.min, REPEAT_BOUND) : node.max;
        if (node.max === Infinity) bounds.push({ start: element.end, end: node.end, text: `{${node.min},${max}}${node.greedy ? '' : '?'}` });
        tries *= max - node.min + 1;
        if (tries > BACKTRACK_BUDGET) throw unsafe('too_many_repeats');
        return walk(element, true);
      }
      case 'Pattern':
      case 'Group':
      case 'CapturingGroup':
        for (const alternative of node.alternatives) walk(alternative, repeated);
        return;
      case 'Alternative':
        for (const element of node.elements) walk(element, repeated);
        return;
      default:
        return;
    }
  };
  walk(pattern, false);
  if (!safeRegex(source)) throw unsafe('star_height');
  let bounded = source;
  for (const b of bounds.sort((x, y) => y.start - x.start)) bounded = bounded.slice(0, b.start) + b.text + bounded.slice(b.end);
  return bounded;
}
