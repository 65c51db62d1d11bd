import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';

export interface TestDatabase {
  url: string | undefined;
  /** PGlite only: the migrated copy an in-memory database starts from (AppParts.embeddedTemplate). */
  embeddedTemplate: Blob | undefined;
  drop: () => Promise<void>;
}

/**
 * Each test file gets a database of its own: PGlite in memory by default, or, when DATABASE_URL is
 * set (CI), a fresh PostgreSQL database created beside the one named. Both start as copies of one
 * migrated database (tests/helpers/database-template.ts) unless `empty` is asked for (tests of a
 * migration, which apply an earlier set first).
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const template = options.empty ? null : inject('pgliteTemplate');
    return { url: undefined, embeddedTemplate: template ? new Blob([readFileSync(template)]) : undefined, drop: async () => {} };
  }
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  const template = options.empty ? null : inject('postgresTemplate');
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    embeddedTemplate: undefined,
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
