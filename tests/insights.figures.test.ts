/**
 * Every figure of the insights, on a small community built through the API whose times are then
 * set in the database, so that each figure is known in advance (worked out beside each topic).
 * Then the community changes (a role, a restored reply, a hidden topic) and the figures follow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { executorSql, rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, setRole, signUp, type SignedIn } from './helpers/factories.js';
import { INSIGHT_FACT_CHECKS } from '../server/insights/insights.facts.js';
import { refreshInsightMembers } from '../server/insights/insights.maintenance.js';

let t: TestApp;
const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);

/** Monday 3 March 2025, 00:00 UTC: the window is its two weeks. */
const T0 = Date.parse('2025-03-03T00:00:00Z');
const H = 3600;
const D = 86_400;
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const WINDOW = `from=${at(0)}&to=${at(14 * D)}`;

const setPost = (id: number, seconds: number) => exec(sql`UPDATE posts SET created_at = ${at(seconds)}::timestamptz WHERE id = ${id}`);
/** A topic and its first post start at `seconds`. */
async function setTopic(id: number, seconds: number) {
  await exec(sql`UPDATE topics SET created_at = ${at(seconds)}::timestamptz WHERE id = ${id}`);
  await exec(sql`UPDATE posts SET created_at = ${at(seconds)}::timestamptz WHERE topic_id = ${id} AND number = 1`);
}

let slug: string;
let admin: SignedIn, staff: SignedIn, moderator: SignedIn, p1: SignedIn, p2: SignedIn, p3: SignedIn, q: SignedIn, old: SignedIn;
const ids: Record<string, number> = {};

