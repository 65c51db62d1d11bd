import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { makeSiteAdmin, scene, signUp } from './helpers/factories.js';
import { MAX_WINDOW_DAYS, parseWindow } from '../server/insights/insights.window.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
  // A member is someone who posted; `other` never did and is no member at all.
  await s.member.api.createTopic(s.slug, { category: 'general', title: 'A first topic here', body: 'Hello everyone.' });
});
afterAll(async () => {
  await t?.close();
});

const url = (query = '') => `/api/communities/${s.slug}/insights${query}`;

describe('who may see a community’s insights', () => {
  it('refuses guests with 401 not_signed_in', async () => {
    expectError(await t.guest().get(url()), 401, 'not_signed_in');
  });

  it('refuses members and non-members with 403 not_staff', async () => {
    expectError(await s.member.get(url()), 403, 'not_staff');
    expectError(await s.other.get(url()), 403, 'not_staff');
  });

  it('answers staff, moderators, admins and site admins', async () => {
    const siteAdmin = await signUp(t);
    await makeSiteAdmin(t, siteAdmin.userId);
    for (const who of [s.staff, s.moderator, s.admin, siteAdmin]) {
      const res = await who.get(url());
      expect(res.status, res.text).toBe(200);
      expect(res.body.interval).toBe('day');
      expect(res.body.totals.topics).toBe(1);
      expect(Array.isArray(res.body.series)).toBe(true);
      expect(Array.isArray(res.body.superusers)).toBe(true);
    }
  });

  it('answers 404 community_not_found for an unknown community, to anyone', async () => {
    expectError(await s.admin.get('/api/communities/no-such-place/insights'), 404, 'community_not_found');
    expectError(await t.guest().get('/api/communities/no-such-place/insights'), 404, 'community_not_found');
  });

  it('tells the capability to the web: viewInsights on the community', async () => {
    expect((await s.staff.get(`/api/communities/${s.slug}`)).body.community.viewerCan.viewInsights).toBe(true);
    expect((await s.member.get(`/api/communities/${s.slug}`)).body.community.viewerCan.viewInsights).toBe(false);
  });
});

describe('the window', () => {
  it('defaults to the last 30 days by day, up to now', async () => {
    const before = Date.now();
    const res = await s.admin.get(url());
    expect(res.status).toBe(200);
    const from = Date.parse(res.body.from);
    const to = Date.parse(res.body.to);
    expect(to).toBeGreaterThanOrEqual(before);
    expect(to - from).toBe(30 * 86_400_000);
    // 30 days from an instant within a day touch 31 UTC days.
    expect(res.body.series).toHaveLength(31);
    expect(res.body.series[0].start).toBe(new Date(Math.floor(from / 86_400_000) * 86_400_000).toISOString());
  });

  it('takes ISO dates or dates and times, and weeks from Monday', async () => {
    const res = await s.admin.get(url('?from=2025-03-05&to=2025-03-19T12:00:00Z&interval=week'));
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ from: '2025-03-05T00:00:00.000Z', to: '2025-03-19T12:00:00.000Z', interval: 'week' });
    // 2025-03-03 is a Monday: the weeks of the 3rd, the 10th and the 17th.
    expect(res.body.series.map((b: { start: string }) => b.start)).toEqual([
      '2025-03-03T00:00:00.000Z',
      '2025-03-10T00:00:00.000Z',
      '2025-03-17T00:00:00.000Z',
    ]);
    const offset = await s.admin.get(url('?from=2025-03-05T01:00:00%2B02:00&to=2025-03-06'));
    expect(offset.body.from).toBe('2025-03-04T23:00:00.000Z');
  });

  it.each([
    ['a date that is not one', '?from=2025-02-30&to=2025-03-10'],
    ['words', '?from=yesterday'],
    ['a number', '?to=1700000000'],
    ['from after to', '?from=2025-03-10&to=2025-03-01'],
    ['an empty window', '?from=2025-03-10&to=2025-03-10'],
    ['an unknown interval', '?interval=month'],
    ['a year before 1970', '?from=1969-12-01&to=1970-01-02'],
  ])('refuses %s with 400 invalid_window', async (_what, query) => {
    expectError(await s.admin.get(url(query)), 400, 'invalid_window');
  });

  it(`refuses windows longer than ${MAX_WINDOW_DAYS} days with 400 window_too_long, and takes exactly that`, async () => {
    expectError(await s.admin.get(url('?from=2024-01-01&to=2025-01-02T00:00:01Z')), 400, 'window_too_long');
    const longest = await s.admin.get(url('?from=2024-01-01&to=2025-01-01&interval=week'));
    expect(longest.status, longest.text).toBe(200);
  });

  it('checks who asks before what they ask: a bad window from a member is still 403', async () => {
    expectError(await s.member.get(url('?interval=month')), 403, 'not_staff');
  });

  it('turns a date without a zone into UTC', () => {
    expect(parseWindow({ from: '2025-03-05T10:00', to: '2025-03-06' }).from.toISOString()).toBe('2025-03-05T10:00:00.000Z');
  });
});
