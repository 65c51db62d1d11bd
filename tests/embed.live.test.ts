/** An embed session's bearer token signs in the live socket (`{type:"auth", token}`), and embed comments go out live. */
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import type { TestApp } from './helpers/app.js';
import { TestClient } from './helpers/client.js';
import { unique } from './helpers/factories.js';
import { LiveClient } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ t, url, s } = ready));
const HOST = 'https://blog.example';

describe('embed sessions on the live socket', () => {
  it('an SSO bearer token authenticates the socket, and a comment posted with it arrives live', async () => {
    expect((await s.admin.patch(`/api/communities/${s.slug}`, { embed: { allowedOrigins: [HOST] } })).status).toBe(200);
    const secret = (await s.admin.post(`/api/communities/${s.slug}/sso-secret`)).body.secret as string;
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ sub: unique('sub'), name: 'Live Reader', aud: s.slug, iat: now, exp: now + 120 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    const iframe = new TestClient(t.app, { origin: null });
    const signedIn = await iframe.post(`/api/embed/${s.slug}/session`, { token: jwt });
    expect(signedIn.status, signedIn.text).toBe(200);
    iframe.bearer = signedIn.body.token;

    const page = `${HOST}/live/${unique()}`;
    const first = await s.member.post(`/api/embed/${s.slug}/thread/posts`, { url: page, title: 'Live page', body: 'first' });
    expect(first.status).toBe(201);
    const channel = `topic:${first.body.topic.id}`;

    const live = await LiveClient.connect(url);
    open.push(live);
    live.send({ type: 'auth', token: signedIn.body.token });
    expect(await live.next((m) => m.type === 'authenticated' || m.type === 'error')).toMatchObject({
      type: 'authenticated',
      user: { id: signedIn.body.user.id },
    });
    live.send({ type: 'subscribe', channel });
    expect(await live.next((m) => m.type === 'subscribed')).toMatchObject({ channel });

    const reply = await iframe.post(`/api/embed/${s.slug}/thread/posts`, { url: page, body: 'live from the embed' });
    expect(reply.status, reply.text).toBe(201);
    expect(await live.next((m) => m.type === 'event' && m.channel === channel)).toMatchObject({
      event: 'post.created',
      data: { id: reply.body.post.id, body: 'live from the embed', author: { id: signedIn.body.user.id } },
    });
  });
});
