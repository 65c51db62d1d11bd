/**
 * Who is on what: taking an item (and taking it over), snoozing it until a time, marking it done
 * until it changes again, giving it back; who may use the inbox at all, and bad input.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, createTopic, makeSiteAdmin, reply, scene, setRole, signUp, type SignedIn } from './helpers/factories.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const db = () => t.app.parley.ctx.db;

async function community(): Promise<string> {
  const { slug } = await createCommunity(s.admin);
  await setRole(s.admin, slug, s.staff.handle, 'staff');
  await setRole(s.admin, slug, s.moderator.handle, 'moderator');
  return slug;
}

/** An unanswered question, old enough to be a no_reply item. */
async function waitingQuestion(slug: string) {
  const { topic } = await createTopic(s.member, slug, { kind: 'question' });
  await db().execute(sql`UPDATE posts SET created_at = created_at - interval '30 hours' WHERE topic_id = ${topic.id}`);
  await db().execute(
    sql`UPDATE topics SET created_at = created_at - interval '30 hours', last_post_at = last_post_at - interval '30 hours' WHERE id = ${topic.id}`,
  );
  return { topic, key: `no_reply:${topic.id}` };
}

async function inbox(who: SignedIn, slug: string, view = 'open') {
  const res = await who.get(`/api/communities/${slug}/inbox?view=${view}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { items: any[]; counts: Record<string, number>; nextCheckAt: string | null };
}

const set = (who: SignedIn, slug: string, key: string, body: object) => who.put(`/api/communities/${slug}/inbox/items/${encodeURIComponent(key)}`, body);
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

describe('who may use the inbox', () => {
  it('guests 401, members 403 not_staff; staff, moderators, admins and site admins (members or not) read it', async () => {
    const slug = await community();
    const { key } = await waitingQuestion(slug);
    const path = `/api/communities/${slug}/inbox`;
    expectError(await t.guest().get(path), 401, 'not_signed_in');
    expectError(await s.member.get(path), 403, 'not_staff');
    expectError(await set(s.member, slug, key, { state: 'taken' }), 403, 'not_staff');
    expectError(await t.guest().put(`${path}/items/${key}`, { state: 'taken' }), 401, 'not_signed_in');
    const operator = await signUp(t);
    await makeSiteAdmin(t, operator.userId);
    for (const who of [s.staff, s.moderator, s.admin, operator]) expect((await inbox(who, slug)).items.map((i) => i.key)).toEqual([key]);
    expectError(await s.staff.get(`/api/communities/no-such-place/inbox`), 404, 'community_not_found');
  });
});

describe('taking an item', () => {
  it('shows colleagues who is on it; someone else’s take is a 409 unless taken over', async () => {
    const slug = await community();
    const { key } = await waitingQuestion(slug);
    const took = await set(s.staff, slug, key, { state: 'taken' });
    expect(took.status, took.text).toBe(200);
    expect(took.body.item).toMatchObject({
      key,
      kind: 'no_reply',
      claim: { state: 'taken', by: { id: s.staff.userId, handle: s.staff.handle }, until: null },
    });
    expect(Date.parse(took.body.item.claim.at)).toBeGreaterThan(Date.now() - 60_000);

    const seen = await inbox(s.moderator, slug);
    expect(seen.items).toEqual([
      expect.objectContaining({ key, claim: expect.objectContaining({ state: 'taken', by: expect.objectContaining({ handle: s.staff.handle }) }) }),
    ]);
    expect(seen.counts).toEqual({ open: 1, taken: 1, snoozed: 0, done: 0 });
    expect((await inbox(s.moderator, slug, 'taken')).items.map((i) => i.key)).toEqual([key]);

    // Taking it again oneself is fine; a colleague cannot take, snooze, finish or give it back.
    expect((await set(s.staff, slug, key, { state: 'taken' })).status).toBe(200);
    for (const state of ['taken', 'snoozed', 'done', 'open']) {
      const refused = expectError(await set(s.moderator, slug, key, { state, until: inHours(2) }), 409, 'inbox_item_taken');
      expect(refused.details).toMatchObject({ handle: s.staff.handle });
      expect(refused.message).toContain(s.staff.handle);
    }
    const over = await set(s.moderator, slug, key, { state: 'taken', takeOver: true });
    expect(over.status).toBe(200);
    expect(over.body.item.claim).toMatchObject({ state: 'taken', by: { handle: s.moderator.handle } });

    // Giving it back: open again, for everyone.
    const back = await set(s.moderator, slug, key, { state: 'open' });
    expect(back.status).toBe(200);
    expect(back.body.item.claim).toBeNull();
    expect((await inbox(s.staff, slug)).items).toEqual([expect.objectContaining({ key, claim: null })]);
    // Giving back what nobody holds changes nothing.
    expect((await set(s.staff, slug, key, { state: 'open' })).status).toBe(200);
  });
});

describe('snoozing', () => {
  it('hides an item until `until`, within 30 days; then it is open again', async () => {
    const slug = await community();
    const { key } = await waitingQuestion(slug);
    expectError(await set(s.staff, slug, key, { state: 'snoozed' }), 400, 'invalid_snooze');
    expectError(await set(s.staff, slug, key, { state: 'snoozed', until: inHours(-1) }), 400, 'invalid_snooze');
    expectError(await set(s.staff, slug, key, { state: 'snoozed', until: inHours(24 * 31) }), 400, 'invalid_snooze');
    expectError(await set(s.staff, slug, key, { state: 'snoozed', until: 'tomorrow' }), 400, 'invalid_input');

    const until = inHours(3);
    const snoozed = await set(s.staff, slug, key, { state: 'snoozed', until });
    expect(snoozed.status).toBe(200);
    expect(snoozed.body.item.claim).toMatchObject({ state: 'snoozed', by: { handle: s.staff.handle }, until });
    let open = await inbox(s.staff, slug);
    expect(open.items).toEqual([]);
    expect(open.counts).toEqual({ open: 0, taken: 0, snoozed: 1, done: 0 });
    // The page knows when to look again.
    expect(open.nextCheckAt).toBe(until);
    expect((await inbox(s.staff, slug, 'snoozed')).items).toEqual([
      expect.objectContaining({ key, claim: expect.objectContaining({ state: 'snoozed', until }) }),
    ]);

    await db().execute(sql`UPDATE inbox_claims SET until = now() - interval '1 minute' WHERE item_key = ${key}`);
    open = await inbox(s.staff, slug);
    expect(open.items).toEqual([expect.objectContaining({ key, claim: null })]);
    expect(open.counts).toEqual({ open: 1, taken: 0, snoozed: 0, done: 0 });
  });
});

describe('marking done', () => {
  it('hides an item until it changes again', async () => {
    const slug = await community();
    const { topic, key } = await waitingQuestion(slug);
    const done = await set(s.staff, slug, key, { state: 'done' });
    expect(done.status).toBe(200);
    expect(done.body.item.claim).toMatchObject({ state: 'done', by: { handle: s.staff.handle }, until: null });
    expect((await inbox(s.staff, slug)).items).toEqual([]);
    expect((await inbox(s.staff, slug, 'done')).items.map((i) => i.key)).toEqual([key]);
    expect((await inbox(s.staff, slug)).counts).toEqual({ open: 0, taken: 0, snoozed: 0, done: 1 });

    // The asker adds to it: not an answer, so still an item, and new since it was marked done.
    await reply(s.member, topic.id, { body: 'Still stuck, any ideas?' });
    const open = await inbox(s.staff, slug);
    expect(open.items).toEqual([expect.objectContaining({ key, claim: null })]);
    expect((await inbox(s.staff, slug, 'done')).items).toEqual([]);
  });
});

describe('bad input', () => {
  it('answers 404 for keys that are no item now, 400 for bad fields', async () => {
    const slug = await community();
    const { topic, key } = await waitingQuestion(slug);
    for (const bad of [
      'nonsense',
      'no_reply:abc',
      'no_reply:0',
      'lunch:1',
      'no_reply:99999999999',
      `no_reply:${topic.id + 1000}`,
      `asker_waiting:${topic.id}`,
    ]) {
      expectError(await set(s.staff, slug, bad, { state: 'taken' }), 404, 'inbox_item_not_found');
    }
    expectError(await set(s.staff, slug, key, { state: 'maybe' }), 400, 'invalid_input');
    expectError(await set(s.staff, slug, key, {}), 400, 'invalid_input');
    expectError(await set(s.staff, slug, key, { state: 'taken', takeOver: 'yes' }), 400, 'invalid_input');
    expectError(await s.staff.get(`/api/communities/${slug}/inbox?view=everything`), 400, 'invalid_input');
    // Resolved, it is no item any more.
    await reply(s.other, topic.id);
    expectError(await set(s.staff, slug, key, { state: 'taken' }), 404, 'inbox_item_not_found');
  });

  it('held and flagged items are not staff’s to claim', async () => {
    const slug = await community();
    const { topic } = await createTopic(s.member, slug);
    const post = await reply(s.other, topic.id);
    expect((await s.member.post(`/api/posts/${post.id}/flags`, { reason: 'spam' })).status).toBe(201);
    const key = `flagged:${post.id}`;
    expectError(await set(s.staff, slug, key, { state: 'taken' }), 404, 'inbox_item_not_found');
    expect((await set(s.moderator, slug, key, { state: 'taken' })).status).toBe(200);
  });
});
