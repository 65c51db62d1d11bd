/**
 * One-click unsubscribe (RFC 8058): the exact POST a mail provider sends, with no cookie and no
 * Origin, stops that stream of mail; the landing page reads what a link stops and can undo it.
 * Topic and kind streams become opt-outs; "digest" and "all" change the member's choices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { write } from '../server/write/unit-of-work.js';
import { startTestApp, ORIGIN, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, signUp, type SignedIn } from './helpers/factories.js';
import { mailSettled } from './helpers/mail-settle.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './helpers/smtp-sink.js';
import type { MailDraft } from '../server/mail/mail.draft.js';

const address = (m: SignedIn) => `${m.handle}@example.org`;
/** List-Unsubscribe as sent (mailparser keeps List-* headers apart from the others). */
const listUnsubscribe = (m: ReceivedMail) => m.header('list-unsubscribe');
const tokenOf = (m: ReceivedMail) => /^<http:\/\/parley\.test\/api\/unsubscribe\/([A-Za-z0-9_-]{22})>$/.exec(listUnsubscribe(m) ?? '')?.[1] ?? '';

describe('unsubscribing by mail', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let slug: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ mail: { smtpUrl: sink.url, delaySeconds: 1 }, jobs: { pollingIntervalSeconds: 0.5 } });
    slug = (await createCommunity(await signUp(t, { verified: true }))).slug;
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const mailTo = (m: SignedIn) => sink.next((mail) => mail.to === address(m) && listUnsubscribe(mail) !== undefined);
  /** Exactly what a mail provider sends (RFC 8058 §3.1): a form POST, no cookie, no Origin. */
  const oneClick = (token: string) =>
    t.app.inject({
      method: 'POST',
      url: `/api/unsubscribe/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
  /** A mail with a given unsubscribe stream, queued as services do, as it arrives. */
  const mailWithStream = async (member: SignedIn, unsubscribe: MailDraft['unsubscribe']) => {
    const ctx = t.app.parley.ctx;
    const draft: MailDraft = {
      kind: 'test',
      userId: member.userId,
      to: address(member),
      locale: 'en',
      subject: `About ${unsubscribe!.stream}`,
      blocks: [{ type: 'paragraph', text: 'Something to stop.' }],
      unsubscribe,
    };
    await write(ctx, ({ tx }) => ctx.mail.queue(tx, draft));
    return sink.next((m) => m.to === address(member) && m.subject === draft.subject);
  };
  const preferences = async (member: SignedIn) => (await member.get('/api/me/email-preferences')).body;

  it('stops mail about one topic with the exact RFC 8058 POST, without cookie or Origin; other topics are still mailed', async () => {
    const author = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    const { topic: noisy } = await createTopic(author, slug, { title: 'Too much mail here' });
    const { topic: other } = await createTopic(author, slug);
    await reply(helper, noisy.id);
    const token = tokenOf(await mailTo(author));
    expect(token).not.toBe('');

    const res = await oneClick(token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ stream: 'topic', target: String(noisy.id), label: 'Mail about the topic “Too much mail here”', unsubscribed: true });
    // Twice is the same as once, also from a webmail client posting from its own origin.
    const fromWebmail = await t.app.inject({
      method: 'POST',
      url: `/api/unsubscribe/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://webmail.example' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(fromWebmail.statusCode, fromWebmail.body).toBe(200);
    expect(fromWebmail.json()).toMatchObject({ unsubscribed: true });
    expect((await t.guest().get(`/api/unsubscribe/${token}`)).body).toMatchObject({ stream: 'topic', unsubscribed: true });

    await reply(helper, noisy.id, { body: 'Nobody will be mailed this.' });
    await reply(helper, other.id, { body: 'This one is mailed.' });
    expect((await mailTo(author)).text).toContain('This one is mailed.');
    await mailSettled(t);
    expect(sink.received.some((m) => m.text.includes('Nobody will be mailed this.'))).toBe(false);
    expect((await preferences(author)).optOuts).toEqual([{ stream: 'topic', target: String(noisy.id), label: 'Mail about the topic “Too much mail here”' }]);
  });

  it('takes it back from the landing page: the topic is mailed again', async () => {
    const author = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    const { topic } = await createTopic(author, slug);
    await reply(helper, topic.id);
    const token = tokenOf(await mailTo(author));
    expect((await oneClick(token)).statusCode).toBe(200);

    const page = t.guest();
    expect((await page.post(`/api/unsubscribe/${token}/undo`)).body).toMatchObject({ stream: 'topic', unsubscribed: false });
    expect((await page.get(`/api/unsubscribe/${token}`)).body.unsubscribed).toBe(false);
    expect((await preferences(author)).optOuts).toEqual([]);
    await reply(helper, topic.id, { body: 'Back in your inbox.' });
    expect((await mailTo(author)).text).toContain('Back in your inbox.');
  });

  it('"all" turns notification mail and the digest off; undo restores the choices from before', async () => {
    const member = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    expect((await member.put('/api/me/email-preferences', { notifications: 'always', digest: 'daily' })).status).toBe(200);
    const token = tokenOf(await mailWithStream(member, { stream: 'all' }));

    const res = await oneClick(token);
    expect(res.json()).toEqual({
      stream: 'all',
      target: '',
      label: 'All notification mail and the digest',
      unsubscribed: true,
      previous: { notifications: 'always', digest: 'daily' },
    });
    expect(await preferences(member)).toMatchObject({ notifications: 'never', digest: 'off' });
    const { topic } = await createTopic(member, slug);
    await reply(helper, topic.id, { body: 'Stays on the site.' });
    await mailSettled(t);
    expect(sink.received.some((m) => m.text.includes('Stays on the site.'))).toBe(false);

    // The choices from before are kept with the link: undo needs nothing from the page that applied it.
    const undone = await t.guest().post(`/api/unsubscribe/${token}/undo`);
    expect(undone.body).toMatchObject({ stream: 'all', unsubscribed: false });
    expect(await preferences(member)).toMatchObject({ notifications: 'always', digest: 'daily' });
  });

  it('undoing "all" leaves a digest off that was off before', async () => {
    const member = await signUp(t, { verified: true });
    expect((await member.put('/api/me/email-preferences', { digest: 'off' })).status).toBe(200);
    const token = tokenOf(await mailWithStream(member, { stream: 'all' }));
    expect((await oneClick(token)).json()).toMatchObject({ unsubscribed: true, previous: { notifications: 'away', digest: 'off' } });
    expect((await t.guest().post(`/api/unsubscribe/${token}/undo`)).status).toBe(200);
    expect(await preferences(member)).toMatchObject({ notifications: 'away', digest: 'off' });
  });

  it('"digest" turns only the digest off; undo brings back the weekly one by default', async () => {
    const member = await signUp(t, { verified: true });
    const token = tokenOf(await mailWithStream(member, { stream: 'digest' }));
    // Also from a browser form (multipart), and from a signed-in member on the site itself.
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/unsubscribe/${token}`,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--x--\r\n',
    });
    expect(res.json()).toMatchObject({ stream: 'digest', label: 'The digest of what you missed', unsubscribed: true });
    expect(await preferences(member)).toMatchObject({ notifications: 'away', digest: 'off' });
    expect((await member.post(`/api/unsubscribe/${token}/undo`)).status).toBe(200);
    expect(await preferences(member)).toMatchObject({ notifications: 'away', digest: 'weekly' });
  });

  it('answers 404 unsubscribe_not_found for a token it does not know, and changes nothing', async () => {
    // A well-formed token nobody was given, and something that is not a token at all.
    for (const token of ['AAAAAAAAAAAAAAAAAAAAAA', 'not-a-token']) {
      const res = await oneClick(token);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'unsubscribe_not_found' });
    }
    expect((await t.guest().get('/api/unsubscribe/AAAAAAAAAAAAAAAAAAAAAA')).body.code).toBe('unsubscribe_not_found');
    expect((await t.guest().post('/api/unsubscribe/AAAAAAAAAAAAAAAAAAAAAA/undo')).body.code).toBe('unsubscribe_not_found');
  });

  it('takes forms only here: the rest of the API still refuses them (415)', async () => {
    const member = await signUp(t, { verified: true });
    const res = await member.post('/api/notifications/read', 'upTo=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
  });

  it('leads from every notification mail to the landing page and the settings', async () => {
    const author = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    const { topic } = await createTopic(author, slug);
    await reply(helper, topic.id);
    const mail = await mailTo(author);
    expect(mail.text).toContain(`Unsubscribe from these mails: ${ORIGIN}/unsubscribe/${tokenOf(mail)}`);
    expect(mail.text).toContain(`Choose which mails you get: ${ORIGIN}/settings#email`);
  });
});
