/**
 * `viewerCan`: what the server tells each viewer they may do, on a community and on a topic page.
 * The web shows only what these allow, so they must say exactly what the server then accepts: the
 * table below asks every kind of viewer, in every kind of topic, and then tries each action for
 * real, expecting success exactly where the capability said yes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { Reply, TestClient } from './helpers/client.js';
import { createTopic, makeSiteAdmin, reply, scene, signUp } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const NOTHING = {
  reply: false,
  editOwnPosts: false,
  deleteOwnPosts: false,
  react: false,
  report: false,
  moderate: false,
  edit: false,
  acceptAnswer: false,
  vote: false,
  setIdeaStatus: false,
};

type Who = 'guest' | 'member' | 'author' | 'staff' | 'moderator' | 'admin' | 'siteAdmin' | 'banned';
const WHO: Who[] = ['guest', 'member', 'author', 'staff', 'moderator', 'admin', 'siteAdmin', 'banned'];
type Kind = 'discussion' | 'question' | 'idea';
interface TopicCase {
  kind: Kind;
  locked: boolean;
}
const TOPICS: TopicCase[] = [
  { kind: 'discussion', locked: false },
  { kind: 'question', locked: false },
  { kind: 'idea', locked: false },
  { kind: 'discussion', locked: true },
  { kind: 'question', locked: true },
  { kind: 'idea', locked: true },
];

let s: Awaited<ReturnType<typeof scene>>;
let viewers: Record<Who, TestClient>;
interface Target {
  id: number;
  /** A reply by another member: the answer to choose. */
  answerId: number;
  /** Another member's reply, to report. */
  reportedId: number;
  /** Each signed-in viewer's own reply, written before the lock and the ban. */
  own: Partial<Record<Who, number>>;
}
/** One topic per case, started by `author`. */
const topics = new Map<string, Target>();
const keyOf = (c: TopicCase) => `${c.kind}${c.locked ? ' locked' : ''}`;

beforeAll(async () => {
  s = await scene(t);
  const [author, siteAdmin, banned] = await Promise.all([signUp(t), signUp(t), signUp(t)]);
  await makeSiteAdmin(t, siteAdmin.userId);
  viewers = { guest: t.guest(), member: s.member, author, staff: s.staff, moderator: s.moderator, admin: s.admin, siteAdmin, banned };
  // Reports never hide anything here: every cell reads the same posts.
  expect((await s.admin.patch(`/api/communities/${s.slug}`, { moderation: { flagThreshold: 0 } })).status).toBe(200);
  for (const c of TOPICS) {
    const { topic } = await createTopic(author, s.slug, { kind: c.kind });
    const answer = await reply(s.other, topic.id);
    const reported = await reply(s.other, topic.id);
    const own: Target['own'] = {};
    for (const who of WHO.filter((w) => w !== 'guest')) own[who] = (await reply(viewers[who], topic.id)).id;
    if (c.locked) expect((await s.moderator.post(`/api/topics/${topic.id}/lock`)).status).toBe(200);
    topics.set(keyOf(c), { id: topic.id, answerId: answer.id, reportedId: reported.id, own });
  }
  expect((await s.moderator.post(`/api/communities/${s.slug}/bans`, { handle: banned.handle, reason: 'Spam or advertising' })).status).toBe(201);
});

/** The rules, as the table states them (the server must agree, and then act on them). */
function expected(who: Who, c: TopicCase) {
  if (who === 'guest') return NOTHING;
  const moderator = who === 'moderator' || who === 'admin' || who === 'siteAdmin';
  const organisation = moderator || who === 'staff';
  const writes = who !== 'banned';
  const open = writes && (!c.locked || moderator);
  return {
    reply: open,
    editOwnPosts: open,
    deleteOwnPosts: writes,
    react: writes,
    report: writes,
    moderate: moderator,
    edit: open && (who === 'author' || moderator),
    acceptAnswer: writes && c.kind === 'question' && (who === 'author' || moderator),
    vote: writes && c.kind === 'idea' && !c.locked,
    setIdeaStatus: writes && c.kind === 'idea' && organisation,
  };
}

const CELLS = WHO.flatMap((who) => TOPICS.map((c) => ({ who, c, label: `${who} in ${c.kind === 'idea' ? 'an' : 'a'} ${keyOf(c)}` })));

describe('a topic page tells each viewer what they may do there', () => {
  it.each(CELLS)('$label', async ({ who, c }) => {
    const res = await viewers[who].get(`/api/topics/${topics.get(keyOf(c))!.id}?limit=1`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.viewerCan).toEqual(expected(who, c));
  });

  it('gives guests the same all-false answer from the shared page cache', async () => {
    const id = topics.get('question')!.id;
    await t.guest().get(`/api/topics/${id}`);
    const cached = await t.guest().get(`/api/topics/${id}`);
    expect(cached.headers['x-parley-cache']).toBe('hit');
    expect(cached.body.viewerCan).toEqual(NOTHING);
  });
});

