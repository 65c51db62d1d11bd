/** What the notifications page says for each kind (web/src/pages/notifications/notification-sentence.ts). */
import { beforeAll, describe, expect, it } from 'vitest';
import messages from 'virtual:parley-i18n/app';
import type { Notification } from '../web/src/lib/api.js';
import { setMemberLocale, startI18n } from '../web/src/lib/i18n.svelte.js';
import { notificationSentence } from '../web/src/pages/notifications/notification-sentence.js';

const user = (handle: string) => ({ id: 1, handle, displayName: handle, avatarUrl: null, createdAt: '2025-01-01T00:00:00Z' });
const base: Notification = {
  id: 1,
  kind: 'reply',
  read: false,
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  count: 1,
  community: { slug: 'acme', name: 'Acme' },
  topic: { id: 7, title: 'Lamp flickers', kind: 'question' },
  category: 'general',
  post: { id: 9, number: 2, excerpt: 'Try a bulb' },
  actor: user('ann'),
  reason: null,
  data: {},
};
const say = (over: Partial<Notification>) => {
  const s = notificationSentence({ ...base, ...over });
  return `${s.before}[${s.title}]${s.after}`;
};

beforeAll(async () => {
  await startI18n(messages);
});

describe('notification sentences', () => {
  it('names who did what, and where', () => {
    expect(say({})).toBe('@ann replied in [Lamp flickers]');
    expect(say({ count: 3 })).toBe('3 new replies in [Lamp flickers]');
    expect(say({ kind: 'mention' })).toBe('@ann mentioned you in [Lamp flickers]');
    expect(say({ kind: 'solution' })).toBe('@ann accepted your answer in [Lamp flickers]');
    expect(say({ kind: 'new_topic' })).toBe('@ann started [Lamp flickers] in Acme');
    expect(say({ kind: 'idea_status', data: { status: 'planned', note: 'In spring' } })).toBe('[Lamp flickers] is now Planned — In spring');
    expect(say({ kind: 'idea_status', data: { status: 'shipped', note: null } })).toBe('[Lamp flickers] is now Shipped');
    expect(say({ kind: 'reminder', actor: null, post: null })).toBe('Did a reply answer your question [Lamp flickers]? Mark the answer.');
  });

  it('explains moderation, with the reason, and says who when the system acted', () => {
    const mod = { kind: 'moderation' as const, actor: user('mod') };
    expect(say({ ...mod, data: { action: 'hide_post', reason: 'off topic' } })).toBe('@mod hid your post in [Lamp flickers]: off topic');
    expect(say({ ...mod, data: { action: 'unhide_post', reason: null } })).toBe('@mod restored your post in [Lamp flickers]');
    expect(say({ ...mod, data: { action: 'hide_topic', reason: 'spam' } })).toBe('@mod hid your topic [Lamp flickers]: spam');
    expect(say({ ...mod, actor: null, data: { action: 'unhide_topic' } })).toBe('A moderator restored your topic [Lamp flickers]');
  });

  it('lets a translation put the title where its grammar wants it', async () => {
    await setMemberLocale('de');
    try {
      expect(say({})).toBe('@ann hat in [Lamp flickers] geantwortet');
      expect(say({ count: 3 })).toBe('3 neue Antworten in [Lamp flickers]');
      expect(say({ kind: 'moderation', actor: null, data: { action: 'hide_post', reason: null, reasonCode: 'flagged' } })).toMatch(
        /^Ein Moderator hat deinen Beitrag in \[Lamp flickers\] ausgeblendet: \S/,
      );
    } finally {
      await setMemberLocale(null);
    }
    expect(say({})).toBe('@ann replied in [Lamp flickers]');
  });
});
