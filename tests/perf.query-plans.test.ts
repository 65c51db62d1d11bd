/**
 * The lists the first-view pages read stay index scans as the data grows. On a small community
 * made by the large-community generator (bench/large/generate.ts), each page is requested through
 * the app; every statement it ran is captured with its parameters and EXPLAINed with sequential
 * scans, bitmap scans and sorts priced out of reach, so the plan shows whether an index can
 * serve the query in its order at all: a dropped index, or an ORDER BY on an expression, brings
 * back a Seq Scan or a Sort however few the rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executorSql } from '../db/client.js';
import { hashPassword } from '../server/auth/password.js';
import { generateLarge, inconsistencies } from '../bench/large/generate.js';
import { LARGE_PASSWORD } from '../bench/large/database.js';
import { startTestApp, type TestApp, ORIGIN } from './helpers/app.js';

interface Statement {
  sql: string;
  params: unknown[];
}
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/** Tables that grow with the community: never read whole. */
const BIG = [
  'topics',
  'posts',
  'reactions',
  'notifications',
  'moderation_log',
  'topic_reads',
  'topic_votes',
  'post_revisions',
  'users',
  'memberships',
  'member_reputation',
];

let t: TestApp;
let captured: Statement[] | null = null;
let cookie = '';

beforeAll(async () => {
  t = await startTestApp({}, { onStatement: (sql, params) => captured?.push({ sql, params }) });
  const passwordHash = await hashPassword(LARGE_PASSWORD);
  // 100 users, 200 topics, 2,000 posts: the same shapes as the million, in a few seconds.
  await t.app.parley.ctx.db.transaction((tx) => generateLarge(executorSql(tx).executeSql, { scale: 0.002, passwordHash }));
  const login = await t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: { origin: ORIGIN },
    payload: { login: 'user2', password: LARGE_PASSWORD },
  });
  expect(login.statusCode).toBe(200);
  const session = login.cookies.find((c) => c.name === 'parley_session')!;
  cookie = `${session.name}=${session.value}`;
}, 120_000);
afterAll(async () => {
  await t?.close();
});

/** The statements a GET ran, after checking it answered 200. */
async function statementsOf(url: string, signedIn = false): Promise<{ statements: Statement[]; body: Record<string, unknown> }> {
  captured = [];
  const res = await t.app.inject({ method: 'GET', url, headers: signedIn ? { cookie } : {} });
  const statements = captured;
  captured = null;
  expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
  return { statements: reads(statements), body: res.json() };
}

/** The reads among statements: what has a plan worth looking at. */
const reads = (statements: Statement[]) => statements.filter((s) => /^\s*(with|select)\b/i.test(s.sql));

/** The generated community's topic with the most posts. */
async function biggestTopicId(): Promise<number> {
  const { rows } = await t.app.parley.ctx.db.transaction((tx) => executorSql(tx).executeSql(`SELECT id FROM topics ORDER BY post_count DESC LIMIT 1`));
  return (rows[0] as { id: number }).id;
}

async function planOf(s: Statement, priced: string[] = []): Promise<PlanNode> {
  return t.app.parley.ctx.db.transaction(async (tx) => {
    const ex = executorSql(tx);
    for (const setting of ['enable_seqscan', 'enable_bitmapscan', 'enable_sort', ...priced]) await ex.executeSql(`SET LOCAL ${setting} = off`);
    const { rows } = await ex.executeSql(`EXPLAIN (FORMAT JSON) ${s.sql}`, s.params);
    const raw = (rows[0] as Record<string, unknown>)['QUERY PLAN'];
    const doc = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
    return doc[0]!.Plan;
  });
}

const nodesOf = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
const describePlan = (plan: PlanNode, depth = 0): string =>
  [
    `${'  '.repeat(depth)}${plan['Node Type']}${plan['Index Name'] ? ` using ${plan['Index Name']}` : ''}${plan['Relation Name'] ? ` on ${plan['Relation Name']}` : ''}`,
    ...(plan.Plans ?? []).map((p) => describePlan(p, depth + 1)),
  ].join('\n');

