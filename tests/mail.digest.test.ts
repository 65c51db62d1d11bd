/**
 * The digest: sent only to members who stayed away a whole period (weekly by default, or daily),
 * at most once a period, never empty, never repeating a post already mailed, personal news
 * first, then the communities' most helpful answers, then open questions; only what the public
 * may read, nothing from a community that banned the reader, nothing they muted or wrote.
 * Delivered through a real SMTP server by the same jobs production runs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { DIGEST_ROUND_JOB, runDigestRound } from '../server/mail/digest/digest.round.js';
import { sendDigest } from '../server/mail/digest/digest.send.js';
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
  await t.close();
  await sink.close();
});

const settings = () => ({ bounceThreshold: t.config.mail.bounceThreshold });
const db = () => t.app.parley.ctx.db;
const address = (who: SignedIn) => `${who.handle}@example.org`;
/** A round now. Members a test did not send away count as just seen (signing up is a visit). */
async function round(): Promise<number[]> {
  await db().execute(sql`UPDATE users SET last_seen_at = now() WHERE last_seen_at IS NULL`);
  return runDigestRound(t.app.parley.ctx, settings());
}

const digestFor = (who: SignedIn): Promise<ReceivedMail> => sink.next((m) => m.to === address(who) && !!m.header('List-Unsubscribe'), 15_000);

/** Everyone counts as just seen: a test's round concerns only the members it sends away. */
beforeEach(async () => {
  await db().execute(sql`UPDATE users SET last_seen_at = now()`);
});

/** Last seen `seenDaysAgo` days ago; the last digest `sentDaysAgo` days ago (null: never). */
async function away(who: SignedIn, seenDaysAgo: number, sentDaysAgo: number | null = null) {
  // A visit still being recorded would land after this and bring the member back.
  if (t.app.hasDecorator('activity')) await t.app.activity.settle();
  const ago = (days: number) => sql`now() - make_interval(hours => ${Math.round(days * 24)}::int)`;
  await db().execute(sql`
    UPDATE users SET last_seen_at = ${ago(seenDaysAgo)}, digest_sent_at = ${sentDaysAgo === null ? sql`NULL` : ago(sentDaysAgo)}
    WHERE id = ${who.userId}`);
}

const mailedTo = async (who: SignedIn) =>
  (await rows<{ post_id: number }>(db(), sql`SELECT post_id FROM mailed_posts WHERE user_id = ${who.userId} ORDER BY post_id`)).map((r) => Number(r.post_id));

