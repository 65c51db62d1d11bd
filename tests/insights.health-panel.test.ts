import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createTopic, reply, scene } from './helpers/factories.js';
import { HEALTH_DAYS } from '../server/insights/insights.health.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
const exec = (q: ReturnType<typeof sql>) => t.app.parley.ctx.db.execute(q);
/** One instant for every time set below (each statement's now() is its own). */
const NOW = Date.now();
const ago = (seconds: number) => sql`${new Date(NOW - seconds * 1000).toISOString()}::timestamptz`;

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
  // A question two days old: the staff reply comes after 600 s, the member's after 1200 s and is
  // accepted. A discussion a day old, answered by another member after 300 s.
  const question = await createTopic(s.member, s.slug, { kind: 'question' });
  await exec(sql`UPDATE topics SET created_at = ${ago(2 * 86_400)} WHERE id = ${question.topic.id}`);
  await exec(sql`UPDATE posts SET created_at = ${ago(2 * 86_400)} WHERE id = ${question.post.id}`);
  const fromStaff = await reply(s.staff, question.topic.id);
  await exec(sql`UPDATE posts SET created_at = ${ago(2 * 86_400 - 600)} WHERE id = ${fromStaff.id}`);
  const answer = await reply(s.other, question.topic.id);
  await exec(sql`UPDATE posts SET created_at = ${ago(2 * 86_400 - 1200)} WHERE id = ${answer.id}`);
  await s.member.api.setSolution(question.topic.id, answer.id);
  const discussion = await createTopic(s.other, s.slug);
  await exec(sql`UPDATE topics SET created_at = ${ago(86_400)} WHERE id = ${discussion.topic.id}`);
  await exec(sql`UPDATE posts SET created_at = ${ago(86_400)} WHERE id = ${discussion.post.id}`);
  const fromMember = await reply(s.member, discussion.topic.id);
  await exec(sql`UPDATE posts SET created_at = ${ago(86_400 - 300)} WHERE id = ${fromMember.id}`);
  // Older than the panel looks: a question nobody answered.
  const old = await createTopic(s.member, s.slug, { kind: 'question' });
  await exec(sql`UPDATE topics SET created_at = ${ago((HEALTH_DAYS + 5) * 86_400)} WHERE id = ${old.topic.id}`);
  await exec(sql`UPDATE posts SET created_at = ${ago((HEALTH_DAYS + 5) * 86_400)} WHERE id = ${old.post.id}`);
});
afterAll(async () => {
  await t?.close();
});

const health = () => t.guest().get(`/api/communities/${s.slug}/health`);

describe('the public health panel', () => {
  it('is off until an admin switches it on: 404 health_panel_off, healthPanel false', async () => {
    expect((await t.guest().get(`/api/communities/${s.slug}`)).body.community.healthPanel).toBe(false);
    expectError(await health(), 404, 'health_panel_off');
    expectError(await t.guest().get('/api/communities/nowhere-at-all/health'), 404, 'community_not_found');
  });

  it('is switched by admins only', async () => {
    expectError(await s.moderator.patch(`/api/communities/${s.slug}`, { healthPanel: true }), 403, 'not_community_admin');
    expectError(await s.staff.patch(`/api/communities/${s.slug}`, { healthPanel: true }), 403, 'not_community_admin');
    expectError(await health(), 404, 'health_panel_off');
    const res = await s.admin.patch(`/api/communities/${s.slug}`, { healthPanel: true });
    expect(res.status, res.text).toBe(200);
    expect(res.body.community.healthPanel).toBe(true);
    expect((await t.guest().get(`/api/communities/${s.slug}`)).body.community.healthPanel).toBe(true);
    const listed = (await t.guest().get('/api/communities?limit=100')).body.items.find((c: { slug: string }) => c.slug === s.slug);
    expect(listed.healthPanel).toBe(true);
  });

  it(`shows anyone the last ${HEALTH_DAYS} days: solved rate, median first response, members' share of replies`, async () => {
    const res = await health();
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['firstResponseMedianSeconds', 'from', 'memberReplyShare', 'solvedRate', 'to']);
    // One question in the window, solved (the old one is outside it).
    expect(res.body.solvedRate).toBe(1);
    // First responses 600 s and 300 s.
    expect(res.body.firstResponseMedianSeconds).toBeCloseTo(450, 3);
    // Two replies of three are by members.
    expect(res.body.memberReplyShare).toBeCloseTo(2 / 3, 9);
    expect(Date.parse(res.body.to) - Date.parse(res.body.from)).toBe(HEALTH_DAYS * 86_400_000);
    expect(Math.abs(Date.parse(res.body.to) - Date.now())).toBeLessThan(60_000);
    // Signed-in readers see the same.
    expect((await s.other.get(`/api/communities/${s.slug}/health`)).body).toEqual(res.body);
  });

  it('is kept a few minutes by each process, while the switch is read every time', async () => {
    const first = (await health()).body;
    const { topic } = await createTopic(s.other, s.slug, { kind: 'question' });
    await reply(s.staff, topic.id);
    expect((await health()).body).toEqual(first);
    await s.admin.patch(`/api/communities/${s.slug}`, { healthPanel: false });
    expectError(await health(), 404, 'health_panel_off');
  });
});
