import { createHash } from 'node:crypto';
import pg from 'pg';

/** One subject token: anything a token may not hold (`.`, `*`, `>`, spaces) is escaped. */
export const subjectToken = (token: string): string => token.replace(/[^A-Za-z0-9_:-]/g, (c) => `~${c.codePointAt(0)!.toString(16)}~`) || '_';

/**
 * The NATS bus's subjects for one forum, shared by the bus (server/live/bus.nats.ts) and its relay
 * (outbox.relay.ts). Under one prefix per database, so that two forums (or two test databases)
 * on one broker never hear each other.
 */
export class NatsSubjects {
  readonly events: string;
  readonly presence: string;
  readonly signal: string;
  /** Commits say "look now" to the relay. */
  readonly relayPoke: string;
  /** The relay's watermark: every event of a transaction below it has been published. */
  readonly relayHead: string;
  /** A process became the relay. */
  readonly relayStart: string;

  constructor(readonly prefix: string) {
    this.events = `${prefix}.ev`;
    this.presence = `${prefix}.presence`;
    this.signal = `${prefix}.signal`;
    this.relayPoke = `${prefix}.relay.poke`;
    this.relayHead = `${prefix}.relay.head`;
    this.relayStart = `${prefix}.relay.start`;
  }

  /** A channel's subject: `topic:42` → `<prefix>.ev.topic.42`, so that `<prefix>.ev.topic.*` is every topic. */
  channel(channel: string): string {
    const cut = channel.indexOf(':');
    return cut < 0
      ? `${this.events}.${subjectToken(channel)}._`
      : `${this.events}.${subjectToken(channel.slice(0, cut))}.${subjectToken(channel.slice(cut + 1))}`;
  }

  /** Every channel of one kind (`topic`, `community`). */
  kind(kind: string): string {
    return `${this.events}.${subjectToken(kind)}.*`;
  }
}

/**
 * The prefix for the database at this URL: the same for every process of one forum however it
 * names the server, different for another database on the same server or another server.
 */
export async function subjectsFor(connectionString: string): Promise<NatsSubjects> {
  const c = new pg.Client({ connectionString });
  c.on('error', () => {});
  await c.connect();
  try {
    const { rows } = await c.query<{ db: string; system: string | null }>(
      `SELECT current_database() AS db, (SELECT system_identifier::text FROM pg_control_system()) AS system`,
    );
    const identity = `${rows[0]!.system ?? ''}/${rows[0]!.db}`;
    return new NatsSubjects(`parley.${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`);
  } finally {
    await c.end().catch(() => {});
  }
}

/** `nats://a:4222,nats://b:4222` → the servers' host:port list the client takes. */
export const natsServers = (url: string): string[] => url.split(',').map((s) => s.trim().replace(/^nats:\/\//, ''));
