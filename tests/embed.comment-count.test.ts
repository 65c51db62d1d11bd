/**
 * The widget's "N comments" on a thread longer than its first page (web/src/embed/thread.svelte.ts
 * against the real server and socket): comments on pages not loaded yet are counted, and live
 * events about them (a new reply, a hide, a restore, a deletion) move the count as they move
 * what a reader can see. The short thread, in the browser, is in tests/e2e/live-counts.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, signUp } from './helpers/factories.js';
import { createRequester } from '../web/src/lib/api-request.js';
import { LiveClient } from '../web/src/lib/live.js';
import { embedApi } from '../web/src/embed/embed-api.js';
import { EmbedThread } from '../web/src/embed/thread.svelte.js';

let t: TestApp;
let wsUrl: string;
let s: Awaited<ReturnType<typeof scene>>;
const live: LiveClient[] = [];

beforeAll(async () => {
  t = await startTestApp();
  const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  wsUrl = `${base.replace(/^http/, 'ws')}/api/live`;
  s = await scene(t);
});
afterAll(async () => {
  live.forEach((c) => c.close());
  await t?.close();
});

class SiteSocket extends WebSocket {
  constructor(url: string) {
    super(url, { headers: { origin: ORIGIN } });
  }
}

/** A guest's widget showing topic `id`, loaded and subscribed. */
async function widget(id: number) {
  const guest = t.guest();
  const client = new LiveClient({ url: wsUrl, WebSocketImpl: SiteSocket });
  live.push(client);
  const thread = new EmbedThread(embedApi(createRequester({ fetch: guest.fetch }), s.slug), client, { url: null, topic: id }, () => null);
  await thread.load();
  await vi.waitFor(() => expect(client.state).toBe('open'));
  return thread;
}

describe('the thread read counts the comments each viewer can read', () => {
  it('leaves out deleted posts, and hidden ones except for moderators and their author', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const hidden = await reply(s.other, topic.id);
    const writer = await signUp(t);
    const deleted = await reply(writer, topic.id);
    expect((await s.moderator.post(`/api/posts/${hidden.id}/hide`, { reason: 'Off topic' })).status).toBe(200);
    expect((await writer.delete(`/api/posts/${deleted.id}`)).status).toBe(204);
    const count = async (who: { get: typeof s.member.get }, limit = 50) => {
      const res = await who.get(`/api/embed/${s.slug}/thread?topic=${topic.id}&limit=${limit}`);
      expect(res.status, res.text).toBe(200);
      return res.body.commentCount as number;
    };
    expect(await count(t.guest())).toBe(1);
    expect(await count(s.member)).toBe(1);
    expect(await count(writer)).toBe(1);
    expect(await count(s.other)).toBe(2);
    expect(await count(s.moderator)).toBe(2);
    // The whole thread's, whichever page is asked for.
    expect(await count(t.guest(), 1)).toBe(1);
  });
});

describe('the widget counts comments beyond its first page', () => {
  it('counts what the reader can see, loaded or not, as events arrive', async () => {
    const { topic } = await createTopic(s.member, s.slug, { body: 'First comment' });
    const made = [];
    let author = await signUp(t);
    for (let i = 0; i < 54; i++) {
      if (i > 0 && i % 8 === 0) author = await signUp(t);
      made.push({ post: await reply(author, topic.id), author });
    }
    const thread = await widget(topic.id);
    expect(thread.hasMore).toBe(true);
    expect(thread.posts).toHaveLength(50);
    expect(thread.commentCount).toBe(55);

    // Hidden on a page not loaded: no longer a comment for this guest. Restored: again.
    const late = made.at(-2)!.post;
    expect((await s.moderator.post(`/api/posts/${late.id}/hide`, { reason: 'Off topic' })).status).toBe(200);
    await vi.waitFor(() => expect(thread.commentCount).toBe(54));
    // A new reply from someone else is counted though not shown.
    const fresh = await reply(s.other, topic.id);
    await vi.waitFor(() => expect(thread.commentCount).toBe(55));
    expect(thread.incoming).toEqual([]);
    // Its author deletes it; a loaded one is hidden.
    expect((await s.other.delete(`/api/posts/${fresh.id}`)).status).toBe(204);
    await vi.waitFor(() => expect(thread.commentCount).toBe(54));
    expect((await s.moderator.post(`/api/posts/${made[0]!.post.id}/hide`, { reason: 'Spam' })).status).toBe(200);
    await vi.waitFor(() => expect(thread.commentCount).toBe(53));
    expect((await s.moderator.delete(`/api/posts/${late.id}/hide`)).status).toBe(200);
    await vi.waitFor(() => expect(thread.commentCount).toBe(54));

    // Loading the rest counts every post from the page itself: the same number.
    await thread.loadMore();
    expect(thread.hasMore).toBe(false);
    expect(thread.posts).toHaveLength(56);
    expect(thread.commentCount).toBe(54);
    // And a fresh widget agrees.
    expect((await widget(topic.id)).commentCount).toBe(54);
  });
});
