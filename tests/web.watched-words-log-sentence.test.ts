/** The public log says which rule the system followed, and the queue and log pages read the new kinds (web/src/pages/log/log-sentence.ts). */
import { beforeAll, describe, expect, it } from 'vitest';
import messages from 'virtual:parley-i18n/app';
import type { ModerationLogEntry } from '../web/src/lib/api.js';
import { startI18n } from '../web/src/lib/i18n.svelte.js';
import { logSentence } from '../web/src/pages/log/log-sentence.js';

const onPost = { type: 'post', id: 9, topicId: 7, postNumber: 4, title: 'Deals', handle: null } as const;

const entry = (over: Partial<ModerationLogEntry>): ModerationLogEntry => ({
  id: 1,
  action: 'hold_post',
  moderator: null,
  automatic: true,
  target: onPost,
  reason: null,
  reasonCode: 'watched_word',
  detail: null,
  createdAt: '2025-01-01T00:00:00Z',
  ruleId: 12,
  undone: false,
  undoable: false,
  ...over,
});

const say = (over: Partial<ModerationLogEntry>) =>
  logSentence(entry(over), 'acme')
    .map((p) => p.text)
    .join('');

beforeAll(async () => {
  await startI18n(messages);
});

describe('watched words in the public log', () => {
  it('names the rule the system acted by', () => {
    expect(say({})).toBe('The system, by rule #12 held post #4 in “Deals” for review (a watched word)');
    expect(say({ action: 'flag_post' })).toBe('The system, by rule #12 flagged post #4 in “Deals” for moderators (a watched word)');
    expect(say({ action: 'hold_topic', target: { ...onPost, type: 'topic', id: 7, postNumber: null } })).toBe(
      'The system, by rule #12 held the topic “Deals” for review (a watched word)',
    );
  });

  it('other automatic actions read as before', () => {
    expect(say({ ruleId: null, reasonCode: 'held_first_post' })).toBe('The system held post #4 in “Deals” for approval (a member’s first post)');
    expect(say({ ruleId: null, reasonCode: 'flagged', action: 'hide_post', detail: '3' })).toBe(
      'The system hid post #4 in “Deals” after 3 flags (pending review)',
    );
  });
});
