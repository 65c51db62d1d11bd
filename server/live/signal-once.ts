import { sql } from 'drizzle-orm';
import { connect } from '@nats-io/transport-node';
import type { Database } from '../../db/client.js';
import type { Config } from '../config/config.js';
import { SIGNAL_CHANNEL } from './bus.js';
import { natsServers, subjectsFor } from './nats.subjects.js';

/**
 * A cache signal from a command-line tool, which has no bus of its own: over NATS when the
 * servers use it, else as a NOTIFY the servers (or the embedded database's one process) hear.
 */
export async function signalOnce(config: Pick<Config, 'busUrl'>, database: Database, payload: string): Promise<void> {
  if (!config.busUrl || !database.connectionString) {
    await database.db.execute(sql`SELECT pg_notify(${SIGNAL_CHANNEL}, ${payload})`);
    return;
  }
  const subjects = await subjectsFor(database.connectionString);
  const nc = await connect({ servers: natsServers(config.busUrl) });
  try {
    nc.publish(subjects.signal, payload);
    await nc.flush();
  } finally {
    await nc.close();
  }
}
