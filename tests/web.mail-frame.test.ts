import { describe, expect, it } from 'vitest';
import { HELD_STYLE, holdInlineStyles } from '../web/src/pages/admin/mail-frame.js';
import { linkParts } from '../web/src/pages/admin/mail-words.js';

/**
 * The local mailbox shows a mail's HTML inside the SPA's CSP, which refuses inline style
 * attributes: they are renamed before any parser sees them. Only real attributes may move; text
 * that reads like one must reach the admin's screen exactly as it was sent.
 */
describe('holding a mail’s inline styles for the mailbox frame', () => {
  it('renames the style attribute of every element, whatever its quoting and case', () => {
    const html = `<body style="margin:0"><p class=x STYLE='color:red'>a</p><td style=padding:4px>b</td><br style = "x"/></body>`;
    expect(holdInlineStyles(html)).toBe(
      `<body ${HELD_STYLE}="margin:0"><p class=x ${HELD_STYLE}='color:red'>a</p><td ${HELD_STYLE}=padding:4px>b</td><br ${HELD_STYLE} = "x"/></body>`,
    );
  });

  it('leaves text, attribute values, comments and raw-text elements as they are', () => {
    const html = [
      '<!doctype html><title>Use style="x" <p style="y"></title>',
      '<p title="a style=&quot;b&quot; > c" data-style="keep">Write style="color:red" in CSS &lt;p style="z"&gt;</p>',
      '<!-- <p style="in a comment"> -->',
      '<style>p[style="q"] { color: red }</style>',
      '<a href="https://example.org/?style=1" style="color:blue">link</a>',
    ].join('');
    const held = holdInlineStyles(html);
    expect(held).toBe(html.replace('" style="color:blue"', `" ${HELD_STYLE}="color:blue"`));
    expect(held.match(new RegExp(HELD_STYLE, 'g'))).toHaveLength(1);
  });

  it('keeps a truncated or odd document whole', () => {
    for (const html of ['a < b and c > d', '<p style="unclosed', '<', '<!-- open', '<script>if (a<b) x()', '</p style="x">']) {
      expect(holdInlineStyles(html).replaceAll(HELD_STYLE, 'style')).toBe(html);
    }
  });
});

describe('links in a mail’s text part', () => {
  it('become links without the sentence’s punctuation, and the text reads exactly as sent', () => {
    const text = 'Confirm: https://forum.example/verify-email?token=a_b-c.\n(See https://forum.example/settings#email), or http://x.example/a?b=1&c=2!';
    const parts = linkParts(text);
    expect(parts.filter((p) => p.href).map((p) => p.href)).toEqual([
      'https://forum.example/verify-email?token=a_b-c',
      'https://forum.example/settings#email',
      'http://x.example/a?b=1&c=2',
    ]);
    expect(parts.map((p) => p.text).join('')).toBe(text);
  });

  it('leaves text without an address as one piece, and makes nothing of other schemes', () => {
    expect(linkParts('javascript:alert(1) and mailto:a@b.example')).toEqual([{ text: 'javascript:alert(1) and mailto:a@b.example' }]);
  });
});
