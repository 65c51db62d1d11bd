/**
 * A reply by e-mail keeps only what the member wrote: the quoted mail and the signature their
 * client added are gone, whichever client it was, and nothing they wrote is lost on the way.
 */
import { describe, expect, it } from 'vitest';
import { replyText } from '../server/mail/inbound/reply-text.js';

const lines = (...l: string[]) => l.join('\r\n');

describe('replyText: what real mail clients send', () => {
  it.each([
    [
      'Gmail (top-posted, attribution wrapped over two lines)',
      lines(
        'Thanks, that fixed it!',
        '',
        'On Mon, Jan 1, 2024 at 10:00 AM Acme Community <',
        'community@acme.example> wrote:',
        '',
        '> Bea replied to your question:',
        '> Try restarting the router.',
        '>',
      ),
      'Thanks, that fixed it!',
    ],
    [
      'Gmail in German',
      lines('Danke, hat geklappt.', '', 'Am Mo., 1. Jan. 2024 um 10:00 Uhr schrieb Acme Community <community@acme.example>:', '', '> Bea hat geantwortet'),
      'Danke, hat geklappt.',
    ],
    [
      'Apple Mail on an iPhone',
      lines(
        'Will try tonight.',
        '',
        'Sent from my iPhone',
        '',
        'On 1 Jan 2024, at 10:00, Acme Community <community@acme.example> wrote:',
        '',
        '> Try restarting the router.',
      ),
      'Will try tonight.',
    ],
    [
      'Outlook (header block under a rule)',
      lines(
        'Restarting did not help, the light stays red.',
        '',
        'Ann',
        '',
        '________________________________',
        'From: Acme Community <community@acme.example>',
        'Sent: Monday, January 1, 2024 10:00 AM',
        'To: Ann Example <ann@example.org>',
        'Subject: New reply to "Router keeps dropping"',
        '',
        'Bea replied to your question:',
        'Try restarting the router.',
      ),
      'Restarting did not help, the light stays red.\n\nAnn',
    ],
    [
      'Outlook in German (bold header names)',
      lines(
        'Passt, danke!',
        '',
        '*Von:* Acme Community <community@acme.example>',
        '*Gesendet:* Montag, 1. Januar 2024 10:00',
        '*An:* Ann',
        '*Betreff:* Neue Antwort',
      ),
      'Passt, danke!',
    ],
    [
      'older Outlook and Thunderbird',
      lines('See the attached log.', '', '-----Original Message-----', 'From: Acme Community', 'Sent: Monday', '', 'Try restarting the router.'),
      'See the attached log.',
    ],
    ['a signature after "-- "', lines('Works now.', '', '-- ', 'Ann Example', 'Head of Things, Example Ltd', '+49 30 1234567'), 'Works now.'],
    ['a signature delimiter whose space the client dropped', lines('Works now.', '--', 'Ann'), 'Works now.'],
    [
      'plain ">" quoting, answered inline (bottom-posting)',
      lines('On 01/01/2024 10:00, Acme Community wrote:', '> Which firmware do you run?', '', '2.4.1, the latest.', '', '> And the model?', '', 'RX-100.'),
      '2.4.1, the latest.\n\nRX-100.',
    ],
    ['a reply that only quotes', lines('On Mon, Jan 1, 2024 at 10:00 AM Acme <community@acme.example> wrote:', '> Try restarting the router.'), ''],
    [
      'Gmail HTML-only, as mailparser renders it (blockquote as ">")',
      'Thanks, that worked!\n\nSecond paragraph\n\nOn Mon, Jan 1, 2024 at 10:00 AM Parley <parley@parley.test> wrote:\n\n\n> Original text\n> line 2',
      'Thanks, that worked!\n\nSecond paragraph',
    ],
  ])('%s', (_client, text, expected) => {
    expect(replyText(text)).toBe(expected);
  });
});

describe('replyText: what it leaves alone', () => {
  it.each([
    [
      'a sentence that starts with "On" and mentions writing',
      'On Monday I wrote to support and they said:\n\nrestart it twice.',
      'On Monday I wrote to support and they said:\n\nrestart it twice.',
    ],
    [
      '"Sent from" in a sentence',
      'Sent from Berlin, where it is raining.\nThe router is fine now.',
      'Sent from Berlin, where it is raining.\nThe router is fine now.',
    ],
    ['a Markdown rule and list', 'First\n\n---\n\n- one\n- two', 'First\n\n---\n\n- one\n- two'],
    [
      '"From:" in the text without a header block after it',
      'From: the manual, page 3.\nIt says to hold the button.',
      'From: the manual, page 3.\nIt says to hold the button.',
    ],
  ])('%s', (_what, text, expected) => {
    expect(replyText(text)).toBe(expected);
  });
});
