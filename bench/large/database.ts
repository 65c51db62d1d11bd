import pg from 'pg';
import { openDatabase } from '../../db/client.js';
import { hashPassword } from '../../server/auth/password.js';
import { PG_ADMIN_URL, redact } from '../pg.js';
import { generateLarge, type Generated } from './generate.js';

/** Every generated account's password (the bench signs in with it). */
export const LARGE_PASSWORD = 'large community bench';

export interface LargeDatabase {
  url: string;
  name: string;
  /** The database was complete already and was kept as it was. */
  reused: boolean;
  generated: Generated | null;
}

/** One database per scale, kept between runs: parley_large_1, parley_large_0_02, … */
export const largeDatabaseName = (scale: number) => `parley_large_${String(scale).replace(/[^0-9]/g, '_')}`;

const MARK = 'parley large community, complete';

/**
 * The generated database of this scale, made when missing (or when `fresh`), next to the
 * database of BENCH_PG_URL (or DATABASE_URL). A database comment marks a finished generation,
 * so a run interrupted halfway is made again, not measured. Opening it applies the app's
 * pending migrations, as a deploy would.
 */
export async function ensureLargeDatabase(opts: { scale: number; fresh?: boolean; log?: (msg: string) => void }): Promise<LargeDatabase> {
  const log = opts.log ?? (() => {});
  const name = largeDatabaseName(opts.scale);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  let complete: boolean;
  try {
    const found = await admin.query<{ comment: string | null }>(`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [
      name,
    ]);
    complete = found.rows.length === 1 && found.rows[0]!.comment === MARK;
    if (found.rows.length === 1 && (opts.fresh || !complete)) {
      log(`dropping ${name} (${opts.fresh ? '--fresh' : 'incomplete'})`);
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      complete = false;
    }
    if (!complete) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end().catch(() => {});
  }
  log(`${complete ? 'reusing' : 'generating'} ${redact(url.toString())}`);
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: 'memory://', poolSize: 1 });
  try {
    if (complete) return { url: url.toString(), name, reused: true, generated: null };
    const generated = await generateLarge(database.executeSql, { scale: opts.scale, passwordHash: await hashPassword(LARGE_PASSWORD), log });
    // Tables written in bulk have no visibility map yet, so index-only scans visit the heap for
    // every row until autovacuum gets round to them (insights over a year: 573-617 ms before, 305-324 ms after).
    const vacuum = performance.now();
    await database.executeSql('VACUUM (ANALYZE)');
    log(`VACUUM (ANALYZE): ${((performance.now() - vacuum) / 1000).toFixed(1)} s`);
    await database.executeSql(`COMMENT ON DATABASE ${name} IS '${MARK}'`);
    return { url: url.toString(), name, reused: false, generated };
  } finally {
    await database.close();
  }
}
