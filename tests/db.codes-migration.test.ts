import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrationsFolder, openDatabase, rows } from '../db/client.js';
import { createTestDatabase } from './helpers/database.js';

/**
 * A database written before system reasons became codes: its English sentences become codes,
 * and a person's own words stay as they were.
 */
const scratch = mkdtempSync(join(tmpdir(), 'parley-migration-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The migrations as they were before the one given (a later data migration would change what this test checks). */
function migrationsBefore(tag: string): string {
  const folder = join(scratch, `before-${tag}`);
  cpSync(migrationsFolder, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  expect(at).toBeGreaterThan(0);
  for (const e of journal.entries.slice(at)) rmSync(join(folder, `${e.tag}.sql`));
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
  return folder;
}

const HELD_POST = "A member's first post here waits for a moderator's approval.";
const HELD_TOPIC = "A member's first topic here waits for a moderator's approval.";
const FLAGGED = "Hidden automatically after 3 members flagged it; waiting for a moderator's review.";

describe('the codes-not-sentences migration', () => {
  it("turns stored system sentences into codes and keeps moderators' and members' own words", async () => {
    const target = await createTestDatabase({ empty: true });
    const options = { databaseUrl: target.url, dataDir: join(scratch, 'data') };
    const before = await openDatabase({ ...options, migrationsFolder: migrationsBefore('0004_queue_items') });
    const db = before.db;
    await db.execute(sql`INSERT INTO users (id, handle, display_name) VALUES (1, 'ann', 'Ann'), (2, 'bob', 'Bob')`);
    await db.execute(sql`INSERT INTO communities (id, slug, name) VALUES (1, 'acme', 'Acme')`);
    await db.execute(sql`INSERT INTO categories (id, community_id, slug, name) VALUES (1, 1, 'general', 'General')`);
    await db.execute(sql`INSERT INTO topics (id, community_id, category_id, author_id, title, hidden, hidden_reason, hidden_pending) VALUES
      (1, 1, 1, 1, 'Held topic', true, ${HELD_TOPIC}, true), (2, 1, 1, 1, 'Hidden by hand', true, 'Off topic', false)`);
    await db.execute(sql`INSERT INTO posts (id, topic_id, number, author_id, body, body_html, hidden, hidden_reason, hidden_pending) VALUES
      (1, 1, 1, 1, 'a', 'a', false, NULL, false),
      (2, 2, 1, 1, 'b', 'b', true, ${HELD_POST}, true),
      (3, 2, 2, 2, 'c', 'c', true, ${FLAGGED}, true),
      (4, 2, 3, 2, 'd', 'd', true, 'Spam or advertising', false)`);
    await db.execute(sql`INSERT INTO flags (community_id, kind, target_type, topic_id, post_id, reporter_id, reason) VALUES
      (1, 'first_post', 'topic', 1, 1, NULL, 'First topic in this community'),
      (1, 'first_post', 'post', 2, 2, NULL, 'First post in this community'),
      (1, 'review_request', 'post', 2, 3, 2, 'The author asks a moderator to look again.'),
      (1, 'review_request', 'post', 2, 4, 2, 'Please, it was a joke'),
      (1, 'flag', 'post', 2, 3, 1, 'Looks like spam')`);
    await db.execute(sql`INSERT INTO moderation_log (community_id, moderator_id, action, target_type, target_id, reason, detail, automatic) VALUES
      (1, NULL, 'hold_topic', 'topic', 1, ${HELD_TOPIC}, NULL, true),
      (1, NULL, 'hold_post', 'post', 2, ${HELD_POST}, NULL, true),
      (1, NULL, 'hide_post', 'post', 3, ${FLAGGED}, '3 flags', true),
      (1, 1, 'dismiss_flag', 'post', 3, NULL, 'member flag', false),
      (1, 1, 'resolve_flag', 'post', 2, NULL, 'held first post', false),
      (1, 1, 'resolve_flag', 'post', 4, NULL, 'review request', false),
      (1, 1, 'hide_post', 'post', 4, 'Spam or advertising', NULL, false),
      (1, 1, 'ban_user', 'user', 2, 'Spam', 'permanent', false)`);
    await db.execute(sql`INSERT INTO notifications (user_id, kind, community_id, topic_id, post_id, data) VALUES
      (2, 'moderation', 1, 2, 3, ${JSON.stringify({ action: 'hide_post', reason: FLAGGED })}::jsonb),
      (2, 'moderation', 1, 2, 4, ${JSON.stringify({ action: 'hide_post', reason: 'Spam or advertising' })}::jsonb)`);
    await before.close();

    const after = await openDatabase({ ...options, migrationsFolder: migrationsBefore('0006_languages') });
    try {
      expect(await rows(after.db, sql`SELECT id, hidden_reason, hidden_reason_code FROM topics ORDER BY id`)).toEqual([
        { id: 1, hidden_reason: null, hidden_reason_code: 'held_first_topic' },
        { id: 2, hidden_reason: 'Off topic', hidden_reason_code: null },
      ]);
      expect(await rows(after.db, sql`SELECT id, hidden_reason, hidden_reason_code FROM posts ORDER BY id`)).toEqual([
        { id: 1, hidden_reason: null, hidden_reason_code: null },
        { id: 2, hidden_reason: null, hidden_reason_code: 'held_first_post' },
        { id: 3, hidden_reason: null, hidden_reason_code: 'flagged' },
        { id: 4, hidden_reason: 'Spam or advertising', hidden_reason_code: null },
      ]);
      expect(await rows(after.db, sql`SELECT kind, reason FROM queue_items ORDER BY id`)).toEqual([
        { kind: 'first_post', reason: null },
        { kind: 'first_post', reason: null },
        { kind: 'review_request', reason: null },
        { kind: 'review_request', reason: 'Please, it was a joke' },
        { kind: 'flag', reason: 'Looks like spam' },
      ]);
      expect(await rows(after.db, sql`SELECT action, reason, reason_code, detail FROM moderation_log ORDER BY id`)).toEqual([
        { action: 'hold_topic', reason: null, reason_code: 'held_first_topic', detail: null },
        { action: 'hold_post', reason: null, reason_code: 'held_first_post', detail: null },
        { action: 'hide_post', reason: null, reason_code: 'flagged', detail: '3' },
        { action: 'dismiss_flag', reason: null, reason_code: null, detail: 'flag' },
        { action: 'resolve_flag', reason: null, reason_code: null, detail: 'first_post' },
        { action: 'resolve_flag', reason: null, reason_code: null, detail: 'review_request' },
        { action: 'hide_post', reason: 'Spam or advertising', reason_code: null, detail: null },
        { action: 'ban_user', reason: 'Spam', reason_code: null, detail: 'permanent' },
      ]);
      expect(await rows(after.db, sql`SELECT data FROM notifications ORDER BY id`)).toEqual([
        { data: { action: 'hide_post', reasonCode: 'flagged' } },
        { data: { action: 'hide_post', reason: 'Spam or advertising' } },
      ]);
    } finally {
      await after.close();
      await target.drop();
    }
  }, 120_000);
});
