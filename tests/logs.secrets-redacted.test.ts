/** Request logs leave out the secrets some URLs carry: a shipped log must not open accounts. */
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../server/app.js';

describe('request URLs as logged', () => {
  it.each([
    ['/reset-password?token=abcDEF123_-xyzXYZ456789', '/reset-password?token=[redacted]'],
    ['/verify-email?lang=de&token=abcDEF123_-xyzXYZ456789#top', '/verify-email?lang=de&token=[redacted]#top'],
    ['/api/unsubscribe/abcDEF123_-xyzXYZ456789', '/api/unsubscribe/[redacted]'],
    ['/api/unsubscribe/abcDEF123_-xyzXYZ456789/undo', '/api/unsubscribe/[redacted]/undo'],
    ['/unsubscribe/abcDEF123_-xyzXYZ456789', '/unsubscribe/[redacted]'],
  ])('%s → %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });

  it('leaves other addresses alone', () => {
    expect(redactUrl('/c/acme/t/12-tokens?page=2')).toBe('/c/acme/t/12-tokens?page=2');
  });
});
