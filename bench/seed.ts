import type { FastifyInstance } from 'fastify';
import { performance } from 'node:perf_hooks';

export const BENCH_ORIGIN = 'http://bench.local';
const PASSWORD = 'correct horse battery staple';

export interface Seeded {
  /** The topic with 500 posts (opening post + 499 replies) that the read scenarios fetch. */
  readTopicId: number;
  /** Ten quiet topics the posting scenarios write to (so the read topic stays at 500 posts). */
  postTopicIds: number[];
  /** Session cookies (`parley_session=…`) of the posting users. */
  cookies: string[];
  seedMs: number;
}

/** The seeding reads only a topic's id and post count from the answers. */
interface Reply {
  status: number;
  body: { topic: { id: number; postCount: number } };
  cookie: string | undefined;
}

/** One API call through app.inject, the way a browser on the site would send it. */
async function api(app: FastifyInstance, method: 'GET' | 'POST', url: string, opts: { cookie?: string | undefined; body?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = { origin: BENCH_ORIGIN };
  if (opts.cookie) headers.cookie = opts.cookie;
  const res = await app.inject({ method, url, headers, ...(opts.body === undefined ? {} : { payload: opts.body as object }) });
  const session = res.cookies.find((c) => c.name === 'parley_session');
  let body: unknown = res.body;
  try {
    body = res.json();
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode, body: body as Reply['body'], cookie: session ? `${session.name}=${session.value}` : undefined };
}

function expectStatus(what: string, res: Reply, status: number): void {
  if (res.status !== status) throw new Error(`seeding: ${what} answered ${res.status}, expected ${status}: ${JSON.stringify(res.body).slice(0, 300)}`);
}

/** A realistic reply of a few hundred characters: a paragraph, a mention, emphasis, a link, sometimes a quote or code. */
function replyBody(i: number, handles: string[]): string {
  const who = handles[i % handles.length]!;
  const extra =
    i % 3 === 0
      ? `\n\n> Quoting the earlier reply #${i - 1}: it worked for me after a restart.`
      : i % 3 === 1
        ? '\n\n```\nnpm run build -- --verbose\n```'
        : '';
  return (
    `Reply number ${i}. Thanks @${who}, that helped. I tried the steps from the guide and the **second** option ` +
    `fixed it on my machine; the first one only made the error message shorter. See [the notes](https://example.com/notes/${i}) ` +
    `for what I changed, and _let me know_ if it also works for you.${extra}`
  );
}

/**
 * Users via POST /api/auth/signup, a community, the 500-post read topic and 10 posting topics,
 * all through the public API (app.inject, no network), with rate limits off in the config.
 */
export async function seed(app: FastifyInstance, opts: { users?: number; replies?: number; tag: string }): Promise<Seeded> {
  const t0 = performance.now();
  const userCount = opts.users ?? 10;
  const replies = opts.replies ?? 499;
  const handle = (name: string) => `b${opts.tag}_${name}`.slice(0, 32);

  const signup = async (name: string) => {
    const h = handle(name);
    const res = await api(app, 'POST', '/api/auth/signup', { body: { handle: h, email: `${h}@bench.local`, password: PASSWORD } });
    expectStatus(`signup ${h}`, res, 201);
    if (!res.cookie) throw new Error('seeding: signup set no parley_session cookie');
    return { handle: h, cookie: res.cookie };
  };
  const admin = await signup('admin');
  // argon2 hashing dominates sign-up; a few at a time keeps both cores busy.
  const users: { handle: string; cookie: string }[] = [];
  for (let i = 0; i < userCount; i += 4) {
    users.push(...(await Promise.all(Array.from({ length: Math.min(4, userCount - i) }, (_, j) => signup(`u${i + j}`)))));
  }

  const slug = `bench-${opts.tag}`.toLowerCase();
  expectStatus(
    'create community',
    await api(app, 'POST', '/api/communities', {
      cookie: admin.cookie,
      body: { slug, name: 'Bench community', description: 'created by npm run bench' },
    }),
    201,
  );

  const newTopic = async (cookie: string, title: string) => {
    const res = await api(app, 'POST', `/api/communities/${slug}/topics`, {
      cookie,
      body: { category: 'general', title, body: `Opening post of "${title}". What is everyone's experience with this?` },
    });
    expectStatus(`create topic "${title}"`, res, 201);
    return res.body.topic.id;
  };
  const readTopicId = await newTopic(admin.cookie, 'The big read topic');
  const handles = users.map((u) => u.handle);
  for (let i = 1; i <= replies; i++) {
    const author = users[i % users.length]!;
    const res = await api(app, 'POST', `/api/topics/${readTopicId}/posts`, { cookie: author.cookie, body: { body: replyBody(i, handles) } });
    expectStatus(`reply ${i}`, res, 201);
  }
  const postTopicIds: number[] = [];
  for (let i = 0; i < 10; i++) postTopicIds.push(await newTopic(users[i % users.length]!.cookie, `Posting target ${i}`));

  const check = await api(app, 'GET', `/api/topics/${readTopicId}`);
  expectStatus('read seeded topic', check, 200);
  if (check.body.topic.postCount !== replies + 1) throw new Error(`seeding: topic has ${check.body.topic.postCount} posts, expected ${replies + 1}`);
  return { readTopicId, postTopicIds, cookies: users.map((u) => u.cookie), seedMs: performance.now() - t0 };
}
