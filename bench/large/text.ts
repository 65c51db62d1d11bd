import { prng } from './shape.js';

/**
 * Words for generated posts. Real words first (ranked roughly by how often a support forum uses
 * them), then made-up ones for the long tail: a Zipf choice over this list gives search terms of
 * every frequency, from "account" (in about one post of eight) to words in a handful.
 */
const COMMON = `account settings password error update version login export import page user team file report
problem issue browser mobile app server database backup email notification message setting option feature
support guide install configure upgrade release network connection timeout cache sync plugin integration
token permission role admin moderator invoice billing payment subscription plan trial refund license key
dashboard search filter sort list table chart calendar schedule reminder task project workspace folder
document upload download image video audio theme layout button menu link profile avatar language keyboard
shortcut tablet laptop desktop windows linux android iphone printer camera sensor firmware battery charger
cable router wifi bluetooth screen display monitor speaker microphone storage memory processor driver
webhook endpoint request response header cookie session redirect certificate domain proxy firewall port
query index migration schema column record field value format encoding timezone locale translation draft
comment reply thread topic category tag vote idea roadmap feedback bug crash freeze slow fast spinner
loading blank missing duplicate broken invalid expired locked disabled hidden deleted archived restored`
  .split(/\s+/)
  .filter(Boolean);

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tor', 'vex', 'dal', 'qui', 'sor', 'nep', 'bra', 'fin', 'gol', 'hux', 'jil', 'pov', 'tam', 'wyl', 'zen', 'cor'];

/** COMMON, then 2,700 made-up words: 3,000 in all, most frequent first. */
export function vocabulary(): string[] {
  const r = prng(7);
  const made = new Set<string>();
  while (made.size < 3000 - COMMON.length) {
    const n = 2 + Math.floor(r() * 2);
    made.add(Array.from({ length: n }, () => SYLLABLES[Math.floor(r() * SYLLABLES.length)]).join(''));
  }
  return [...COMMON, ...made];
}

const FILLERS = ['the', 'a', 'my', 'our', 'this', 'that', 'when', 'after', 'before', 'with', 'without', 'and', 'but', 'so', 'it', 'is', 'was', 'not'];

/**
 * A pool of sentences a post is put together from: letters, spaces, commas and full stops only,
 * so markdown renders each paragraph as `<p>text</p>` and nothing needs escaping.
 */
export function sentencePool(size: number, words: readonly string[]): string[] {
  const r = prng(11);
  // Zipf–Mandelbrot (1 / (rank + 30)) over the vocabulary, by inverting the cumulative weights:
  // the commonest word is in about one post of eight, as the commonest words of a forum are.
  const cumulative: number[] = [];
  let sum = 0;
  for (let k = 1; k <= words.length; k++) cumulative.push((sum += 1 / (k + 30)));
  const zipf = () => {
    const x = r() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  const pool: string[] = [];
  for (let i = 0; i < size; i++) {
    const length = 7 + Math.floor(r() * 10);
    const parts: string[] = [];
    for (let j = 0; j < length; j++) parts.push(r() < 0.4 ? FILLERS[Math.floor(r() * FILLERS.length)]! : zipf());
    if (length > 10) parts[5] += ',';
    const sentence = parts.join(' ');
    pool.push(`${sentence[0]!.toUpperCase()}${sentence.slice(1)}.`);
  }
  return pool;
}

const FIRST = ['Alex', 'Sam', 'Maria', 'Jonas', 'Priya', 'Chen', 'Fatima', 'Lukas', 'Noah', 'Emma', 'Yuki', 'Omar', 'Lena', 'Diego', 'Ava', 'Ivan'];
const LAST = ['Smith', 'Müller', 'Garcia', 'Kowalski', 'Nguyen', 'Rossi', 'Okafor', 'Jensen', 'Silva', 'Kim', 'Novak', 'Dubois', 'Haddad', 'Berg'];
export const DISPLAY_FIRST = FIRST;
export const DISPLAY_LAST = LAST;
