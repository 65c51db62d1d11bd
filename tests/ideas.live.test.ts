import { describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { createCommunity, createTopic } from './helpers/factories.js';
import { LiveClient, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';

let t: TestApp;
let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ t, url, s } = ready));

const connect = async (cookie?: string | null) => {
  const c = await LiveClient.connect(url, cookie ? { cookie } : {});
  open.push(c);
  return c;
};
const updated = (channel: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel && m.event === 'topic.updated';

describe('ideas, live', () => {
  it('a vote reaches topic and community channels as topic.updated with the new count; a repeat sends nothing', async () => {
    const community = await createCommunity(s.admin);
    const { topic } = await createTopic(s.member, community.slug, { kind: 'idea' });
    const topicChannel = `topic:${topic.id}`;
    const listChannel = `community:${community.slug}`;
    const c = await connect();
    await c.subscribe(topicChannel);
    await c.subscribe(listChannel);

    expect((await s.other.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    for (const channel of [topicChannel, listChannel]) {
      const event = await c.next(updated(channel));
      expect(event.data).toMatchObject({ id: topic.id, votes: 1, ideaStatus: null });
      // Shared with every reader: nothing about the voter.
      expect(event.data.viewer).toBeUndefined();
      expect(event.data.viewerState).toBeUndefined();
    }
    expect((await s.other.post(`/api/topics/${topic.id}/vote`)).status).toBe(200);
    expect(await c.quiet(updated(topicChannel))).toEqual([]);
  });

  it('a status change reaches readers with status, note and who changed it, as HTTP shows it', async () => {
    const { topic } = await createTopic(s.member, s.slug, { kind: 'idea' });
    const channel = `topic:${topic.id}`;
    const c = await connect(s.other.cookie);
    await c.subscribe(channel);
    const res = await s.staff.put(`/api/topics/${topic.id}/idea-status`, { status: 'in_progress', note: 'Being built' });
    expect(res.status).toBe(200);
    const event = await c.next(updated(channel));
    expect(event.data.ideaStatus).toEqual(res.body.topic.ideaStatus);
    expect(event.data).toEqual((await t.guest().get(`/api/topics/${topic.id}`)).body.topic);
  });
});
