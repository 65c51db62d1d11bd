/**
 * E-mail preferences: notification mail (never / only when away / always), the digest (off /
 * daily / weekly), the topics and kinds a member stopped by mail; and the activity that "away"
 * is measured by (users.last_seen_at: requests and open live sockets, written at most once a
 * minute per member).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, setRole, signUp, type SignedIn } from './helpers/factories.js';
import { LiveClient, liveUrl } from './helpers/live-client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('e-mail preferences', () => {
  it('start at "only when away" and a weekly digest, with nothing stopped', async () => {
    const member = await signUp(t, { verified: true });
    const res = await member.get('/api/me/email-preferences');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ notifications: 'away', digest: 'weekly', summary: 'weekly', optOuts: [] });
  });

  it('change one or both at a time, and stay changed', async () => {
    const member = await signUp(t, { verified: true });
    expect((await member.put('/api/me/email-preferences', { notifications: 'always', digest: 'daily' })).body).toMatchObject({
      notifications: 'always',
      digest: 'daily',
    });
    expect((await member.put('/api/me/email-preferences', { digest: 'off' })).body).toMatchObject({ notifications: 'always', digest: 'off' });
    expect((await member.get('/api/me/email-preferences')).body).toMatchObject({ notifications: 'always', digest: 'off' });
    // Someone else's are their own.
    expect((await (await signUp(t, { verified: true })).get('/api/me/email-preferences')).body).toMatchObject({ notifications: 'away', digest: 'weekly' });
  });

  it('refuse values they do not know with 400 invalid_input, and guests with 401', async () => {
    const member = await signUp(t, { verified: true });
    for (const body of [{ notifications: 'sometimes' }, { digest: 'monthly' }, { notifications: null }, { digest: 7 }]) {
      const res = await member.put('/api/me/email-preferences', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('invalid_input');
    }
    expect((await member.get('/api/me/email-preferences')).body).toMatchObject({ notifications: 'away', digest: 'weekly' });
    const guest = t.guest();
    expect((await guest.get('/api/me/email-preferences')).body).toMatchObject({ statusCode: 401, code: 'not_signed_in' });
    expect((await guest.put('/api/me/email-preferences', { digest: 'off' })).status).toBe(401);
  });

  it('list what was stopped by mail in the reader’s language, a hidden topic without its title, and take one back', async () => {
    const admin = await signUp(t, { verified: true });
    const { slug } = await createCommunity(admin);
    const moderator = await signUp(t, { verified: true });
    await setRole(admin, slug, moderator.handle, 'moderator');
    const author = await signUp(t, { verified: true });
    const member: SignedIn = await signUp(t, { verified: true });
    const { topic: open } = await createTopic(author, slug, { title: 'Dimmer im Bad' });
    const { topic: hidden } = await createTopic(author, slug, { title: 'Geheimes Thema' });
    await moderator.api.hideTopic(hidden.id, 'Off topic.');
    // As unsubscribe links leave them (mail.unsubscribe.test.ts follows the links themselves).
    await t.app.parley.ctx.db.execute(sql`INSERT INTO email_opt_outs (user_id, stream, target, created_at) VALUES
      (${member.userId}, 'topic', ${String(open.id)}, now() - interval '3 minutes'),
      (${member.userId}, 'kind', 'mention', now() - interval '2 minutes'),
      (${member.userId}, 'topic', ${String(hidden.id)}, now() - interval '1 minute')`);
    expect((await member.put('/api/me/preferences', { locale: 'de' })).status).toBe(200);

    const listed = (await member.get('/api/me/email-preferences')).body.optOuts;
    expect(listed).toEqual([
      { stream: 'topic', target: String(open.id), label: 'E-Mails zum Thema „Dimmer im Bad“' },
      { stream: 'kind', target: 'mention', label: 'E-Mails, wenn dich jemand erwähnt' },
      { stream: 'topic', target: String(hidden.id), label: 'E-Mails zu einem Thema, das es nicht mehr gibt' },
    ]);

    const res = await member.delete('/api/me/email-preferences/opt-outs/kind/mention');
    expect(res.status).toBe(200);
    expect(res.body.optOuts.map((o: { target: string }) => o.target)).toEqual([String(open.id), String(hidden.id)]);
    // Taking back what is not there changes nothing; a stream that cannot be an opt-out is refused.
    expect((await member.delete('/api/me/email-preferences/opt-outs/kind/mention')).body.optOuts).toHaveLength(2);
    expect((await member.delete('/api/me/email-preferences/opt-outs/all/x')).status).toBe(400);
  });
});

describe('activity', () => {
  const lastSeen = async (m: SignedIn) =>
    (await rows<{ at: Date | null }>(t.app.parley.ctx.db, sql`SELECT last_seen_at AS at FROM users WHERE id = ${m.userId}`))[0]!.at;

  it('is recorded by a signed-in request, at most once a minute', async () => {
    const member = await signUp(t, { verified: true });
    // Signing up is not a signed-in request.
    expect(await lastSeen(member)).toBeNull();
    await member.get('/api/me');
    await expect.poll(() => lastSeen(member)).not.toBeNull();
    const first = await lastSeen(member);
    await member.get('/api/notifications');
    await member.get('/api/me/email-preferences');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await lastSeen(member)).toEqual(first);
  });

  it('is recorded when a live socket opens', async () => {
    const member = await signUp(t, { verified: true });
    const live = await LiveClient.connect(await liveUrl(t.app), { cookie: member.cookie });
    try {
      await expect.poll(() => lastSeen(member)).not.toBeNull();
    } finally {
      await live.close();
    }
  });
});
