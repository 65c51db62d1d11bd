import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, makeSiteAdmin, reply, signUp, unique } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';
import { multipartBody, noise, pdf, png, upload } from './helpers/multipart.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.app.parley.ctx.db;
const sendings = async (userId: number) =>
  Number((await rows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM uploads WHERE uploader_id = ${userId}`))[0]!.n);

describe('POST /api/uploads', () => {
  it('takes an image: 201 with its path on this site, type, size and dimensions', async () => {
    const ann = await signUp(t);
    const res = await upload(ann, await png(640, 480));
    expect(res.status, res.text).toBe(201);
    expect(res.body.upload).toEqual({
      id: expect.any(Number),
      url: expect.stringMatching(/^\/uploads\/[0-9a-f]{64}\.png$/),
      type: 'image/png',
      size: expect.any(Number),
      width: 640,
      height: 480,
    });
    // The composer's preview: its sender fetches it before any post shows it.
    const served = await ann.get(res.body.upload.url);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
  });

  it('takes files far larger than a JSON body may be (256 KB), up to its own limit', async () => {
    const ann = await signUp(t);
    const photo = await noise(700, 700);
    expect(photo.length).toBeGreaterThan(1024 * 1024);
    const res = await upload(ann, photo, { filename: 'photo.png' });
    expect(res.status, res.text).toBe(201);
    expect(res.body.upload).toMatchObject({ width: 700, height: 700 });
  });

  it('the same bytes again: the same upload and url, counted once', async () => {
    const ann = await signUp(t);
    const bytes = await png(300, 200);
    const first = await upload(ann, bytes);
    expect(first.status).toBe(201);
    const again = await upload(ann, bytes, { filename: 'other-name.png' });
    expect(again.status).toBe(200);
    expect(again.body.upload).toEqual(first.body.upload);
    expect(await sendings(ann.userId)).toBe(1);
    // Someone else sending the same file shares the stored file but has a sending of their own.
    const bob = await signUp(t);
    const theirs = await upload(bob, bytes);
    expect(theirs.status).toBe(201);
    expect(theirs.body.upload.url).toBe(first.body.upload.url);
    expect(theirs.body.upload.id).not.toBe(first.body.upload.id);
    const [blobs] = await rows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM upload_blobs WHERE hash = ${first.body.upload.url.slice(9, 73)}`);
    expect(Number(blobs!.n)).toBe(1);
  });

  it('is for signed-in members: guests 401', async () => {
    expectError(await upload(t.guest(), await png(10, 10)), 401, 'not_signed_in');
  });

  it('a form without the file field: 400 file_missing', async () => {
    const ann = await signUp(t);
    const { body, contentType } = multipartBody([{ name: 'community', value: 'nowhere' }]);
    expectError(await ann.post('/api/uploads', body, { 'content-type': contentType }), 400, 'file_missing');
    const empty = multipartBody([]);
    expectError(await ann.post('/api/uploads', empty.body, { 'content-type': empty.contentType }), 400, 'file_missing');
  });

  it('a body that is not a form: 415, with a code, never a 500', async () => {
    const ann = await signUp(t);
    expectError(await ann.post('/api/uploads', { file: 'abc' }), 415, 'multipart_required');
    expectError(await ann.post('/api/uploads', 'just text', { 'content-type': 'text/plain' }), 415, 'multipart_required');
    expectError(await ann.post('/api/uploads', Buffer.from([1, 2, 3]), { 'content-type': 'application/octet-stream' }), 415, 'multipart_required');
    expectError(await ann.post('/api/uploads', 'file=abc', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'multipart_required');
    // Multipart, but broken: no boundary, or cut off in the middle.
    expectError(await ann.post('/api/uploads', 'x', { 'content-type': 'multipart/form-data' }), 400, 'invalid_upload');
    const { body, contentType } = multipartBody([{ name: 'file', value: await png(10, 10), filename: 'a.png' }]);
    expectError(await ann.post('/api/uploads', body.subarray(0, body.length - 30), { 'content-type': contentType }), 400, 'invalid_upload');
    // Two files, or the file in another field.
    const two = multipartBody([
      { name: 'file', value: await png(10, 10), filename: 'a.png' },
      { name: 'file', value: await png(10, 10), filename: 'b.png' },
    ]);
    expectError(await ann.post('/api/uploads', two.body, { 'content-type': two.contentType }), 400, 'invalid_upload');
    const elsewhere = multipartBody([{ name: 'picture', value: await png(10, 10), filename: 'a.png' }]);
    expectError(await ann.post('/api/uploads', elsewhere.body, { 'content-type': elsewhere.contentType }), 400, 'invalid_upload');
  });

  it('a community that does not exist: 404 community_not_found', async () => {
    const ann = await signUp(t);
    expectError(await upload(ann, await png(10, 10), { community: 'no-such-place' }), 404, 'community_not_found');
  });

  it('a PDF: 415 unsupported_type where the community does not take PDFs (or none is named), 201 as a download where it does', async () => {
    const admin = await signUp(t);
    const { slug } = await createCommunity(admin);
    const ann = await signUp(t);
    const file = pdf(unique());
    expectError(await upload(ann, file, { filename: 'log.pdf', type: 'application/pdf' }), 415, 'unsupported_type');
    expectError(await upload(ann, file, { filename: 'log.pdf', type: 'application/pdf', community: slug }), 415, 'unsupported_type');
    expect((await admin.patch(`/api/communities/${slug}`, { uploadFileTypes: ['application/pdf'] })).status).toBe(200);
    const res = await upload(ann, file, { filename: 'Crash log.pdf', type: 'application/pdf', community: slug });
    expect(res.status, res.text).toBe(201);
    expect(res.body.upload).toEqual({
      id: expect.any(Number),
      url: expect.stringMatching(/^\/uploads\/[0-9a-f]{64}\.pdf$/),
      type: 'application/pdf',
      size: file.length,
      name: 'Crash log.pdf',
    });
    // Stored once for that community, the same bytes are still not welcome in one that takes no PDFs.
    const other = await createCommunity(admin);
    expectError(await upload(await signUp(t), file, { filename: 'log.pdf', type: 'application/pdf', community: other.slug }), 415, 'unsupported_type');
  });

  it('a download keeps only a safe name: no directories, no control characters, its own extension', async () => {
    const admin = await signUp(t);
    const { slug } = await createCommunity(admin);
    expect((await admin.patch(`/api/communities/${slug}`, { uploadFileTypes: ['text/plain'] })).status).toBe(200);
    const ann = await signUp(t);
    const res = await upload(ann, Buffer.from(`a log ${unique()}\n`), { filename: '..\\..\\evil\u202Etxt.html', type: 'text/html', community: slug });
    expect(res.status, res.text).toBe(201);
    expect(res.body.upload).toMatchObject({ type: 'text/plain', name: 'eviltxt.html.txt' });
  });

  it('too many files in one post: 422 too_many_uploads, and nothing is stored (topics, replies, edits)', async () => {
    const small = await startTestApp({ uploads: { maxPerPost: 2 } });
    try {
      const ann = await signUp(small);
      const { slug } = await createCommunity(ann);
      const urls: string[] = [];
      for (let i = 0; i < 3; i++) urls.push((await upload(ann, await png(20 + i, 20))).body.upload.url);
      const body = urls.map((u, i) => `![shot ${i}](${u})`).join('\n');
      const title = `Three shots ${unique()}`;
      expectError(await ann.post(`/api/communities/${slug}/topics`, { category: 'general', title, body }), 422, 'too_many_uploads');
      expect((await small.guest().get(`/api/communities/${slug}/topics`)).body.items).toEqual([]);
      // Two are fine; the thumbnail's path names the same file.
      const two = `${urls
        .slice(0, 2)
        .map((u) => `![x](${u})`)
        .join(' ')} ${urls[0]!.replace('.png', '-thumb.png')}`;
      const { topic, post } = await createTopic(ann, slug, { body: two });
      expectError(await ann.post(`/api/topics/${topic.id}/posts`, { body }), 422, 'too_many_uploads');
      expectError(await ann.patch(`/api/posts/${post.id}`, { body }), 422, 'too_many_uploads');
      expect((await ann.get(`/api/posts/${post.id}`)).body.post.body).toBe(two);
      const linked = await rows<{ n: number }>(small.app.parley.ctx.db, sql`SELECT count(*)::int AS n FROM post_uploads WHERE post_id = ${post.id}`);
      expect(Number(linked[0]!.n)).toBe(2);
      await reply(ann, topic.id, { body: two });
    } finally {
      await small.close();
    }
  });
});

