/**
 * Votes and status changes tell the idea's readers in their own transaction, and the community's
 * topic list after the commit, batched like replies' bumps: so votes on a community's ideas never
 * queue on its list channel's row.
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import type { TestApp } from './helpers/app.js';
import { createCommunity, createTopic } from './helpers/factories.js';
import { LiveClient, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ t, url, s } = ready));

const updated = (channel: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel && m.event === 'topic.updated';

/** On PGlite one statement runs at a time: no transaction of another client can hold a row meanwhile. */
describe.skipIf(!process.env.DATABASE_URL)("ideas' votes and the community list (PostgreSQL)", () => {
  it("commit while another transaction holds the list channel's row; the list hears them once it is free, folded, with the final count", async () => {
    const community = await createCommunity(s.admin);
    const { topic } = await createTopic(s.member, community.slug, { kind: 'idea' });
    const topicChannel = `topic:${topic.id}`;
    const listChannel = `community:${community.slug}`;
    const reader = await LiveClient.connect(url);
    open.push(reader);
    await reader.subscribe(topicChannel);
    await reader.subscribe(listChannel);

    const other = new pg.Client({ connectionString: t.config.databaseUrl });
    await other.connect();
    const voters = [s.admin, s.moderator, s.staff, s.other];
    try {
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM channels WHERE name = $1 FOR UPDATE', [listChannel]);
      const votes = Promise.all(voters.map((v) => v.post(`/api/topics/${topic.id}/vote`)));
      const answered = await Promise.race([votes, new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000))]);
      expect(answered, 'votes waited for the list channel').not.toBeNull();
      expect(answered!.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(Math.max(...answered!.map((r) => r.body.votes as number))).toBe(4);
      // The idea's readers heard every vote with it.
      const onTopic = await reader.take(4, updated(topicChannel));
      expect(onTopic.at(-1)!.data.votes).toBe(4);
      expect(await reader.quiet(updated(listChannel))).toEqual([]);
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
    const first = await reader.next(updated(listChannel));
    const more = await reader.quiet(updated(listChannel), 500);
    // At most one batch waited on the row and one collected behind it.
    expect(1 + more.length).toBeLessThanOrEqual(2);
    for (const event of [first, ...more]) expect(event.data).toMatchObject({ id: topic.id, votes: 4 });
  });
});
