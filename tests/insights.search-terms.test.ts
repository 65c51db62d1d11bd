/**
 * What people look for: searches are counted anonymously (normalised words, a UTC day, how many
 * first pages and what the latest found; never who, from where or in which session), in memory
 * and written in one statement every few seconds, however the search was answered (ranked afresh,
 * from the kept ranking, or a guest's kept answer). Insights list the most searched terms and those
 * that found nothing, to the community's own people only. Kept for a configurable time; off by switch.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { pruneSearchTerms } from '../server/maintenance/maintenance.js';
import { SearchTermCounter, searchTerm } from '../server/search/search.terms.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, makeSiteAdmin, reply, scene, signUp, unique } from './helpers/factories.js';
import type { TestClient } from './helpers/client.js';

let t: TestApp;
/** Statements that wrote search terms: none per search, one per flush. */
let termWrites = 0;
beforeAll(async () => {
  t = await startTestApp({}, { onStatement: (text) => void (/insert into search_terms/i.test(text) && termWrites++) });
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.app.parley.ctx.db;
const flush = () => t.app.parley.searchTerms.flush();
/** Letters only: the search parser splits words at digits. */
const word = () => `zq${unique('').replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}`;

interface TermRow {
  day: string;
  term: string;
  searches: number;
  results: number;
}
async function termsOf(communityId: number): Promise<TermRow[]> {
  const found = await rows<TermRow>(
    db(),
    sql`SELECT to_char(day, 'YYYY-MM-DD') AS day, term, searches, results FROM search_terms WHERE community_id = ${communityId} ORDER BY term`,
  );
  return found.map((r) => ({ ...r, searches: Number(r.searches), results: Number(r.results) }));
}
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

async function search(slug: string, q: string, who: TestClient = t.guest(), cursor?: string) {
  const res = await who.get(`/api/communities/${slug}/search?q=${encodeURIComponent(q)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  expect(res.status, res.text).toBe(200);
  return res;
}

describe('normalising a search term', () => {
  it('reads the compatibility form, in lower case, spaces collapsed and trimmed, at most 100 characters', () => {
    expect(searchTerm('  Reset\t\tPASSWORD \n')).toBe('reset password');
    // Full-width letters and an ideographic space, a ligature: the plain letters.
    expect(searchTerm('ｒｅｓｅｔ\u3000ｐａｓｓｗｏｒｄ')).toBe('reset password');
    expect(searchTerm('ﬁle')).toBe('file');
    expect(searchTerm('Straße')).toBe('straße');
    const long = `${'ab '.repeat(33)}cdef`;
    expect(searchTerm(long)).toBe(long.slice(0, 100));
    // A cut that ends in a space leaves none behind.
    expect(searchTerm('abc '.repeat(30))).toBe('abc '.repeat(25).trimEnd());
    // Code points, not UTF-16 units: an emoji is never split.
    expect(Array.from(searchTerm('😀'.repeat(150)))).toHaveLength(100);
  });
});

describe('counting searches', () => {
  it('counts first pages per normalised term and day, with no database write per search', async () => {
    const s = await scene(t);
    const w = word();
    const { topic } = await createTopic(s.member, s.slug, { title: `About ${w}` });
    await reply(s.other, topic.id, { body: `The ${w} setting fixes it.` });
    await flush();
    const before = termWrites;

    await search(s.slug, `  ${w.toUpperCase()}   setting `);
    await search(s.slug, `${w} setting`, s.member);
    await search(s.slug, `${w}\u3000SETTING`, s.staff);
    await search(s.slug, 'nothing like this anywhere qx');
    expect(termWrites).toBe(before);

    await flush();
    expect(termWrites).toBe(before + 1);
    expect(await termsOf(s.community.id)).toEqual([
      { day: today(), term: 'nothing like this anywhere qx', searches: 1, results: 0 },
      { day: today(), term: `${w} setting`, searches: 3, results: 1 },
    ]);
  });

  it('keeps no personal data: only the community, the day, the words and two numbers', async () => {
    const columns = await rows<{ column_name: string }>(
      db(),
      sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'search_terms' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(['community_id', 'day', 'term', 'searches', 'results']);

    const s = await scene(t);
    const who = await signUp(t);
    await search(s.slug, 'where is my invoice', who);
    await flush();
    const stored = JSON.stringify(await rows(db(), sql`SELECT * FROM search_terms WHERE community_id = ${s.community.id}`));
    expect(stored).toContain('where is my invoice');
    for (const personal of [who.handle, `${who.handle}@example.org`, String(who.userId), '127.0.0.1']) expect(stored).not.toContain(personal);
  });

  it('counts searches answered from the caches: a guest’s kept answer and the kept ranking alike', async () => {
    const s = await scene(t);
    const w = word();
    const { topic } = await createTopic(s.member, s.slug);
    await reply(s.other, topic.id, { body: `Try ${w} first.` });
    // The reply's list event clears what was kept before it; once in, the same search is a hit.
    let searches = 0;
    await vi.waitFor(
      async () => {
        searches += 2;
        await search(s.slug, w);
        const again = await search(s.slug, w);
        expect(again.headers['x-parley-cache']).toBe('hit');
      },
      { timeout: 10_000, interval: 300 },
    );
    await search(s.slug, w, s.member);
    await search(s.slug, w, s.member);
    await flush();
    expect(await termsOf(s.community.id)).toEqual([{ day: today(), term: w, searches: searches + 2, results: 1 }]);
  });

  it('does not count a next page as a search', async () => {
    const s = await scene(t);
    const w = word();
    const { topic } = await createTopic(s.member, s.slug);
    for (let i = 0; i < 21; i++) await reply(s.other, topic.id, { body: `Reply ${i} about ${w}.` });
    const first = await search(s.slug, w, s.member);
    expect(first.body.items).toHaveLength(20);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await search(s.slug, w, s.member, first.body.nextCursor);
    expect(next.body.items.length).toBeGreaterThan(0);
    // A guest's next page, served from the kept answers the second time.
    await search(s.slug, w, t.guest(), first.body.nextCursor);
    await search(s.slug, w, t.guest(), first.body.nextCursor);
    await flush();
    expect(await termsOf(s.community.id)).toEqual([{ day: today(), term: w, searches: 1, results: 20 }]);
  });

  it('keeps what the latest search found', async () => {
    const s = await scene(t);
    const w = word();
    await search(s.slug, w, s.member);
    await flush();
    expect(await termsOf(s.community.id)).toEqual([{ day: today(), term: w, searches: 1, results: 0 }]);
    const { topic } = await createTopic(s.member, s.slug);
    await reply(s.other, topic.id, { body: `Now there is ${w}.` });
    let searches = 1;
    await vi.waitFor(
      async () => {
        searches++;
        expect((await search(s.slug, w, s.member)).body.items).toHaveLength(1);
      },
      { timeout: 10_000, interval: 300 },
    );
    await flush();
    expect(await termsOf(s.community.id)).toEqual([{ day: today(), term: w, searches, results: 1 }]);
  });

  it('does not count a search of a community that does not exist, nor a refused one', async () => {
    const before = Number((await rows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM search_terms`))[0]!.n);
    expect((await t.guest().get(`/api/communities/${unique('nope')}/search?q=hello`)).status).toBe(404);
    expect((await t.guest().get(`/api/communities/${unique('nope')}/search?q=%20%20`)).status).toBe(400);
    await flush();
    expect(Number((await rows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM search_terms`))[0]!.n)).toBe(before);
  });

  it('writes what is left when the app closes', async () => {
    const s = await scene(t);
    const counter = new SearchTermCounter(db(), t.app.log, true, 60_000);
    counter.record(s.slug.toUpperCase(), 'Closing Time', 3);
    counter.record(s.slug, 'closing  time', 2);
    expect(await termsOf(s.community.id)).toEqual([]);
    await counter.close();
    expect(await termsOf(s.community.id)).toEqual([{ day: today(), term: 'closing time', searches: 2, results: 2 }]);
    // After closing, nothing more is counted.
    counter.record(s.slug, 'closing time', 1);
    await counter.flush();
    expect((await termsOf(s.community.id))[0]!.searches).toBe(2);
  });
});

describe('GET /api/communities/:slug/insights/searches', () => {
  async function seed(communityId: number, entries: [day: string, term: string, searches: number, results: number][]) {
    for (const [day, term, searches, results] of entries)
      await db().execute(
        sql`INSERT INTO search_terms (community_id, day, term, searches, results) VALUES (${communityId}, ${day}::date, ${term}, ${searches}, ${results})`,
      );
  }

  it('lists the most searched terms with their latest results, and those that found nothing', async () => {
    const s = await scene(t);
    await seed(s.community.id, [
      [daysAgo(3), 'export csv', 4, 0],
      [daysAgo(1), 'export csv', 2, 5], // found something lately: not "in vain"
      [daysAgo(2), 'sso login', 7, 0],
      [daysAgo(5), 'dark mode', 3, 0],
      [daysAgo(0), 'pricing', 1, 12],
      [daysAgo(40), 'old news', 50, 0], // outside the default 30 days
    ]);
    const res = await s.staff.get(`/api/communities/${s.slug}/insights/searches`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ counting: true });
    expect(res.body.items).toEqual([
      { term: 'sso login', count: 7, results: 0 },
      { term: 'export csv', count: 6, results: 5 },
      { term: 'dark mode', count: 3, results: 0 },
      { term: 'pricing', count: 1, results: 12 },
    ]);
    expect(res.body.noResults).toEqual([
      { term: 'sso login', count: 7 },
      { term: 'dark mode', count: 3 },
    ]);
    expect(Date.parse(res.body.to) - Date.parse(res.body.from)).toBe(30 * 86_400_000);

    // A chosen window: the days it touches.
    const old = await s.staff.get(`/api/communities/${s.slug}/insights/searches?from=${daysAgo(45)}&to=${daysAgo(4)}`);
    expect(old.status, old.text).toBe(200);
    expect(old.body.items).toEqual([
      { term: 'old news', count: 50, results: 0 },
      { term: 'dark mode', count: 3, results: 0 },
    ]);
    // Another community's searches are its own.
    const other = await scene(t);
    expect((await other.admin.get(`/api/communities/${other.slug}/insights/searches`)).body).toMatchObject({ items: [], noResults: [] });
  });

  it('lists at most 50 terms each', async () => {
    const s = await scene(t);
    await seed(
      s.community.id,
      Array.from({ length: 60 }, (_, i) => [today(), `term ${String(i).padStart(2, '0')}`, 100 - i, i % 2 ? 3 : 0] as [string, string, number, number]),
    );
    const res = await s.admin.get(`/api/communities/${s.slug}/insights/searches`);
    expect(res.body.items).toHaveLength(50);
    expect(res.body.items[0]).toEqual({ term: 'term 00', count: 100, results: 0 });
    expect(res.body.noResults).toHaveLength(30);
    expect(res.body.noResults.every((r: { term: string }) => Number(r.term.slice(5)) % 2 === 0)).toBe(true);
  });

  it('is for the community’s staff, moderators and admins, and site admins', async () => {
    const s = await scene(t);
    const url = `/api/communities/${s.slug}/insights/searches`;
    const guest = await t.guest().get(url);
    expect(guest.status).toBe(401);
    expect(guest.body.code).toBe('not_signed_in');
    for (const who of [s.member, s.other]) {
      const res = await who.get(url);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_staff');
    }
    // Staff elsewhere are members here.
    const elsewhere = await scene(t);
    expect((await elsewhere.staff.get(url)).status).toBe(403);
    for (const who of [s.staff, s.moderator, s.admin]) expect((await who.get(url)).status).toBe(200);
    const siteAdmin = await signUp(t);
    await makeSiteAdmin(t, siteAdmin.userId);
    await vi.waitFor(async () => expect((await siteAdmin.get(url)).status).toBe(200), { timeout: 10_000 });
    expect((await s.admin.get(`/api/communities/${unique('nope')}/insights/searches`)).status).toBe(404);
  });

  it('refuses a bad window with a stable code', async () => {
    const s = await scene(t);
    const url = (q: string) => `/api/communities/${s.slug}/insights/searches?${q}`;
    for (const q of ['from=yesterday', 'to=2024-13-01', 'from=2023-02-30', 'from=2024-05-02&to=2024-05-01', 'from=2024-05-01&to=2024-05-01', 'from=']) {
      const res = await s.admin.get(url(q));
      expect(res.status, q).toBe(400);
      expect(res.body.code, q).toBe('invalid_window');
    }
    const long = await s.admin.get(url('from=2023-01-01&to=2024-05-01'));
    expect(long.status).toBe(400);
    expect(long.body.code).toBe('window_too_long');
    expect((await s.admin.get(url('from=2024-01-01&to=2024-12-31T00:00:00Z'))).status).toBe(200);
    expect((await s.admin.get(url('from=2024-05-01T08:00:00%2B02:00&to=2024-05-03'))).status).toBe(200);
    expect((await s.admin.get(url('from=2024-05-01T08:00&to=2024-05-03'))).status).toBe(200);
  });
});

describe('retention', () => {
  it('maintenance removes the days older than PARLEY_SEARCH_TERMS_KEEP_DAYS', async () => {
    const s = await scene(t);
    for (const [day, term] of [
      [daysAgo(200), 'very old'],
      [daysAgo(181), 'just too old'],
      [daysAgo(179), 'kept'],
      [today(), 'fresh'],
    ])
      await db().execute(sql`INSERT INTO search_terms (community_id, day, term, searches, results) VALUES (${s.community.id}, ${day}::date, ${term}, 1, 0)`);
    expect(t.config.searchTerms.keepDays).toBe(180);
    await pruneSearchTerms(db(), t.config.searchTerms.keepDays, { batch: 1 });
    expect((await termsOf(s.community.id)).map((r) => r.term).sort()).toEqual(['fresh', 'kept']);
    await pruneSearchTerms(db(), 1);
    expect((await termsOf(s.community.id)).map((r) => r.term)).toEqual(['fresh']);
  });

  it('goes with its community', async () => {
    const s = await scene(t);
    await search(s.slug, 'anything');
    await flush();
    expect(await termsOf(s.community.id)).toHaveLength(1);
    await db().execute(sql`DELETE FROM communities WHERE id = ${s.community.id}`);
    expect(await termsOf(s.community.id)).toEqual([]);
  });
});

describe('PARLEY_SEARCH_TERMS=off', () => {
  it('counts nothing, and says so', async () => {
    const off = await startTestApp({ searchTerms: { enabled: false, keepDays: 180 } });
    try {
      const admin = await signUp(off);
      const slug = unique('c');
      const community = await admin.api.createCommunity({ slug, name: 'Off', description: 'no counting' });
      await admin.get(`/api/communities/${slug}/search?q=hello`);
      await off.guest().get(`/api/communities/${slug}/search?q=hello`);
      await off.app.parley.searchTerms.flush();
      const stored = await rows<{ n: number }>(off.app.parley.ctx.db, sql`SELECT count(*)::int AS n FROM search_terms WHERE community_id = ${community.id}`);
      expect(Number(stored[0]!.n)).toBe(0);
      const res = await admin.get(`/api/communities/${slug}/insights/searches`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ counting: false, items: [], noResults: [] });
    } finally {
      await off.close();
    }
  });
});
