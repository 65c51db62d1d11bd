import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, unique } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';
import { pdf, png, upload } from './helpers/multipart.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.app.parley.ctx.db;

describe('export my data', () => {
  it('holds each kind of my data, and none of another member’s address or text', async () => {
    const s = await scene(t);
    const me = s.member;
    const other = s.other;
    const mine = unique('MINE');
    const theirs = unique('THEIRS');
    const token = await me.post('/api/auth/token', { login: me.handle, password: 'correct horse battery' });
    expect(token.status).toBe(201);

    // My topic, which the other member answers, mentioning me, and likes.
    const { topic, post: opening } = await createTopic(me, s.slug, { kind: 'question', title: `My question ${mine}`, body: `opening ${mine}` });
    const theirReply = await reply(other, topic.id, { body: `@${me.handle} answer ${theirs}` });
    expect((await other.post(`/api/posts/${opening.id}/reactions`, { kind: 'like' })).status).toBe(200);
    // Their idea, which I vote for; their post, which I like, flag and answer; my reply, edited.
    const { topic: idea, post: ideaPost } = await createTopic(other, s.slug, { kind: 'idea', title: `Idea ${unique()}`, body: `idea body ${theirs}` });
    expect((await me.post(`/api/topics/${idea.id}/vote`)).status).toBe(200);
    expect((await me.post(`/api/posts/${ideaPost.id}/reactions`, { kind: 'helpful' })).status).toBe(200);
    expect((await me.post(`/api/posts/${ideaPost.id}/flags`, { reason: `my flag words ${mine}` })).status).toBe(201);
    const myReply = await reply(me, idea.id, { body: `first words ${mine}` });
    expect((await me.patch(`/api/posts/${myReply.id}`, { body: `second words ${mine}` })).status).toBe(200);
    expect((await me.put(`/api/topics/${idea.id}/notification-level`, { level: 'watching' })).status).toBe(200);
    expect((await me.put(`/api/me/ignored/${other.handle}`)).status).toBe(204);
    // A moderator hides my reply, with their reason.
    expect((await s.moderator.post(`/api/posts/${myReply.id}/hide`, { reason: 'off topic here' })).status).toBe(200);
    // Files: a picture, and a download for a community that takes PDFs; theirs, not mine.
    expect((await s.admin.patch(`/api/communities/${s.slug}`, { uploadFileTypes: ['application/pdf'] })).status).toBe(200);
    const picture = await upload(me, await png(30, 20), { filename: 'screen.png' });
    expect(picture.status).toBe(201);
    const download = await upload(me, pdf(mine), { filename: `notes ${mine}.pdf`, type: 'application/pdf', community: s.slug });
    expect(download.status).toBe(201);
    const theirFile = await upload(other, pdf(theirs), { filename: `their ${theirs}.pdf`, type: 'application/pdf', community: s.slug });
    expect(theirFile.status).toBe(201);

    const res = await me.get('/api/me/export');
    expect(res.status, res.text).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="parley-${me.handle}-\\d{4}-\\d{2}-\\d{2}\\.json"$`));
    const archive = res.body;

    expect(archive).toMatchObject({ format: 'parley-export', version: 1 });
    expect(archive.profile).toMatchObject({
      id: me.userId,
      handle: me.handle,
      email: `${me.handle}@example.org`,
      emailVerifiedAt: null,
      mentionsFrom: 'anyone',
    });
    expect(archive.profile.mail).toMatchObject({ notifications: 'away', digest: 'weekly', optOuts: [] });
    expect(archive.memberships).toEqual([expect.objectContaining({ community: s.slug, role: 'member' })]);
    expect(archive.topicsStarted).toEqual([expect.objectContaining({ id: topic.id, title: `My question ${mine}`, kind: 'question' })]);
    expect(archive.posts).toHaveLength(2);
    const [first, second] = archive.posts;
    expect(first).toMatchObject({ id: opening.id, body: `opening ${mine}`, revisions: [], hidden: false, deleted: false });
    expect(second).toMatchObject({ id: myReply.id, body: `second words ${mine}`, hidden: true, hiddenReason: 'off topic here' });
    expect(second.revisions).toEqual([expect.objectContaining({ body: `first words ${mine}` })]);
    expect(archive.reactions).toEqual([expect.objectContaining({ postId: ideaPost.id, kinds: [expect.objectContaining({ kind: 'helpful' })] })]);
    expect(archive.ideaVotes).toEqual([expect.objectContaining({ topicId: idea.id })]);
    expect(archive.flagsFiled).toEqual([expect.objectContaining({ postId: ideaPost.id, reason: `my flag words ${mine}`, kind: 'flag' })]);
    expect(archive.notificationLevels).toEqual([expect.objectContaining({ targetType: 'topic', targetId: idea.id, level: 'watching' })]);
    expect(archive.ignoredMembers).toEqual([expect.objectContaining({ handle: other.handle })]);
    expect(archive.notifications.length).toBeGreaterThan(0);
    expect(archive.notifications.map((n: { kind: string }) => n.kind)).toEqual(expect.arrayContaining(['mention']));
    expect(archive.notifications.every((n: { topicId: number | null }) => n.topicId !== undefined)).toBe(true);
    expect(archive.sessions.length).toBe(2);
    expect(archive.sessions.map((x: { kind: string }) => x.kind).sort()).toEqual(['bearer', 'cookie']);
    expect(archive.mailSent).toEqual(expect.arrayContaining([expect.objectContaining({ kind: expect.any(String), subject: expect.any(String) })]));
    expect(archive.bansReceived).toEqual([]);
    expect(archive.uploads).toEqual([
      {
        id: picture.body.upload.id,
        url: picture.body.upload.url,
        type: 'image/png',
        size: expect.any(Number),
        fileName: null,
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      },
      {
        id: download.body.upload.id,
        url: download.body.upload.url,
        type: 'application/pdf',
        size: pdf(mine).length,
        fileName: `notes ${mine}.pdf`,
        createdAt: expect.any(String),
      },
    ]);

    // Nobody else's: no other address, no other member's words, no session secret.
    const text = res.text;
    for (const someone of [other, s.moderator, s.admin, s.staff]) expect(text).not.toContain(`${someone.handle}@example.org`);
    expect(text).not.toContain(theirs);
    expect(text).not.toContain(theirReply.body);
    const sessionIds = await rows<{ id: string }>(db(), sql`SELECT id FROM sessions WHERE user_id = ${me.userId}`);
    expect(sessionIds).toHaveLength(2);
    for (const row of sessionIds) expect(text).not.toContain(row.id);
    expect(text).not.toContain(token.body.token);
    expect(text).not.toMatch(/password|token_hash|code_hash/i);
  });

  it('keeps the title of someone else’s topic hidden since out of my archive, as every page does', async () => {
    const s = await scene(t);
    const secret = unique('SECRET');
    const { topic: idea } = await createTopic(s.other, s.slug, { kind: 'idea', title: `Idea ${secret}`, body: 'an idea' });
    expect((await s.member.post(`/api/topics/${idea.id}/vote`)).status).toBe(200);
    await reply(s.member, idea.id, { body: 'my reply there' });
    await reply(s.other, idea.id, { body: `@${s.member.handle} thanks` });
    expect((await s.moderator.post(`/api/topics/${idea.id}/hide`, { reason: 'not for here' })).status).toBe(200);

    const res = await s.member.get('/api/me/export');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(secret);
    expect(res.body.posts).toEqual([expect.objectContaining({ topicId: idea.id, topicTitle: null, body: 'my reply there' })]);
    expect(res.body.ideaVotes).toEqual([expect.objectContaining({ topicId: idea.id, title: null })]);
    // Its author keeps their own title.
    expect((await s.other.get('/api/me/export')).text).toContain(secret);
  });

  it('pages through a member with many posts and still answers one valid document', async () => {
    const s = await scene(t);
    const { topic } = await createTopic(s.member, s.slug);
    await db().execute(sql`
      INSERT INTO posts (topic_id, number, author_id, body, body_html)
      SELECT ${topic.id}, 1 + g, ${s.member.userId}, 'bulk ' || g, '<p>bulk ' || g || '</p>' FROM generate_series(1, 1234) g`);
    const res = await s.member.get('/api/me/export');
    expect(res.status).toBe(200);
    expect(res.body.posts).toHaveLength(1235);
    const ids = res.body.posts.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(1235);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it('is for signed-in members only, and a few times an hour', async () => {
    expectError(await t.guest().get('/api/me/export'), 401, 'not_signed_in');
    const s = await scene(t);
    for (let i = 0; i < 5; i++) expect((await s.other.get('/api/me/export')).status).toBe(200);
    const refused = expectError(await s.other.get('/api/me/export'), 429, 'too_many_exports');
    expect(refused.details).toMatchObject({ limit: 5 });
    // Someone else's allowance is their own.
    expect((await s.staff.get('/api/me/export')).status).toBe(200);
  });
});
