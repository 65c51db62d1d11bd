/**
 * What a reply's live fan-out costs the database. Every online watcher of a topic gets a
 * notification on their own channel, rendered for them with their unread count; loading those
 * for all watchers together keeps the statements per reply the same whether 50 or 200 watch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, signUp, type SignedIn } from './helpers/factories.js';
import { LiveClient, liveUrl, type LiveMessage } from './helpers/live-client.js';

let t: TestApp;
let url: string;
let s: Awaited<ReturnType<typeof scene>>;
const sockets: LiveClient[] = [];
/** Every statement the app has run. */
const statements: string[] = [];

beforeAll(async () => {
  // Mail jobs poll rarely here: their queries are mail's, not the live fan-out's.
  t = await startTestApp({ jobs: { pollingIntervalSeconds: 3600 } }, { onStatement: (text) => statements.push(text) });
  url = await liveUrl(t.app);
  s = await scene(t);
}, 60_000);
afterAll(async () => {
  sockets.forEach((c) => c.terminate());
  await t?.close();
});

interface Watcher {
  member: SignedIn;
  socket: LiveClient;
  channel: string;
}

/** Signed-in members, each with a socket subscribed to their own channel. */
async function watchersOnline(n: number): Promise<Watcher[]> {
  const out: Watcher[] = [];
  for (let i = 0; i < n; i += 25) {
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(25, n - i) }, async () => {
          const member = await signUp(t);
          const socket = await LiveClient.connect(url, { cookie: member.cookie });
          sockets.push(socket);
          const channel = `user:${member.userId}`;
          expect(await socket.subscribe(channel)).toMatchObject({ type: 'subscribed', channel });
          return { member, socket, channel };
        }),
      )),
    );
  }
  return out;
}

async function watch(watchers: Watcher[], topicId: number): Promise<void> {
  for (let i = 0; i < watchers.length; i += 25) {
    const statuses = await Promise.all(
      watchers.slice(i, i + 25).map(async (w) => (await w.member.put(`/api/topics/${topicId}/notification-level`, { level: 'watching' })).status),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
  }
}

const createdOn = (channel: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel && m.event === 'notification.created';

/** Waits until no statement has run for a while (signing up sends mail; a fan-out has trailing work). */
async function settle(): Promise<void> {
  let last = -1;
  while (statements.length !== last) {
    last = statements.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * A reply in a topic the watchers watch: statements from the POST until every watcher has its
 * notification and the server has gone quiet. Answers the count and what each watcher got.
 */
async function replyAndCount(watchers: Watcher[], topicId: number) {
  await settle();
  const from = statements.length;
  const posted = await reply(s.member, topicId);
  const received = await Promise.all(watchers.map((w) => w.socket.next(createdOn(w.channel), 15_000)));
  await settle();
  return { posted, received, statements: statements.slice(from) };
}

describe("a reply's live fan-out to watchers' own channels", () => {
  it('runs as many statements for 200 online watchers as for 50, and each gets the notification with their current unread count', async () => {
    const first = await watchersOnline(50);
    const { topic: one } = await createTopic(s.admin, s.slug);
    await watch(first, one.id);
    const small = await replyAndCount(first, one.id);
    for (const got of small.received) expect(got.data).toMatchObject({ notification: { kind: 'reply', post: { id: small.posted.id } }, unreadCount: 1 });

    const more = [...first, ...(await watchersOnline(150))];
    const { topic: two } = await createTopic(s.admin, s.slug);
    await watch(more, two.id);
    const large = await replyAndCount(more, two.id);
    // The first fifty still have the first topic's notification unread: their count is 2, the newcomers' 1.
    large.received.forEach((got, i) =>
      expect(got.data).toMatchObject({ notification: { kind: 'reply', post: { id: large.posted.id } }, unreadCount: i < 50 ? 2 : 1 }),
    );

    expect(large.statements.length, `50 watchers: ${small.statements.length} statements; 200 watchers: ${large.statements.length}`).toBeLessThanOrEqual(
      small.statements.length + 3,
    );
  }, 180_000);
});
