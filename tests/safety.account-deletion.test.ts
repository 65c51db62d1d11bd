import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, PASSWORD, reply, scene, setRole, signUp, unique, type SignedIn } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';
import { LiveClient, liveUrl } from './helpers/live-client.js';
import { pdf, png, upload } from './helpers/multipart.js';
import { pruneUploads } from '../server/uploads/uploads.maintenance.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.app.parley.ctx.db;
type Scene = Awaited<ReturnType<typeof scene>>;

const deleteMe = (client: SignedIn, body: Record<string, unknown>) => client.request('DELETE', '/api/me', body);

/**
 * Every column of every table in schema public that can hold text (text, varchar, char, json,
 * jsonb, tsvector, arrays, anything else cast to text is skipped as it cannot spell a name), read
 * as text and searched for each needle. Generic on purpose: a table added later is covered.
 */
async function personalDataLeft(needles: string[]): Promise<string[]> {
  const columns = await rows<{ table_name: string; column_name: string }>(
    db(),
    sql`SELECT c.table_name, c.column_name FROM information_schema.columns c
        JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
        WHERE c.table_schema = 'public' AND tb.table_type = 'BASE TABLE'
          AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'tsvector', 'ARRAY')
               OR c.udt_name IN ('tsvector', 'citext'))
        ORDER BY c.table_name, c.column_name`,
  );
  expect(columns.length).toBeGreaterThan(30);
  const found: string[] = [];
  for (const { table_name, column_name } of columns) {
    for (const needle of needles) {
      const [hit] = await rows<{ n: number }>(
        db(),
        sql`SELECT count(*)::int AS n FROM ${sql.identifier(table_name)} WHERE strpos(lower(${sql.identifier(column_name)}::text), ${needle.toLowerCase()}) > 0`,
      );
      if (Number(hit!.n) > 0) found.push(`${table_name}.${column_name} holds "${needle}"`);
    }
  }
  return found;
}

interface Life {
  me: SignedIn;
  displayName: string;
  email: string;
  marker: string;
  alone: number;
  answered: { topicId: number; openingId: number };
  accepted: number;
  editedReply: number;
  pinnedPost: number;
  selfDeleted: number;
  /** Files they sent: shown by their reply in `answered`, or never posted. */
  files: { picture: string; download: string; unposted: string; reply: number };
}

