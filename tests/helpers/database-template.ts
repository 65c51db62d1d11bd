/**
 * Vitest's global setup: one migrated database that every test file's database starts as a copy
 * of, instead of each file creating and migrating its own. On PGlite, creating the cluster alone
 * took about 3 s a file and migrating another second; loading a copy takes half a second. On
 * PostgreSQL the copy is `CREATE DATABASE … TEMPLATE`. The template is named after the migrations
 * and the PGlite version, so a changed migration makes a new one and a kept one is reused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrationsFolder, openDatabase } from '../../db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PGlite data directory dump (tar), migrated; absent on PostgreSQL. */
    pgliteTemplate: string | null;
    /** The name of a migrated PostgreSQL database to copy; absent on PGlite. */
    postgresTemplate: string | null;
  }
}

function fingerprint(): string {
  const hash = createHash('sha256');
  const pglite = JSON.parse(readFileSync(join(import.meta.dirname, '../../node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
  hash.update(pglite.version);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(entry.name).update(readFileSync(path));
    }
  };
  walk(migrationsFolder);
  return hash.digest('hex').slice(0, 16);
}

async function pgliteTemplate(key: string): Promise<string> {
  const path = join(tmpdir(), `parley-pglite-template-${key}.tar`);
  if (existsSync(path)) return path;
  const { PGlite } = await import('@electric-sql/pglite');
  const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const client = await PGlite.create('memory://', { extensions: { unaccent } });
  try {
    await migrate(drizzle({ client }), { migrationsFolder });
    const dump = await client.dumpDataDir('none');
    // Written aside and renamed: a run starting meanwhile never reads half a file.
    const partial = `${path}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path);
  } finally {
    await client.close();
  }
  return path;
}

async function postgresTemplate(base: string, key: string): Promise<string> {
  const name = `parley_template_${key}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'parley_template_%'`);
    if (rows.some((r) => r.datname === name)) return name;
    const building = `parley_building_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${building}`);
    const url = new URL(base);
    url.pathname = `/${building}`;
    const database = await openDatabase({ databaseUrl: url.toString(), dataDir: 'memory://', poolSize: 1 });
    await database.close();
    try {
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    } catch {
      // Another run made the same template meanwhile: theirs is as good as ours.
      await admin.query(`DROP DATABASE IF EXISTS ${building}`);
    }
    // Templates of migrations that changed since; one still being copied from stays (DROP refuses).
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => {});
    return name;
  } finally {
    await admin.end();
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const key = fingerprint();
  const base = process.env.DATABASE_URL;
  project.provide('pgliteTemplate', base ? null : await pgliteTemplate(key));
  project.provide('postgresTemplate', base ? await postgresTemplate(base, key) : null);
}
