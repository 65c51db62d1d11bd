/**
 * What people search for, counted anonymously: per community, UTC day and normalised term, how
 * many first pages were asked for and how many results the latest found. Nothing about who
 * searched (no user, session or address) is ever kept, here or in the table.
 *
 * A search must not cost a database write, so searches are counted in memory and written every
 * few seconds in one statement, as BumpBatcher does for list events; a crash loses at most those
 * seconds of counts, which for a statistic is fine.
 */
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { collapse } from '../pages/plain-text.js';

/** Longest term kept, in characters (code points): a pasted paragraph says nothing a table can show. */
export const TERM_LENGTH = 100;

/** The words of a search as its caches key them: the same words in another case or spacing are the same search. */
export const foldQuery = (q: string): string => collapse(q).toLowerCase();

/**
 * The term a search is counted under: foldQuery of its compatibility form (full-width letters,
 * ligatures and the like read as their plain letters), at most TERM_LENGTH characters.
 */
export function searchTerm(q: string): string {
  const folded = foldQuery(q.normalize('NFKC'));
  const chars = Array.from(folded);
  return chars.length <= TERM_LENGTH ? folded : chars.slice(0, TERM_LENGTH).join('').trimEnd();
}

/** Distinct (community, day, term) counts held before a flush is forced, whatever the timer says. */
const MAX_PENDING = 5000;

interface Pending {
  slug: string;
  day: string;
  term: string;
  searches: number;
  results: number;
}

export class SearchTermCounter {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
    readonly enabled: boolean,
    private readonly windowMs = 5000,
  ) {}

  /**
   * One search of community `slug` for `q` whose first page found `results`. The community is
   * named by slug because a guest's answer served from the route's cache knows no more; the
   * flush finds the id.
   */
  record(slug: string, q: string, results: number, now = new Date()): void {
    if (!this.enabled || this.closed) return;
    const term = searchTerm(q);
    if (!term) return;
    const day = now.toISOString().slice(0, 10);
    const lower = slug.toLowerCase();
    const key = JSON.stringify([lower, day, term]);
    const kept = this.pending.get(key);
    if (kept) {
      kept.searches += 1;
      kept.results = results;
    } else {
      this.pending.set(key, { slug: lower, day, term, searches: 1, results });
    }
    if (this.pending.size >= MAX_PENDING) {
      void this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.windowMs);
      // Counting never keeps a process alive; close() writes what is left.
      this.timer.unref();
    }
  }

  /** Writes everything counted so far in one statement; waits for a flush already under way. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      const batch = [...this.pending.values()];
      this.pending = new Map();
      if (!batch.length) return;
      try {
        // A community deleted (or renamed) since the search drops out through the join.
        await this.db.execute(sql`
          INSERT INTO search_terms (community_id, day, term, searches, results)
          SELECT c.id, x.day, x.term, x.searches, x.results
          FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) AS x(slug text, day date, term text, searches int, results int)
          JOIN communities c ON c.slug = x.slug
          ON CONFLICT (community_id, day, term) DO UPDATE
            SET searches = search_terms.searches + excluded.searches, results = excluded.results`);
      } catch (err) {
        this.log.warn({ err, terms: batch.length }, 'could not record search terms');
      }
    });
    return this.flushing;
  }

  /** Writes what is left; searches answered after this (while the app closes) are not counted. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
