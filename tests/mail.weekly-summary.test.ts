/**
 * The weekly summary to a community's admins: last week's figures against the week before (topics,
 * replies, solved rate, median time to first response, the members' share of replies), the terms
 * searched for in vain and what waits in the inbox, with links to the insights and the inbox; in
 * each admin's language, once per week and community, only to admins with a proven address who did
 * not switch it off (in their e-mail preferences or by the mail's one-click unsubscribe).
 * Delivered through a real SMTP server by the same jobs production runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { countInbox } from '../server/inbox/inbox.service.js';
import { INBOX_KINDS } from '../server/inbox/inbox.rules.js';
import { durationParts } from '../server/mail/summary/summary.compose.js';
import { summaryWeeks } from '../server/mail/summary/summary.rules.js';
import { runSummaryRound } from '../server/mail/summary/summary.round.js';
import { sendWeeklySummary } from '../server/mail/summary/summary.send.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, setRole, signUp, type SignedIn } from './helpers/factories.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './helpers/smtp-sink.js';

let sink: SmtpSink;
let t: TestApp;

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await startTestApp({ mail: { smtpUrl: sink.url, retryDelaySeconds: 1 }, jobs: { pollingIntervalSeconds: 0.5 } });
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

const db = () => t.app.parley.ctx.db;
const ctx = () => t.app.parley.ctx;
const settings = () => ({ bounceThreshold: t.config.mail.bounceThreshold, searchTerms: true });
const address = (who: SignedIn) => `${who.handle}@example.org`;
const DAY_MS = 86_400_000;

/** 06:45 UTC on the Monday after now: the summary then covers the week we are in, and the week before it. */
function nextMonday(weeksLater = 0): Date {
  const { last } = summaryWeeks(new Date());
  return new Date(last.to.getTime() + (7 + 7 * weeksLater) * DAY_MS + (6 * 60 + 45) * 60_000);
}

const summaryFor = (who: SignedIn, timeoutMs = 20_000): Promise<ReceivedMail> =>
  sink.next((m) => m.to === address(who) && /your week in figures|deine Woche in Zahlen/.test(m.subject), timeoutMs);

