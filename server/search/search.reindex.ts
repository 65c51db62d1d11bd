import type { FastifyBaseLogger } from 'fastify';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { intArray, rows, type Db } from '../../db/client.js';
import { searchConfigFor } from './search.languages.js';

/**
 * Re-indexing a community's posts and topics in its (new) language, without downtime.
 *
 * communities.search_config is the configuration new rows get (a trigger copies it on insert) and
 * communities.search_configs every configuration the community's rows may still carry. A language
 * change switches the first and adds it to the second at once; then batches of rows move to it
 * (setting search_config makes the trigger rebuild the vector), each batch a statement of its own,
 * so no lock is held for long and search, which queries every configuration in search_configs,
 * finds old and new rows alike. When no row is left behind, search_configs shrinks back to one.
 */

export interface ReindexOptions {
  /** Rows per statement. */
  batchSize?: number;
  /** Stop after this many batches (the rest waits for the next run); tests observe the mixed state. */
  maxBatches?: number;
  /** How long to wait for transactions that may have read the old configuration. */
  settleMs?: number;
  log?: FastifyBaseLogger | undefined;
}

const DEFAULT_BATCH = 500;

/**
 * Sets search_config from language where they disagree (one community, or all) and returns the
 * communities that changed. Call it after the change of language is committed.
 */
export async function syncSearchConfigs(db: Db, communityId?: number): Promise<number[]> {
  const list = await rows<{ id: number; language: string; search_config: string }>(
    db,
    sql`SELECT id, language, search_config FROM communities ${communityId === undefined ? sql`` : sql`WHERE id = ${communityId}`}`,
  );
  const changed: number[] = [];
  for (const c of list) {
    const target = await searchConfigFor(db, c.language);
    if (target === c.search_config) continue;
    const done = await rows<{ id: number }>(
      db,
      sql`UPDATE communities
          SET search_config = ${target},
              search_configs = CASE WHEN ${target}::text = ANY (search_configs) THEN search_configs ELSE search_configs || ${target}::text END
          WHERE id = ${c.id} AND search_config = ${c.search_config} RETURNING id`,
    );
    if (done.length) changed.push(c.id);
  }
  return changed;
}

/**
 * One run: syncs every community's configuration with its language, then re-indexes the
 * communities whose rows are not all in it. Safe in several processes at once (rows another
 * process holds are skipped, and picked up by a later run). Answers whether nothing is left.
 */
export async function reindexSearch(db: Db, opts: ReindexOptions = {}, shouldStop: () => boolean = () => false): Promise<boolean> {
  await syncSearchConfigs(db);
  const pending = await rows<{ id: number; search_config: string }>(
    db,
    sql`SELECT id, search_config FROM communities WHERE cardinality(search_configs) > 1 OR search_configs[1] IS DISTINCT FROM search_config ORDER BY id`,
  );
  const budget = { batches: opts.maxBatches ?? Infinity };
  let done = true;
  for (const c of pending) {
    if (shouldStop() || budget.batches <= 0) return false;
    const started = Date.now();
    const result = await reindexCommunity(db, c.id, c.search_config, opts.batchSize ?? DEFAULT_BATCH, budget, opts.settleMs ?? 30_000, shouldStop);
    opts.log?.info({ communityId: c.id, config: c.search_config, ...result, ms: Date.now() - started }, 'search re-index');
    done &&= result.done;
  }
  return done;
}