/**
 * Each capability, tried for real, in this order (editing one's post comes before deleting it).
 * Successes leave every case as it was: kind and lock never change, and reports hide nothing.
 */
const ACTIONS: Record<string, (who: Who, topic: Target) => Promise<Reply>> = {
  reply: (who, topic) => viewers[who].post(`/api/topics/${topic.id}/posts`, { body: `A reply ${Math.random()}` }),
  edit: (who, topic) => viewers[who].patch(`/api/topics/${topic.id}`, { title: `A clearer title ${Math.random()}` }),
  acceptAnswer: (who, topic) => viewers[who].post(`/api/topics/${topic.id}/solution`, { postId: topic.answerId }),
  vote: (who, topic) => viewers[who].post(`/api/topics/${topic.id}/vote`),
  setIdeaStatus: (who, topic) => viewers[who].put(`/api/topics/${topic.id}/idea-status`, { status: 'planned' }),
  editOwnPosts: (who, topic) => viewers[who].patch(`/api/posts/${topic.own[who] ?? topic.reportedId}`, { body: `Edited ${Math.random()}` }),
  react: (who, topic) => viewers[who].post(`/api/posts/${topic.reportedId}/reactions`, { kind: 'like' }),
  report: (who, topic) => viewers[who].post(`/api/posts/${topic.reportedId}/flags`, { reason: 'Looks like spam' }),
  deleteOwnPosts: (who, topic) => viewers[who].delete(`/api/posts/${topic.own[who] ?? topic.reportedId}`),
};

describe('the server accepts exactly what viewerCan allows', () => {
  const cells = CELLS.flatMap((cell) => Object.keys(ACTIONS).map((action) => ({ ...cell, action, label: `${action}: ${cell.label}` })));
  it.each(cells)('$label', async ({ who, c, action }) => {
    const topic = topics.get(keyOf(c))!;
    // What the server says, not what the table says: the two halves of the server must agree.
    const allowed = (await viewers[who].get(`/api/topics/${topic.id}?limit=1`)).body.viewerCan[action];
    expect(typeof allowed).toBe('boolean');
    const res = await ACTIONS[action]!(who, topic);
    if (allowed) expect(res.status, res.text).toBeLessThan(300);
    else expect([401, 403, 409], res.text).toContain(res.status);
  });
});

describe('a community tells each viewer what they may do there', () => {
  const community = (over: Partial<Record<'moderate' | 'administer' | 'setIdeaStatus' | 'startTopic' | 'useInbox' | 'viewInsights', boolean>>) => ({
    moderate: false,
    administer: false,
    setIdeaStatus: false,
    startTopic: false,
    useInbox: false,
    viewInsights: false,
    ...over,
  });
  const cases: Array<{ who: Who; can: ReturnType<typeof community> }> = [
    { who: 'guest', can: community({}) },
    { who: 'member', can: community({ startTopic: true }) },
    { who: 'author', can: community({ startTopic: true }) },
    { who: 'staff', can: community({ setIdeaStatus: true, startTopic: true, useInbox: true, viewInsights: true }) },
    { who: 'moderator', can: community({ moderate: true, setIdeaStatus: true, startTopic: true, useInbox: true, viewInsights: true }) },
    { who: 'admin', can: community({ moderate: true, administer: true, setIdeaStatus: true, startTopic: true, useInbox: true, viewInsights: true }) },
    { who: 'siteAdmin', can: community({ moderate: true, administer: true, setIdeaStatus: true, startTopic: true, useInbox: true, viewInsights: true }) },
    { who: 'banned', can: community({}) },
  ];
  it.each(cases)('$who', async ({ who, can }) => {
    const res = await viewers[who].get(`/api/communities/${s.slug}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.community.viewerCan).toEqual(can);
  });

  it('starts topics exactly when startTopic says so', async () => {
    for (const who of ['member', 'banned'] as const) {
      const can = (await viewers[who].get(`/api/communities/${s.slug}`)).body.community.viewerCan.startTopic;
      const res = await viewers[who].post(`/api/communities/${s.slug}/topics`, { category: 'general', title: 'Yet another topic', body: 'Hello' });
      expect(res.status < 300, res.text).toBe(can);
    }
  });

  it('is not in the list of communities (it is about one community)', async () => {
    const list = await s.admin.get('/api/communities');
    expect(list.body.items.every((c: Record<string, unknown>) => !('viewerCan' in c))).toBe(true);
  });
});