const summariesRecorded = async (who: SignedIn) =>
  Number((await rows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM mail_messages WHERE user_id = ${who.userId} AND kind = 'weekly_summary'`))[0]!.n);

/** Moves a topic and its posts a week back (the insight facts follow through their triggers). */
async function aWeekEarlier(topicId: number) {
  await db().execute(sql`UPDATE topics SET created_at = created_at - interval '7 days', last_post_at = last_post_at - interval '7 days' WHERE id = ${topicId}`);
  await db().execute(sql`UPDATE posts SET created_at = created_at - interval '7 days' WHERE topic_id = ${topicId}`);
}

/**
 * A community whose week had a question answered by a member and by staff and then solved, and a
 * discussion nobody answered; the week before, one discussion nobody answered. Its admins: one in
 * English, one in German, one who switched the summary off, one with an unproven address; and a
 * staff member and a moderator, who get none.
 */
async function week() {
  const admin = await signUp(t, { verified: true });
  const community = await createCommunity(admin);
  const slug = community.slug;
  const [german, optedOut, unproven, staff, moderator, asker, other] = [
    await signUp(t, { verified: true }),
    await signUp(t, { verified: true }),
    await signUp(t),
    await signUp(t, { verified: true }),
    await signUp(t, { verified: true }),
    await signUp(t, { verified: true }),
    await signUp(t, { verified: true }),
  ];
  for (const who of [german, optedOut, unproven]) await setRole(admin, slug, who.handle, 'admin');
  await setRole(admin, slug, staff.handle, 'staff');
  await setRole(admin, slug, moderator.handle, 'moderator');
  await db().execute(sql`UPDATE users SET locale = 'de' WHERE id = ${german.userId}`);
  expect((await optedOut.put('/api/me/email-preferences', { summary: 'off' })).body.summary).toBe('off');

  const earlier = await createTopic(asker, slug, { title: 'Is there a dark theme' });
  await aWeekEarlier(earlier.topic.id);
  const question = await createTopic(asker, slug, { kind: 'question', title: 'How do I export my data' });
  const answer = await reply(other, question.topic.id, { body: 'Settings, then Export.' });
  await reply(staff, question.topic.id, { body: 'Also available through the API.' });
  await asker.api.setSolution(question.topic.id, answer.id);
  await createTopic(asker, slug, { title: 'Hello from Berlin' });

  // Three guests looked for single sign-on and found nothing; one found the export answer.
  for (let i = 0; i < 3; i++) await t.guest().get(`/api/communities/${slug}/search?q=${encodeURIComponent('SSO  login')}`);
  await t.guest().get(`/api/communities/${slug}/search?q=export`);
  await t.app.parley.searchTerms.flush();
  return { admin, german, optedOut, unproven, staff, moderator, community, slug };
}

describe('the weekly summary', () => {
  it('goes to each admin who takes it, with last week against the week before, vain searches and the inbox', async () => {
    const w = await week();
    const at = nextMonday();
    expect(await runSummaryRound(ctx(), at)).toContain(w.community.id);
    const mail = await summaryFor(w.admin);

    expect(mail.subject).toBe(`${w.community.name}: your week in figures`);
    expect(mail.text).toContain(`Your week in ${w.community.name}`);
    expect(mail.text).toContain('- Topics: 2 (week before: 1)');
    expect(mail.text).toContain('- Replies: 2 (week before: 0)');
    expect(mail.text).toContain('- Questions solved: 100% (week before: nothing to measure)');
    expect(mail.text).toContain('- Time to first response (median): 1 minute (week before: nothing to measure)');
    expect(mail.text).toContain('- Replies written by members: 50% (week before: nothing to measure)');
    expect(mail.text).toContain('Searched for, found nothing\n\n- “sso login” (3 searches)');
    expect(mail.text).not.toContain('“export”');
    expect(mail.text).toContain(`Open the insights: ${t.config.origin}/c/${w.slug}/insights`);
    expect(mail.text).toContain(`Open the inbox: ${t.config.origin}/c/${w.slug}/inbox`);
    // The inbox as it stands: each kind with something waiting.
    const waiting = await countInbox(db(), w.community.id);
    expect(Object.values(waiting).some((n) => n > 0)).toBe(true);
    for (const kind of INBOX_KINDS) {
      const line = new RegExp(`^- [^\\n]+: ${waiting[kind]}$`, 'm');
      if (waiting[kind]) expect(mail.text).toMatch(line);
    }
    expect(mail.html).toContain(`href="${t.config.origin}/c/${w.slug}/insights"`);
    expect(mail.html).toContain('“sso login”');
    expect(mail.text).toContain(`because you are an admin of ${w.community.name}`);
    expect(mail.header('List-Unsubscribe')).toMatch(new RegExp(`^<${t.config.origin}/api/unsubscribe/[A-Za-z0-9_-]{22,}>$`));
    expect(mail.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.header('List-Id')).toContain(`<${w.slug}.parley.test>`);

    const german = await summaryFor(w.german);
    expect(german.subject).toBe(`${w.community.name}: deine Woche in Zahlen`);
    expect(german.text).toContain('- Themen: 2 (Woche davor: 1)');
    expect(german.text).toMatch(/- Gelöste Fragen: 100\s%/);
    expect(german.text).toContain('„sso login“ (3 Suchen)');
    expect(german.text).toContain(`Einblicke öffnen: ${t.config.origin}/c/${w.slug}/insights`);

    for (const who of [w.optedOut, w.unproven, w.staff, w.moderator]) expect(await summariesRecorded(who)).toBe(0);
    expect(await summariesRecorded(w.admin)).toBe(1);
  });

  it('goes once per week and community, however often the round or a job runs', async () => {
    const w = await week();
    const at = nextMonday();
    expect(await sendWeeklySummary(ctx(), settings(), w.community.id, at)).toEqual({ outcome: 'sent', recipients: 2 });
    expect(await sendWeeklySummary(ctx(), settings(), w.community.id, at)).toEqual({ outcome: 'already' });
    // Later in the same week the round has nothing more for it.
    expect(await runSummaryRound(ctx(), at)).not.toContain(w.community.id);
    expect(await runSummaryRound(ctx(), new Date(at.getTime() + 3 * DAY_MS))).not.toContain(w.community.id);
    await summaryFor(w.admin);
    expect(await summariesRecorded(w.admin)).toBe(1);
    // The next week is a new one.
    expect(await runSummaryRound(ctx(), nextMonday(1))).toContain(w.community.id);
    await summaryFor(w.admin);
    expect(await summariesRecorded(w.admin)).toBe(2);
  });

  it('stops for an admin who follows the mail’s one-click unsubscribe, and the preferences show it', async () => {
    const w = await week();
    expect(await sendWeeklySummary(ctx(), settings(), w.community.id, nextMonday())).toMatchObject({ outcome: 'sent' });
    const mail = await summaryFor(w.admin);
    const token = /\/api\/unsubscribe\/([A-Za-z0-9_-]+)>$/.exec(mail.header('List-Unsubscribe') ?? '')![1]!;
    const stopped = await t.app.inject({
      method: 'POST',
      url: `/api/unsubscribe/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(stopped.statusCode).toBe(200);
    expect(stopped.json()).toMatchObject({ stream: 'kind', target: 'weekly_summary', label: 'The weekly summary for admins', unsubscribed: true });
    const prefs = (await w.admin.get('/api/me/email-preferences')).body;
    expect(prefs.summary).toBe('off');
    expect(prefs.optOuts).toEqual([{ stream: 'kind', target: 'weekly_summary', label: 'The weekly summary for admins' }]);

    expect(await sendWeeklySummary(ctx(), settings(), w.community.id, nextMonday(1))).toEqual({ outcome: 'sent', recipients: 1 });
    await summaryFor(w.german);
    expect(await summariesRecorded(w.admin)).toBe(1);
  });

  it('is not sent where nothing happened and nothing waits (and that week is not looked at again)', async () => {
    const admin = await signUp(t, { verified: true });
    const community = await createCommunity(admin);
    const at = nextMonday();
    expect(await sendWeeklySummary(ctx(), settings(), community.id, at)).toEqual({ outcome: 'quiet' });
    expect(await runSummaryRound(ctx(), at)).not.toContain(community.id);
    expect(await summariesRecorded(admin)).toBe(0);
  });

  it('leaves searches out when they are not counted', async () => {
    const w = await week();
    expect(await sendWeeklySummary(ctx(), { ...settings(), searchTerms: false }, w.community.id, nextMonday())).toMatchObject({ outcome: 'sent' });
    const mail = await summaryFor(w.admin);
    expect(mail.text).not.toContain('Searched for, found nothing');
    expect(mail.text).toContain('Waiting in the inbox');
  });
});

