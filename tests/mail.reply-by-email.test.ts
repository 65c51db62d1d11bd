/**
 * Reply by e-mail: a member answers a notification from their mail client and the reply appears
 * in the topic, live, as if written on the site; delivered twice it posts once; a reply the
 * forum refuses (ban, lock, another sender, nothing left after the quote) is answered once, by
 * mail, at the account's address; machines (out-of-office, lists) and unknown keys get nothing.
 * Mail comes in over a real SMTP connection to the app's listener and through the HTTP hook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, signUp, unique, type SignedIn } from './helpers/factories.js';
import { LiveClient, liveUrl } from './helpers/live-client.js';
import { compose, deliverByHttp, deliverBySmtp, INBOUND_SECRET, mailCount, postsIn, REPLY_DOMAIN, replyKeyAddress } from './helpers/mail-inbound.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './helpers/smtp-sink.js';
import { newAddressKey } from '../server/mail/mail.secrets.js';

let sink: SmtpSink;
let t: TestApp;
let admin: SignedIn;
let slug: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await startTestApp({
    mail: { smtpUrl: sink.url, inboundSmtpPort: 0, inboundSecret: INBOUND_SECRET, retryDelaySeconds: 1 },
    jobs: { pollingIntervalSeconds: 0.5 },
  });
  admin = await signUp(t, { verified: true });
  slug = (await createCommunity(admin)).slug;
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

const emailOf = (member: SignedIn) => `${member.handle}@example.org`;

/** A topic by the admin, a member, and the member's reply address for it (as in their notification mail). */
async function scene(title = `Router keeps dropping ${unique()}`) {
  const { topic } = await createTopic(admin, slug, { title });
  const member = await signUp(t, { verified: true });
  const to = await replyKeyAddress(t, member.userId, topic.id);
  return { topic, member, to };
}

/** The member's reply as their mail client writes it: their words above the quoted notification. */
function replyFrom(from: string, to: string, words: string, over: Record<string, unknown> = {}) {
  return compose({
    from,
    to,
    subject: 'Re: New reply to your topic',
    messageId: `<${unique('m')}@mail.example.org>`,
    inReplyTo: `<topic-1@${REPLY_DOMAIN}>`,
    text: `${words}\n\nOn Mon, Jan 1, 2024 at 10:00 AM Acme Community <community@${REPLY_DOMAIN}> wrote:\n\n> Bea replied:\n> Try restarting the router.\n`,
    ...over,
  });
}

const refusalTo = (address: string) => (m: ReceivedMail) => m.to === address && m.header('in-reply-to') !== undefined;

