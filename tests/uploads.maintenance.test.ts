import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { pruneUploads } from '../server/uploads/uploads.maintenance.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, signUp, type SignedIn } from './helpers/factories.js';
import { png, upload } from './helpers/multipart.js';

let t: TestApp;
let ann: SignedIn;
let slug: string;
beforeAll(async () => {
  t = await startTestApp();
  ann = await signUp(t);
  slug = (await createCommunity(ann)).slug;
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.app.parley.ctx.db;
const store = () => t.app.parley.blobStore;
const hashOf = (url: string) => url.slice('/uploads/'.length, '/uploads/'.length + 64);
const prune = () => pruneUploads(db(), store());

/** Sent by `who`, a picture wide enough to have a thumbnail; answers its hash. */
async function sent(who: SignedIn, bytes?: Buffer): Promise<{ url: string; hash: string }> {
  const res = await upload(who, bytes ?? (await png(1000, 400)));
  expect(res.status, res.text).toBeLessThan(300);
  return { url: res.body.upload.url, hash: hashOf(res.body.upload.url) };
}

const age = (hash: string, hours: number) =>
  db().execute(sql`UPDATE uploads SET created_at = now() - make_interval(hours => ${hours}) WHERE blob_hash = ${hash}`);

async function stored(hash: string): Promise<{ row: boolean; bytes: boolean; thumb: boolean; sendings: number }> {
  const [row] = await rows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM upload_blobs WHERE hash = ${hash}`);
  const [sendings] = await rows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM uploads WHERE blob_hash = ${hash}`);
  return {
    row: Number(row!.n) === 1,
    bytes: (await store().get(hash)) !== null,
    thumb: (await store().get(`${hash}-thumb`)) !== null,
    sendings: Number(sendings!.n),
  };
}

describe('removing uploads nothing uses', () => {
  it('a file never posted goes a day after it was sent: its sending, its row, its bytes and thumbnail', async () => {
    const orphan = await sent(ann);
    expect(await stored(orphan.hash)).toEqual({ row: true, bytes: true, thumb: true, sendings: 1 });
    await age(orphan.hash, 25);
    await prune();
    expect(await stored(orphan.hash)).toEqual({ row: false, bytes: false, thumb: false, sendings: 0 });
    expect((await ann.get(orphan.url)).status).toBe(404);
  });

  it('keeps a file a post shows, however old its sending, and one sent less than a day ago', async () => {
    const used = await sent(ann);
    await createTopic(ann, slug, { body: `![used](${used.url})` });
    const young = await sent(ann);
    await age(used.hash, 24 * 30);
    await age(young.hash, 23);
    await prune();
    expect(await stored(used.hash)).toEqual({ row: true, bytes: true, thumb: true, sendings: 1 });
    expect(await stored(young.hash)).toEqual({ row: true, bytes: true, thumb: true, sendings: 1 });
    expect((await t.guest().get(used.url)).status).toBe(200);
    expect((await ann.get(young.url)).status).toBe(200);
  });

  it('a file shared by two sendings stays while one of them is young or a post shows it', async () => {
    const bytes = await png(900, 300);
    const bob = await signUp(t);
    const shared = await sent(ann, bytes);
    expect((await sent(bob, bytes)).hash).toBe(shared.hash);
    // Ann's sending is old, Bob's is not: Ann's goes, the file stays for Bob's composer.
    await db().execute(sql`UPDATE uploads SET created_at = now() - interval '2 days' WHERE blob_hash = ${shared.hash} AND uploader_id = ${ann.userId}`);
    await prune();
    expect(await stored(shared.hash)).toEqual({ row: true, bytes: true, thumb: true, sendings: 1 });
    expect((await bob.get(shared.url)).status).toBe(200);
    // Bob posts it, and his sending grows old: the post keeps the file.
    const { post } = await createTopic(bob, slug, { body: `![shared](${shared.url})` });
    await age(shared.hash, 48);
    await prune();
    expect(await stored(shared.hash)).toEqual({ row: true, bytes: true, thumb: true, sendings: 1 });
    // An edit takes it out of the post: now nothing uses it, and it goes.
    expect((await bob.patch(`/api/posts/${post.id}`, { body: 'Without the picture' })).status).toBe(200);
    await prune();
    expect(await stored(shared.hash)).toEqual({ row: false, bytes: false, thumb: false, sendings: 0 });
  });

  it('works in bounded batches, and a file sent again after it went is stored again', async () => {
    const files = await Promise.all([0, 1, 2].map(() => sent(ann)));
    for (const f of files) await age(f.hash, 30);
    // One of each per batch, two batches per run: a backlog of three takes two runs.
    const first = await pruneUploads(db(), store(), { sendingsBatch: 1, blobsBatch: 1, maxBatches: 2 });
    expect(first).toEqual({ uploads: 2, blobs: 2 });
    const second = await pruneUploads(db(), store(), { sendingsBatch: 1, blobsBatch: 1, maxBatches: 2 });
    expect(second).toEqual({ uploads: 1, blobs: 1 });
    for (const f of files) expect((await stored(f.hash)).row).toBe(false);

    const bytes = await png(1000, 300);
    const gone = await sent(ann, bytes);
    await age(gone.hash, 30);
    await prune();
    expect((await stored(gone.hash)).bytes).toBe(false);
    const again = await sent(ann, bytes);
    expect(again.hash).toBe(gone.hash);
    expect(await stored(again.hash)).toEqual({ row: true, bytes: true, thumb: true, sendings: 1 });
    expect((await ann.get(again.url)).status).toBe(200);
  });

  it('a sending that fails after its bytes were put leaves no bytes behind, and the same file sent again is stored whole', async () => {
    const bytes = await png(1000, 350);
    const real = store().put.bind(store());
    const keys: string[] = [];
    // The storage refuses the thumbnail once (a full disk, an object store timing out): the
    // picture itself was written by then.
    store().put = async (key, data, type) => {
      keys.push(key);
      if (key.endsWith('-thumb')) throw new Error('disk full');
      await real(key, data, type);
    };
    try {
      const failed = await upload(ann, bytes);
      expect(failed.status).toBe(500);
    } finally {
      store().put = real;
    }
    const [picture, thumb] = keys;
    expect(thumb).toBe(`${picture}-thumb`);
    expect(await store().get(picture!)).toBeNull();
    expect(await stored(picture!)).toEqual({ row: false, bytes: false, thumb: false, sendings: 0 });

    const again = await sent(ann, bytes);
    expect(again.hash).toBe(picture);
    expect(await stored(again.hash)).toEqual({ row: true, bytes: true, thumb: true, sendings: 1 });
  });
});