describe('the weekly summary in the e-mail preferences', () => {
  it('is on by default, and can be switched off and on again', async () => {
    const member = await signUp(t, { verified: true });
    expect((await member.get('/api/me/email-preferences')).body).toMatchObject({ summary: 'weekly', optOuts: [] });
    const off = await member.put('/api/me/email-preferences', { summary: 'off' });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ notifications: 'away', digest: 'weekly', summary: 'off' });
    expect((await member.put('/api/me/email-preferences', { summary: 'off' })).body.summary).toBe('off');
    expect((await member.put('/api/me/email-preferences', { digest: 'daily' })).body).toMatchObject({ digest: 'daily', summary: 'off' });
    const on = await member.put('/api/me/email-preferences', { summary: 'weekly' });
    expect(on.body).toMatchObject({ summary: 'weekly', optOuts: [] });
    const bad = await member.put('/api/me/email-preferences', { summary: 'monthly' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_input');
    expect((await t.guest().put('/api/me/email-preferences', { summary: 'off' })).status).toBe(401);
  });
});

describe('the summary’s calendar', () => {
  it('summarises the last whole week, Monday to Monday in UTC, against the one before', () => {
    // Wednesday 2025-01-15.
    expect(summaryWeeks(new Date('2025-01-15T10:00:00Z'))).toEqual({
      week: '2025-01-06',
      last: { from: new Date('2025-01-06T00:00:00Z'), to: new Date('2025-01-13T00:00:00Z') },
      before: { from: new Date('2024-12-30T00:00:00Z'), to: new Date('2025-01-06T00:00:00Z') },
    });
    // A Monday just after midnight, and a Sunday just before it.
    expect(summaryWeeks(new Date('2025-01-13T00:00:01Z')).week).toBe('2025-01-06');
    expect(summaryWeeks(new Date('2025-01-12T23:59:59Z')).week).toBe('2024-12-30');
  });

  it('reads durations in minutes, hours or days', () => {
    expect(durationParts(5)).toEqual({ unit: 'minutes', n: 1 });
    expect(durationParts(45 * 60)).toEqual({ unit: 'minutes', n: 45 });
    expect(durationParts(3 * 3600)).toEqual({ unit: 'hours', n: 3 });
    expect(durationParts(3.5 * 86400)).toEqual({ unit: 'days', n: 3.5 });
  });
});
