import { describe, expect, it } from 'vitest';
import { createTopic } from './helpers/factories.js';
import type { TestClient } from './helpers/client.js';
import { LiveClient, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';

let url: string;
let s: Scene;
const open = liveSuite({ live: { presenceThrottleMs: 50 } }, (ready) => ({ url, s } = ready));

const as = async (client: TestClient | null) => {
  const c = await LiveClient.connect(url, client ? { cookie: client.cookie } : {});
  open.push(c);
  return c;
};
const presence = (channel: string, readers: number, typing?: string[]) => (m: LiveMessage) =>
  m.type === 'presence' && m.channel === channel && m.readers === readers && (typing === undefined || JSON.stringify(m.typing) === JSON.stringify(typing));
const newTopic = async () => `topic:${(await createTopic(s.member, s.slug)).topic.id}`;

describe('presence', () => {
  it('counts the readers of a topic as they come and go', async () => {
    const channel = await newTopic();
    const a = await as(s.member);
    const b = await as(null);
    await a.subscribe(channel);
    await b.subscribe(channel);
    for (const c of [a, b]) expect(await c.next(presence(channel, 2))).toEqual({ type: 'presence', channel, readers: 2, typing: [] });

    await b.close();
    expect(await a.next(presence(channel, 1))).toEqual({ type: 'presence', channel, readers: 1, typing: [] });

    // Unsubscribing counts as leaving too.
    const c = await as(s.other);
    await c.subscribe(channel);
    await a.next(presence(channel, 2));
    c.send({ type: 'unsubscribe', channel });
    await c.nextOf('unsubscribed');
    await a.next(presence(channel, 1));
    // …and the one who left hears no more of it.
    expect(await c.quiet((m) => m.type === 'presence', 150)).toEqual([]);
  });

  it('goes only to subscribers of that channel', async () => {
    const one = await newTopic();
    const two = await newTopic();
    const a = await as(null);
    const b = await as(null);
    await a.subscribe(one);
    await b.subscribe(two);
    const c = await as(null);
    await c.subscribe(one);
    await a.next(presence(one, 2));
    expect(b.collect().filter((m) => m.type === 'presence' && m.channel === one)).toEqual([]);
    expect(await b.quiet((m) => m.type === 'presence' && m.channel === one, 150)).toEqual([]);
  });

  it('a signed-in reader typing shows up for the others', async () => {
    const channel = await newTopic();
    const writer = await as(s.other);
    const reader = await as(s.member);
    const guest = await as(null);
    for (const c of [writer, reader, guest]) await c.subscribe(channel);
    await reader.next(presence(channel, 3));

    writer.send({ type: 'typing', channel });
    for (const c of [reader, guest, writer]) {
      expect(await c.next(presence(channel, 3, [s.other.handle]))).toEqual({ type: 'presence', channel, readers: 3, typing: [s.other.handle] });
    }
    // Typing again at once changes nothing: no new presence message.
    writer.send({ type: 'typing', channel });
    expect(await reader.quiet((m) => m.type === 'presence', 150)).toEqual([]);
    // Leaving clears the typist.
    await writer.close();
    expect(await reader.next(presence(channel, 2))).toEqual({ type: 'presence', channel, readers: 2, typing: [] });
  });

  it('a guest typing is not_signed_in; typing without a subscription is not_subscribed', async () => {
    const channel = await newTopic();
    const guest = await as(null);
    await guest.subscribe(channel);
    guest.send({ type: 'typing', channel });
    expect(await guest.nextOf('error')).toEqual({ type: 'error', code: 'not_signed_in', message: expect.any(String), channel });

    const member = await as(s.member);
    const elsewhere = await newTopic();
    member.send({ type: 'typing', channel: elsewhere });
    expect(await member.nextOf('error')).toEqual({ type: 'error', code: 'not_subscribed', message: expect.any(String), channel: elsewhere });
    // Nothing was announced for the guest's channel.
    await guest.quiet(() => true, 100);
    expect(guest.collect().filter((m) => m.type === 'presence' && m.typing.length > 0)).toEqual([]);
  });
});
