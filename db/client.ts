import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import type { PgDatabase, PgDialect, PgQueryResultHKT, PgSession } from 'drizzle-orm/pg-core';
import { sql, type Query, type SQL } from 'drizzle-orm';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The drizzle database, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction has the same query surface as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Executor = Db | Tx;
export type Driver = 'pglite' | 'postgres';

export interface Database {
  db: Db;
  driver: Driver;
  /** Subscribe to NOTIFY on a channel. PostgreSQL listeners are handled by the bus, which needs its own connection. */
  listenEmbedded?: (channel: string, onPayload: (payload: string) => void) => Promise<() => Promise<void>>;
  connectionString?: string;
  /**
   * A statement as text with $1… parameters, straight to the driver (no drizzle): for libraries
   * that bring their own SQL (the job queue). Without parameters the text may hold several
   * statements.
   */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export interface OpenOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
  /** The migrations to apply; tests of a migration start from an earlier set. */
  migrationsFolder?: string;
  /** Told every statement drizzle runs and its parameters, transactions included (tests count what a path costs, or EXPLAIN it). */
  onStatement?: ((sql: string, params: unknown[]) => void) | undefined;
  /**
   * An embedded database in memory starts as a copy of this one (PGlite's dumpDataDir), already
   * migrated: creating PGlite's cluster takes seconds, loading a copy a fraction of that (tests).
   */
  embeddedTemplate?: Blob | undefined;
  /**
   * false on the NATS bus: this process's connections say so (`parley.bus=nats`), and the writes'
   * parley_notify then queues no NOTIFY (PostgreSQL serialises the commits of notifying
   * transactions on one lock; the relay publishes from the outbox instead).
   */
  notifyInTransactions?: boolean;
}

/** drizzle's logger hook, the one place every statement of either driver passes. */
const statementLogger = (onStatement: OpenOptions['onStatement']) =>
  onStatement ? { logger: { logQuery: (query: string, params: unknown[]) => onStatement(query, params) } } : {};

/** PostgreSQL through `pg` when a URL is given, else PGlite under dataDir. Migrations are applied before returning. */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const folder = opts.migrationsFolder ?? migrationsFolder;
  return opts.databaseUrl
    ? openPostgres(opts.databaseUrl, opts.poolSize ?? 20, folder, opts.onStatement, opts.notifyInTransactions ?? true)
    : openPglite(opts.dataDir, folder, opts.onStatement, opts.embeddedTemplate);
}

async function openPostgres(url: string, poolSize: number, folder: string, onStatement: OpenOptions['onStatement'], notify: boolean): Promise<Database> {
  const { default: pg } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  // int8 columns (sequences, counts) fit in a double for any realistic forum.
  pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
  const pool = new pg.Pool({ connectionString: url, max: poolSize, ...(notify ? {} : { options: '-c parley.bus=nats' }) });
  pool.on('error', () => {
    /* an idle client died; the pool replaces it */
  });
  const client = await pool.connect();
  try {
    // Replicas starting together must not apply the same migration twice.
    await client.query('SELECT pg_advisory_lock(7041999)');
    await migrate(drizzle({ client, schema }), { migrationsFolder: folder });
  } finally {
    await client.query('SELECT pg_advisory_unlock(7041999)').catch(() => {});
    client.release();
  }
  const db = drizzle({ client: pool, schema, ...statementLogger(onStatement) }) as unknown as Db;
  return {
    db,
    driver: 'postgres',
    connectionString: url,
    executeSql: async (text, values) => pool.query(text, values),
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string, folder: string, onStatement?: OpenOptions['onStatement'], template?: Blob): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  // unaccent folds accents in search (migration 0008); PGlite loads an extension only if named here.
  const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const inMemory = dataDir.startsWith('memory://');
  const client = await PGlite.create(dataDir, { extensions: { unaccent }, ...(template && inMemory ? { loadDataDir: template } : {}) });
  const raw = drizzle({ client, schema, ...statementLogger(onStatement) });
  await migrate(raw, { migrationsFolder: folder });
  const db = raw as unknown as Db;
  return {
    db,
    driver: 'pglite',
    listenEmbedded: async (channel, onPayload) => client.listen(channel, onPayload),
    async executeSql(text, values) {
      if (values && values.length > 0) return client.query(text, values);
      // The extended protocol takes one statement; a script goes through exec, answering with its last result.
      const results = await client.exec(text);
      return results[results.length - 1] ?? { rows: [] };
    },
    close: () => client.close(),
  };
}