beforeAll(async () => {
  t = await startTestApp();
  const people = await Promise.all(Array.from({ length: 8 }, () => signUp(t)));
  [admin, staff, moderator, p1, p2, p3, q, old] = people as [SignedIn, SignedIn, SignedIn, SignedIn, SignedIn, SignedIn, SignedIn, SignedIn];
  slug = (await createCommunity(admin)).slug;
  await setRole(admin, slug, staff.handle, 'staff');
  await setRole(admin, slug, moderator.handle, 'moderator');

  // Before the window: old's topic, answered by p1, who is therefore not new in the window.
  const before = await createTopic(old, slug);
  await setTopic(before.topic.id, -5 * D);
  await setPost((await reply(p1, before.topic.id)).id, -4 * D);

  // T1, a question by q at 1 h. q's own reply (100 s) does not qualify; p1 answers at 600 s (the
  // first response, by a peer), staff at 3600 s. p1's answer is accepted at 7200 s.
  const t1 = await createTopic(q, slug, { kind: 'question' });
  ids.t1 = t1.topic.id;
  await setTopic(t1.topic.id, H);
  await setPost((await reply(q, t1.topic.id)).id, H + 100);
  const t1p1 = await reply(p1, t1.topic.id);
  ids.t1p1 = t1p1.id;
  await setPost(t1p1.id, H + 600);
  await setPost((await reply(staff, t1.topic.id)).id, H + 3600);
  await q.api.setSolution(t1.topic.id, t1p1.id);
  await exec(sql`UPDATE topics SET solved_at = ${at(H + 7200)}::timestamptz WHERE id = ${t1.topic.id}`);

  // T2, a question by p2 on day 1: staff first (1200 s), then p3 (4800 s, the first peer). The
  // staff reply is accepted at 3000 s.
  const t2 = await createTopic(p2, slug, { kind: 'question' });
  await setTopic(t2.topic.id, D);
  const t2s = await reply(staff, t2.topic.id);
  await setPost(t2s.id, D + 1200);
  await setPost((await reply(p3, t2.topic.id)).id, D + 4800);
  await p2.api.setSolution(t2.topic.id, t2s.id);
  await exec(sql`UPDATE topics SET solved_at = ${at(D + 3000)}::timestamptz WHERE id = ${t2.topic.id}`);

  // T3, a discussion by p3 on day 2, never answered. q flags its opening post (2 d 1 h); a
  // moderator dismisses the flag two hours later.
  const t3 = await createTopic(p3, slug);
  ids.t3 = t3.topic.id;
  await setTopic(t3.topic.id, 2 * D);
  const flag = await q.api.flagPost(t3.post.id, 'This looks off to me');
  expect((await moderator.post(`/api/flags/${flag.id}/dismiss`)).status).toBe(200);
  await exec(sql`UPDATE queue_items SET created_at = ${at(2 * D + H)}::timestamptz, resolved_at = ${at(2 * D + 3 * H)}::timestamptz WHERE id = ${flag.id}`);

  // T4, a question by p1 on day 3: p2's reply is hidden, p3's deleted: no response counts.
  const t4 = await createTopic(p1, slug, { kind: 'question' });
  await setTopic(t4.topic.id, 3 * D);
  const t4p2 = await reply(p2, t4.topic.id);
  ids.t4p2 = t4p2.id;
  await setPost(t4p2.id, 3 * D + 300);
  await moderator.api.hidePost(t4p2.id, 'Not about the question');
  const t4p3 = await reply(p3, t4.topic.id);
  await setPost(t4p3.id, 3 * D + 400);
  await p3.api.deletePost(t4p3.id);

  // p2 flags p1's answer in T1 on day 4; nobody has settled it.
  const open = await p2.api.flagPost(t1p1.id, 'I do not think this is right');
  await exec(sql`UPDATE queue_items SET created_at = ${at(4 * D)}::timestamptz WHERE id = ${open.id}`);

  // Second week. T5, a discussion by q on day 8: p1 at 900 s (peer), the admin at 1800 s (staff).
  const t5 = await createTopic(q, slug);
  ids.t5 = t5.topic.id;
  await setTopic(t5.topic.id, 8 * D);
  await setPost((await reply(p1, t5.topic.id)).id, 8 * D + 900);
  await setPost((await reply(admin, t5.topic.id)).id, 8 * D + 1800);

  // T6, p2's topic on day 9 with a reply by p1, hidden by a moderator: none of it counts.
  const t6 = await createTopic(p2, slug);
  await setTopic(t6.topic.id, 9 * D);
  await setPost((await reply(p1, t6.topic.id)).id, 9 * D + 60);
  await moderator.api.hideTopic(t6.topic.id, 'Spam');

  // T8, an idea by p3 on day 10: votes by p1 and p2 in the window, q's after it; staff give it a
  // status on day 11 and another on day 12.
  const t8 = await createTopic(p3, slug, { kind: 'idea' });
  await setTopic(t8.topic.id, 10 * D);
  for (const voter of [p1, p2, q]) expect((await voter.post(`/api/topics/${t8.topic.id}/vote`)).status).toBe(200);
  await exec(sql`UPDATE topic_votes SET created_at = ${at(10 * D + H)}::timestamptz WHERE topic_id = ${t8.topic.id} AND user_id = ${p1.userId}`);
  await exec(sql`UPDATE topic_votes SET created_at = ${at(10 * D + 2 * H)}::timestamptz WHERE topic_id = ${t8.topic.id} AND user_id = ${p2.userId}`);
  await exec(sql`UPDATE topic_votes SET created_at = ${at(15 * D)}::timestamptz WHERE topic_id = ${t8.topic.id} AND user_id = ${q.userId}`);
  await staff.api.setIdeaStatus(t8.topic.id, { status: 'planned' });
  await staff.api.setIdeaStatus(t8.topic.id, { status: 'in_progress' });
  await exec(sql`
    UPDATE idea_status_changes c SET created_at = ${at(11 * D)}::timestamptz + (x.n - 1) * interval '1 day'
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM idea_status_changes WHERE topic_id = ${t8.topic.id}) x WHERE c.id = x.id`);

  // T9, p2's discussion on day 13: too young at the end of the window to count as unanswered.
  const t9 = await createTopic(p2, slug);
  await setTopic(t9.topic.id, 13 * D);
}, 120_000);
afterAll(async () => {
  await t?.close();
});