describe('a reply by e-mail', () => {
  it('lands as a post by that member in that topic, quote and signature stripped, and appears live', async () => {
    const { topic, member, to } = await scene();
    const socket = await LiveClient.connect(await liveUrl(t.app));
    try {
      const channel = `topic:${topic.id}`;
      expect(await socket.subscribe(channel)).toMatchObject({ type: 'subscribed', channel });

      // Addresses compare without case, as mail does.
      const raw = await replyFrom(emailOf(member).toUpperCase(), to, 'Restarting fixed it, thanks!\n\n-- \nAnn Example\nExample Ltd');
      await deliverBySmtp(t, { from: emailOf(member), to: [to] }, raw);

      const live = await socket.next((m) => m.type === 'event' && m.channel === channel);
      expect(live).toMatchObject({ event: 'post.created', data: { body: 'Restarting fixed it, thanks!', author: { id: member.userId } } });
      const stored = await postsIn(t, topic.id);
      expect(stored.map((p) => [p.authorId, p.body])).toEqual([
        [admin.userId, expect.any(String)],
        [member.userId, 'Restarting fixed it, thanks!'],
      ]);
    } finally {
      socket.terminate();
    }
  });

  it('delivered twice (by SMTP, then by the HTTP hook) makes one post', async () => {
    const { topic, member, to } = await scene();
    const raw = await replyFrom(emailOf(member), to, 'Only once, please.');
    await deliverBySmtp(t, { from: emailOf(member), to: [to] }, raw);
    // The hook finds the reply address in the message's own headers.
    const again = await deliverByHttp(t, raw);
    expect(again.statusCode).toBe(202);
    expect((await postsIn(t, topic.id)).filter((p) => p.authorId === member.userId).map((p) => p.body)).toEqual(['Only once, please.']);
  });

  it("from a banned member is refused, and they are told once, by mail, in their account's inbox", async () => {
    const { topic, member, to } = await scene('Firmware question');
    await admin.api.banUser(slug, { handle: member.handle, reason: 'Spam links' });
    const raw = await replyFrom(emailOf(member), to, 'Buy cheap routers at example.com');
    const inboundId = /^Message-ID: (<[^>]+>)/im.exec(raw.toString())![1];
    await deliverBySmtp(t, { from: emailOf(member), to: [to] }, raw);

    const answer = await sink.next(refusalTo(emailOf(member)));
    expect(answer.subject).toBe('Your reply to “Firmware question” was not posted');
    expect(answer.text).toContain('You are banned from this community: Spam links');
    // What they wrote comes back, so that nothing is lost.
    expect(answer.text).toContain('Buy cheap routers at example.com');
    // Threaded under their own mail and the topic's mails; no unsubscribe for a direct answer.
    expect(answer.header('in-reply-to')).toBe(inboundId);
    expect([answer.parsed.references].flat()).toEqual([`<topic-${topic.id}@${REPLY_DOMAIN}>`, inboundId]);
    expect(answer.header('list-unsubscribe')).toBeUndefined();

    // The same mail again (a relay's retry, the provider's hook) is not answered again: an answer
    // would be recorded before the hook answers 202.
    const recorded = await mailCount(t);
    expect((await deliverByHttp(t, raw)).statusCode).toBe(202);
    expect(await mailCount(t)).toBe(recorded);
    expect((await postsIn(t, topic.id)).some((p) => p.authorId === member.userId)).toBe(false);
  });

  it("to a locked topic is refused, in the member's own language", async () => {
    const { topic, member, to } = await scene('Gesperrtes Thema');
    await member.api.updatePreferences({ locale: 'de' });
    await admin.api.setTopicLocked(topic.id, true);
    await deliverBySmtp(t, { from: emailOf(member), to: [to] }, await replyFrom(emailOf(member), to, 'Noch eine Frage.'));

    const answer = await sink.next(refusalTo(emailOf(member)));
    expect(answer.subject).toBe('Deine Antwort auf „Gesperrtes Thema“ wurde nicht veröffentlicht');
    expect(answer.text).toContain('Dieses Thema ist geschlossen: keine neuen Antworten.');
    expect((await postsIn(t, topic.id)).some((p) => p.authorId === member.userId)).toBe(false);
  });

  it("from another address than the account's is refused, and the account is told who wrote", async () => {
    const { topic, member, to } = await scene();
    // A colleague answers the notification the member forwarded to them.
    await deliverBySmtp(t, { from: 'colleague@example.net', to: [to] }, await replyFrom('Colleague <colleague@example.net>', to, 'I have the same problem.'));
    const answer = await sink.next(refusalTo(emailOf(member)));
    expect(answer.text).toContain('Your reply came from colleague@example.net, not from the address of your account.');
    expect(sink.to('colleague@example.net')).toHaveLength(0);
    expect((await postsIn(t, topic.id)).some((p) => p.authorId === member.userId)).toBe(false);
  });

  it('that is empty once the quote is gone is refused', async () => {
    const { topic, member, to } = await scene();
    await deliverBySmtp(t, { from: emailOf(member), to: [to] }, await replyFrom(emailOf(member), to, ''));
    const answer = await sink.next(refusalTo(emailOf(member)));
    expect(answer.text).toContain('Your reply was empty once the quoted mail and your signature were taken out.');
    expect(await postsIn(t, topic.id)).toHaveLength(1);
  });
});