const digestsRecorded = async (who: SignedIn) =>
  Number((await rows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM mail_messages WHERE user_id = ${who.userId} AND kind = 'digest'`))[0]!.n);

/** Positions of each text in the mail's text part, all of which must be there. */
function positions(mail: ReceivedMail, texts: string[]): number[] {
  return texts.map((text) => {
    const at = mail.text.indexOf(text);
    expect(at, `"${text}" in the digest`).toBeGreaterThanOrEqual(0);
    return at;
  });
}

/**
 * A community where the reader asked a question that got a reply to them, a discussion with an
 * answer two people found helpful, a question whose answer was accepted, and an open question.
 */
async function busyCommunity() {
  const admin = await signUp(t, { verified: true });
  const community = await createCommunity(admin);
  const slug = community.slug;
  const [reader, other, asker] = [await signUp(t, { verified: true }), await signUp(t, { verified: true }), await signUp(t, { verified: true })];
  const mine = await createTopic(reader, slug, { kind: 'question', title: 'How do I rotate keys', body: 'My own question text' });
  const toMe = await reply(other, mine.topic.id, { body: 'Rotate them with the CLI', replyToId: mine.post.id });
  const discussion = await createTopic(admin, slug, { title: 'Backups in practice' });
  const helpful = await reply(other, discussion.topic.id, { body: `Snapshots every hour saved us, as @${admin.handle} said` });
  await admin.api.react(helpful.id, 'helpful');
  await asker.api.react(helpful.id, 'helpful');
  const solved = await createTopic(asker, slug, { kind: 'question', title: 'Where are logs kept' });
  const accepted = await reply(admin, solved.topic.id, { body: 'Logs live in the data directory' });
  await asker.api.setSolution(solved.topic.id, accepted.id);
  const open = await createTopic(asker, slug, { kind: 'question', title: 'Does anyone run this on ARM' });
  return { admin, community, slug, reader, other, asker, mine, toMe, helpful, accepted, open };
}

describe('who gets a digest', () => {
  it('a member away for a week gets one: personal news first, then helpful answers, then open questions', async () => {
    const w = await busyCommunity();
    await away(w.reader, 8);
    await round();
    const mail = await digestFor(w.reader);

    expect(mail.subject).toBe(`What you missed in ${w.community.name}`);
    const [forYou, toMe, answers, helpful, accepted, questions, open] = positions(mail, [
      'For you',
      'Rotate them with the CLI',
      'Most helpful answers',
      'Snapshots every hour saved us',
      'Logs live in the data directory',
      'Questions you could answer',
      'Does anyone run this on ARM',
    ]);
    expect(forYou).toBeLessThan(toMe!);
    expect(toMe).toBeLessThan(answers!);
    // Two readers found it helpful: above the accepted answer nobody else marked.
    expect(answers).toBeLessThan(helpful!);
    expect(helpful).toBeLessThan(accepted!);
    expect(accepted).toBeLessThan(questions!);
    expect(questions).toBeLessThan(open!);
    expect(mail.text).toContain('replied to you in “How do I rotate keys”');
    expect(mail.text).toContain('2 found it helpful');
    expect(mail.text).toContain(`${t.config.origin}/c/${w.slug}/t/${w.mine.topic.id}-how-do-i-rotate-keys#post-2`);
    // Nothing the reader wrote, and their own question is not "a question you could answer".
    expect(mail.text).not.toContain('My own question text');
    // The post as rendered on the site, its site links made absolute for a mail read elsewhere.
    expect(mail.html).toContain('Snapshots every hour saved us');
    expect(mail.html).toContain(`href="${t.config.origin}/u/${w.admin.handle}"`);

    expect(mail.header('List-Unsubscribe')).toMatch(new RegExp(`^<${t.config.origin}/api/unsubscribe/[A-Za-z0-9_-]{22,}>$`));
    expect(mail.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.header('List-Id')).toContain(`<${w.slug}.parley.test>`);

    expect(await mailedTo(w.reader)).toEqual([w.toMe.id, w.helpful.id, w.accepted.id, w.open.post.id].sort((a, b) => a - b));
    expect(await digestsRecorded(w.reader)).toBe(1);
  });

  it('nothing again within the period, and a later digest never repeats a post already mailed', async () => {
    const w = await busyCommunity();
    await away(w.reader, 8);
    await round();
    await digestFor(w.reader);

    // Right after: the period has not passed.
    expect(await round()).not.toContain(w.reader.userId);

    const fresh = await reply(w.other, w.mine.topic.id, { body: 'One more idea: use a vault', replyToId: w.mine.post.id });
    const notified = await reply(w.other, w.mine.topic.id, { body: 'Already sent by notification mail', replyToId: w.mine.post.id });
    await db().execute(sql`INSERT INTO mailed_posts (user_id, post_id) VALUES (${w.reader.userId}, ${notified.id})`);
    // A week and a day later, the reader still away; the window reaches back over everything above.
    await away(w.reader, 9, 8);
    await round();
    const second = await digestFor(w.reader);
    expect(second.text).toContain('One more idea: use a vault');
    for (const earlier of [
      'Already sent by notification mail',
      'Rotate them with the CLI',
      'Snapshots every hour',
      'Logs live in',
      'Does anyone run this on ARM',
    ]) {
      expect(second.text).not.toContain(earlier);
    }
    expect(await mailedTo(w.reader)).toContain(fresh.id);
    expect(await digestsRecorded(w.reader)).toBe(2);
  });

  it('a member who visited since the last digest gets none', async () => {
    const w = await busyCommunity();
    await away(w.reader, 2, 8);
    expect(await round()).not.toContain(w.reader.userId);
    expect(await sendDigest(t.app.parley.ctx, settings(), w.reader.userId, new Date())).toBe('not_due');
    expect(await digestsRecorded(w.reader)).toBe(0);
    expect(await mailedTo(w.reader)).toEqual([]);
  });

  it('nothing to tell: no mail, and no second look until the next period', async () => {
    const quiet = await signUp(t, { verified: true });
    const community = await createCommunity(quiet);
    await createTopic(quiet, community.slug, { kind: 'question', title: 'Talking to myself' });
    await away(quiet, 8);
    expect(await round()).toContain(quiet.userId);
    await expect
      .poll(
        async () =>
          (await rows<{ stamped: boolean }>(db(), sql`SELECT digest_sent_at IS NOT NULL AS stamped FROM users WHERE id = ${quiet.userId}`))[0]!.stamped,
      )
      .toBe(true);
    expect(await digestsRecorded(quiet)).toBe(0);
    // (The sign-up's verification mail is no business of this test.)
    expect(sink.to(address(quiet)).filter((m) => m.header('List-Unsubscribe'))).toEqual([]);
    expect(await round()).not.toContain(quiet.userId);
  });

  it('off gets nothing; daily is due after a day, weekly is not; a bouncing address gets nothing', async () => {
    const admin = await signUp(t, { verified: true });
    const { slug } = await createCommunity(admin);
    const members = {
      off: await signUp(t, { verified: true }),
      daily: await signUp(t, { verified: true }),
      weekly: await signUp(t, { verified: true }),
      bouncing: await signUp(t, { verified: true }),
    };
    for (const [choice, member] of Object.entries(members)) {
      const { topic, post } = await createTopic(member, slug, { title: `The ${choice} topic` });
      await reply(admin, topic.id, { body: `An answer for the ${choice} member`, replyToId: post.id });
      await db().execute(sql`UPDATE users SET email_digest = ${choice === 'bouncing' ? 'daily' : choice} WHERE id = ${member.userId}`);
      await away(member, 1.25, 1.25);
    }
    await db().execute(sql`UPDATE users SET email_bounce_score = ${t.config.mail.bounceThreshold} WHERE id = ${members.bouncing.userId}`);
    await db().execute(sql`UPDATE users SET locale = 'de' WHERE id = ${members.daily.userId}`);

    const queued = await round();
    expect(queued).toContain(members.daily.userId);
    for (const member of [members.off, members.weekly, members.bouncing]) expect(queued).not.toContain(member.userId);

    const mail = await digestFor(members.daily);
    // In the member's language.
    expect(mail.subject).toMatch(/^Was du in .+ verpasst hast$/);
    expect(mail.text).toContain('Für dich');
    expect(mail.text).toContain('An answer for the daily member');
    expect(mail.text).toContain('einmal am Tag');
  });

  it('a digest over several communities says the period and carries no List-Id', async () => {
    const reader = await signUp(t, { verified: true });
    const other = await signUp(t, { verified: true });
    for (const name of ['first', 'second']) {
      const { slug } = await createCommunity(other);
      const { topic, post } = await createTopic(reader, slug, { title: `Asked in the ${name}` });
      await reply(other, topic.id, { body: `Answered in the ${name}`, replyToId: post.id });
    }
    await away(reader, 8);
    await round();
    const mail = await digestFor(reader);
    expect(mail.subject).toBe('Your weekly digest');
    expect(mail.header('List-Id')).toBeUndefined();
    expect(mail.text).toContain('replied to you in “Asked in the first” · Community ');
    expect(mail.text).toContain('Answered in the first');
    expect(mail.text).toContain('Answered in the second');
  });
});

