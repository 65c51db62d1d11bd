import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { createTestDatabase } from './helpers/database.js';
import { PASSWORD } from './helpers/factories.js';

const ORIGIN = 'http://parley.test';

interface Server {
  proc: ChildProcess;
  url: string;
}

/** A real server process, as `npm start` runs it, on an ephemeral port. */
async function startServer(databaseUrl: string): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      PARLEY_ORIGIN: ORIGIN,
      PARLEY_RATE_LIMITS: 'off',
      PARLEY_SEED_DEMO: 'off',
      LOG_LEVEL: 'silent',
      PARLEY_WEB_DIR: './tests/fixtures/no-web',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    proc.stdout.on('data', (chunk) => {
      out += String(chunk);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.stderr.on('data', (chunk) => {
      out += String(chunk);
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code}: ${out}`));
    });
  });
  return { proc, url };
}

async function api(url: string, path: string, body?: unknown, cookie?: string) {
  const res = await fetch(url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, ...(cookie ? { cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const setCookie = res.headers.get('set-cookie');
  return { status: res.status, body: (await res.json()) as any, cookie: setCookie?.split(';')[0] };
}

/** A reader that remembers every event it got, and resumes from its last seq when asked. */
class Reader {
  seqs: number[] = [];
  postIds: number[] = [];
  ws: WebSocket | null = null;
  closed: Promise<number> = Promise.resolve(0);
  private lastSeq = 0;

  async connect(url: string, channel: string): Promise<void> {
    const ws = new WebSocket(url.replace('http', 'ws') + '/api/live', { headers: { origin: ORIGIN } });
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
    const subscribed = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        const m = JSON.parse((data as Buffer).toString('utf8'));
        if (m.type === 'subscribed') resolve();
        if (m.type === 'event') {
          this.seqs.push(m.seq);
          this.lastSeq = m.seq;
          if (m.event === 'post.created') this.postIds.push(m.data.id);
        }
        if (m.type === 'error' || m.type === 'reset') reject(new Error(JSON.stringify(m)));
      });
      ws.on('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'subscribe', channel, since: this.lastSeq }));
    await subscribed;
  }
}

const until = async (check: () => boolean, timeoutMs: number, what: string) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

// Two processes share a database only on PostgreSQL (PGlite is single-process by design).
describe.skipIf(!process.env.DATABASE_URL)('live events across server processes (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: Server;
  let b: Server;
  let cookie: string;
  let topicId: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One starts first so migrations run once; the second finds them applied.
    a = await startServer(database.url!);
    b = await startServer(database.url!);
    const signup = await api(a.url, '/api/auth/signup', { handle: 'poster', email: 'poster@example.org', password: PASSWORD });
    expect(signup.status).toBe(201);
    cookie = signup.cookie!;
    expect((await api(a.url, '/api/communities', { slug: 'multi', name: 'Multi' }, cookie)).status).toBe(201);
    const topic = await api(a.url, '/api/communities/multi/topics', { category: 'general', title: 'Across processes', body: 'first' }, cookie);
    topicId = topic.body.topic.id;
  }, 90_000);

  afterAll(async () => {
    for (const s of [a, b]) s?.proc.kill('SIGKILL');
    await database?.drop();
  });

  it('a reply posted on one process reaches a reader on the other', async () => {
    const reader = new Reader();
    await reader.connect(b.url, `topic:${topicId}`);
    const posted = await api(a.url, `/api/topics/${topicId}/posts`, { body: 'made on A, read on B' }, cookie);
    expect(posted.status).toBe(201);
    await until(() => reader.postIds.includes(posted.body.post.id), 5000, 'the reply on B');
    reader.ws!.close();
  });

  it('readers on a process killed mid-stream resume on the survivor with nothing lost or repeated', async () => {
    const channel = `topic:${topicId}`;
    const readers = Array.from({ length: 5 }, () => new Reader());
    await Promise.all(readers.map((r) => r.connect(a.url, channel)));

    // Posts go to B throughout; A dies with SIGKILL part-way through.
    const acknowledged: number[] = [];
    const posting = (async () => {
      for (let i = 0; i < 60; i++) {
        const res = await api(b.url, `/api/topics/${topicId}/posts`, { body: `stream ${i}` }, cookie);
        expect(res.status).toBe(201);
        acknowledged.push(res.body.post.id);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await until(() => acknowledged.length >= 20, 20_000, '20 posts');
    a.proc.kill('SIGKILL');
    await Promise.all(readers.map((r) => r.closed));
    // Each reader reconnects to the survivor with `since` = the last seq it saw.
    await Promise.all(readers.map((r) => r.connect(b.url, channel)));
    await posting;

    for (const r of readers) {
      await until(() => acknowledged.every((id) => r.postIds.includes(id)), 10_000, 'every acknowledged post');
      // Every seq exactly once, consecutive from the first one this reader saw.
      const first = r.seqs[0]!;
      expect(r.seqs).toEqual(Array.from({ length: r.seqs.length }, (_, i) => first + i));
      expect(new Set(r.postIds).size).toBe(r.postIds.length);
      r.ws!.close();
    }
  }, 60_000);
});