describe('limits', () => {
  it('a file over the size limit: 413 file_too_large with the limit', async () => {
    const tight = await startTestApp({ uploads: { maxFileBytes: 4096 } });
    try {
      const ann = await signUp(tight);
      const big = await png(400, 400, Buffer.from([1, 2, 3]));
      const noisy = await noise(120, 120);
      expect(noisy.length).toBeGreaterThan(4096);
      const res = await upload(ann, noisy);
      expectError(res, 413, 'file_too_large');
      expect(res.body.details).toMatchObject({ limit: 4096 });
      expect(await rows(tight.app.parley.ctx.db, sql`SELECT 1 FROM uploads`)).toEqual([]);
      // Under it: fine.
      expect(big.length).toBeLessThan(4096);
      expect((await upload(ann, big)).status).toBe(201);
    } finally {
      await tight.close();
    }
  });

  it('over the daily quota: 429 upload_quota_exceeded with the limit and when to try again; new accounts get less', async () => {
    const files = await Promise.all([0, 1, 2, 3, 4].map(() => noise(24, 24)));
    const sizes = files.map((f) => f.length);
    // Room for three files a day, for one on a new account.
    const dailyBytes = sizes[0]! + sizes[1]! + sizes[2]! + 100;
    const newAccountDailyBytes = sizes[0]! + 100;
    const quota = await startTestApp({ uploads: { dailyBytes, newAccountDailyBytes, newAccountDays: 3 } });
    try {
      const old = await signUp(quota);
      for (const file of files.slice(0, 3)) expect((await upload(old, file)).status).toBe(201);
      const refused = await upload(old, files[3]!);
      expectError(refused, 429, 'upload_quota_exceeded');
      expect(refused.body.details).toMatchObject({ limit: dailyBytes, retryAfter: expect.any(Number) });
      expect(refused.body.details.retryAfter).toBeGreaterThan(23 * 3600);
      expect(refused.headers['retry-after']).toBe(String(refused.body.details.retryAfter));
      // What was sent already may be sent again: it costs nothing.
      expect((await upload(old, files[0]!)).status).toBe(200);
      // Once the oldest sending is a day old, there is room again.
      await quota.app.parley.ctx.db.execute(
        sql`UPDATE uploads SET created_at = now() - interval '25 hours' WHERE id = (SELECT min(id) FROM uploads WHERE uploader_id = ${old.userId})`,
      );
      expect((await upload(old, files[3]!)).status).toBe(201);

      const fresh = await signUp(quota, { newAccount: true });
      expect((await upload(fresh, files[0]!)).status).toBe(201);
      const stricter = await upload(fresh, files[1]!);
      expectError(stricter, 429, 'upload_quota_exceeded');
      expect(stricter.body.details.limit).toBe(newAccountDailyBytes);
      // The same member a week on gets the ordinary allowance.
      await quota.app.parley.ctx.db.execute(sql`UPDATE users SET created_at = now() - interval '7 days' WHERE id = ${fresh.userId}`);
      await quota.app.parley.bus.publishSignal(`user:${fresh.userId}`);
      expect((await upload(fresh, files[1]!)).status).toBe(201);
    } finally {
      await quota.close();
    }
  });

  it('at most 30 uploads a minute per account: 429 rate_limited', async () => {
    const limited = await startTestApp({ rateLimits: true });
    try {
      const ann = await signUp(limited);
      const file = await png(12, 12);
      for (let i = 0; i < 30; i++) expect((await upload(ann, file)).status).toBeLessThan(300);
      expectError(await upload(ann, file), 429, 'rate_limited');
    } finally {
      await limited.close();
    }
  });
});

