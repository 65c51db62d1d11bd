/**
 * Creates the first site admin (or promotes an existing account):
 *   npm run create-admin -- --handle ann --email ann@example.org [--password '…']
 * Without --password a strong one is generated and printed once. Uses the same DATABASE_URL /
 * PARLEY_DATA_DIR as the server; stop an embedded-database server first (PGlite has one writer).
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Value } from 'typebox/value';
import { openDatabase, rows } from '../../db/client.js';
import { configFromEnv } from '../config/config.js';
import { hashPassword } from '../auth/password.js';
import { SignupBody } from '../auth/auth.schema.js';
import { signalOnce } from '../live/signal-once.js';
import { userSignal } from '../auth/session-cache.js';

const { values } = parseArgs({
  options: { handle: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
});
const fail = (message: string): never => {
  console.error(`create-admin: ${message}`);
  process.exit(2);
};
if (!values.handle) fail('--handle is required (and --email for a new account)');

const config = configFromEnv(process.env);
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  const [existing] = await rows<{ id: number }>(database.db, sql`SELECT id FROM users WHERE lower(handle) = ${values.handle!.toLowerCase()}`);
  if (existing && !values.password) {
    await database.db.execute(sql`UPDATE users SET is_site_admin = true WHERE id = ${existing.id}`);
    // Running servers cache sessions for seconds: they hear of the promotion now.
    await signalOnce(config, database, userSignal(existing.id));
    console.log(`@${values.handle} is now a site admin.`);
  } else {
    const password = values.password ?? randomBytes(18).toString('base64url');
    const input = { handle: values.handle!, email: values.email ?? '', password, ...(values.name ? { displayName: values.name } : {}) };
    if (!Value.Check(SignupBody, input)) {
      const first = [...Value.Errors(SignupBody, input)][0];
      fail(`invalid ${first?.instancePath.slice(1) || 'input'}: ${first?.message}`);
    }
    const hash = await hashPassword(password);
    if (existing) {
      await database.db.execute(sql`UPDATE users SET is_site_admin = true, password_hash = ${hash} WHERE id = ${existing.id}`);
      await signalOnce(config, database, userSignal(existing.id));
    } else {
      await database.db.execute(sql`
        INSERT INTO users (handle, email, password_hash, display_name, is_site_admin)
        VALUES (${input.handle}, ${input.email}, ${hash}, ${values.name ?? input.handle}, true)`);
    }
    console.log(`@${input.handle} is a site admin.${values.password ? '' : ` Password (shown once): ${password}`}`);
  }
} finally {
  await database.close();
}
