/** The public log says what calmer-thread actions did (web/src/pages/log/log-sentence.ts), and the composer's countdown words. */
import { beforeAll, describe, expect, it } from 'vitest';
import messages from 'virtual:parley-i18n/app';
import type { ModerationLogEntry } from '../web/src/lib/api.js';
import { clockTime, paceUnit } from '../web/src/lib/composer/slow-mode.svelte.js';
import { startI18n, t } from '../web/src/lib/i18n.svelte.js';
import { logSentence } from '../web/src/pages/log/log-sentence.js';

const ann = { id: 2, handle: 'ann', displayName: 'Ann', avatarUrl: null, createdAt: '2025-01-01T00:00:00Z' };
const onTopic = { type: 'topic', id: 7, topicId: 7, postNumber: null, title: 'Heated', handle: null } as const;

const entry = (over: Partial<ModerationLogEntry>): ModerationLogEntry => ({
  id: 1,
  action: 'set_slow_mode',
  moderator: ann,
  automatic: false,
  target: onTopic,
  reason: null,
  reasonCode: null,
  detail: null,
  createdAt: '2025-01-01T00:00:00Z',
  ruleId: null,
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

describe('calmer threads in the public log', () => {
  it('slow mode, with its pace in words', () => {
    expect(say({ detail: '120' })).toBe('@ann set slow mode on the topic “Heated”: one reply every 2 minutes');
    expect(say({ detail: '0' })).toBe('@ann set slow mode on the topic “Heated”: slow mode off');
  });

  it('timers set and cleared, and the system running one', () => {
    expect(say({ action: 'set_topic_timer', detail: JSON.stringify({ action: 'close', idleDays: 3 }) })).toBe(
      '@ann set the topic “Heated” to close 3 days after its last reply',
    );
    expect(say({ action: 'set_topic_timer', detail: JSON.stringify({ action: 'open', at: '2026-03-01T09:00:00.000Z' }) })).toMatch(
      /^@ann set the topic “Heated” to open on .*2026/,
    );
    expect(say({ action: 'clear_topic_timer', detail: JSON.stringify({ action: 'close' }) })).toBe('@ann cleared the close timer of the topic “Heated”');
    expect(say({ action: 'lock_topic', moderator: null, automatic: true, reasonCode: 'topic_timer' })).toBe(
      'The system closed the topic “Heated” (a moderator’s timer)',
    );
    // A moderator's own lock reads as before.
    expect(say({ action: 'lock_topic' })).toBe('@ann locked the topic “Heated”');
  });

  it("new members' links held, and moderation settings changed", () => {
    expect(
      say({ action: 'hold_post', moderator: null, automatic: true, reasonCode: 'held_links', target: { ...onTopic, type: 'post', id: 9, postNumber: 4 } }),
    ).toBe('The system held post #4 in “Heated” for approval (links from a new member)');
    expect(
      say({
        action: 'change_settings',
        target: { type: 'community', id: 3, topicId: null, postNumber: null, title: null, handle: null },
        detail: JSON.stringify({ holdNewMemberLinks: true, flagThreshold: 5 }),
      }),
    ).toBe('@ann changed the moderation settings: new members’ links wait for review (on), flags that hide a post: 5');
  });
});

describe("the composer's slow mode words", () => {
  it('says the pace in its largest whole unit and counts down as a clock', () => {
    expect(t('topic.slow_mode.notice', { ...paceUnit(120), exempt: 'false' })).toBe('Slow mode: one reply every 2 minutes.');
    expect(t('topic.slow_mode.notice', { ...paceUnit(90), exempt: 'false' })).toBe('Slow mode: one reply every 90 seconds.');
    expect(t('topic.slow_mode.notice', { ...paceUnit(3600), exempt: 'false' })).toBe('Slow mode: one reply every hour.');
    expect(clockTime(65)).toBe('1:05');
    expect(clockTime(3600)).toBe('1:00:00');
    expect(t('topic.slow_mode.wait_button', { time: clockTime(42) })).toBe('Wait 0:42');
  });
});