async function insights(query: string) {
  const res = await staff.get(`/api/communities/${slug}/insights?${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { totals: Record<string, number | null>; series: Record<string, number | null | string>[]; superusers: any[] };
}

/** Figures rounded where they are fractions of seconds or shares, to compare exactly. */
const round = (figures: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v]));

async function factsAgree() {
  const failed: string[] = [];
  for (const [name, query] of Object.entries(INSIGHT_FACT_CHECKS)) {
    const found = await t.app.parley.ctx.db.transaction((tx) => executorSql(tx).executeSql(query));
    if (Number((found.rows[0] as { n: number }).n) !== 0) failed.push(name);
  }
  return failed;
}

describe('the figures of a hand-built community', () => {
  it('totals: every figure as worked out', async () => {
    const { totals } = await insights(`${WINDOW}&interval=week`);
    expect(round(totals)).toEqual({
      // T1, T2, T3, T4, T5, T8, T9 (T6 is hidden; old's topic is before the window).
      topics: 7,
      questions: 3,
      // p1 and staff in T1, staff and p3 in T2, p1 and the admin in T5.
      replies: 6,
      // q, p1, staff, p2, p3, admin.
      activeContributors: 6,
      // All but p1, who posted before the window.
      newContributors: 5,
      // First responses 600 (T1), 1200 (T2), 900 (T5).
      firstResponseMedianSeconds: 900,
      firstResponseP90Seconds: 1140,
      // By peers 600, 4800, 900; by staff 3600, 1200, 1800.
      firstPeerResponseMedianSeconds: 900,
      firstStaffResponseMedianSeconds: 1800,
      // Old enough at the end (all but T9): T3, T4 and T8 of six have no qualifying reply.
      unansweredRate: 0.5,
      solvedRate: round({ x: 2 / 3 }).x,
      // 7200 (T1) and 3000 (T2).
      solutionMedianSeconds: 5100,
      peerSolvedShare: 0.5,
      staffReplyShare: 0.5,
      // Two flags over 14 visible posts.
      flagsPer1000Posts: round({ x: 2000 / 14 }).x,
      flagSettleMedianSeconds: 7200,
      // p1 (2) and p3 (1) of 6.
      superuserShare: 0.5,
      ideaVotes: 2,
      ideaStatusChanges: 2,
    });
  });

  it('the superusers: non-staff members by replies, with their accepted answers', async () => {
    const { superusers } = await insights(WINDOW);
    expect(superusers.map((s) => [s.user.handle, s.replies, s.acceptedAnswers])).toEqual([
      [p1.handle, 2, 1],
      [p3.handle, 1, 0],
    ]);
    expect(Object.keys(superusers[0].user).sort()).toEqual(['avatarUrl', 'createdAt', 'displayName', 'handle', 'id']);
  });

  it('series by week: each week counts its own', async () => {
    const { series } = await insights(`${WINDOW}&interval=week`);
    expect(series.map(round)).toEqual([
      {
        start: at(0),
        topics: 4,
        questions: 3,
        replies: 4,
        activeContributors: 5,
        newContributors: 4,
        firstResponseMedianSeconds: 900,
        firstResponseP90Seconds: 1140,
        firstPeerResponseMedianSeconds: 2700,
        firstStaffResponseMedianSeconds: 2400,
        unansweredRate: 0.5,
        solvedRate: round({ x: 2 / 3 }).x,
        solutionMedianSeconds: 5100,
        peerSolvedShare: 0.5,
        staffReplyShare: 0.5,
        flagsPer1000Posts: round({ x: 2000 / 9 }).x,
        flagSettleMedianSeconds: 7200,
        superuserShare: 0.5,
        ideaVotes: 0,
        ideaStatusChanges: 0,
      },
      {
        start: at(7 * D),
        topics: 3,
        questions: 0,
        replies: 2,
        activeContributors: 5,
        newContributors: 1,
        firstResponseMedianSeconds: 900,
        firstResponseP90Seconds: 900,
        firstPeerResponseMedianSeconds: 900,
        firstStaffResponseMedianSeconds: 1800,
        unansweredRate: 0.5,
        solvedRate: null,
        solutionMedianSeconds: null,
        peerSolvedShare: null,
        staffReplyShare: 0.5,
        flagsPer1000Posts: 0,
        flagSettleMedianSeconds: null,
        superuserShare: 0.5,
        ideaVotes: 2,
        ideaStatusChanges: 2,
      },
    ]);
  });

  it('series by day: fourteen days, day 1 is T2', async () => {
    const { series, totals } = await insights(WINDOW);
    expect(series).toHaveLength(14);
    expect(round(series[1]!)).toMatchObject({
      start: at(D),
      topics: 1,
      questions: 1,
      replies: 2,
      activeContributors: 3,
      newContributors: 2,
      firstResponseMedianSeconds: 1200,
      firstPeerResponseMedianSeconds: 4800,
      firstStaffResponseMedianSeconds: 1200,
      unansweredRate: 0,
      solvedRate: 1,
      solutionMedianSeconds: 3000,
      peerSolvedShare: 0,
      staffReplyShare: 0.5,
      flagsPer1000Posts: 0,
      superuserShare: 0.5,
    });
    // A quiet day: counts are 0, what measures something is null.
    expect(series[5]).toMatchObject({ topics: 0, replies: 0, firstResponseMedianSeconds: null, solvedRate: null, flagsPer1000Posts: null });
    // The days add up to the window where figures add up.
    for (const key of ['topics', 'questions', 'replies', 'newContributors', 'ideaVotes', 'ideaStatusChanges'] as const) {
      expect(
        series.reduce((s, b) => s + (b[key] as number), 0),
        key,
      ).toBe(totals[key]);
    }
  });

  it('a narrower window counts only what falls in it', async () => {
    // Days 1 to 3 (from 12:00 on day 1): T3 and T4; T2 started before the window.
    const { totals } = await insights(`from=${at(D + 12 * H)}&to=${at(4 * D)}`);
    expect(totals).toMatchObject({ topics: 2, questions: 1, replies: 0, activeContributors: 2, newContributors: 0, flagsPer1000Posts: 500 });
  });

  it('keeps every fact in step with the rows', async () => {
    expect(await factsAgree()).toEqual([]);
  });
});

describe('the figures follow the community as it changes', () => {
  it('a member made staff: their replies are staff replies, and they are no superuser', async () => {
    await setRole(admin, slug, p3.handle, 'staff');
    const { totals, superusers } = await insights(WINDOW);
    expect(round(totals)).toMatchObject({
      staffReplyShare: round({ x: 4 / 6 }).x,
      // T2 has no peer reply now: 600 (T1) and 900 (T5).
      firstPeerResponseMedianSeconds: 750,
      firstStaffResponseMedianSeconds: 1800,
      superuserShare: round({ x: 2 / 6 }).x,
    });
    expect(superusers.map((s) => s.user.handle)).toEqual([p1.handle]);
    expect(await factsAgree()).toEqual([]);
  });

  it('a hidden reply restored: T4 has its first response', async () => {
    await moderator.api.unhidePost(ids.t4p2!);
    const { totals } = await insights(WINDOW);
    expect(round(totals)).toMatchObject({
      replies: 7,
      firstResponseMedianSeconds: 750,
      firstPeerResponseMedianSeconds: 600,
      unansweredRate: round({ x: 2 / 6 }).x,
      flagsPer1000Posts: round({ x: 2000 / 15 }).x,
    });
    expect(await factsAgree()).toEqual([]);
  });

  it('a topic hidden and restored: its posts, its people and their first posts go and come back', async () => {
    await setRole(admin, slug, p3.handle, 'member');
    await moderator.api.hideTopic(ids.t5!, 'Off topic');
    const hidden = (await insights(WINDOW)).totals;
    expect(round(hidden)).toMatchObject({
      topics: 6,
      // p1 and staff in T1, staff and p3 in T2, p2 in T4.
      replies: 5,
      staffReplyShare: 0.4,
      // The admin wrote only in T5.
      activeContributors: 5,
      newContributors: 4,
    });
    expect(await factsAgree()).toEqual([]);

    expect((await moderator.delete(`/api/topics/${ids.t5}/hide`)).status).toBe(200);
    const back = (await insights(WINDOW)).totals;
    expect(round(back)).toMatchObject({ topics: 7, replies: 7, staffReplyShare: round({ x: 3 / 7 }).x, activeContributors: 6, newContributors: 5 });
    expect(await factsAgree()).toEqual([]);
  });

  it('an answer taken back: the question is no longer solved', async () => {
    await q.api.setSolution(ids.t1!, null);
    const { totals, superusers } = await insights(WINDOW);
    expect(round(totals)).toMatchObject({ solvedRate: round({ x: 1 / 3 }).x, solutionMedianSeconds: 3000, peerSolvedShare: 0 });
    expect(superusers[0]).toMatchObject({ replies: 2, acceptedAnswers: 0 });
    expect(await factsAgree()).toEqual([]);
  });

  // Replies go to one topic, and what is hidden was written by people who are not replying
  // meanwhile: a reply racing a hide that touches its author's reputation, or replies racing in two
  // topics of one author, can deadlock in the application itself (reputation rows and live
  // channels locked in opposite orders), which is not what this test is about.
  it('stays in step when replies, hides and role changes race each other', async () => {
    const { topic } = await createTopic(q, slug, { kind: 'question' });
    const early = await reply(old, topic.id);
    const answered = (replies: { status: number }[]) => replies.map((r) => r.status);
    const hides = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => [p1, p2, staff][i % 3]!.post(`/api/topics/${topic.id}/posts`, { body: `Race reply ${i}` })),
      moderator.post(`/api/posts/${early.id}/hide`, { reason: 'Racing' }),
      moderator.post(`/api/topics/${ids.t3}/hide`, { reason: 'Racing too' }),
    ]).then(answered);
    expect(
      hides.every((status) => status === 200 || status === 201),
      hides.join(', '),
    ).toBe(true);
    expect(await factsAgree()).toEqual([]);
    const roles = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => p2.post(`/api/topics/${topic.id}/posts`, { body: `Racing a role ${i}` })),
      admin.put(`/api/communities/${slug}/members/${p2.handle}`, { role: 'staff' }),
      moderator.delete(`/api/posts/${early.id}/hide`),
      moderator.delete(`/api/topics/${ids.t3}/hide`),
    ]).then(answered);
    expect(
      roles.every((status) => status === 200 || status === 201),
      roles.join(', '),
    ).toBe(true);
    expect(await factsAgree()).toEqual([]);
    await setRole(admin, slug, p2.handle, 'member');
    expect(await factsAgree()).toEqual([]);
  });

  it('maintenance stores the first posts it had to look up again, and nothing changes', async () => {
    const before = await insights(WINDOW);
    expect(await refreshInsightMembers(t.app.parley.ctx.db)).toBeGreaterThan(0);
    const [left] = await rows<{ stale: number }>(t.app.parley.ctx.db, sql`SELECT count(*)::int AS stale FROM insight_members_dirty`);
    expect(Number(left?.stale)).toBe(0);
    expect(await insights(WINDOW)).toEqual(before);
    expect(await factsAgree()).toEqual([]);
  });
});
