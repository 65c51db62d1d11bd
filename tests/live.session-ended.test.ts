/**
 * A live socket signed in with a session lives no longer than the session: signing out, signing
 * out everywhere, a new password or a suspension closes it at once (4001), on every process, the
 * way each process's session cache forgets the session. A change that keeps the session (a new
 * language) keeps the socket. Sessions are cached for 300 s here, so only the signal can do it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.js';
import { CloseCode } from '../server/live/live.protocol.js';
import type { TestApp } from './helpers/app.js';
import { TestClient } from './helpers/client.js';
import { createTopic, makeSiteAdmin, reply, signUp, PASSWORD, type SignedIn } from './helpers/factories.js';
import { LiveClient, liveUrl, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({ sessionCacheSeconds: 300 }, (ready) => ({ t, url, s } = ready));

/** A socket signed in with the client's cookie (or a guest's), on this process or another. */
const connect = async (client: TestClient | null, at = url) => {
  const c = await LiveClient.connect(at, client?.cookie ? { cookie: client.cookie } : {});
  open.push(c);
  return c;
};

/** A second sign-in of the same account (another device). */
async function signIn(who: SignedIn): Promise<TestClient> {
  const client = t.guest();
  expect((await client.post('/api/auth/login', { login: who.handle, password: PASSWORD })).status).toBe(200);
  return client;
}

const notified = (channel: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel && m.event === 'notification.created';

/** A member with a topic of their own (replies to it notify them), their channel's name, and a socket on it. */
async function memberOnline() {
  const member = await signUp(t);
  const { topic } = await createTopic(member, s.slug);
  const channel = `user:${member.userId}`;
  const socket = await connect(member);
  expect(await socket.subscribe(channel)).toMatchObject({ type: 'subscribed', channel });
  return { member, topic, channel, socket };
}

describe('a signed-in live socket when its session ends', () => {
  it('closes with 4001 when that session signs out; a socket of the same account on another device stays and still hears its notifications', async () => {
    const { member, topic, channel, socket } = await memberOnline();
    const otherDevice = await connect(await signIn(member));
    expect(await otherDevice.subscribe(channel)).toMatchObject({ type: 'subscribed', channel });

    expect((await member.post('/api/auth/logout')).status).toBe(204);
    expect((await socket.waitForClose()).code).toBe(CloseCode.sessionEnded);

    await reply(s.other, topic.id, { body: 'Heard on the other device only' });
    expect((await otherDevice.next(notified(channel))).data.notification.post.excerpt).toBe('Heard on the other device only');
    expect(otherDevice.isOpen).toBe(true);
  });

  it('closes every socket of the account after "sign out everywhere", and after a password change keeps none signed in with an old session', async () => {
    const { member, socket } = await memberOnline();
    const otherDevice = await connect(await signIn(member));
    expect((await member.post('/api/auth/logout-all')).status).toBe(204);
    expect((await socket.waitForClose()).code).toBe(CloseCode.sessionEnded);
    expect((await otherDevice.waitForClose()).code).toBe(CloseCode.sessionEnded);

    const again = await signIn(member);
    const before = await connect(again);
    const res = await again.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' });
    expect(res.status, res.text).toBe(204);
    expect((await before.waitForClose()).code).toBe(CloseCode.sessionEnded);
    // The password change signed this browser in again: its new socket works.
    const after = await connect(again);
    const channel = `user:${member.userId}`;
    expect(await after.subscribe(channel)).toMatchObject({ type: 'subscribed', channel });
  });

  it('closes the sockets of a suspended account, a bearer-token one (as the embed signs in) too; what reconnects is a guest', async () => {
    const { member, channel, socket } = await memberOnline();
    const token = await new TestClient(t.app, { origin: null }).post('/api/auth/token', { login: member.handle, password: PASSWORD });
    expect(token.status).toBe(201);
    const embedded = await connect(null);
    embedded.send({ type: 'auth', token: token.body.token });
    expect(await embedded.nextOf('authenticated')).toMatchObject({ user: { id: member.userId } });
    expect(await embedded.subscribe(channel)).toMatchObject({ type: 'subscribed', channel });

    await makeSiteAdmin(t, s.admin.userId);
    const res = await s.admin.post(`/api/admin/users/${member.handle}/suspension`, { reason: 'Spam wave' });
    expect(res.status, res.text).toBe(200);
    expect((await socket.waitForClose()).code).toBe(CloseCode.sessionEnded);
    expect((await embedded.waitForClose()).code).toBe(CloseCode.sessionEnded);

    // Back with the same cookie, the socket reads as a guest: the member's channel is not theirs.
    const back = await connect(member);
    expect(await back.subscribe(channel)).toMatchObject({ type: 'error', code: 'channel_not_found', channel });
  });

  it('stays open when the account changes but the session holds (a new language), and goes on hearing its channel', async () => {
    const { member, topic, channel, socket } = await memberOnline();
    const res = await member.put('/api/me/preferences', { locale: 'de' });
    expect(res.status, res.text).toBe(200);
    await reply(s.other, topic.id, { body: 'Still heard' });
    expect((await socket.next(notified(channel))).data.notification.post.excerpt).toBe('Still heard');
    expect(socket.isOpen).toBe(true);
  });
});

/** Two app instances on one PostgreSQL database, as two processes behind a balancer: the signal crosses through the bus. */
describe.runIf(process.env.DATABASE_URL)('a socket on another process', () => {
  let b: FastifyInstance;
  let urlB: string;
  beforeAll(async () => {
    b = await buildApp(t.config);
    urlB = await liveUrl(b);
  });
  afterAll(async () => {
    open.splice(0).forEach((c) => c.terminate());
    await b?.close();
  });

  it('closes within moments when its session signs out on this one', async () => {
    const member = await signUp(t);
    const channel = `user:${member.userId}`;
    const onB = await connect(member, urlB);
    expect(await onB.subscribe(channel)).toMatchObject({ type: 'subscribed', channel });
    expect((await member.post('/api/auth/logout')).status).toBe(204);
    expect((await onB.waitForClose()).code).toBe(CloseCode.sessionEnded);
  });
});
