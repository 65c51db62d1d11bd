import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPagesApp, startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { createTopic, makeSiteAdmin, reply, scene, signUp, unique } from './helpers/factories.js';
import { expectError } from './helpers/expect-error.js';
import { pdf, png, upload } from './helpers/multipart.js';

/**
 * A file is served to whoever may read a post that shows it, and to its sender before it is posted;
 * to anyone else it does not exist. Checked through every way a file is fetched: its path, its
 * thumbnail's path, HEAD, and a conditional GET.
 */
let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

/** A picture wider than the thread's width, so it has a thumbnail of its own. */
async function picture(by: TestClient): Promise<string> {
  const res = await upload(by, await png(1000, 500));
  expect(res.status, res.text).toBe(201);
  return res.body.upload.url as string;
}

const thumbOf = (url: string) => url.replace(/\.(\w+)$/, '-thumb.$1');

/** The status of every way of fetching the file, for one viewer. */
async function fetches(viewer: TestClient, url: string): Promise<number[]> {
  const statuses: number[] = [];
  for (const path of [url, thumbOf(url)]) {
    const got = await viewer.get(path);
    statuses.push(got.status);
    const head = await viewer.request('HEAD' as 'GET', path);
    statuses.push(head.status);
    // A conditional GET answers 304 only to someone who may see the file: a 404 otherwise, never a hint.
    const etag = got.headers.etag ?? `"${path.slice(9, 73)}"`;
    statuses.push((await viewer.get(path, { 'if-none-match': String(etag) })).status);
  }
  return statuses;
}

const SEEN = [200, 200, 304, 200, 200, 304];
const UNSEEN = [404, 404, 404, 404, 404, 404];