/** No statement of the page reads a growing table whole, and the list query walks `index` in order. */
async function expectIndexOrdered(url: string, list: { table: string; index: string }, signedIn = false) {
  const { statements } = await statementsOf(url, signedIn);
  const listQueries = statements.filter((s) => new RegExp(`from "?${list.table}"?`, 'i').test(s.sql) && /order by/i.test(s.sql));
  expect(listQueries.length, `${url}: no ordered query on ${list.table} among ${statements.length}`).toBeGreaterThan(0);
  let served = false;
  for (const s of statements) {
    const plan = await planOf(s);
    const nodes = nodesOf(plan);
    const why = `${url}\n${s.sql}\n${describePlan(plan)}`;
    for (const n of nodes) {
      if (n['Node Type'] === 'Seq Scan') expect(BIG, why).not.toContain(n['Relation Name']);
    }
    if (listQueries.includes(s) && nodes.some((n) => n['Index Name'] === list.index)) {
      expect(
        nodes.filter((n) => n['Node Type'].includes('Sort')),
        why,
      ).toEqual([]);
      served = true;
    }
  }
  expect(served, `${url}: no list query read ${list.index}`).toBe(true);
}

describe('topic lists of a community read one index in order', () => {
  const latest = { table: 'topics', index: 'topics_latest_idx' };

  it('latest: topics_latest_idx', async () => {
    await expectIndexOrdered('/api/communities/acme/topics', latest);
  });

  it('latest, signed in, a list no guest has asked for yet: topics_latest_idx', async () => {
    // A reader's list is the guests' (read here, as no process keeps it yet) plus their own state.
    await expectIndexOrdered('/api/communities/acme/topics?limit=7', latest, true);
  });

  it('top (votes, then replies): topics_top_idx', async () => {
    await expectIndexOrdered('/api/communities/acme/topics?sort=top', { table: 'topics', index: 'topics_top_idx' });
  });

  it('unanswered: the partial topics_unanswered_idx', async () => {
    await expectIndexOrdered('/api/communities/acme/topics?sort=unanswered', { table: 'topics', index: 'topics_unanswered_idx' });
  });

  it('the ideas board (votes, ideas only): topics_idea_votes_idx', async () => {
    await expectIndexOrdered('/api/communities/acme/topics?sort=votes&kind=idea', { table: 'topics', index: 'topics_idea_votes_idx' });
  });

  it('votes over every kind: topics_votes_idx', async () => {
    await expectIndexOrdered('/api/communities/acme/topics?sort=votes', { table: 'topics', index: 'topics_votes_idx' });
  });

  it('one category: topics_category_latest_idx', async () => {
    await expectIndexOrdered('/api/communities/acme/topics?category=billing', { table: 'topics', index: 'topics_category_latest_idx' });
  });

  it.each(['latest', 'top', 'unanswered', 'votes'])('a later page by cursor (%s) continues in the same index', async (sort) => {
    const index = { latest: 'topics_latest_idx', top: 'topics_top_idx', unanswered: 'topics_unanswered_idx', votes: 'topics_votes_idx' }[sort]!;
    const first = await statementsOf(`/api/communities/acme/topics?sort=${sort}&limit=5`);
    const cursor = first.body.nextCursor as string;
    expect(cursor).toBeTruthy();
    await expectIndexOrdered(`/api/communities/acme/topics?sort=${sort}&limit=5&cursor=${encodeURIComponent(cursor)}`, { table: 'topics', index });
  });
});

