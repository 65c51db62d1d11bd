/**
 * The whole loop the mail exists for: a supporter asks, leaves, and gets ONE mail about the answers
 * (threaded with the topic's later mail in their client); they reply from their mail client, over
 * SMTP, to the mail's Reply-To, and the reply appears live in the topic for the people reading it.
 * Real SMTP both ways, a real WebSocket reader; PostgreSQL in CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, setRole, signUp, type SignedIn } from './helpers/factories.js';
import { LiveClient, liveUrl } from './helpers/live-client.js';
import { compose, deliverBySmtp, postsIn } from './helpers/mail-inbound.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './helpers/smtp-sink.js';

describe('a supporter who left', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let staff: SignedIn;
  let peer: SignedIn;
  let supporter: SignedIn;
  let slug: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      mail: { smtpUrl: sink.url, from: 'Acme Community <community@parley.test>', inboundSmtpPort: 0, delaySeconds: 1 },
      jobs: { pollingIntervalSeconds: 0.5 },
    });
    const admin = await signUp(t, { verified: true });
    slug = (await createCommunity(admin)).slug;
    staff = await signUp(t, { verified: true });
    await setRole(admin, slug, staff.handle, 'staff');
    peer = await signUp(t, { verified: true });
    supporter = await signUp(t, { verified: true });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const notificationTo = (m: SignedIn) => (mail: ReceivedMail) => mail.to === `${m.handle}@example.org` && mail.header('list-unsubscribe') !== undefined;

  it('gets one threaded mail about the answers, replies from their mail client, and the reply appears live', async () => {
    const { topic } = await createTopic(supporter, slug, { title: 'Export stops at 99%', kind: 'question', body: 'Every export stalls at the very end.' });
    // They close the tab: last seen well before the answers arrive.
    await t.app.activity.settle();
    await t.app.parley.ctx.db.execute(sql`UPDATE users SET last_seen_at = now() - interval '1 hour' WHERE id = ${supporter.userId}`);

    await reply(peer, topic.id, { body: 'Same here, it started with the last update.' });
    await reply(staff, topic.id, { body: 'Fixed in **2.4.1**: update and export again.' });

    const mail = await sink.next(notificationTo(supporter));
    expect(mail.subject).toContain('Export stops at 99%');
    expect(mail.text).toContain('Same here, it started with the last update.');
    expect(mail.text).toContain('Fixed in 2.4.1: update and export again.');
    expect(mail.html).toContain('<strong>2.4.1</strong>');
    const thread = `<topic-${topic.id}@parley.test>`;
    expect(mail.header('in-reply-to')).toBe(thread);
    expect(mail.header('references')).toBe(thread);
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const replyTo = mail.parsed.replyTo?.value[0]?.address ?? '';
    expect(replyTo).toMatch(/^reply\+[0-9a-f]{32}@parley\.test$/);

    // Someone is reading the topic on the site.
    const reader = await LiveClient.connect(await liveUrl(t.app));
    try {
      const channel = `topic:${topic.id}`;
      await reader.subscribe(channel);
      // Their mail client answers the mail: a reply above the quote, threaded under it.
      const answer = await compose({
        from: `Sam Supporter <${supporter.handle}@example.org>`,
        to: replyTo,
        subject: `Re: ${mail.subject}`,
        inReplyTo: mail.parsed.messageId,
        references: [thread, mail.parsed.messageId ?? ''],
        text: `That fixed it, thank you!\n\nOn Sun, 6 Dec 2026 at 09:00, Acme Community <community@parley.test> wrote:\n> ${mail.text.split('\n').join('\n> ')}\n`,
      });
      await deliverBySmtp(t, { from: `${supporter.handle}@example.org`, to: [replyTo] }, answer);

      const live = await reader.next((m) => m.type === 'event' && m.channel === channel && m.event === 'post.created', 10_000);
      expect(live.data).toMatchObject({ body: 'That fixed it, thank you!', author: { id: supporter.userId } });
    } finally {
      reader.terminate();
    }
    expect((await postsIn(t, topic.id)).map((p) => p.body)).toEqual([
      'Every export stalls at the very end.',
      'Same here, it started with the last update.',
      'Fixed in **2.4.1**: update and export again.',
      'That fixed it, thank you!',
    ]);

    // Still away: the next answer's mail threads with the first one in their client.
    await t.app.activity.settle();
    await t.app.parley.ctx.db.execute(sql`UPDATE users SET last_seen_at = now() - interval '1 hour' WHERE id = ${supporter.userId}`);
    await reply(peer, topic.id, { body: 'Glad it works now.' });
    const next = await sink.next(notificationTo(supporter));
    expect(next.text).toContain('Glad it works now.');
    expect(next.text).not.toContain('Fixed in 2.4.1');
    expect(next.header('references')).toBe(thread);
    expect(next.parsed.messageId).not.toBe(mail.parsed.messageId);
    expect(sink.received.filter(notificationTo(supporter))).toHaveLength(2);
  });
});
