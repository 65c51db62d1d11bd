/**
 * Ignoring a member reaches mail too: nothing they write is mailed to the one who ignores them,
 * neither as a notification of its own nor inside a mail about someone else's replies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, signUp, type SignedIn } from './helpers/factories.js';
import { mailSettled } from './helpers/mail-settle.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const address = (m: SignedIn) => `${m.handle}@example.org`;

describe('mail and ignored members', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let slug: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ mail: { smtpUrl: sink.url, delaySeconds: 1 }, jobs: { pollingIntervalSeconds: 0.5 } });
    const admin = await signUp(t, { verified: true });
    slug = (await createCommunity(admin)).slug;
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const mailsTo = (m: SignedIn) => sink.to(address(m)).filter((mail) => mail.header('list-unsubscribe') !== undefined);

  it('mails nothing of theirs: no mail for their reply or mention, and their reply left out of a mail about another', async () => {
    const me = await signUp(t, { verified: true });
    const pest = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    expect((await me.put(`/api/me/ignored/${pest.handle}`)).status).toBe(204);
    const { topic } = await createTopic(me, slug, { title: 'Kettle keeps clicking' });

    await reply(pest, topic.id, { body: `Pest speaking to @${me.handle}, unwanted.` });
    await mailSettled(t);
    expect(mailsTo(me)).toHaveLength(0);

    await reply(helper, topic.id, { body: 'Descale it with vinegar.' });
    await reply(pest, topic.id, { body: 'Pest again, also unwanted.' });
    await mailSettled(t);
    const mails = mailsTo(me);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('Descale it with vinegar.');
    expect(mails[0]!.text).not.toContain('unwanted');
    expect(mails[0]!.text).not.toContain(pest.handle);
  });
});