describe('other lists of the first-view pages read an index in order', () => {
  it('the communities list: communities_name_idx, on later pages too', async () => {
    const list = { table: 'communities', index: 'communities_name_idx' };
    await expectIndexOrdered('/api/communities?limit=5', list);
    const cursor = (await statementsOf('/api/communities?limit=5')).body.nextCursor as string;
    await expectIndexOrdered(`/api/communities?limit=5&cursor=${encodeURIComponent(cursor)}`, list);
  });

  it("a post's revisions: post_revisions_post_idx, not the whole table's newest first", async () => {
    // A post edited once, among one edited hundreds of times and many others.
    const [row] = (
      await t.app.parley.ctx.db.transaction((tx) =>
        executorSql(tx).executeSql(
          `SELECT p.id, u.handle FROM post_revisions r JOIN posts p ON p.id = r.post_id JOIN users u ON u.id = p.author_id
           GROUP BY p.id, u.handle ORDER BY count(*), p.id LIMIT 1`,
        ),
      )
    ).rows as { id: number; handle: string }[];
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: ORIGIN },
      payload: { login: row!.handle, password: LARGE_PASSWORD },
    });
    const session = login.cookies.find((c) => c.name === 'parley_session')!;
    const saved = cookie;
    cookie = `${session.name}=${session.value}`;
    try {
      await expectIndexOrdered(`/api/posts/${row!.id}/revisions`, { table: 'post_revisions', index: 'post_revisions_post_idx' }, true);
    } finally {
      cookie = saved;
    }
  });
});

describe('no first-view page reads a growing table whole', () => {
  it.each([
    ['the community page', '/api/communities/acme', false],
    ['top helpers of the month', '/api/communities/acme/helpers?period=month', false],
    ["the biggest topic's first page", '/api/topics/BIG?limit=50', false],
    ["the biggest topic's first page, signed in", '/api/topics/BIG?limit=50', true],
    ['a profile', '/api/users/user2', false],
    ['search', '/api/communities/acme/search?q=account', false],
    ['the moderation log', '/api/communities/acme/moderation-log', false],
    ['notifications', '/api/notifications', true],
    ["a topic list, signed in (the reader's state over the guests' kept list)", '/api/communities/acme/topics', true],
    // Read again, each is answered from what the first read kept: these are the statements that remain.
    ['a profile, again (the reputation rollup)', '/api/users/user2', false],
    ['search, again (the kept answer checked)', '/api/communities/acme/search?q=account', false],
    ['the moderation log, again (its newest entry)', '/api/communities/acme/moderation-log', false],
  ] as const)('%s', async (_name, path, signedIn) => {
    const big = await biggestTopicId();
    const { statements } = await statementsOf(path.replace('BIG', String(big)), signedIn);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      const plan = await planOf(s);
      const why = `${path}\n${s.sql}\n${describePlan(plan)}`;
      for (const n of nodesOf(plan)) if (n['Node Type'] === 'Seq Scan') expect(BIG, why).not.toContain(n['Relation Name']);
    }
  });
});

describe('the generated community', () => {
  it('is what the app would have written: every counter agrees with the rows it counts', async () => {
    const failed = await t.app.parley.ctx.db.transaction((tx) => inconsistencies(executorSql(tx).executeSql));
    expect(failed).toEqual([]);
  });
});

describe('a reply reads no growing table whole', () => {
  it('whom it tells (the topic’s watchers, the people it names, the mentioned) is read by index, not by reading every user', async () => {
    const big = await biggestTopicId();
    captured = [];
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/topics/${big}/posts`,
      headers: { cookie, origin: ORIGIN },
      payload: { body: 'Thanks @user3, the second option fixed it here too.' },
    });
    const statements = reads(captured);
    captured = null;
    expect(res.statusCode, res.body).toBe(201);
    const audience = statements.filter((s) => /l\.level = 'watching'/.test(s.sql));
    expect(audience, 'the read of whom the reply tells').toHaveLength(1);
    for (const s of statements) {
      // Hash and merge joins and materialising priced out too: on a hundred users, hashing them all
      // or looping over them is cheap, and reading them all is what this must not do.
      const plan = await planOf(s, ['enable_hashjoin', 'enable_mergejoin', 'enable_material']);
      const why = `${s.sql}\n${describePlan(plan)}`;
      for (const n of nodesOf(plan)) {
        if (n['Node Type'] === 'Seq Scan') expect(BIG, why).not.toContain(n['Relation Name']);
        // Nor an index walked end to end: with sequential scans priced out, that is how reading every user shows.
        if (n['Node Type'].startsWith('Index') && BIG.includes(n['Relation Name'] ?? '')) expect(n['Index Cond'], why).toBeDefined();
      }
    }
  });
});
