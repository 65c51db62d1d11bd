import { performance } from 'node:perf_hooks';
import { renderMarkdown } from '../server/markdown/markdown.render.js';

export interface MarkdownCase {
  name: string;
  input: string;
}

export interface MarkdownResult {
  name: string;
  inputChars: number;
  inputBytes: number;
  outputBytes: number;
  /** Fastest of the runs, in ms. */
  minMs: number;
  runsMs: number[];
  /** minMs divided by the plain paragraph's minMs. */
  vsPlain: number;
  error?: string;
}

const LOREM = 'Parley keeps the conversation going between the people who make a product and the people who use it every day. ';

/** The ceiling: 50 KB of ordinary prose in one paragraph. */
export const PLAIN: MarkdownCase = {
  name: '50 KB plain paragraph (ceiling)',
  input: LOREM.repeat(Math.ceil(50_000 / LOREM.length))
    .slice(0, 50_000)
    .trimEnd(),
};

/** Three base-36 characters, distinct for i < 46,656: keeps 5,000 links and 10,000 handles inside the post limit. */
const b36 = (i: number) => i.toString(36).padStart(3, '0');

/**
 * The worst inputs someone can actually submit: each fits the 50,000-character body limit
 * (the links and mentions are as short as the syntax allows to get that many in).
 */
export const PATHOLOGICAL: MarkdownCase[] = [
  { name: '50 KB line of `*`', input: '*'.repeat(50_000) },
  { name: '5,000 links `[x](/abc)`', input: Array.from({ length: 5000 }, (_, i) => `[x](/${b36(i)})`).join(' ') },
  { name: '10,000 @mentions `@abc`', input: Array.from({ length: 10_000 }, (_, i) => `@${b36(i)}`).join(' ') },
  { name: '1,000-deep nested blockquote', input: `${'> '.repeat(1000)}deep` },
  // Extra: unlike a bare run of `*` (a thematic break), this is 25,000 emphasis delimiters.
  { name: '(extra) 50 KB of `*a`', input: '*a'.repeat(25_000) },
];

function measure(c: MarkdownCase, runs: number): { minMs: number; runsMs: number[]; outputBytes: number } {
  const runsMs: number[] = [];
  let outputBytes = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = renderMarkdown(c.input);
    runsMs.push(performance.now() - t0);
    outputBytes = Buffer.byteLength(out.html);
  }
  return { minMs: Math.min(...runsMs), runsMs, outputBytes };
}

/** Renders each input `runs` times (min is reported) after one untimed warm-up render of a small document. */
export function benchMarkdown(runs = 3): { ceiling: MarkdownResult; cases: MarkdownResult[] } {
  renderMarkdown('warm **up** with a [link](https://example.com) and @someone\n\n> quote');
  const plain = measure(PLAIN, runs);
  const ceiling: MarkdownResult = { name: PLAIN.name, inputChars: PLAIN.input.length, inputBytes: Buffer.byteLength(PLAIN.input), ...plain, vsPlain: 1 };
  const cases = PATHOLOGICAL.map((c): MarkdownResult => {
    const inputBytes = Buffer.byteLength(c.input);
    try {
      const m = measure(c, runs);
      return { name: c.name, inputChars: c.input.length, inputBytes, ...m, vsPlain: m.minMs / plain.minMs };
    } catch (err) {
      return {
        name: c.name,
        inputChars: c.input.length,
        inputBytes,
        outputBytes: 0,
        minMs: NaN,
        runsMs: [],
        vsPlain: NaN,
        error: err instanceof Error ? err.message : String(err),
      };
    }
  });
  return { ceiling, cases };
}
