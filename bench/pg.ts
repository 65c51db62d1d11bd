import pg from 'pg';
import { randomBytes } from 'node:crypto';

export const PG_ADMIN_URL = process.env.BENCH_PG_URL || process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test';

export const errMsg = (err: unknown) => (err instanceof Error ? err.message : String(err));
export const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

export interface PgDatabase {
  url: string;
  name: string;
  drop: () => Promise<void>;
}

/** A fresh parley_bench_<random> database created through the admin URL, or the reason there is none. */
export async function createPgDatabase(): Promise<PgDatabase | { skip: string }> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  admin.on('error', () => {});
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => {});
    return { skip: `PostgreSQL unreachable at ${redact(PG_ADMIN_URL)} (${errMsg(err) || 'connection refused'})` };
  }
  const name = `parley_bench_${randomBytes(5).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end().catch(() => {});
    }
  };
  return { url: url.toString(), name, drop };
}
