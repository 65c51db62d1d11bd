import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene } from './helpers/factories.js';
import { IndexNowNotifier } from '../server/pages/indexnow.js';
import { configFromEnv } from '../server/config/config.js';

interface Ping {
  host: string;
  key: string;
  keyLocation: string;
  urlList: string[];
}

/** A local stand-in for the search engines' endpoint: keeps what it is sent, answers with `status`. */
let sink: Server;
let endpoint: string;
let pings: Ping[] = [];
let status = 200;
const waiting: (() => void)[] = [];

const KEY = 'parley-test-key-0123456789';
let t: TestApp;

beforeAll(async () => {
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      expect(req.method).toBe('POST');
      expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
      pings.push(JSON.parse(body) as Ping);
      res.statusCode = status;
      res.end();
      waiting.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/indexnow`;
  t = await startTestApp({ indexNow: { key: KEY, endpoint, delayMs: 50 } });
});
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => sink?.close(resolve));
});
beforeEach(() => {
  pings = [];
  status = 200;
});

/** Waits until the sink has received a ping that names `url` (or fails after a few seconds). */
async function pinged(url: string): Promise<Ping> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = pings.find((p) => p.urlList.includes(url));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no IndexNow ping for ${url}; got ${JSON.stringify(pings)}`);
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      setTimeout(resolve, 100);
    });
  }
}

const quiet = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

describe('IndexNow', () => {
  it('serves its key file at /<key>.txt', async () => {
    const res = await t.guest().get(`/${KEY}.txt`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe(KEY);
  });

  it("announces a new public topic's canonical URL with the host, key and key location", async () => {
    const { member, slug } = await scene(t);
    const { topic } = await createTopic(member, slug, { title: 'Fresh news' });
    const url = `${ORIGIN}/c/${slug}/t/${topic.id}-fresh-news`;
    expect(await pinged(url)).toEqual({ host: 'parley.test', key: KEY, keyLocation: `${ORIGIN}/${KEY}.txt`, urlList: [url] });
  });

  it('announces an edit, and a hiding under the bare URL that does not carry the title', async () => {
    const { member, moderator, slug } = await scene(t);
    const { topic, post } = await createTopic(member, slug, { title: 'Soon edited' });
    const url = `${ORIGIN}/c/${slug}/t/${topic.id}-soon-edited`;
    await pinged(url);
    pings = [];
    await member.api.editPost(post.id, 'Edited text');
    await pinged(url);
    pings = [];
    await moderator.api.hideTopic(topic.id, 'spam');
    const hidden = await pinged(`${ORIGIN}/c/${slug}/t/${topic.id}`);
    expect(hidden.urlList.some((u) => u.includes('soon-edited'))).toBe(false);
  });

  it('stays quiet about reactions and about communities kept out of search engines', async () => {
    const { admin, member, other, slug } = await scene(t);
    const { post } = await createTopic(member, slug, { title: 'Liked' });
    await pinged(`${ORIGIN}/c/${slug}/t/${post.topicId}-liked`);
    pings = [];
    await other.api.react(post.id, 'like');
    await admin.api.updateCommunity(slug, { unlisted: true });
    await createTopic(member, slug, { title: 'Unlisted news' });
    await quiet();
    expect(pings.flatMap((p) => p.urlList)).toEqual([]);
  });

  it('a failing endpoint never fails the change that caused the announcement', async () => {
    status = 500;
    const { member, slug } = await scene(t);
    const { topic } = await createTopic(member, slug, { title: 'Refused' });
    await pinged(`${ORIGIN}/c/${slug}/t/${topic.id}-refused`);
    status = 200;
    await reply(member, topic.id);
    await pinged(`${ORIGIN}/c/${slug}/t/${topic.id}-refused`);
  });

  it('gathers the changes of a window into one request, each URL once', async () => {
    const sent: Ping[] = [];
    const notifier = new IndexNowNotifier(
      t.app.parley.ctx.db,
      t.app.parley.bus,
      { key: KEY, endpoint, origin: ORIGIN, delayMs: 3_600_000 },
      t.app.log,
      async (_url, init) => {
        sent.push(JSON.parse(init!.body as string) as Ping);
        return new Response(null, { status: 202 });
      },
    );
    try {
      const { member, other, slug } = await scene(t);
      const a = (await createTopic(member, slug, { title: 'First' })).topic;
      const b = (await createTopic(member, slug, { title: 'Second' })).topic;
      await reply(other, a.id);
      await reply(other, a.id);
      await notifier.flush();
      expect(sent).toHaveLength(1);
      // This notifier shares the app's bus: a late note of an earlier test's topic may land in its window too.
      const ours = sent[0]!.urlList.filter((url) => url.startsWith(`${ORIGIN}/c/${slug}/`));
      expect(ours).toEqual([`${ORIGIN}/c/${slug}/t/${a.id}-first`, `${ORIGIN}/c/${slug}/t/${b.id}-second`]);
    } finally {
      await notifier.close();
    }
  });

  it('is configured by PARLEY_INDEXNOW_KEY, with the shared endpoint by default, and off without it', () => {
    expect(configFromEnv({}).indexNow).toBeUndefined();
    expect(configFromEnv({ PARLEY_INDEXNOW_KEY: KEY }).indexNow).toEqual({ key: KEY, endpoint: 'https://api.indexnow.org/indexnow', delayMs: 5000 });
    expect(configFromEnv({ PARLEY_INDEXNOW_KEY: KEY, PARLEY_INDEXNOW_ENDPOINT: 'https://www.bing.com/indexnow' }).indexNow?.endpoint).toBe(
      'https://www.bing.com/indexnow',
    );
    expect(() => configFromEnv({ PARLEY_INDEXNOW_KEY: 'short' })).toThrow(/indexNow/);
  });
});
