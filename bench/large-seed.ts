/**
 * `npx tsx bench/large-seed.ts [--scale 1] [--fresh]`: generates (or keeps) the large community on
 * PostgreSQL that `npm run bench -- --large` measures: at scale 1, 50,000 users, 100,000 topics and
 * 1,000,000 posts, in a database named after the scale next to BENCH_PG_URL's (default
 * postgres://postgres@127.0.0.1:5432/test). Prints the time per table.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ensureLargeDatabase } from './large/database.js';
import { inconsistencies } from './large/generate.js';
import { errMsg } from './pg.js';

export function largeArgs(argv: string[]): { scale: number; fresh: boolean } {
  const { values } = parseArgs({ args: argv, options: { scale: { type: 'string' }, fresh: { type: 'boolean' }, large: { type: 'boolean' } }, strict: false });
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10) throw new Error(`--scale must be a number in (0, 10], got ${String(values.scale)}`);
  return { scale, fresh: values.fresh === true };
}

async function main(): Promise<void> {
  const { scale, fresh } = largeArgs(process.argv.slice(2));
  const t0 = performance.now();
  const log = (msg: string) => process.stdout.write(`[large-seed ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
  const db = await ensureLargeDatabase({ scale, fresh, log });
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    const failed = await inconsistencies((text, values) => pool.query(text, values));
    log(failed.length ? `INCONSISTENT: ${failed.map(([name, n]) => `${name} (${n} rows)`).join('; ')}` : 'every counter agrees with the rows it counts');
    if (failed.length) process.exitCode = 1;
  } finally {
    await pool.end();
  }
  if (db.generated) {
    const { sizes, totalSeconds } = db.generated;
    log(`generated ${sizes.users} users, ${sizes.topics} topics, ${sizes.posts} posts in ${totalSeconds.toFixed(0)} s: ${db.name}`);
  } else {
    log(`${db.name} was complete already (--fresh makes it again)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`large-seed: ${errMsg(err)}\n`);
    process.exitCode = 1;
  });
}