async function reindexCommunity(
  db: Db,
  communityId: number,
  config: string,
  batchSize: number,
  budget: { batches: number },
  settleMs: number,
  shouldStop: () => boolean,
): Promise<{ done: boolean; updated: number; skipped: number }> {
  // A row inserted by a transaction that read the old configuration, and committed after this
  // pass looked, would be left behind unseen: wait until such transactions are over.
  const settled = await waitForOlderTransactions(db, settleMs);
  let updated = 0;
  let skipped = 0;
  // Between batches the event loop turns: with PGlite, whose queries resolve without waiting for
  // I/O, requests would otherwise wait for the whole re-index.
  const spend = async () => {
    await nextTurn();
    return !shouldStop() && budget.batches-- > 0;
  };

  // Topics a batch at a time in id order; then the posts of those topics, in chunks of about a
  // batch (by their last_number), each chunk walked in (topic, number) order so that even one very
  // long topic is updated a batch at a time, through the posts_topic_number_key index.
  let afterTopic = 0;
  for (;;) {
    if (!(await spend())) return { done: false, updated, skipped };
    const batch = await rows<{ id: number; posts: number; stale: boolean; updated: boolean }>(
      db,
      sql`WITH batch AS (
            SELECT id, last_number, search_config <> ${config} AS stale FROM topics
            WHERE community_id = ${communityId} AND id > ${afterTopic} ORDER BY id LIMIT ${batchSize}
          ), locked AS (
            SELECT id FROM topics WHERE id IN (SELECT id FROM batch WHERE stale) FOR NO KEY UPDATE SKIP LOCKED
          ), upd AS (
            UPDATE topics SET search_config = ${config} WHERE id IN (SELECT id FROM locked) RETURNING id
          )
          SELECT b.id, b.last_number AS posts, b.stale, upd.id IS NOT NULL AS updated FROM batch b LEFT JOIN upd ON upd.id = b.id ORDER BY b.id`,
    );
    if (!batch.length) break;
    afterTopic = Number(batch[batch.length - 1]!.id);
    for (const r of batch) {
      if (r.updated) updated++;
      else if (r.stale) skipped++;
    }

    let chunk: number[] = [];
    let size = 0;
    const chunks: number[][] = [];
    for (const r of batch) {
      chunk.push(Number(r.id));
      size += Number(r.posts);
      if (size >= batchSize) {
        chunks.push(chunk);
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length) chunks.push(chunk);
    for (const ids of chunks) {
      let after = { topic: 0, number: 0 };
      for (;;) {
        if (!(await spend())) return { done: false, updated, skipped };
        const [r] = await rows<{ topic_id: number | null; number: number | null; stale: number; updated: number }>(
          db,
          sql`WITH batch AS (
                SELECT id, topic_id, number FROM posts
                WHERE topic_id = ANY (${intArray(ids)}::int[]) AND (topic_id, number) > (${after.topic}::int, ${after.number}::int)
                  AND search_config <> ${config}
                ORDER BY topic_id, number LIMIT ${batchSize}
              ), locked AS (
                SELECT id FROM posts WHERE id IN (SELECT id FROM batch) FOR NO KEY UPDATE SKIP LOCKED
              ), upd AS (
                UPDATE posts SET search_config = ${config} WHERE id IN (SELECT id FROM locked) RETURNING 1
              ), last AS (
                SELECT topic_id, number FROM batch ORDER BY topic_id DESC, number DESC LIMIT 1
              )
              SELECT (SELECT topic_id FROM last) AS topic_id, (SELECT number FROM last) AS number,
                     (SELECT count(*) FROM batch)::int AS stale, (SELECT count(*) FROM upd)::int AS updated`,
        );
        if (r?.topic_id == null) break;
        after = { topic: Number(r.topic_id), number: Number(r.number) };
        updated += r.updated;
        skipped += r.stale - r.updated;
      }
    }
  }

  // Rows another transaction held were skipped: a later run picks them up before this finishes.
  if (!settled || skipped) return { done: false, updated, skipped };
  await db.execute(sql`UPDATE communities SET search_configs = ARRAY[search_config] WHERE id = ${communityId} AND search_config = ${config}`);
  return { done: true, updated, skipped };
}

/** Waits (up to maxMs) until no other transaction of this database started before now; answers whether none is left. */
async function waitForOlderTransactions(db: Db, maxMs: number): Promise<boolean> {
  const [{ now }] = (await rows<{ now: string }>(db, sql`SELECT clock_timestamp()::text AS now`)) as [{ now: string }];
  const deadline = Date.now() + maxMs;
  for (;;) {
    const [{ n }] = (await rows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start < ${now}::timestamptz`,
    )) as [{ n: number }];
    if (!n) return true;
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
}

interface State {
  running: Promise<void> | null;
  again: boolean;
  stopped: boolean;
}
const states = new WeakMap<Db, State>();
const stateOf = (db: Db): State => {
  let s = states.get(db);
  if (!s) states.set(db, (s = { running: null, again: false, stopped: false }));
  return s;
};

/**
 * Runs re-indexing in the background of this process, once at a time per database: a request
 * while a run is going makes it go round once more. The answer settles when the run is over.
 */
export function runReindexInBackground(db: Db, log?: FastifyBaseLogger, opts: Omit<ReindexOptions, 'log'> = {}): Promise<void> {
  const s = stateOf(db);
  if (s.stopped) return Promise.resolve();
  if (s.running) {
    s.again = true;
    return s.running;
  }
  s.running = (async () => {
    do {
      s.again = false;
      try {
        await reindexSearch(db, { ...opts, log }, () => s.stopped);
      } catch (err) {
        // A deadlock or a lost connection: the next request or maintenance run resumes.
        log?.warn({ err }, 'search re-index failed');
        return;
      }
    } while (s.again && !s.stopped);
  })().finally(() => {
    s.running = null;
  });
  return s.running;
}

/**
 * For the route that changes a community's language, after the change is committed: the
 * community's new posts take the new configuration at once, and its existing posts and topics
 * are re-indexed in the background (search finds them meanwhile in either configuration).
 */
export async function scheduleReindex(ctx: { db: Db; log?: FastifyBaseLogger }, communityId: number): Promise<void> {
  const changed = await syncSearchConfigs(ctx.db, communityId);
  if (changed.length) void runReindexInBackground(ctx.db, ctx.log);
}

/** Stops background re-indexing of this database (between batches) and waits for it: before closing the database. */
export async function stopReindexing(db: Db): Promise<void> {
  const s = stateOf(db);
  s.stopped = true;
  await s.running;
}
