/**
 * Notification mail: after a delay, one mail per topic lists every reply the member has not read,
 * only if they stayed away (or chose "always"); mentions, accepted answers and moderators' actions
 * (with the reason) are mailed too; hidden posts and topics one may not see never are; nothing is
 * mailed twice. A real SMTP server receives it all. The daily cap: mail.notification-cap.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { hashSecret } from '../server/mail/mail.secrets.js';
import { TOPIC_MAIL_JOB } from '../server/mail/notify/notify.queue.js';
import { startTestApp, ORIGIN, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, setRole, signUp, type SignedIn } from './helpers/factories.js';
import { setTopicLevel } from './helpers/notifications.js';
import { mailSettled } from './helpers/mail-settle.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './helpers/smtp-sink.js';

const address = (m: SignedIn) => `${m.handle}@example.org`;
/** Notification mail (and its roll-up) has a one-click unsubscribe; account mail (verification) has none. */
const unsubscribable = (m: ReceivedMail) => m.header('list-unsubscribe') !== undefined;
const notificationMail = (sink: SmtpSink, to: string) => sink.to(to).filter(unsubscribable);

describe('notification mail', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let admin: SignedIn;
  let moderator: SignedIn;
  let slug: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ mail: { smtpUrl: sink.url, delaySeconds: 1 }, jobs: { pollingIntervalSeconds: 0.5 } });
    admin = await signUp(t, { verified: true });
    slug = (await createCommunity(admin)).slug;
    moderator = await signUp(t, { verified: true });
    await setRole(admin, slug, moderator.handle, 'moderator');
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const db = () => t.app.parley.ctx.db;
  const mailTo = (m: SignedIn, timeoutMs?: number) => sink.next((mail) => mail.to === address(m) && unsubscribable(mail), timeoutMs);
  const lastSeen = async (m: SignedIn) => (await rows<{ at: Date | null }>(db(), sql`SELECT last_seen_at AS at FROM users WHERE id = ${m.userId}`))[0]!.at;

  it('mails nothing everyday to an address nobody proved (it may be someone else’s); once proven, it does', async () => {
    const unproven = await signUp(t);
    const helper = await signUp(t, { verified: true });
    const { topic } = await createTopic(unproven, slug, { title: 'Typed someone else’s address' });
    await reply(helper, topic.id, { body: 'An answer the stranger must not get.' });
    await mailSettled(t);
    expect(notificationMail(sink, address(unproven))).toHaveLength(0);

    await db().execute(sql`UPDATE users SET email_verified_at = now() WHERE id = ${unproven.userId}`);
    await reply(helper, topic.id, { body: 'An answer for the proven owner.' });
    const mail = await mailTo(unproven);
    expect(mail.text).toContain('An answer for the proven owner.');
  });

  it('mails a member who stayed away one message listing all three quick replies', async () => {
    const asker = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    const { topic } = await createTopic(asker, slug, { title: 'Lamp flickers at night' });
    const bodies = ['Check the **fuse** first.', 'Then the dimmer & the bulb.', 'Mine did that <until> I replaced it.'];
    for (const body of bodies) await reply(helper, topic.id, { body });

    const mail = await mailTo(asker);
    expect(mail.subject).toBe('3 new replies in “Lamp flickers at night”');
    for (const text of ['Check the fuse first.', 'Then the dimmer & the bulb.', 'Mine did that <until> I replaced it.']) expect(mail.text).toContain(text);
    // The post's own sanitised HTML, escaped where it must be.
    expect(mail.html).toContain('<strong>fuse</strong>');
    expect(mail.html).toContain('&lt;until&gt;');
    expect(mail.text).toContain(`${ORIGIN}/c/${slug}/t/${topic.id}-lamp-flickers-at-night#post-2`);
    expect(mail.text).toContain(`@${helper.handle}`);
    expect(mail.text).toContain('You get this because you started this topic.');

    await mailSettled(t);
    expect(notificationMail(sink, address(asker))).toHaveLength(1);
    const [n] = await rows<{ count: number; emailed_count: number; emailed_at: Date | null }>(
      db(),
      sql`SELECT count, emailed_count, emailed_at FROM notifications WHERE user_id = ${asker.userId} AND topic_id = ${topic.id}`,
    );
    expect(n).toMatchObject({ count: 3, emailed_count: 3, emailed_at: expect.anything() });
    const mailed = await rows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM mailed_posts WHERE user_id = ${asker.userId}`);
    expect(mailed[0]!.n).toBe(3);
  });

  it('threads a topic’s mails, names the list, offers one-click unsubscribe and a reply address whose key is stored hashed', async () => {
    const asker = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    const { topic } = await createTopic(asker, slug);
    await reply(helper, topic.id, { body: 'First answer.' });
    const first = await mailTo(asker);
    await reply(helper, topic.id, { body: 'A second thought.' });
    const second = await mailTo(asker);

    expect(second.subject).toBe(`New reply in “${topic.title}”`);
    // Only what the first did not say.
    expect(second.text).toContain('A second thought.');
    expect(second.text).not.toContain('First answer.');
    for (const mail of [first, second]) {
      expect(mail.header('in-reply-to')).toBe(`<topic-${topic.id}@parley.test>`);
      expect(mail.header('references')).toBe(`<topic-${topic.id}@parley.test>`);
      expect(mail.header('list-id')).toBe(`Community ${slug} <${slug}.parley.test>`);
      expect(mail.header('list-unsubscribe')).toMatch(new RegExp(`^<${ORIGIN}/api/unsubscribe/[A-Za-z0-9_-]{22}>$`));
      expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
      expect(mail.header('auto-submitted')).toBe('auto-generated');
      expect(mail.text).toContain('Reply to this mail to answer in the topic.');
    }
    expect(first.parsed.messageId).not.toBe(second.parsed.messageId);

    const replyTo = first.parsed.replyTo?.value[0]?.address ?? '';
    const key = /^reply\+([0-9a-f]{32})@parley\.test$/.exec(replyTo)?.[1];
    expect(key, replyTo).toBeDefined();
    const stored = await rows<{ user_id: number; topic_id: number }>(
      db(),
      sql`SELECT user_id, topic_id FROM mail_reply_keys WHERE key_hash = ${hashSecret(key!)}`,
    );
    expect(stored).toEqual([{ user_id: asker.userId, topic_id: topic.id }]);
    // The key itself is nowhere in the database.
    expect(await rows(db(), sql`SELECT 1 FROM mail_reply_keys WHERE key_hash = ${key!}`)).toEqual([]);
  });

  it('does not mail a member who read the topic within the delay', async () => {
    const reader = await signUp(t, { verified: true });
    const away = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    const { topic } = await createTopic(reader, slug);
    await setTopicLevel(away, topic.id, 'watching');
    const post = await reply(helper, topic.id);
    expect((await reader.put(`/api/topics/${topic.id}/read`, { number: post.number })).status).toBe(200);

    // The one who stayed away is mailed at the same time the reader would have been.
    await mailTo(away);
    await mailSettled(t);
    expect(notificationMail(sink, address(reader))).toEqual([]);
  });

  it('does not mail a member who was on the site after the notification, and mails one who was not', async () => {
    const helper = await signUp(t, { verified: true });
    const around = await signUp(t, { verified: true });
    const gone = await signUp(t, { verified: true });
    const { topic } = await createTopic(helper, slug, { title: 'Who has the spare parts list?' });
    // Neither has done anything signed in yet: their next request is written at once.
    expect(await lastSeen(around)).toBeNull();
    await reply(helper, topic.id, { body: `@${around.handle} and @${gone.handle}, you asked about this.` });
    expect((await around.get('/api/me')).status).toBe(200);
    await expect.poll(() => lastSeen(around)).not.toBeNull();

    const mail = await mailTo(gone);
    expect(mail.subject).toBe(`@${helper.handle} mentioned you in “Who has the spare parts list?”`);
    expect(mail.text).toContain('you asked about this.');
    expect(mail.text).toContain('You get this because someone mentioned you.');
    // Mail that is only about mentions stops mentions with one click.
    const token = /\/api\/unsubscribe\/([A-Za-z0-9_-]{22})>$/.exec(mail.header('list-unsubscribe') ?? '')?.[1];
    expect((await t.guest().get(`/api/unsubscribe/${token}`)).body).toMatchObject({ stream: 'kind', target: 'mention' });
    await mailSettled(t);
    expect(notificationMail(sink, address(around))).toEqual([]);
  });

  it('mails "always" members even while they are around, and "never" members not at all', async () => {
    const author = await signUp(t, { verified: true });
    const always = await signUp(t, { verified: true });
    const away = await signUp(t, { verified: true });
    const never = await signUp(t, { verified: true });
    const { topic } = await createTopic(author, slug);
    for (const [member, notifications] of [
      [always, 'always'],
      [away, 'away'],
      [never, 'never'],
    ] as const) {
      expect((await member.put('/api/me/email-preferences', { notifications })).status).toBe(200);
      await setTopicLevel(member, topic.id, 'watching');
    }
    await reply(author, topic.id, { body: 'News for everyone watching.' });
    // Both were seen after the reply (by whichever process served them).
    await t.app.parley.ctx.db.execute(sql`UPDATE users SET last_seen_at = now() WHERE id IN (${always.userId}, ${away.userId})`);

    const mail = await mailTo(always);
    expect(mail.text).toContain('News for everyone watching.');
    expect(mail.text).not.toContain('only while you are away');
    await mailSettled(t);
    expect(notificationMail(sink, address(away))).toEqual([]);
    expect(notificationMail(sink, address(never))).toEqual([]);
  });

  it('mails the author of an accepted answer', async () => {
    const asker = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    const { topic } = await createTopic(asker, slug, { kind: 'question', title: 'Which bulb fits?' });
    const answer = await reply(helper, topic.id, { body: 'The E14 one.' });
    await asker.api.setSolution(topic.id, answer.id);

    const mail = await sink.next((m) => m.to === address(helper) && unsubscribable(m) && m.subject.includes('accepted'));
    expect(mail.subject).toBe(`@${asker.handle} accepted your answer in “Which bulb fits?”`);
    expect(mail.text).toContain(`See your answer: ${ORIGIN}/c/${slug}/t/${topic.id}-which-bulb-fits#post-${answer.number}`);
    expect(mail.text).toContain('You get this because you wrote this answer.');
  });

  it('tells the author when a moderator hides their post, with the moderator’s reason, and gives no reply address', async () => {
    const author = await signUp(t, { verified: true });
    const other = await signUp(t, { verified: true });
    const { topic } = await createTopic(other, slug, { title: 'Favourite lamps' });
    const post = await reply(author, topic.id, { body: 'Buy my lamps at spam.example!' });
    await moderator.api.hidePost(post.id, 'Advertising is not allowed here.');

    const mail = await sink.next((m) => m.to === address(author) && unsubscribable(m) && m.subject.includes('hid'));
    expect(mail.subject).toBe(`@${moderator.handle} hid your post in “Favourite lamps”`);
    expect(mail.text).toContain(`@${moderator.handle} hid your post in “Favourite lamps”: Advertising is not allowed here.`);
    expect(mail.text).toContain('You get this because a moderator acted on your post or topic.');
    expect(mail.parsed.replyTo).toBeUndefined();
  });

  it('mails an idea’s status to its voters in their own language', async () => {
    const author = await signUp(t, { verified: true });
    const voter = await signUp(t, { verified: true });
    expect((await voter.put('/api/me/preferences', { locale: 'de' })).status).toBe(200);
    const { topic } = await createTopic(author, slug, { kind: 'idea', title: 'Warmweiß-Modus' });
    expect((await voter.post(`/api/topics/${topic.id}/vote`)).status).toBeLessThan(300);
    await moderator.api.setIdeaStatus(topic.id, { status: 'planned', note: 'Kommt im Herbst.' });

    const mail = await sink.next((m) => m.to === address(voter) && unsubscribable(m));
    expect(mail.subject).toBe('„Warmweiß-Modus“ hat jetzt den Status „Geplant“');
    expect(mail.text).toContain('Kommt im Herbst.');
    expect(mail.text).toContain('Du bekommst diese E-Mail, weil du diese Idee eingebracht oder für sie gestimmt hast.');
  });

  it('never mails a post hidden before the mail went out, nor a topic the member may no longer see', async () => {
    const author = await signUp(t, { verified: true });
    const opener = await signUp(t, { verified: true });
    const watcher = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    const control = await signUp(t, { verified: true });
    const { topic: quiet } = await createTopic(author, slug);
    const spam = await reply(helper, quiet.id, { body: 'Spam that will be hidden.' });
    await moderator.api.hidePost(spam.id, 'Spam.');

    const { topic: doomed } = await createTopic(opener, slug);
    await setTopicLevel(watcher, doomed.id, 'watching');
    await setTopicLevel(control, doomed.id, 'watching');
    await reply(helper, doomed.id, { body: 'In a topic about to vanish.' });
    await moderator.api.hideTopic(doomed.id, 'Off topic.');
    // A moderator may still see the hidden topic, and is mailed about it like before.
    await setRole(admin, slug, control.handle, 'moderator');

    expect((await mailTo(control)).text).toContain('In a topic about to vanish.');
    await mailSettled(t);
    expect(notificationMail(sink, address(watcher))).toEqual([]);
    expect(notificationMail(sink, address(author))).toEqual([]);
    expect(sink.received.some((m: ReceivedMail) => m.text.includes('Spam that will be hidden.'))).toBe(false);
  });

  it('mails nothing twice: a post that is a reply and a mention, a repeated job', async () => {
    const author = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    const { topic } = await createTopic(author, slug);
    await reply(helper, topic.id, { body: 'A plain reply.' });
    await reply(helper, topic.id, { body: `@${author.handle} this is for you.` });
    const mail = await mailTo(author);
    // The mention leads; the post it is in is also one of the topic's new replies, and shown once.
    expect(mail.subject).toBe(`@${helper.handle} mentioned you in “${topic.title}”`);
    expect(mail.text).toContain('A plain reply.');
    expect(mail.text.match(/this is for you\./g)).toHaveLength(1);

    await t.app.parley.ctx.jobs.send(TOPIC_MAIL_JOB, { userId: author.userId, topicId: topic.id });
    await mailSettled(t);
    expect(notificationMail(sink, address(author))).toHaveLength(1);
  });
});
