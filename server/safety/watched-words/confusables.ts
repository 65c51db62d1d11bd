/**
 * Letters from other scripts that look like Latin ones, folded to the Latin letter they pass for.
 *
 * Unicode's full confusables table (UTS #39) maps about 6,000 characters, mostly to prototypes a
 * forum rule would never be written in, and the npm packages that ship it are either barely kept
 * or built for comparing identifiers, not for matching inside running text. What spam actually
 * uses to dodge a word list is small and well known: Cyrillic and Greek look-alikes of the Latin
 * alphabet, plus a few Latin letters with strokes or hooks that decomposition does not strip.
 * Fullwidth forms, mathematical alphanumerics, ligatures, circled and superscript letters need no
 * table: compatibility decomposition (NFKD, see normalise.ts) already turns them into ASCII.
 *
 * Keys are lower case: the text is lower-cased before the table is applied.
 */
export const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  є: 'e',
  һ: 'h',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ү: 'y',
  ɡ: 'g',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  γ: 'y',
  ω: 'w',
  ϲ: 'c',
  ϳ: 'j',
  // Latin letters that decomposition keeps whole
  ı: 'i',
  ȷ: 'j',
  ł: 'l',
  ƚ: 'l',
  ø: 'o',
  đ: 'd',
  ħ: 'h',
  ŧ: 't',
  ƀ: 'b',
  ɨ: 'i',
  ɩ: 'i',
  ʋ: 'v',
  ꞵ: 'b',
};