/** A member's life in a community: topics, replies, an accepted answer, edits, flags, votes, ignores, a role, and others who speak of them. */
async function live(s: Scene): Promise<Life> {
  const me = await signUp(t, { verified: true });
  const displayName = `Zephyrine ${unique('Quill')}`;
  const marker = unique('zorblax');
  const email = `${me.handle}@example.org`;
  await db().execute(sql`UPDATE users SET display_name = ${displayName}, avatar_url = 'https://img.example.org/me.png' WHERE id = ${me.userId}`);
  await t.app.parley.bus.publishSignal(`user:${me.userId}`);
  await setRole(s.admin, s.slug, me.handle, 'moderator');

  const { topic: alone } = await createTopic(me, s.slug, { title: `Lonely ${marker}`, body: `nobody answers ${marker}` });
  const { topic: answered, post: opening } = await createTopic(me, s.slug, { title: `Kept title ${unique()}`, body: `opening ${marker}` });
  await reply(s.other, answered.id, { body: `@${me.handle} thanks, I agree` });
  expect((await s.other.post(`/api/posts/${opening.id}/reactions`, { kind: 'like' })).status).toBe(200);

  const { topic: question, post: questionPost } = await createTopic(s.other, s.slug, { kind: 'question', body: `question by other` });
  const answer = await reply(me, question.id, { body: `the answer is ${marker}` });
  expect((await s.other.post(`/api/topics/${question.id}/solution`, { postId: answer.id })).status).toBe(200);
  const edited = await reply(me, question.id, { body: `draft ${marker}` });
  expect((await me.patch(`/api/posts/${edited.id}`, { body: `final ${marker}` })).status).toBe(200);
  expect((await me.post(`/api/posts/${questionPost.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
  expect((await me.post(`/api/posts/${questionPost.id}/flags`, { reason: `I flag this ${marker}` })).status).toBe(201);
  expect((await me.put(`/api/topics/${question.id}/notification-level`, { level: 'watching' })).status).toBe(200);
  expect((await me.put(`/api/me/ignored/${s.other.handle}`)).status).toBe(204);
  expect((await s.other.put(`/api/me/ignored/${me.handle}`)).status).toBe(204);
  const { topic: idea } = await createTopic(s.other, s.slug, { kind: 'idea' });
  expect((await me.post(`/api/topics/${idea.id}/vote`)).status).toBe(200);
  // Others' words about them: a moderator's reason, a flag, a mail that carried their post.
  expect((await s.moderator.post(`/api/posts/${edited.id}/hide`, { reason: `hidden for ${me.handle}, again` })).status).toBe(200);
  expect((await s.moderator.delete(`/api/posts/${edited.id}/hide`)).status).toBe(200);
  await db().execute(
    sql`INSERT INTO mail_messages (user_id, kind, to_address, subject, text_body, html_body, message_id, status)
        VALUES (${s.other.userId}, 'notification', ${`${s.other.handle}@example.org`}, 'New reply',
                ${`${displayName} (@${me.handle}) wrote: the answer is ${marker}`}, ${`<p>${displayName}</p>`}, ${`<${unique()}@parley.test>`}, 'sent')`,
  );
  // A post they deleted themselves: a tombstone to readers, its text still in the row.
  const regretted = await reply(me, question.id, { body: `regretted ${marker}` });
  expect((await me.delete(`/api/posts/${regretted.id}`)).status).toBe(204);
  // As a moderator they pinned someone's post: the log keeps that entry.
  expect((await me.post(`/api/posts/${questionPost.id}/pin`)).status).toBe(200);
  // Files, sent under names that carry their handle and words: two in a reply, one never posted.
  expect((await s.admin.patch(`/api/communities/${s.slug}`, { uploadFileTypes: ['application/pdf'] })).status).toBe(200);
  const sent = async (bytes: Buffer, filename: string, type: string) => {
    const res = await upload(me, bytes, { filename, type, community: s.slug });
    expect(res.status, res.text).toBe(201);
    return res.body.upload.url as string;
  };
  const picture = await sent(await png(900, 300), `${me.handle}-${marker}.png`, 'image/png');
  const download = await sent(pdf(marker), `${me.handle} ${marker}.pdf`, 'application/pdf');
  const unposted = await sent(await png(20, 20), `${me.handle}.png`, 'image/png');
  const withFiles = await reply(me, answered.id, { body: `see ![shot](${picture}) and [notes](${download})` });

  return {
    me,
    displayName,
    email,
    marker,
    alone: alone.id,
    answered: { topicId: answered.id, openingId: opening.id },
    accepted: answer.id,
    editedReply: edited.id,
    pinnedPost: questionPost.id,
    selfDeleted: regretted.id,
    files: { picture, download, unposted, reply: withFiles.id },
  };
}

const sendingsOf = async (url: string) =>
  rows<{ uploader_id: number | null; file_name: string | null }>(
    db(),
    sql`SELECT uploader_id, file_name FROM uploads WHERE blob_hash = ${url.slice(9, 73)} ORDER BY id`,
  );
const storedBytes = async (url: string) => (await t.app.parley.blobStore.get(url.slice(9, 73))) !== null;

const logOf = async (s: Scene) => (await t.guest().get(`/api/communities/${s.slug}/moderation-log?limit=100`)).body.items as Array<Record<string, any>>;

describe('delete my account', () => {
  it('asks for the password: a wrong or missing one is 403 invalid_credentials, and nothing changes', async () => {
    const s = await scene(t);
    expectError(await deleteMe(s.member, { content: 'anonymise', password: 'not my password' }), 403, 'invalid_credentials');
    expectError(await deleteMe(s.member, { content: 'anonymise' }), 403, 'invalid_credentials');
    expectError(await deleteMe(s.member, { content: 'everything', password: PASSWORD }), 400, 'invalid_input');
    expect((await s.member.get('/api/me')).status).toBe(200);
    expectError(await t.guest().request('DELETE', '/api/me', { content: 'anonymise', password: PASSWORD }), 401, 'not_signed_in');
  });

  it('a stolen session cannot guess the password: after 10 wrong ones, 429 too_many_attempts even for the right one', async () => {
    const member = await signUp(t);
    for (let i = 0; i < 10; i++) expectError(await deleteMe(member, { content: 'anonymise', password: `guess ${i}` }), 403, 'invalid_credentials');
    expectError(await deleteMe(member, { content: 'anonymise', password: PASSWORD }), 429, 'too_many_attempts');
    expect((await member.get('/api/me')).status).toBe(200);
  });

  it('confirms an account without a password (SSO, embed) by its handle typed out', async () => {
    const sso = await signUp(t);
    await db().execute(sql`UPDATE users SET password_hash = NULL WHERE id = ${sso.userId}`);
    expectError(await deleteMe(sso, { content: 'anonymise' }), 400, 'confirm_required');
    expectError(await deleteMe(sso, { content: 'anonymise', confirm: 'someone-else' }), 403, 'confirm_mismatch');
    expect((await deleteMe(sso, { content: 'anonymise', confirm: sso.handle.toUpperCase() })).status).toBe(204);
    expect((await sso.get('/api/me')).status).toBe(401);
  });

  it('anonymise: sessions end at once, handle and address are free, posts stay under a deleted member, the log keeps its entries', async () => {
    const s = await scene(t);
    const life = await live(s);
    const { me } = life;
    const bearer = (await me.post('/api/auth/token', { login: me.handle, password: PASSWORD })).body.token as string;
    const api = t.guest();
    api.bearer = bearer;
    // Both sessions are in this process's session cache now.
    expect((await me.get('/api/me')).status).toBe(200);
    expect((await api.get('/api/me')).status).toBe(200);
    const logBefore = await logOf(s);

    const res = await deleteMe(me, { content: 'anonymise', password: PASSWORD });
    expect(res.status, res.text).toBe(204);

    expectError(await me.get('/api/me'), 401, 'not_signed_in');
    expectError(await api.get('/api/me'), 401, 'invalid_token');
    expectError(await t.guest().post('/api/auth/login', { login: me.handle, password: PASSWORD }), 401, 'invalid_credentials');
    expectError(await t.guest().get(`/api/users/${me.handle}`), 404, 'user_not_found');

    const post = (await t.guest().get(`/api/posts/${life.answered.openingId}`)).body.post;
    expect(post.body).toBe(`opening ${life.marker}`);
    expect(post.author).toMatchObject({ id: me.userId, displayName: '', deleted: true, avatarUrl: null });
    expect(post.author.handle).toMatch(/^deleted-[0-9a-f]{12}$/);
    expect((await t.guest().get(`/api/users/${post.author.handle}`)).status).toBe(404);
    // Someone else's mention of them now names the placeholder.
    const topicPage = await t.guest().get(`/api/topics/${life.answered.topicId}`);
    expect(topicPage.text).not.toContain(me.handle);
    expect(topicPage.text).toContain(`@${post.author.handle}`);

    const logAfter = await logOf(s);
    expect(logAfter.map((e) => e.id)).toEqual(logBefore.map((e) => e.id));
    const pin = logAfter.find((e) => e.action === 'pin_post' && e.target.id === life.pinnedPost)!;
    expect(pin.moderator).toMatchObject({ id: me.userId, deleted: true, displayName: '' });
    const logText = JSON.stringify(logAfter);
    expect(logText).not.toContain(me.handle);
    expect(logText).not.toContain(life.displayName);

    // Their posts' words stay (anonymise), but not the words of posts they had deleted themselves.
    const regretted = await rows<{ body: string; revisions: number }>(
      db(),
      sql`SELECT body, (SELECT count(*)::int FROM post_revisions WHERE post_id = ${life.selfDeleted}) AS revisions FROM posts WHERE id = ${life.selfDeleted}`,
    );
    expect(regretted).toEqual([{ body: '', revisions: 0 }]);
    // Files their kept posts show stay, naming nobody; the download goes out under a neutral name. One never posted goes.
    const { files } = life;
    expect(await sendingsOf(files.picture)).toEqual([{ uploader_id: null, file_name: null }]);
    expect(await sendingsOf(files.download)).toEqual([{ uploader_id: null, file_name: null }]);
    expect((await t.guest().get(files.picture)).status).toBe(200);
    const download = await t.guest().get(files.download);
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toBe("attachment; filename*=UTF-8''file.pdf");
    expect(await sendingsOf(files.unposted)).toEqual([]);
    await pruneUploads(db(), t.app.parley.blobStore);
    expect(await storedBytes(files.unposted)).toBe(false);
    expect(await storedBytes(files.picture)).toBe(true);
    // Nothing else of theirs stays.
    const left = await personalDataLeft([me.handle, life.email, life.displayName]);
    expect(left, left.join('\n')).toEqual([]);

    // Free at once for anyone.
    const again = t.guest();
    expect((await again.post('/api/auth/signup', { handle: me.handle, email: life.email, password: PASSWORD })).status).toBe(201);
    expect((await t.guest().get(`/api/users/${me.handle}`)).body.user.id).not.toBe(me.userId);
    // Nobody may pass for a deleted member.
    expectError(
      await t.guest().post('/api/auth/signup', { handle: 'Deleted-0123abcd', email: 'not-deleted@example.org', password: PASSWORD }),
      409,
      'handle_taken',
    );
  });

  it('remove: posts become tombstones, a topic nobody answered goes, an answered one keeps going', async () => {
    const s = await scene(t);
    expect((await s.admin.patch(`/api/communities/${s.slug}`, { moderation: { keepAcceptedAnswers: false } })).status).toBe(200);
    const life = await live(s);
    // The scan sees what there is to see: before, their traces are all over.
    const before = await personalDataLeft([life.me.handle, life.email, life.displayName, life.marker]);
    for (const place of [
      'users.handle',
      'users.email',
      'users.display_name',
      'posts.body',
      'posts.body_html',
      'posts.search',
      'topics.title',
      'post_revisions.body',
      'queue_items.reason',
      'moderation_log.reason',
      'mail_messages.to_address',
      'mail_messages.text_body',
      'uploads.file_name',
    ])
      expect(
        before.some((l) => l.startsWith(`${place} `)),
        place,
      ).toBe(true);
    expect((await deleteMe(life.me, { content: 'remove', password: PASSWORD })).status).toBe(204);

    expectError(await t.guest().get(`/api/topics/${life.alone}`), 404, 'topic_not_found');
    const answered = await t.guest().get(`/api/topics/${life.answered.topicId}`);
    expect(answered.status).toBe(200);
    const opening = (await t.guest().get(`/api/posts/${life.answered.openingId}`)).body.post;
    expect(opening).toMatchObject({ deleted: true, body: null, bodyHtml: null, author: { deleted: true } });
    const accepted = (await t.guest().get(`/api/posts/${life.accepted}`)).body.post;
    expect(accepted).toMatchObject({ deleted: true, body: null });
    const revisions = await rows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM post_revisions WHERE post_id = ${life.editedReply}`);
    expect(Number(revisions[0]!.n)).toBe(0);
    const search = await t.guest().get(`/api/search?q=${life.marker}`);
    expect(search.text).not.toContain(life.marker);
    // Their files went with their posts: nobody reaches them, and maintenance removes the bytes.
    for (const url of [life.files.picture, life.files.download, life.files.unposted]) {
      expect((await t.guest().get(url)).status, url).toBe(404);
      expect(await sendingsOf(url), url).toEqual([]);
    }
    await pruneUploads(db(), t.app.parley.blobStore);
    for (const url of [life.files.picture, life.files.download, life.files.unposted]) expect(await storedBytes(url), url).toBe(false);

    // The scan: no handle, address, name or word of theirs anywhere.
    const left = await personalDataLeft([life.me.handle, life.email, life.displayName, life.marker]);
    expect(left, left.join('\n')).toEqual([]);
  });

  it('remove keeps accepted answers, anonymised, where the community keeps them (the default)', async () => {
    const s = await scene(t);
    expect((await s.admin.get(`/api/communities/${s.slug}`)).body.community.moderation.keepAcceptedAnswers).toBe(true);
    const life = await live(s);
    expect((await deleteMe(life.me, { content: 'remove', password: PASSWORD })).status).toBe(204);
    const accepted = (await t.guest().get(`/api/posts/${life.accepted}`)).body.post;
    expect(accepted).toMatchObject({ deleted: false, body: `the answer is ${life.marker}`, author: { deleted: true, displayName: '' } });
    const other = (await t.guest().get(`/api/posts/${life.editedReply}`)).body.post;
    expect(other).toMatchObject({ deleted: true, body: null });
    // Only the kept answer still holds their words; nothing holds their name.
    const left = await personalDataLeft([life.me.handle, life.email, life.displayName]);
    expect(left, left.join('\n')).toEqual([]);
  });

  it('an admin turns keepAcceptedAnswers off and on, in the public log', async () => {
    const s = await scene(t);
    const off = await s.admin.patch(`/api/communities/${s.slug}`, { moderation: { keepAcceptedAnswers: false } });
    expect(off.status).toBe(200);
    expect(off.body.community.moderation.keepAcceptedAnswers).toBe(false);
    expect((await s.moderator.patch(`/api/communities/${s.slug}`, { moderation: { keepAcceptedAnswers: true } })).status).toBe(403);
    const entry = (await logOf(s)).find((e) => e.action === 'change_settings')!;
    expect(JSON.parse(entry.detail)).toEqual({ keepAcceptedAnswers: false });
  });
  it('readers of their threads see it live: removed posts arrive as post.deleted, the thread as topic.updated', async () => {
    const s = await scene(t);
    const me = await signUp(t);
    const { topic } = await createTopic(s.other, s.slug);
    const mine = await reply(me, topic.id, { body: `words to remove ${unique()}` });
    const reader = await LiveClient.connect(await liveUrl(t.app));
    try {
      await reader.subscribe(`topic:${topic.id}`);
      expect((await deleteMe(me, { content: 'remove', password: PASSWORD })).status).toBe(204);
      const deleted = await reader.next((m) => m.type === 'event' && m.event === 'post.deleted');
      expect(deleted.data).toMatchObject({ id: mine.id, deleted: true, body: null, author: { deleted: true, displayName: '' } });
      const updated = await reader.next((m) => m.type === 'event' && m.event === 'topic.updated');
      expect(updated.data).toMatchObject({ id: topic.id });
      expect(JSON.stringify(deleted)).not.toContain(me.handle);
    } finally {
      await reader.close();
    }
  });
});
