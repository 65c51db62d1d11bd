/**
 * The daily cap on notification mail: past it nothing is dropped; everything not yet mailed goes
 * out in one roll-up when the day's window ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, signUp } from './helpers/factories.js';
import { mailSettled } from './helpers/mail-settle.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './helpers/smtp-sink.js';

/** Notification mail has a one-click unsubscribe; account mail has none. */
const unsubscribable = (m: ReceivedMail) => m.header('list-unsubscribe') !== undefined;

describe('the daily cap', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ mail: { smtpUrl: sink.url, delaySeconds: 1, dailyCap: 2 }, jobs: { pollingIntervalSeconds: 0.5 } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  it('sends the cap, then rolls everything else into one mail when the day is over', async () => {
    const admin = await signUp(t, { verified: true });
    const { slug } = await createCommunity(admin);
    const author = await signUp(t, { verified: true });
    const helper = await signUp(t, { verified: true });
    const topics = [];
    for (const title of ['Topic one', 'Topic two', 'Topic three', 'Topic four']) topics.push((await createTopic(author, slug, { title })).topic);
    const to = `${author.handle}@example.org`;

    await reply(helper, topics[0]!.id, { body: 'Reply in one.' });
    await sink.next((m) => m.to === to && unsubscribable(m));
    await reply(helper, topics[1]!.id, { body: 'Reply in two.' });
    await sink.next((m) => m.to === to && unsubscribable(m));
    // Those two went out nearly a day ago: the window ends in a few seconds.
    await t.app.parley.ctx.db.execute(
      sql`UPDATE mail_messages SET created_at = now() - interval '24 hours' + interval '3 seconds' WHERE user_id = ${author.userId}`,
    );
    await reply(helper, topics[2]!.id, { body: 'Reply in three.' });
    await reply(helper, topics[3]!.id, { body: 'Reply in four.' });

    const rollup = await sink.next((m) => m.to === to && unsubscribable(m), 20_000);
    expect(rollup.subject).toBe('2 more notifications');
    expect(rollup.text).toContain(`@${helper.handle} replied in “Topic three”`);
    expect(rollup.text).toContain(`@${helper.handle} replied in “Topic four”`);
    expect(rollup.text).toContain('You got 2 notification mails in the last day, the most we send.');
    await mailSettled(t);
    expect(
      sink
        .to(to)
        .filter(unsubscribable)
        .map((m) => m.subject),
    ).toEqual(['New reply in “Topic one”', 'New reply in “Topic two”', '2 more notifications']);
    const pending = await rows<{ n: number }>(
      t.app.parley.ctx.db,
      sql`SELECT count(*)::int AS n FROM notifications WHERE user_id = ${author.userId} AND emailed_count < count`,
    );
    expect(pending[0]!.n).toBe(0);
  });
});