/** A unique index refused the write (PostgreSQL 23505), from either driver, wrapped by drizzle or not. */
export const isUniqueViolation = (err: unknown): boolean => {
  const e = err as { code?: string; cause?: { code?: string } } | null;
  return e?.code === '23505' || e?.cause?.code === '23505';
};

/**
 * A statement prepared under a name, made once per database handle: each pooled PostgreSQL
 * connection then plans it once (for the joins of a page's per-reader reads, planning costs
 * several times running them). For statements read on every view of a page.
 */
export function preparedPerDb<T>(prepare: (db: Executor) => T): (db: Executor) => T {
  const made = new WeakMap<Executor, T>();
  return (db) => {
    let statement = made.get(db);
    if (!statement) made.set(db, (statement = prepare(db)));
    return statement;
  };
}

/**
 * A raw statement of fixed text prepared under a name (see preparedPerDb), for what a select
 * builder cannot wrap: a statement of data-modifying CTEs. Its values are `sql.placeholder`s,
 * given at each run; its rows come back as the driver gave them, as `rows` answers them. Made
 * through drizzle's session, the one way to name a statement on either driver; tests of the
 * statements using it run on both (drizzle is pinned).
 */
export function namedStatement<T>(name: string, query: SQL): (db: Executor, values: Record<string, unknown>) => Promise<T[]> {
  let built: Query | undefined;
  const statement = preparedPerDb((db) => {
    const { session, dialect } = db as unknown as { session: PgSession; dialect: PgDialect };
    built ??= dialect.sqlToQuery(query);
    return session.prepareQuery(built, undefined, name, false);
  });
  return async (db, values) => ((await statement(db).execute(values)) as { rows: T[] }).rows;
}

/**
 * PostgreSQL array literals, each given as one parameter (`${intArray(ids)}::int[]`): one
 * parameter however many values, and one statement text however many, so its plan is kept.
 * Integers are checked to be integers; text is quoted and escaped (null is SQL's NULL).
 */
export function intArray(values: readonly number[]): string {
  for (const v of values) if (!Number.isSafeInteger(v)) throw new TypeError(`not an integer for an int[] literal: ${String(v)}`);
  return `{${values.join(',')}}`;
}

export const textArray = (values: readonly (string | null)[]): string =>
  `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;

/** The values of a named statement, read from a one-row CTE named `args` (see statementValues). */
export interface StatementValues<K extends string> {
  /** `args AS MATERIALIZED (SELECT $1::int AS "topicId", …)`, for the statement's WITH. */
  cte: SQL;
  /** Each value as a column of the CTE: `args."topicId"` (a FROM that reads one names `args`). */
  v: Record<K, SQL>;
}

/**
 * A named statement's values as a one-row CTE its text reads them from, typed here (`int`,
 * `text[]`, …), given at each run as `sql.placeholder`s of the same names. PostgreSQL plans a
 * named statement with its values for the first five runs, then keeps one generic plan only if
 * that is estimated no dearer than those were. Values it can fold into the plan (a null, an
 * array's length) make every generic plan look dearer, and it plans again on every run: a
 * reply's audience spent 1.5 ms planning for 0.3 ms running. Behind a materialised CTE, no value
 * can be folded, so after five runs each connection plans the statement no more.
 */
export function statementValues<K extends string>(types: Record<K, string>): StatementValues<K> {
  const names = Object.keys(types) as K[];
  const columns = names.map((n) => sql`${sql.placeholder(n)}::${sql.raw(types[n])} AS ${sql.identifier(n)}`);
  return {
    cte: sql`args AS MATERIALIZED (SELECT ${sql.join(columns, sql`, `)})`,
    v: Object.fromEntries(names.map((n) => [n, sql`args.${sql.identifier(n)}`])) as Record<K, SQL>,
  };
}

/** Rows of a raw statement, whichever driver ran it. */
export async function rows<T>(db: Executor, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as { rows: T[] };
  return result.rows;
}

/**
 * The same surface as Database.executeSql over a drizzle transaction: a library's statement
 * (e.g. enqueueing a job) commits or rolls back with the write around it. It goes to the
 * transaction's own driver client (pg's PoolClient or PGlite's transaction), because the library's
 * SQL may use one `$n` several times with different casts, which only the driver binds as one value.
 * Reaching for `session.client` relies on drizzle's internals (pinned; tests/jobs.queue.test.ts
 * covers both drivers).
 */
export function executorSql(ex: Executor): { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> } {
  const client = (ex as unknown as { session?: { client?: { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> } } }).session?.client;
  if (!client) throw new Error('executorSql: this drizzle executor has no driver client');
  return { executeSql: (text, values = []) => client.query(text, values) };
}
