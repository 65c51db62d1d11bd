/** The public moderation log says what a site-wide suspension did here (web/src/pages/log/log-sentence.ts). */
import { beforeAll, describe, expect, it } from 'vitest';
import messages from 'virtual:parley-i18n/app';
import type { ModerationLogEntry } from '../web/src/lib/api.js';
import { setMemberLocale, startI18n } from '../web/src/lib/i18n.svelte.js';
import { logSentence } from '../web/src/pages/log/log-sentence.js';

const entry = (action: 'suspend_user' | 'unsuspend_user', detail: string | null, handle: string | null = 'spammy') =>
  ({
    id: 1,
    action,
    moderator: { id: 2, handle: 'rosa', displayName: 'Rosa', avatarUrl: null, createdAt: '2025-01-01T00:00:00Z' },
    automatic: false,
    target: { type: 'user', id: 3, topicId: null, postNumber: null, title: null, handle },
    reason: 'Spam wave',
    reasonCode: null,
    detail,
    createdAt: '2025-01-01T00:00:00Z',
    ruleId: null,
    undone: false,
    undoable: false,
  }) as unknown as ModerationLogEntry;
const say = (e: ModerationLogEntry) =>
  logSentence(e, 'acme')
    .map((p) => p.text)
    .join('');

beforeAll(async () => {
  await startI18n(messages);
});

describe('the log sentence of a suspension', () => {
  it('says who, and what went here', () => {
    expect(say(entry('suspend_user', JSON.stringify({ removed: true, posts: 3, topics: 1 })))).toBe(
      '@rosa suspended @spammy across the site and removed what they posted here (3 posts, 1 topic)',
    );
    expect(say(entry('suspend_user', JSON.stringify({ removed: false })))).toBe('@rosa suspended @spammy across the site');
    expect(say(entry('suspend_user', null, null))).toBe('@rosa suspended a former member across the site');
    expect(say(entry('unsuspend_user', null))).toBe('@rosa lifted the site-wide suspension of @spammy');
    // The member's handle links to their profile.
    expect(logSentence(entry('unsuspend_user', null), 'acme').find((p) => p.text === '@spammy')?.href).toContain('spammy');
  });

  it('in the reader’s language', async () => {
    await setMemberLocale('de');
    try {
      expect(say(entry('suspend_user', JSON.stringify({ removed: true, posts: 1, topics: 0 })))).toBe(
        '@rosa hat @spammy auf der ganzen Website gesperrt und hier alles entfernt, was die Person geschrieben hat (1 Beitrag, 0 Themen)',
      );
    } finally {
      await setMemberLocale('en');
    }
  });
});
