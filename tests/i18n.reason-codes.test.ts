import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrationsFolder, openDatabase, rows } from '../db/client.js';
import { createTestDatabase } from './helpers/database.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, signUp } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';
import { aboutTopic } from './helpers/notifications.js';

/**
 * Codes, not prose, in the database: a canned reason a moderator picks is stored as its code and
 * put into words when shown (English where one text serves every reader, the reader's language
 * where the route answers one reader); a moderator's own words stay as written.
 */
let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
const db = () => t.app.parley.ctx.db;

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => t?.close());

/** Reads made while the scene's community speaks German (a community's language comes before the browser's). */
async function inGerman<T>(read: () => Promise<T>): Promise<T> {
  expect((await s.admin.patch(`/api/communities/${s.slug}`, { language: 'de' })).status).toBe(200);
  try {
    return await read();
  } finally {
    expect((await s.admin.patch(`/api/communities/${s.slug}`, { language: 'en' })).status).toBe(200);
  }
}

const log = async () => {
  const res = await t.guest().get(`/api/communities/${s.slug}/moderation-log`);
  expect(res.status, res.text).toBe(200);
  return res.body.items as any[];
};

describe('canned reasons as codes', () => {
  it('hiding a post with a reasonCode stores the code and shows it with its English words', async () => {
    const { topic } = await createTopic(s.admin, s.slug);
    const post = await reply(s.member, topic.id);
    const res = await s.moderator.post(`/api/posts/${post.id}/hide`, { reasonCode: 'spam' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.post).toMatchObject({ hidden: true, hiddenReason: 'Spam or advertising', hiddenReasonCode: 'spam' });
    expect(await rows(db(), sql`SELECT hidden_reason, hidden_reason_code FROM posts WHERE id = ${post.id}`)).toEqual([
      { hidden_reason: null, hidden_reason_code: 'spam' },
    ]);
    expect((await t.guest().get(`/api/posts/${post.id}`)).body.post).toMatchObject({ hiddenReason: 'Spam or advertising', hiddenReasonCode: 'spam' });
    const [entry] = await log();
    expect(entry).toMatchObject({ action: 'hide_post', reason: 'Spam or advertising', reasonCode: 'spam', automatic: false });
    expect(await rows(db(), sql`SELECT reason, reason_code FROM moderation_log WHERE id = ${entry.id}`)).toEqual([{ reason: null, reason_code: 'spam' }]);
    expect((await aboutTopic(s.member, topic.id)).map((n) => n.data)).toEqual([{ action: 'hide_post', reason: 'Spam or advertising', reasonCode: 'spam' }]);

    // The same code again changes nothing; the moderator's own words instead replace it.
    expect((await s.moderator.post(`/api/posts/${post.id}/hide`, { reasonCode: 'spam' })).status).toBe(200);
    expect((await log())[0].id).toBe(entry.id);
    const own = await s.moderator.post(`/api/posts/${post.id}/hide`, { reason: '  Spam or advertising ' });
    expect(own.body.post).toMatchObject({ hiddenReason: 'Spam or advertising', hiddenReasonCode: null });
    expect(await rows(db(), sql`SELECT hidden_reason, hidden_reason_code FROM posts WHERE id = ${post.id}`)).toEqual([
      { hidden_reason: 'Spam or advertising', hidden_reason_code: null },
    ]);
  });

  it('hiding a topic with a reasonCode stores the code; the log shows it in the reader’s language', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const res = await s.moderator.post(`/api/topics/${topic.id}/hide`, { reasonCode: 'off_topic' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.topic).toMatchObject({ hidden: true, hiddenReason: 'Off topic for this community', hiddenReasonCode: 'off_topic' });
    expect(await rows(db(), sql`SELECT hidden_reason, hidden_reason_code FROM topics WHERE id = ${topic.id}`)).toEqual([
      { hidden_reason: null, hidden_reason_code: 'off_topic' },
    ]);
    expect((await aboutTopic(s.member, topic.id)).map((n) => n.data)).toEqual([
      { action: 'hide_topic', reason: 'Off topic for this community', reasonCode: 'off_topic' },
    ]);
    const german = await inGerman(() => t.guest().get(`/api/communities/${s.slug}/moderation-log`));
    expect(german.body.items[0]).toMatchObject({ action: 'hide_topic', reason: 'Passt nicht zum Thema dieser Community', reasonCode: 'off_topic' });
  });

  it('a moderator’s own words stay as written, without a code', async () => {
    const { topic } = await createTopic(s.admin, s.slug);
    const post = await reply(s.member, topic.id);
    const res = await s.moderator.post(`/api/posts/${post.id}/hide`, { reason: 'Please keep it civil' });
    expect(res.body.post).toMatchObject({ hiddenReason: 'Please keep it civil', hiddenReasonCode: null });
    expect((await log())[0]).toMatchObject({ reason: 'Please keep it civil', reasonCode: null });
    expect((await aboutTopic(s.member, topic.id)).map((n) => n.data)).toEqual([{ action: 'hide_post', reason: 'Please keep it civil' }]);
  });

  it('a ban takes a reasonCode too', async () => {
    const troll = await signUp(t);
    const res = await s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: troll.handle, reasonCode: 'abusive' });
    expect(res.status, res.text).toBe(201);
    expect(res.body.ban).toMatchObject({ reason: 'Abusive or disrespectful', reasonCode: 'abusive' });
    expect(await rows(db(), sql`SELECT reason, reason_code FROM bans WHERE id = ${res.body.ban.id}`)).toEqual([{ reason: null, reason_code: 'abusive' }]);
    expect((await log())[0]).toMatchObject({ action: 'ban_user', reason: 'Abusive or disrespectful', reasonCode: 'abusive' });
    const listed = await inGerman(() => s.moderator.get(`/api/communities/${s.slug}/bans`));
    expect(listed.body.items.find((b: any) => b.id === res.body.ban.id)).toMatchObject({ reason: 'Beleidigend oder respektlos', reasonCode: 'abusive' });
    // The banned member's writes are refused (the refusal names the reason when it is loaded with the ban).
    const { topic } = await createTopic(s.admin, s.slug);
    expectError(await troll.post(`/api/topics/${topic.id}/posts`, { body: 'let me in' }), 403, 'banned');
    const own = await s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: troll.handle, reason: 'Trolling' });
    expect(own.body.ban.reason).toBe('Trolling');
    expect(own.body.ban).not.toHaveProperty('reasonCode');
  });

  it('takes exactly one of reason and reasonCode, and only a canned code', async () => {
    const { topic } = await createTopic(s.admin, s.slug);
    const post = await reply(s.member, topic.id);
    const target = await signUp(t);
    const calls = [
      (body: object) => s.moderator.post(`/api/posts/${post.id}/hide`, body),
      (body: object) => s.moderator.post(`/api/topics/${topic.id}/hide`, body),
      (body: object) => s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: target.handle, ...body }),
    ];
    for (const call of calls) {
      expect(expectError(await call({}), 400, 'invalid_input').details).toEqual({ in: 'body', field: 'reason' });
      expect(expectError(await call({ reason: 'Spam', reasonCode: 'spam' }), 400, 'invalid_input').details).toEqual({ in: 'body', field: 'reasonCode' });
      for (const reasonCode of ['flagged', 'held_first_post', 'toString', 'eggs']) {
        const res = expectError(await call({ reasonCode }), 400, 'invalid_input');
        expect(res.details).toMatchObject({ in: 'body', field: 'reasonCode' });
      }
    }
    expect((await t.guest().get(`/api/posts/${post.id}`)).body.post.hidden).toBe(false);
  });
});

