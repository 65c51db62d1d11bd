import { describe, expect, it } from 'vitest';
import { createCommunity } from './helpers/factories.js';
import { LiveClient, type LiveMessage } from './helpers/live-client.js';
import { liveSuite, type Scene } from './helpers/live-suite.js';

let url: string;
let s: Scene;
const open = liveSuite({}, (ready) => ({ url, s } = ready));

const updated = (channel: string) => (m: LiveMessage) => m.type === 'event' && m.channel === channel && m.event === 'community.updated';

describe('community settings, live', () => {
  it('a rename and a new category reach open community pages as community.updated, the same for every reader', async () => {
    const community = await createCommunity(s.admin);
    const channel = `community:${community.slug}`;
    const guest = await LiveClient.connect(url);
    open.push(guest);
    await guest.subscribe(channel);

    const patched = await s.admin.patch(`/api/communities/${community.slug}`, {
      name: 'Renamed live',
      embed: { allowedOrigins: ['https://secret-host.example'] },
      moderation: { holdFirstPosts: true },
    });
    expect(patched.status).toBe(200);
    const renamed = await guest.next(updated(channel));
    expect(renamed.data).toMatchObject({ slug: community.slug, name: 'Renamed live', moderation: { holdFirstPosts: true } });
    // Nothing about any one reader, and nothing only admins may read.
    expect(renamed.data.viewerRole).toBeUndefined();
    expect(renamed.data.embed).toBeUndefined();
    expect(guest.frames.join('\n')).not.toContain('secret-host');

    expect((await s.admin.post(`/api/communities/${community.slug}/categories`, { slug: 'how-to', name: 'How-to' })).status).toBe(201);
    const added = await guest.next(updated(channel));
    expect(added.data.categories.map((c: { slug: string }) => c.slug)).toEqual(expect.arrayContaining(['general', 'how-to']));
  });

  it('a refused change sends nothing', async () => {
    const community = await createCommunity(s.admin);
    const channel = `community:${community.slug}`;
    const guest = await LiveClient.connect(url);
    open.push(guest);
    await guest.subscribe(channel);
    expect((await s.member.patch(`/api/communities/${community.slug}`, { name: 'Not yours' })).status).toBe(403);
    expect(await guest.quiet(updated(channel))).toEqual([]);
  });
});