describe('the schedule', () => {
  it('runs the round every hour, and the round job itself sends the digests', async () => {
    const [schedule] = await rows<{ cron: string; timezone: string }>(db(), sql`SELECT cron, timezone FROM pgboss.schedule WHERE name = ${DIGEST_ROUND_JOB}`);
    expect(schedule).toEqual({ cron: '15 * * * *', timezone: 'UTC' });

    const reader = await signUp(t, { verified: true });
    const other = await signUp(t, { verified: true });
    const { slug } = await createCommunity(other);
    const { topic, post } = await createTopic(reader, slug, { title: 'Waiting for the hour' });
    await reply(other, topic.id, { body: 'Answered before the round', replyToId: post.id });
    await away(reader, 8);
    await db().execute(sql`UPDATE users SET last_seen_at = now() WHERE last_seen_at IS NULL`);
    // What the scheduler sends on the hour.
    await t.app.parley.ctx.jobs.send(DIGEST_ROUND_JOB, {});
    expect((await digestFor(reader)).text).toContain('Answered before the round');
  });
});

describe('what a digest never lists', () => {
  it('hidden or deleted posts, hidden topics, banned communities, muted topics, topics stopped by mail: not even to a moderator', async () => {
    const admin = await signUp(t, { verified: true });
    const { slug } = await createCommunity(admin);
    const reader = await signUp(t, { verified: true });
    const other = await signUp(t, { verified: true });
    await setRole(admin, slug, reader.handle, 'moderator');

    const asked = await createTopic(reader, slug, { kind: 'question', title: 'Main question' });
    await reply(other, asked.topic.id, { body: 'Visible reply stays', replyToId: asked.post.id });
    const hidden = await reply(other, asked.topic.id, { body: 'Hidden reply text', replyToId: asked.post.id });
    await admin.api.hidePost(hidden.id, 'Off topic');
    const deleted = await reply(other, asked.topic.id, { body: 'Deleted reply text', replyToId: asked.post.id });
    await other.api.deletePost(deleted.id);

    const hiddenTopic = await createTopic(reader, slug, { title: 'A topic hidden later' });
    await reply(other, hiddenTopic.topic.id, { body: 'Reply in a hidden topic', replyToId: hiddenTopic.post.id });
    await admin.api.hideTopic(hiddenTopic.topic.id, 'Spam');

    const hiddenAnswerTopic = await createTopic(other, slug, { title: 'Helpful but hidden' });
    const hiddenAnswer = await reply(admin, hiddenAnswerTopic.topic.id, { body: 'A helpful answer in a hidden topic' });
    await other.api.react(hiddenAnswer.id, 'helpful');
    await admin.api.hideTopic(hiddenAnswerTopic.topic.id, 'Spam');

    const muted = await createTopic(reader, slug, { title: 'Muted later' });
    await reply(other, muted.topic.id, { body: 'Reply in a muted topic', replyToId: muted.post.id });
    await reader.api.setTopicNotificationLevel(muted.topic.id, 'muted');

    const stopped = await createTopic(reader, slug, { title: 'Stopped by mail' });
    await reply(other, stopped.topic.id, { body: 'Reply in a topic with mail stopped', replyToId: stopped.post.id });
    await db().execute(sql`INSERT INTO email_opt_outs (user_id, stream, target) VALUES (${reader.userId}, 'topic', ${String(stopped.topic.id)})`);

    const read = await createTopic(reader, slug, { title: 'Read already' });
    const seen = await reply(other, read.topic.id, { body: 'Reply the reader has read', replyToId: read.post.id });
    await reader.api.markTopicRead(read.topic.id, seen.number);

    const banning = await createCommunity(other);
    const there = await createTopic(reader, banning.slug, { kind: 'question', title: 'Asked where I am banned' });
    await reply(other, there.topic.id, { body: 'Reply where the reader is banned', replyToId: there.post.id });
    await createTopic(other, banning.slug, { kind: 'question', title: 'Open question where the reader is banned' });
    await other.api.banUser(banning.slug, { handle: reader.handle, reason: 'Spam' });

    await away(reader, 8);
    await round();
    const mail = await digestFor(reader);
    expect(mail.text).toContain('Visible reply stays');
    for (const never of [
      'Hidden reply text',
      'Deleted reply text',
      'Reply in a hidden topic',
      'A helpful answer in a hidden topic',
      'Reply in a muted topic',
      'Reply in a topic with mail stopped',
      'Reply the reader has read',
      'Reply where the reader is banned',
      'Open question where the reader is banned',
    ]) {
      expect(mail.text).not.toContain(never);
      expect(mail.html).not.toContain(never);
    }
  });
});
