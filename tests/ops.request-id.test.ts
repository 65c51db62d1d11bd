/**
 * Request ids: an id from the proxy (nginx's $request_id) or a client is kept when it looks sane,
 * replaced when not, sent back as X-Request-Id, and carried by the log line of each write the
 * request committed, with the events that write caused, so an event seen by a reader can be
 * traced to the request that made it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, signUp, unique, type SignedIn } from './helpers/factories.js';

interface LogLine {
  level: number;
  msg?: string;
  reqId?: string;
  events?: string[];
  [key: string]: unknown;
}

const DEBUG = 20;
const lines: LogLine[] = [];
const linesOf = (reqId: string) => lines.filter((l) => l.reqId === reqId);
const commitsOf = (reqId: string) => linesOf(reqId).filter((l) => l.msg === 'write committed');

let t: TestApp;
let member: SignedIn;
let slug: string;
beforeAll(async () => {
  t = await startTestApp(
    { logLevel: 'debug' },
    {
      logStream: {
        write: (line: string) => {
          lines.push(JSON.parse(line) as LogLine);
        },
      },
    },
  );
  member = await signUp(t);
  slug = (await createCommunity(member)).slug;
});
afterAll(async () => {
  await t?.close();
});

describe('X-Request-Id', () => {
  it('comes back as sent, and names the request in its log lines', async () => {
    const id = `nginx.${unique()}_A-1`;
    const res = await t.guest().get('/api/health', { 'x-request-id': id });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(id);
    expect(linesOf(id).map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  });

  it('is replaced when it does not look like an id, and the replacement sent back', async () => {
    for (const bad of ['has spaces in it', 'x'.repeat(65), 'evil"}\n{"level":60', '']) {
      const res = await t.guest().get('/api/health', { 'x-request-id': bad });
      const given = String(res.headers['x-request-id']);
      expect(given).not.toBe(bad);
      expect(given).toMatch(/^[A-Za-z0-9_-]{12}-[0-9a-z]+$/);
      expect(linesOf(given).length).toBeGreaterThan(0);
    }
  });

  it('is made up when none is sent, different for each request, on every answer (errors too)', async () => {
    const ids = new Set<string>();
    for (const url of ['/api/health', '/api/no-such-route', '/api/communities/%E0%A4%A']) {
      const res = await t.guest().get(url);
      expect(res.headers['x-request-id'], url).toMatch(/^[A-Za-z0-9_-]{12}-[0-9a-z]+$/);
      ids.add(String(res.headers['x-request-id']));
    }
    expect(ids.size).toBe(3);
  });
});

describe("a write's log line", () => {
  it("carries the request's id and the events the post caused, as channel:seq", async () => {
    const { topic } = await createTopic(member, slug);
    const id = `reply-${unique()}`;
    const res = await member.post(`/api/topics/${topic.id}/posts`, { body: `Reply ${unique()}` }, { 'x-request-id': id });
    expect(res.status).toBe(201);
    expect(res.headers['x-request-id']).toBe(id);
    const posted = commitsOf(id).filter((l) => l.events?.includes(`topic:${topic.id}:2`));
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ level: DEBUG, reqId: id, msg: 'write committed' });
    // No other request's line names that event.
    expect(lines.filter((l) => l.msg === 'write committed' && l.events?.includes(`topic:${topic.id}:2`))).toHaveLength(1);
  });

  it("is written for writes through the unit of work too, with the request's id", async () => {
    const id = `title-${unique()}`;
    const { topic } = await createTopic(member, slug);
    const res = await member.patch(`/api/topics/${topic.id}`, { title: `Renamed ${unique()}` }, { 'x-request-id': id });
    expect(res.status).toBe(200);
    const [line] = commitsOf(id);
    expect(line?.events).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^topic:${topic.id}:\\d+$`))]));
  });

  it('is not written at the default level, where the request context is not even set up', async () => {
    const quiet: LogLine[] = [];
    const other = await startTestApp({ logLevel: 'info' }, { logStream: { write: (line: string) => void quiet.push(JSON.parse(line) as LogLine) } });
    try {
      const author = await signUp(other);
      const community = await createCommunity(author);
      await createTopic(author, community.slug);
      expect(quiet.length).toBeGreaterThan(0);
      expect(quiet.filter((l) => l.msg === 'write committed')).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