describe('GET /api/admin/uploads', () => {
  it('the site-wide storage figure, for site admins only', async () => {
    const member = await signUp(t);
    expectError(await member.get('/api/admin/uploads'), 403, 'not_site_admin');
    expectError(await t.guest().get('/api/admin/uploads'), 401, 'not_signed_in');
    const root = await signUp(t);
    await makeSiteAdmin(t, root.userId);
    const before = (await root.get('/api/admin/uploads')).body;
    const big = await upload(member, await png(1200, 300));
    expect(big.status).toBe(201);
    const after = await root.get('/api/admin/uploads');
    expect(after.status).toBe(200);
    expect(after.body).toEqual({
      files: before.files + 1,
      bytes: before.bytes + big.body.upload.size,
      thumbnailBytes: expect.any(Number),
      uploads: before.uploads + 1,
      last24h: { uploads: before.last24h.uploads + 1, bytes: expect.any(Number) },
      orphaned: { files: before.orphaned.files + 1, bytes: expect.any(Number) },
    });
    // Wider than the thread's width: a thumbnail was stored too.
    expect(after.body.thumbnailBytes).toBeGreaterThan(before.thumbnailBytes);
    expect(after.body.orphaned.bytes).toBeGreaterThan(before.orphaned.bytes + big.body.upload.size);
  });
});