describe('mail that gets no answer', () => {
  it('a reply to an unknown key: no post, no mail', async () => {
    const before = await mailCount(t);
    const to = `reply+${newAddressKey().token}@${REPLY_DOMAIN}`;
    await deliverBySmtp(t, { from: 'stranger@example.net', to: [to] }, await replyFrom('stranger@example.net', to, 'Hello?'));
    expect(await mailCount(t)).toBe(before);
  });

  it.each([
    ['Auto-Submitted: auto-replied', { 'Auto-Submitted': 'auto-replied' }],
    ['X-Autoreply: yes', { 'X-Autoreply': 'yes' }],
    ['Precedence: bulk', { Precedence: 'bulk' }],
  ])('an automatic reply (%s) is neither posted nor answered', async (_what, headers) => {
    const { topic, member, to } = await scene();
    const before = await mailCount(t);
    await deliverBySmtp(t, { from: emailOf(member), to: [to] }, await replyFrom(emailOf(member), to, 'I am out of the office until Monday.', { headers }));
    expect(await postsIn(t, topic.id)).toHaveLength(1);
    expect(await mailCount(t)).toBe(before);
  });

  it('Auto-Submitted: no is a person writing, and is posted', async () => {
    const { topic, member, to } = await scene();
    const raw = await replyFrom(emailOf(member), to, 'Written by hand.', { headers: { 'Auto-Submitted': 'no' } });
    await deliverBySmtp(t, { from: emailOf(member), to: [to] }, raw);
    expect((await postsIn(t, topic.id)).map((p) => p.body)).toContain('Written by hand.');
  });
});

describe('the SMTP listener', () => {
  it.each([['postmaster@parley.test'], ['ann@parley.test'], [`reply+${newAddressKey().token}@elsewhere.example`], ['reply+short@parley.test']])(
    'refuses mail for %s at RCPT TO (550): it takes only reply and bounce addresses',
    async (address) => {
      const raw = await compose({ from: 'someone@example.net', to: address, subject: 'Hi', text: 'Hi' });
      await expect(deliverBySmtp(t, { from: 'someone@example.net', to: [address] }, raw)).rejects.toMatchObject({ responseCode: 550 });
    },
  );
  it('refuses a mail over 10 MB, and posts nothing', async () => {
    const { topic, member, to } = await scene();
    const raw = await replyFrom(emailOf(member), to, 'x'.repeat(11 * 1024 * 1024));
    await expect(deliverBySmtp(t, { from: emailOf(member), to: [to] }, raw)).rejects.toMatchObject({ responseCode: 552 });
    expect(await postsIn(t, topic.id)).toHaveLength(1);
  });
});

describe('the HTTP hook', () => {
  it('answers 401 with a code to a wrong or missing secret, and posts nothing', async () => {
    const { topic, member, to } = await scene();
    const raw = await replyFrom(emailOf(member), to, 'Through the hook');
    const wrong = await deliverByHttp(t, raw, { secret: 'not-the-secret-at-all-0000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'invalid_inbound_secret' });
    expect((await deliverByHttp(t, raw, { secret: null })).statusCode).toBe(401);
    expect(await postsIn(t, topic.id)).toHaveLength(1);
  });

  it('answers 202 to the right secret, taking the recipient from ?to= when the headers do not name it', async () => {
    const { topic, member, to } = await scene();
    // Bcc'd: the reply address is in no header, only in the provider's envelope.
    const raw = await replyFrom(emailOf(member), 'someone@example.org', 'Through the hook, addressed by query.');
    const res = await deliverByHttp(t, raw, { to });
    expect(res.statusCode).toBe(202);
    expect((await postsIn(t, topic.id)).map((p) => p.body)).toContain('Through the hook, addressed by query.');
  });
});