describe('who may fetch an uploaded file', () => {
  it('in a visible post: everyone, guests too', async () => {
    const url = await picture(s.member);
    await createTopic(s.member, s.slug, { body: `Look: ![shot](${url})` });
    for (const viewer of [t.guest(), s.other, s.moderator, s.member]) expect(await fetches(viewer, url)).toEqual(SEEN);
  });

  it('in a post a moderator hid: its author and moderators only, until it is restored', async () => {
    const url = await picture(s.member);
    const { topic } = await createTopic(s.other, s.slug);
    const post = await reply(s.member, topic.id, { body: `![shot](${url})` });
    expect((await s.moderator.post(`/api/posts/${post.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    for (const viewer of [t.guest(), s.other, s.staff]) expect(await fetches(viewer, url)).toEqual(UNSEEN);
    expect(await fetches(s.moderator, url)).toEqual(SEEN);
    expect(await fetches(s.admin, url)).toEqual(SEEN);
    expect(await fetches(s.member, url)).toEqual(SEEN);
    // A site admin moderates everywhere.
    const root = await signUp(t);
    await makeSiteAdmin(t, root.userId);
    expect(await fetches(root, url)).toEqual(SEEN);
    // The same 404 as a file that never existed: its existence does not show.
    const never = `/uploads/${'0'.repeat(64)}.png`;
    const hidden = expectError(await t.guest().get(url), 404, 'upload_not_found');
    expect(expectError(await t.guest().get(never), 404, 'upload_not_found')).toEqual(hidden);

    expect((await s.moderator.delete(`/api/posts/${post.id}/hide`)).status).toBe(200);
    expect(await fetches(t.guest(), url)).toEqual(SEEN);
  });

  it('in a hidden topic: not for guests or other members; its author and moderators still', async () => {
    const url = await picture(s.other);
    const { topic } = await createTopic(s.other, s.slug, { body: `![shot](${url})` });
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    expect(await fetches(t.guest(), url)).toEqual(UNSEEN);
    expect(await fetches(s.member, url)).toEqual(UNSEEN);
    expect(await fetches(s.other, url)).toEqual(SEEN);
    expect(await fetches(s.moderator, url)).toEqual(SEEN);
  });

  it('in a deleted post: nobody but the one who sent it', async () => {
    const url = await picture(s.member);
    const { topic } = await createTopic(s.other, s.slug);
    const post = await reply(s.member, topic.id, { body: `![shot](${url})` });
    expect((await s.member.delete(`/api/posts/${post.id}`)).status).toBe(204);
    for (const viewer of [t.guest(), s.other, s.moderator]) expect(await fetches(viewer, url)).toEqual(UNSEEN);
    expect(await fetches(s.member, url)).toEqual(SEEN);
  });

  it('shown by a hidden post and by a visible one: everyone (the visible one decides)', async () => {
    const url = await picture(s.member);
    const { topic } = await createTopic(s.other, s.slug);
    const hidden = await reply(s.member, topic.id, { body: `![shot](${url})` });
    await reply(s.other, topic.id, { body: `Quoting the picture: ![again](${thumbOf(url)})` });
    expect((await s.moderator.post(`/api/posts/${hidden.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    expect(await fetches(t.guest(), url)).toEqual(SEEN);
  });

  it('in comments under an embedded page (the widget): the same rule', async () => {
    expect((await s.admin.patch(`/api/communities/${s.slug}`, { embed: { allowedOrigins: ['https://blog.example'] } })).status).toBe(200);
    const page = `https://blog.example/posts/${unique('p')}`;
    const comment = async (by: TestClient, url: string) => {
      const res = await by.post(`/api/embed/${s.slug}/thread/posts`, { url: page, title: 'A post on the blog', body: `![shot](${url})` });
      expect(res.status, res.text).toBe(201);
      return res.body.post.id as number;
    };
    const first = await picture(s.member);
    const second = await picture(s.other);
    // The first comment opens the page's topic; the second is a reply in it.
    const opening = await comment(s.member, first);
    const next = await comment(s.other, second);
    expect(await fetches(t.guest(), first)).toEqual(SEEN);
    expect(await fetches(t.guest(), second)).toEqual(SEEN);
    for (const id of [opening, next]) expect((await s.moderator.post(`/api/posts/${id}/hide`, { reason: 'Spam' })).status).toBe(200);
    expect(await fetches(t.guest(), first)).toEqual(UNSEEN);
    expect(await fetches(t.guest(), second)).toEqual(UNSEEN);
  });

  it('not in any post yet: its sender only (the composer preview)', async () => {
    const url = await picture(s.member);
    expect(await fetches(s.member, url)).toEqual(SEEN);
    for (const viewer of [t.guest(), s.other, s.moderator]) expect(await fetches(viewer, url)).toEqual(UNSEEN);
  });

  it('taken out of its only post by an edit: no longer for others', async () => {
    const url = await picture(s.member);
    const { post } = await createTopic(s.member, s.slug, { body: `![shot](${url})` });
    expect(await fetches(t.guest(), url)).toEqual(SEEN);
    expect((await s.member.patch(`/api/posts/${post.id}`, { body: `No picture after all ${unique()}` })).status).toBe(200);
    expect(await fetches(t.guest(), url)).toEqual(UNSEEN);
    expect(await fetches(s.other, url)).toEqual(UNSEEN);
    expect(await fetches(s.member, url)).toEqual(SEEN);
    // Put back by another edit: visible again.
    expect((await s.member.patch(`/api/posts/${post.id}`, { body: `Here it is ![shot](${url})` })).status).toBe(200);
    expect(await fetches(t.guest(), url)).toEqual(SEEN);
  });

  it('a path with another extension than the stored type, or no such name: the same 404', async () => {
    const url = await picture(s.member);
    await createTopic(s.member, s.slug, { body: `![shot](${url})` });
    for (const path of [
      url.replace('.png', '.jpg'),
      url.replace('.png', '.html'),
      url.replace('.png', '.PNG'),
      url.replace('.png', ''),
      `${url}/x`,
      '/uploads/',
      `/uploads/${'g'.repeat(64)}.png`,
    ]) {
      const res = await t.guest().get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type'], path).toMatch(/^application\/json/);
    }
  });
});

describe('how a file is served', () => {
  it('an image: its stored type, nosniff, a sandbox CSP, inline, cached privately for good, ETag the hash', async () => {
    const url = await picture(s.member);
    await createTopic(s.member, s.slug, { body: `![shot](${url})` });
    const hash = url.slice(9, 73);
    const res = await t.guest().get(url);
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'image/png',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
      'content-disposition': 'inline',
      'cache-control': 'private, max-age=31536000, immutable',
      etag: `"${hash}"`,
    });
    const thumb = await t.guest().get(thumbOf(url));
    expect(thumb.headers.etag).toBe(`"${hash}-thumb"`);
    expect(Number(thumb.headers['content-length'])).toBeLessThan(Number(res.headers['content-length']));
    // Only the tag that matches answers 304.
    expect((await t.guest().get(url, { 'if-none-match': `"${hash}-thumb"` })).status).toBe(200);
    expect((await t.guest().get(url, { 'if-none-match': `W/"x", "${hash}"` })).status).toBe(304);
    const head = await t.guest().request('HEAD' as 'GET', url);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers['content-type']).toBe('image/png');
  });

  it('a small image has no thumbnail: its -thumb path serves the image itself', async () => {
    const res = await upload(s.member, await png(200, 100));
    const url = res.body.upload.url as string;
    await createTopic(s.member, s.slug, { body: `![small](${url})` });
    const full = await t.guest().get(url);
    const thumb = await t.guest().get(thumbOf(url));
    expect(thumb.status).toBe(200);
    expect(thumb.text).toBe(full.text);
    expect(thumb.headers.etag).toBe(full.headers.etag);
  });

  it('a PDF or a text log: a download under the name it was sent with, its type fixed', async () => {
    expect((await s.admin.patch(`/api/communities/${s.slug}`, { uploadFileTypes: ['application/pdf', 'text/plain'] })).status).toBe(200);
    const sentPdf = await upload(s.member, pdf(unique()), { filename: 'Crash report (Mai).pdf', type: 'application/pdf', community: s.slug });
    expect(sentPdf.status, sentPdf.text).toBe(201);
    const sentLog = await upload(s.member, Buffer.from(`error: ${unique()}\n`), { filename: 'server log.txt', type: 'text/plain', community: s.slug });
    expect(sentLog.status, sentLog.text).toBe(201);
    await createTopic(s.member, s.slug, { body: `[report](${sentPdf.body.upload.url}) and [log](${sentLog.body.upload.url})` });

    const file = await t.guest().get(sentPdf.body.upload.url);
    expect(file.status).toBe(200);
    expect(file.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-disposition': "attachment; filename*=UTF-8''Crash%20report%20%28Mai%29.pdf",
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    });
    const log = await t.guest().get(sentLog.body.upload.url);
    expect(log.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(log.headers['content-disposition']).toBe("attachment; filename*=UTF-8''server%20log.txt");
  });

  it('is not the web app: nothing under /uploads/ is answered with a page, where the server renders pages', async () => {
    const pages = await startPagesApp();
    try {
      expect((await pages.guest().get('/c/nowhere')).headers['content-type']).toMatch(/html/);
      for (const path of ['/uploads/', '/uploads/a/b/c', `/uploads/${'a'.repeat(64)}.png`, `/uploads/${'a'.repeat(64)}-thumb.gif`]) {
        const res = await pages.guest().get(path);
        expectError(res, 404, 'upload_not_found');
      }
    } finally {
      await pages.close();
    }
  });
});