describe('GET /api/moderation/reasons', () => {
  it('lists the canned codes with labels in the reader’s language', async () => {
    const english = await t.guest().get('/api/moderation/reasons');
    expect(english.status).toBe(200);
    expect(english.body.items).toEqual([
      { code: 'spam', label: 'Spam or advertising' },
      { code: 'off_topic', label: 'Off topic for this community' },
      { code: 'abusive', label: 'Abusive or disrespectful' },
      { code: 'personal_information', label: 'Shares personal information' },
      { code: 'misinformation', label: 'Misleading or unsafe advice' },
      { code: 'duplicate', label: 'Duplicate of another post' },
    ]);
    const german = await t.guest().get('/api/moderation/reasons', { 'accept-language': 'de' });
    expect(german.body.items).toContainEqual({ code: 'spam', label: 'Spam oder Werbung' });
    expect(german.body.items).toContainEqual({ code: 'duplicate', label: 'Doppelt zu einem anderen Beitrag' });
    expect(german.body.items.map((r: any) => r.code)).toEqual(english.body.items.map((r: any) => r.code));
  });
});

describe('the canned-reason-codes migration', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-migration-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /**
   * The migrations up to the one under test, without it (`before`) or with it (`through`): a later
   * migration neither changes nor breaks what this test checks.
   */
  function migrations(tag: string, upTo: 'before' | 'through'): string {
    const folder = join(scratch, `${upTo}-${tag}`);
    cpSync(migrationsFolder, folder, { recursive: true });
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    const at = journal.entries.findIndex((e) => e.tag === tag);
    expect(at).toBeGreaterThan(0);
    const end = upTo === 'before' ? at : at + 1;
    for (const e of journal.entries.slice(end)) rmSync(join(folder, `${e.tag}.sql`));
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, end) }));
    return folder;
  }
  const TAG = '0007_canned_reason_codes';

  it('turns stored canned labels into codes and keeps moderators’ own words', async () => {
    const target = await createTestDatabase({ empty: true });
    const options = { databaseUrl: target.url, dataDir: join(scratch, 'data') };
    const before = await openDatabase({ ...options, migrationsFolder: migrations(TAG, 'before') });
    const old = before.db;
    await old.execute(sql`INSERT INTO users (id, handle, display_name) VALUES (1, 'ann', 'Ann'), (2, 'bob', 'Bob')`);
    await old.execute(sql`INSERT INTO communities (id, slug, name) VALUES (1, 'acme', 'Acme')`);
    await old.execute(sql`INSERT INTO categories (id, community_id, slug, name) VALUES (1, 1, 'general', 'General')`);
    await old.execute(sql`INSERT INTO topics (id, community_id, category_id, author_id, title, hidden, hidden_reason, hidden_reason_code) VALUES
      (1, 1, 1, 1, 'Canned', true, 'Off topic for this community', NULL),
      (2, 1, 1, 1, 'Own words', true, 'Off topic', NULL),
      (3, 1, 1, 1, 'Held', true, NULL, 'held_first_topic')`);
    await old.execute(sql`INSERT INTO posts (id, topic_id, number, author_id, body, body_html, hidden, hidden_reason, hidden_reason_code) VALUES
      (1, 2, 1, 1, 'a', 'a', true, 'Spam or advertising', NULL),
      (2, 2, 2, 2, 'b', 'b', true, 'spam or advertising!', NULL),
      (3, 2, 3, 2, 'c', 'c', true, NULL, 'flagged'),
      (4, 2, 4, 2, 'd', 'd', false, NULL, NULL)`);
    await old.execute(sql`INSERT INTO moderation_log (community_id, moderator_id, action, target_type, target_id, reason, reason_code, detail, automatic) VALUES
      (1, 1, 'hide_post', 'post', 1, 'Spam or advertising', NULL, NULL, false),
      (1, 1, 'hide_topic', 'topic', 1, 'Off topic for this community', NULL, NULL, false),
      (1, 1, 'hide_post', 'post', 2, 'spam or advertising!', NULL, NULL, false),
      (1, NULL, 'hide_post', 'post', 3, NULL, 'flagged', '3', true),
      (1, 1, 'ban_user', 'user', 2, 'Shares personal information', NULL, 'permanent', false)`);
    await old.execute(
      sql`INSERT INTO bans (community_id, user_id, reason, created_by_id) VALUES (1, 2, 'Shares personal information', 1), (1, 2, 'Trolling', 1)`,
    );
    await old.execute(sql`INSERT INTO notifications (user_id, kind, community_id, topic_id, post_id, data) VALUES
      (2, 'moderation', 1, 2, 1, ${JSON.stringify({ action: 'hide_post', reason: 'Spam or advertising' })}::jsonb),
      (2, 'moderation', 1, 2, 2, ${JSON.stringify({ action: 'hide_post', reason: 'spam or advertising!' })}::jsonb),
      (2, 'moderation', 1, 2, 3, ${JSON.stringify({ action: 'hide_post', reason: null, reasonCode: 'flagged' })}::jsonb)`);
    await before.close();

    const after = await openDatabase({ ...options, migrationsFolder: migrations(TAG, 'through') });
    try {
      expect(await rows(after.db, sql`SELECT id, hidden_reason, hidden_reason_code FROM topics ORDER BY id`)).toEqual([
        { id: 1, hidden_reason: null, hidden_reason_code: 'off_topic' },
        { id: 2, hidden_reason: 'Off topic', hidden_reason_code: null },
        { id: 3, hidden_reason: null, hidden_reason_code: 'held_first_topic' },
      ]);
      expect(await rows(after.db, sql`SELECT id, hidden_reason, hidden_reason_code FROM posts ORDER BY id`)).toEqual([
        { id: 1, hidden_reason: null, hidden_reason_code: 'spam' },
        { id: 2, hidden_reason: 'spam or advertising!', hidden_reason_code: null },
        { id: 3, hidden_reason: null, hidden_reason_code: 'flagged' },
        { id: 4, hidden_reason: null, hidden_reason_code: null },
      ]);
      expect(await rows(after.db, sql`SELECT reason, reason_code FROM moderation_log ORDER BY id`)).toEqual([
        { reason: null, reason_code: 'spam' },
        { reason: null, reason_code: 'off_topic' },
        { reason: 'spam or advertising!', reason_code: null },
        { reason: null, reason_code: 'flagged' },
        { reason: null, reason_code: 'personal_information' },
      ]);
      expect(await rows(after.db, sql`SELECT reason, reason_code FROM bans ORDER BY id`)).toEqual([
        { reason: null, reason_code: 'personal_information' },
        { reason: 'Trolling', reason_code: null },
      ]);
      expect(await rows(after.db, sql`SELECT data FROM notifications ORDER BY id`)).toEqual([
        { data: { action: 'hide_post', reasonCode: 'spam' } },
        { data: { action: 'hide_post', reason: 'spam or advertising!' } },
        { data: { action: 'hide_post', reason: null, reasonCode: 'flagged' } },
      ]);
    } finally {
      await after.close();
      await target.drop();
    }
    // Two databases migrated from scratch: slow on a busy machine.
  }, 120_000);
});
