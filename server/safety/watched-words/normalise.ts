import { CONFUSABLES } from './confusables.js';

/**
 * Text as watched-word rules see it, and where each of its characters came from in the text as
 * written (so a match can be shown as an excerpt, or replaced, in the author's own text).
 *
 * Each code point is decomposed for compatibility (NFKD: fullwidth, mathematical and styled
 * letters, ligatures become plain ones), stripped of combining marks (accents, and the marks
 * "zalgo" text piles up) and of format characters (zero-width spaces and joiners, soft hyphens,
 * direction marks), lower-cased, and folded through the table of look-alike letters. It is done
 * once per post, not once per rule.
 */
export interface Normalised {
  text: string;
  /** For each UTF-16 unit of `text`: the start of the code point it came from in the original. */
  from: number[];
  /** For each UTF-16 unit of `text`: the end of that code point in the original. */
  to: number[];
}

const MARK = /\p{M}/u;
const FORMAT = /\p{Cf}/u;

export function normalise(original: string): Normalised {
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  let i = 0;
  for (const cp of original) {
    const end = i + cp.length;
    const before = text.length;
    for (const part of cp.normalize('NFKD')) {
      if (MARK.test(part) || FORMAT.test(part)) continue;
      // Lower-casing can itself add a mark (İ → i + dot above): drop it too.
      for (const lower of part.toLowerCase()) {
        if (MARK.test(lower)) continue;
        const out = CONFUSABLES[lower] ?? lower;
        text += out;
        for (let k = 0; k < out.length; k++) {
          from.push(i);
          to.push(end);
        }
      }
    }
    // A mark or format character belongs to the letter before it: a match (or replacement) takes it along.
    if (text.length === before && to.length) to[to.length - 1] = end;
    i = end;
  }
  return { text, from, to };
}

/**
 * Words spelled out a letter at a time to dodge a word list ("v i a g r a", "v.i.a.g.r.a",
 * "v-i-a-g-r-a"): three or more single letters or digits, each apart from the next by one to three
 * characters that are neither (never a line break). The text again with each such run written as
 * the word it spells (null when there is none), so rules match it on word boundaries as they match
 * any word, phrases across it included; "c l a s s" spells "class", which a rule "ass" does not catch.
 */
const SPACED_RUN = /(?<![\p{L}\p{N}])[\p{L}\p{N}](?:[^\p{L}\p{N}\n]{1,3}[\p{L}\p{N}](?![\p{L}\p{N}])){2,}/gu;
const LETTER = /[\p{L}\p{N}]/u;

export function despaced(n: Normalised): Normalised | null {
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  let at = 0;
  const keep = (k: number) => {
    text += n.text[k]!;
    from.push(n.from[k]!);
    to.push(n.to[k]!);
  };
  for (const m of n.text.matchAll(SPACED_RUN)) {
    for (let k = at; k < m.index; k++) keep(k);
    for (let k = m.index; k < m.index + m[0].length; k++) if (LETTER.test(n.text[k]!)) keep(k);
    at = m.index + m[0].length;
  }
  if (at === 0) return null;
  for (let k = at; k < n.text.length; k++) keep(k);
  return { text, from, to };
}
