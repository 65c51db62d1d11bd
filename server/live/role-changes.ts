import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/client.js';
import type { BusNote } from './bus.js';
import { USER_CHANNEL_PREFIX } from './outbox.js';

/** Forgotten past this many accounts: at worst one account's events are checked twice. */
const REMEMBERED = 10_000;

/**
 * Which accounts with open sockets had their roles changed. Their channel (`user:<id>`) also
 * carries notifications, which change nothing about what the account may see, so only a
 * `roles.changed` (or an event already pruned, to be safe) re-decides their sockets. The notes
 * of a turn are checked together, in one query however many accounts they concern (a reply
 * notifies every watcher at once), and each event once though the bus may announce it twice.
 */
export class RoleChanges {
  /** Per account channel: the seqs noted and not yet checked. */
  private pending = new Map<string, { from: number; to: number }>();
  private checkedUpTo = new Map<string, number>();
  private scheduled = false;

  constructor(
    private readonly db: Db,
    /** The accounts among these that have sockets here; only they are checked. */
    private readonly online: (userIds: number[]) => Set<number>,
    private readonly changed: (userIds: number[]) => void,
    private readonly warn: (err: unknown) => void,
  ) {}

  note(note: BusNote): void {
    if (!note.channel.startsWith(USER_CHANNEL_PREFIX)) return;
    const checked = this.checkedUpTo.get(note.channel);
    if (note.seq <= (checked ?? 0)) return;
    // A note the bus did not bring (a relay publishes none for a seq it found already passed) is
    // checked with the next one: from just after what was checked.
    const from = checked === undefined ? note.seq : checked + 1;
    const range = this.pending.get(note.channel);
    if (range) {
      range.from = Math.min(range.from, from);
      range.to = Math.max(range.to, note.seq);
    } else this.pending.set(note.channel, { from, to: note.seq });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.check());
  }

  private async check(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    const online = this.online([...batch.keys()].map(userOf));
    const ranges = [...batch].filter(([channel]) => online.has(userOf(channel)));
    if (this.checkedUpTo.size > REMEMBERED) this.checkedUpTo.clear();
    for (const [channel, { to }] of ranges) this.checkedUpTo.set(channel, Math.max(to, this.checkedUpTo.get(channel) ?? 0));
    if (!ranges.length) return;
    try {
      const found = await rows<{ channel: string; roles: boolean; present: number }>(
        this.db,
        sql`
        SELECT w.channel, coalesce(bool_or(e.type = 'roles.changed'), false) AS roles, count(e.seq)::int AS present
        FROM (VALUES ${sql.join(
          ranges.map(([channel, r]) => sql`(${channel}::text, ${r.from}::bigint, ${r.to}::bigint)`),
          sql`, `,
        )}) AS w (channel, first, last)
        LEFT JOIN events e ON e.channel = w.channel AND e.seq BETWEEN w.first AND w.last
        GROUP BY w.channel`,
      );
      const expected = new Map(ranges.map(([channel, r]) => [channel, r.to - r.from + 1]));
      const affected = found.filter((r) => r.roles || Number(r.present) < expected.get(r.channel)!).map((r) => userOf(r.channel));
      if (affected.length) this.changed(affected);
    } catch (err) {
      this.warn(err);
      this.changed(ranges.map(([channel]) => userOf(channel)));
    }
  }
}

const userOf = (channel: string) => Number(channel.slice(USER_CHANNEL_PREFIX.length));
