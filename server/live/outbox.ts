import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor, type Tx } from '../../db/client.js';
import type { BusNote } from './bus.js';
import type { LiveEventName } from './live.protocol.js';

/** What the outbox stores is what the live protocol sends: one list of event names. */
export type EventType = LiveEventName;

export const topicChannel = (topicId: number) => `topic:${topicId}`;
export const communityChannel = (slug: string) => `community:${slug}`;
/** Changes that concern one account, e.g. its roles (open sockets re-decide what it may see). */
export const USER_CHANNEL_PREFIX = 'user:';
export const userChannel = (userId: number) => `${USER_CHANNEL_PREFIX}${userId}`;
/** A community's inbox (server/inbox/): "something there changed", for its staff, moderators and admins only. */
export const INBOX_CHANNEL_PREFIX = 'inbox:';
export const inboxChannel = (slug: string) => `${INBOX_CHANNEL_PREFIX}${slug}`;

/**
 * Appends an event in the caller's transaction: the counter row hands out the next seq
 * (its row lock orders concurrent writers), and parley_notify queues a NOTIFY to go
 * out only if this transaction commits. One round trip.
 */
export async function appendEvent(tx: Tx, channel: string, type: EventType, ref: Record<string, unknown>): Promise<BusNote> {
  const [row] = await rows<{ seq: number }>(
    tx,
    sql`
    WITH c AS (
      INSERT INTO channels (name, last_seq) VALUES (${channel}, 1)
      ON CONFLICT (name) DO UPDATE SET last_seq = channels.last_seq + 1
      RETURNING last_seq
    ), e AS (
      INSERT INTO events (channel, seq, type, ref)
      SELECT ${channel}, last_seq, ${type}, ${JSON.stringify(ref)}::jsonb FROM c
      RETURNING seq
    )
    SELECT seq::int AS seq, parley_notify(${channel}, seq) FROM e`,
  );
  if (!row) throw new Error(`could not append event to ${channel}`);
  return { channel, seq: Number(row.seq) };
}

/**
 * Appends several events to one channel in one statement, in the given order (e.g. a community's
 * batched bumps): the counter row moves once by their number. A statement of its own is atomic,
 * so this needs no transaction around it.
 */
export async function appendSeries(db: Executor, channel: string, drafts: Array<{ type: EventType; ref: Record<string, unknown> }>): Promise<BusNote[]> {
  if (!drafts.length) return [];
  const values = sql.join(
    drafts.map((d, i) => sql`(${i + 1}::int, ${d.type}::text, ${JSON.stringify(d.ref)}::jsonb)`),
    sql`, `,
  );
  const found = await rows<{ seq: number }>(
    db,
    sql`
    WITH v (i, type, ref) AS (VALUES ${values}), c AS (
      INSERT INTO channels (name, last_seq) VALUES (${channel}, ${drafts.length}::int)
      ON CONFLICT (name) DO UPDATE SET last_seq = channels.last_seq + ${drafts.length}::int
      RETURNING last_seq
    ), e AS (
      INSERT INTO events (channel, seq, type, ref)
      SELECT ${channel}, c.last_seq - ${drafts.length}::int + v.i, v.type, v.ref FROM c, v
      RETURNING seq
    )
    SELECT seq::int AS seq, parley_notify(${channel}, seq) FROM e ORDER BY seq`,
  );
  return found.map((r) => ({ channel, seq: Number(r.seq) }));
}

export interface EventDraft {
  channel: string;
  type: EventType;
  ref: Record<string, unknown>;
}

/**
 * Appends one event to each of many channels (e.g. every voter's notification channel) in one
 * statement. Channels must be distinct; their counter rows are taken in name order, the same
 * order for every batch, so two batches cannot deadlock.
 */
export async function appendEvents(tx: Tx, drafts: EventDraft[]): Promise<BusNote[]> {
  if (!drafts.length) return [];
  const values = sql.join(
    drafts.map((d) => sql`(${d.channel}::text, ${d.type}::text, ${JSON.stringify(d.ref)}::jsonb)`),
    sql`, `,
  );
  const found = await rows<{ channel: string; seq: number }>(tx, sql`WITH v (name, type, ref) AS (VALUES ${values}), ${eventsForV()}`);
  return found.map((r) => ({ channel: r.channel, seq: Number(r.seq) }));
}

/**
 * Two CTEs, named `c` and `e` after a prefix, for an earlier CTE `v` of `(name, type, ref)` rows,
 * one per distinct channel: take the channels' counter rows in name order and append one event
 * to each (`e` returns `channel, seq`). The caller queues the NOTIFYs.
 */
export const channelEventsCtes = (v: string, prefix = '') => {
  const [c, e, vv] = [sql.raw(`${prefix}c`), sql.raw(`${prefix}e`), sql.raw(v)];
  return sql`${c} AS (
    INSERT INTO channels (name, last_seq) SELECT name, 1 FROM ${vv} ORDER BY name
    ON CONFLICT (name) DO UPDATE SET last_seq = channels.last_seq + 1
    RETURNING name, last_seq
  ), ${e} AS (
    INSERT INTO events (channel, seq, type, ref)
    SELECT ${c}.name, ${c}.last_seq, ${vv}.type, ${vv}.ref FROM ${c} JOIN ${vv} ON ${vv}.name = ${c}.name
    RETURNING channel, seq
  )`;
};

/**
 * The rest of a statement whose earlier CTEs define `v (name, type, ref)`, one row per distinct
 * channel: appends one event to each channel (`channelEventsCtes`), queues the NOTIFY, and
 * selects `channel`, `seq` (and `also`, columns of v).
 */
export const eventsForV = (also: SQL = sql``) => sql`
  ${channelEventsCtes('v')}
  SELECT e.channel, e.seq::int AS seq, parley_notify(e.channel, e.seq)${also}
  FROM e JOIN v ON v.name = e.channel`;
