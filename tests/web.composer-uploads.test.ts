/**
 * What an upload does to the composer's text (web/src/lib/composer/upload-text.ts, storage.ts,
 * attach-events.ts): where its placeholder goes, what replaces it, what a saved draft keeps, and
 * which files the picker offers.
 */
import { describe, expect, it } from 'vitest';
import { acceptFor } from '../web/src/lib/composer/attach-events.js';
import { withoutUploadPlaceholders } from '../web/src/lib/composer/storage.js';
import { altText, insertBlock, placeholderFor, replacePlaceholder, uploadMarkdown } from '../web/src/lib/composer/upload-text.js';
import { isRetryable } from '../web/src/lib/composer/uploads.svelte.js';
import { ApiError } from '../web/src/lib/api-request.js';

const hash = 'a'.repeat(64);

describe('an upload in the composer text', () => {
  it('puts its placeholder on a line of its own at the caret, the caret after it', () => {
    expect(insertBlock('See:', 4, 4, '![Uploading a.png…]()')).toEqual({ text: 'See:\n![Uploading a.png…]()', caret: 26 });
    expect(insertBlock('See: here', 4, 5, 'X')).toEqual({ text: 'See:\nX\nhere', caret: 7 });
    expect(insertBlock('', 0, 0, 'X')).toEqual({ text: 'X', caret: 1 });
    expect(insertBlock('a\n\nb', 2, 2, 'X')).toEqual({ text: 'a\nX\nb', caret: 3 });
  });

  it('gives two uploads of the same name distinct placeholders', () => {
    const first = placeholderFor('Uploading image.png…', '');
    const second = placeholderFor('Uploading image.png…', `text\n${first}`);
    expect(first).toBe('![Uploading image.png…]()');
    expect(second).toBe('![Uploading image.png… (2)]()');
    // Brackets in a file name cannot end the placeholder early.
    expect(placeholderFor('Uploading [draft].png…', '')).toBe('![Uploading draft .png…]()');
  });

  it('becomes an image with its name as alt text, or a link to a download', () => {
    expect(uploadMarkdown({ url: `/uploads/${hash}.png`, type: 'image/png' }, 'screen shot.png')).toBe(`![screen shot](/uploads/${hash}.png)`);
    expect(uploadMarkdown({ url: `/uploads/${hash}.pdf`, type: 'application/pdf', name: 'manual [v2].pdf' }, 'x.pdf')).toBe(
      `[manual v2 .pdf](/uploads/${hash}.pdf)`,
    );
    expect(altText('photo.backup.jpeg')).toBe('photo.backup');
    expect(altText('no-extension')).toBe('no-extension');
  });

  it('replaces its placeholder, or takes it out with its line; a removed placeholder is not put back', () => {
    const ph = '![Uploading a.png…]()';
    expect(replacePlaceholder(`Hi\n${ph}\nmore`, ph, '![a](/u)')).toEqual({ text: 'Hi\n![a](/u)\nmore', found: true });
    expect(replacePlaceholder(`Hi\n${ph}\nmore`, ph, '')).toEqual({ text: 'Hi\nmore', found: true });
    expect(replacePlaceholder(`Hi\n${ph}`, ph, '')).toEqual({ text: 'Hi', found: true });
    expect(replacePlaceholder(`${ph}`, ph, '')).toEqual({ text: '', found: true });
    expect(replacePlaceholder('Hi, I took it out', ph, '![a](/u)')).toEqual({ text: 'Hi, I took it out', found: false });
  });

  it('is left out of a saved draft while it uploads, and only the placeholder is', () => {
    expect(withoutUploadPlaceholders('Look:\n![Uploading a.png…]()\nthanks')).toBe('Look:\nthanks');
    expect(withoutUploadPlaceholders(`Look:\n![a](/uploads/${hash}.png)\n[b](https://example.org)`)).toBe(
      `Look:\n![a](/uploads/${hash}.png)\n[b](https://example.org)`,
    );
  });

  it('retries a lost connection or a server error, never a refusal', () => {
    const error = (statusCode: number, code: string) => new ApiError({ statusCode, error: '', code, message: '' });
    expect(isRetryable(error(0, 'network_error'))).toBe(true);
    expect(isRetryable(error(503, 'http_503'))).toBe(true);
    for (const [status, code] of [
      [415, 'unsupported_type'],
      [413, 'file_too_large'],
      [422, 'unreadable_file'],
      [429, 'upload_quota_exceeded'],
      [401, 'not_signed_in'],
    ] as const)
      expect(isRetryable(error(status, code))).toBe(false);
  });

  it('offers images in the picker, and PDFs and text files where the community takes them', () => {
    expect(acceptFor()).toBe('image/png,image/jpeg,image/webp,image/gif');
    expect(acceptFor(['application/pdf', 'text/plain'])).toBe('image/png,image/jpeg,image/webp,image/gif,application/pdf,.pdf,text/plain,.txt');
  });
});
