/** Which language a reader gets (server/i18n/locales.ts), the same in the browser and on the server. */
import { describe, expect, it } from 'vitest';
import { chooseLocale, matchLocale, parseAcceptLanguage, textDirection } from '../server/i18n/locales.js';

const available = ['de', 'en', 'en-XA', 'ar-XB'];

describe('Accept-Language', () => {
  it('orders by quality, then by position, and drops junk, wildcards and q=0', () => {
    expect(parseAcceptLanguage('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5')).toEqual(['fr-CH', 'fr', 'en', 'de']);
    expect(parseAcceptLanguage('en;q=0.1, de')).toEqual(['de', 'en']);
    expect(parseAcceptLanguage('de;q=0, en')).toEqual(['en']);
    expect(parseAcceptLanguage('<script>, en-US')).toEqual(['en-US']);
    expect(parseAcceptLanguage(undefined)).toEqual([]);
    expect(parseAcceptLanguage('')).toEqual([]);
  });
});

describe('matching a locale', () => {
  it('takes the exact tag, else the same language', () => {
    expect(matchLocale(['de-AT'], available)).toBe('de');
    expect(matchLocale(['fr', 'DE'], available)).toBe('de');
    expect(matchLocale(['fr'], available)).toBeNull();
  });

  it('gives pseudo-locales only to those who ask for them by name', () => {
    expect(matchLocale(['en-XA'], available)).toBe('en-XA');
    expect(matchLocale(['ar-EG'], available)).toBeNull();
    expect(matchLocale(['en-US'], available)).toBe('en');
  });
});

describe('choosing the interface language', () => {
  it('prefers the member’s choice, then the community’s language, then the browser’s, then English', () => {
    expect(chooseLocale({ member: 'de', community: 'en', browser: ['en'] }, available)).toBe('de');
    expect(chooseLocale({ member: null, community: 'de', browser: ['en'] }, available)).toBe('de');
    expect(chooseLocale({ member: 'xx', community: null, browser: ['fr', 'de-CH'] }, available)).toBe('de');
    expect(chooseLocale({ browser: ['fr'] }, available)).toBe('en');
  });

  it('knows which way a locale writes', () => {
    expect(textDirection('ar-XB')).toBe('rtl');
    expect(textDirection('he')).toBe('rtl');
    expect(textDirection('de')).toBe('ltr');
  });
});
