/** The public moderation log says what an inbox rules change did (web/src/pages/log/log-sentence.ts). */
import { beforeAll, describe, expect, it } from 'vitest';
import messages from 'virtual:parley-i18n/app';
import type { ModerationLogEntry } from '../web/src/lib/api.js';
import { setMemberLocale, startI18n } from '../web/src/lib/i18n.svelte.js';
import { logSentence } from '../web/src/pages/log/log-sentence.js';

const entry = (detail: string | null): ModerationLogEntry => ({
  id: 1,
  action: 'change_inbox_rules',
  moderator: { id: 2, handle: 'ann', displayName: 'Ann', avatarUrl: null, createdAt: '2025-01-01T00:00:00Z' },
  automatic: false,
  target: { type: 'community', id: 3, topicId: null, postNumber: null, title: null, handle: null },
  reason: null,
  reasonCode: null,
  detail,
  createdAt: '2025-01-01T00:00:00Z',
  ruleId: null,
  undone: false,
  undoable: false,
});
const say = (detail: string | null) =>
  logSentence(entry(detail), 'acme')
    .map((p) => p.text)
    .join('');

beforeAll(async () => {
  await startI18n(messages);
});

describe('the log sentence of an inbox rules change', () => {
  const detail = JSON.stringify({
    rules: [
      { kind: 'no_reply', enabled: true, hours: 48 },
      { kind: 'popular_idea', enabled: true, votes: 1 },
      { kind: 'flagged', enabled: false },
    ],
  });

  it('names each changed rule as it became', () => {
    expect(say(detail)).toBe('@ann changed the inbox rules: no reply after 48 hours (on), ideas with 1 vote and no status (on), flagged content (off)');
    // A detail this client cannot read still makes a sentence.
    expect(say(null)).toBe('@ann changed the inbox rules');
  });

  it('in the reader’s language', async () => {
    await setMemberLocale('de');
    try {
      expect(say(detail)).toBe(
        '@ann hat die Regeln des Posteingangs geändert: keine Antwort nach 48 Stunden (an), Ideen mit 1 Stimme und ohne Status (an), gemeldete Inhalte (aus)',
      );
    } finally {
      await setMemberLocale('en');
    }
  });
});
