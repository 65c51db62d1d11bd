import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPagesApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene } from './helpers/factories.js';
import type { TestClient } from './helpers/client.js';
import { precompress } from '../server/compression/precompress.js';

// Fewer bytes on the wire (issue 14): answers compressed as the reader's Accept-Encoding allows,
// and the guests' rendered pages kept compressed so a cached read packs nothing.

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
let topicId: number;
let pageUrl: string;

beforeAll(async () => {
  t = await startPagesApp();
  s = await scene(t);
  const { topic } = await createTopic(s.member, s.slug, { title: 'A thread worth compressing', body: 'The opening post.' });
  for (let i = 2; i <= 50; i++) await reply(i % 2 ? s.other : s.member, topic.id, { body: `Reply number ${i}, with a few words of its own.` });
  topicId = topic.id;
  pageUrl = `/c/${s.slug}/t/${topic.id}-a-thread-worth-compressing`;
});
afterAll(() => t.close());

const get = (client: TestClient, url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url, headers: { ...headers, ...(client.cookie ? { cookie: client.cookie } : {}) } });

const decode = (encoding: unknown, bytes: Buffer): string => {
  if (encoding === 'br') return brotliDecompressSync(bytes).toString();
  if (encoding === 'gzip') return gunzipSync(bytes).toString();
  throw new Error(`not compressed (content-encoding: ${String(encoding)})`);
};

describe('compression on the wire', () => {
  it('sends a 50-post topic page compressed when asked, plain when not, and both decode to the same JSON', async () => {
    for (const reader of [s.member, t.guest()]) {
      const plain = await get(reader, `/api/topics/${topicId}`);
      expect(plain.statusCode).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      const page = JSON.parse(plain.body) as { posts: unknown[] };
      expect(page.posts).toHaveLength(50);

      for (const [accept, encoding] of [
        ['br, gzip', 'br'],
        ['gzip', 'gzip'],
      ] as const) {
        const packed = await get(reader, `/api/topics/${topicId}`, { 'accept-encoding': accept });
        expect(packed.statusCode).toBe(200);
        expect(packed.headers['content-encoding']).toBe(encoding);
        expect(packed.headers.vary).toContain('accept-encoding');
        expect(JSON.parse(decode(encoding, packed.rawPayload))).toEqual(page);
        expect(packed.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
      }
    }
  });

  it('sends plain bytes to a reader who refuses every encoding', async () => {
    const res = await get(s.member, `/api/topics/${topicId}`, { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect((JSON.parse(res.body) as { posts: unknown[] }).posts).toHaveLength(50);
  });

  it('leaves a small answer uncompressed: the encoding would cost more than it saves', async () => {
    const res = await get(t.guest(), '/api/health', { 'accept-encoding': 'br, gzip' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('sends a page rendered for one reader compressed too: a member’s topic page, a community page', async () => {
    for (const [reader, url] of [
      [s.member, pageUrl],
      [t.guest(), `/c/${s.slug}`],
    ] as const) {
      const plain = await get(reader, url, { accept: 'text/html' });
      expect(plain.statusCode).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      const packed = await get(reader, url, { accept: 'text/html', 'accept-encoding': 'gzip, br' });
      expect(packed.statusCode).toBe(200);
      expect(packed.headers['content-encoding']).toBe('br');
      expect(packed.headers.vary).toContain('accept-encoding');
      expect(decode('br', packed.rawPayload)).toContain(url === pageUrl ? 'Reply number 50, with a few words of its own.' : 'A thread worth compressing');
    }
  });

  it('sends a cached rendered page compressed, in brotli or gzip as the reader takes it, as kept rather than packed per reader', async () => {
    const guest = t.guest();
    const html = { accept: 'text/html' };
    // The replies' own live events may still be on their way (and drop a render): kept once they have passed.
    await expect.poll(async () => (await get(guest, pageUrl, html)).headers['x-parley-cache']).toBe('hit');
    const plain = await get(guest, pageUrl, html);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('Reply number 50, with a few words of its own.');

    for (const encoding of ['br', 'gzip'] as const) {
      const packed = await get(guest, pageUrl, { ...html, 'accept-encoding': encoding });
      expect(packed.statusCode).toBe(200);
      expect(packed.headers['x-parley-cache']).toBe('hit');
      expect(packed.headers['content-encoding']).toBe(encoding);
      expect(decode(encoding, packed.rawPayload)).toBe(plain.body);
    }
    // The very bytes compressed once after the render (brotli at the kept quality, which on-the-fly
    // compression does not use): the hit did no compression work of its own.
    // They are made off the event loop after the render, so on a busy machine the first hits may
    // still be compressed on the way out; from then on, every hit is those bytes.
    const kept = await precompress(Buffer.from(plain.body), 'br');
    await expect.poll(async () => (await get(guest, pageUrl, { ...html, 'accept-encoding': 'br' })).rawPayload.equals(kept)).toBe(true);
  });

  it('keeps the guests’ topic list, search answer and moderation log compressed, so a repeated read packs nothing', async () => {
    for (let i = 0; i < 4; i++) await createTopic(s.other, s.slug, { title: `Another thread to list, number ${i}`, body: 'Its opening post.' });
    for (let i = 0; i < 3; i++) {
      expect((await s.moderator.post(`/api/topics/${topicId}/pin`, {})).status).toBe(200);
      expect((await s.moderator.delete(`/api/topics/${topicId}/pin`)).status).toBe(200);
    }
    for (const url of [
      `/api/communities/${s.slug}/topics?limit=50`,
      `/api/communities/${s.slug}/search?q=reply`,
      `/api/communities/${s.slug}/moderation-log`,
    ]) {
      const guest = t.guest();
      const plain = await get(guest, url);
      expect(plain.statusCode, url).toBe(200);
      expect(plain.rawPayload.length, url).toBeGreaterThan(1024);
      // The first reader to take brotli starts packing the kept answer; later ones get those very bytes.
      await expect
        .poll(async () => {
          const packed = await get(guest, url, { 'accept-encoding': 'br' });
          return packed.headers['content-encoding'] === 'br' && packed.rawPayload.equals(await precompress(plain.rawPayload, 'br'));
        })
        .toBe(true);
      const packed = await get(guest, url, { 'accept-encoding': 'br' });
      expect(packed.headers['x-parley-cache'], url).toBe('hit');
      expect(packed.headers.vary).toContain('accept-encoding');
      expect(JSON.parse(decode('br', packed.rawPayload))).toEqual(JSON.parse(plain.body));
    }
  });

  it("sends a member's topic list, the guests' list with their own state, compressed in one piece", async () => {
    const url = `/api/communities/${s.slug}/topics`;
    const plain = await get(s.member, url);
    expect(plain.headers['x-parley-cache']).toBe('overlay');
    for (const encoding of ['br', 'gzip'] as const) {
      const packed = await get(s.member, url, { 'accept-encoding': encoding });
      expect(packed.statusCode).toBe(200);
      expect(packed.headers['content-encoding']).toBe(encoding);
      const list = JSON.parse(decode(encoding, packed.rawPayload)) as { items: { viewer: unknown }[]; previousVisitAt: unknown };
      expect(list).toEqual(JSON.parse(plain.body));
      expect(list.items[0]!.viewer).toMatchObject({ lastReadNumber: expect.any(Number), unread: expect.any(Number) });
    }
  });
});
