/**
 * The catalogues stay whole: every locale has every key of the source with the same placeholders,
 * every message compiles, the pseudo-locales leave no letter of the source as it was, and the
 * widget uses only keys its small bundle carries.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse, type Token } from '@messageformat/parser';
import { describe, expect, it } from 'vitest';
import { catalogueLocales, inScope, messageFormat, readCatalogues } from '../server/i18n/catalogues.js';
import { PSEUDO_LOCALES, SOURCE_LOCALE } from '../server/i18n/locales.js';
import { createTranslator } from '../server/i18n/translator.js';

const catalogues = readCatalogues();
const source = catalogues.get(SOURCE_LOCALE)!;

/** The argument names a message uses, and which of them choose between cases (plural, select). */
function shape(message: string): string[] {
  const out = new Set<string>();
  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      if (t.type === 'argument' || t.type === 'function') out.add(t.arg);
      if (t.type === 'plural' || t.type === 'selectordinal' || t.type === 'select') {
        out.add(`${t.arg}:${t.type === 'select' ? 'select' : 'plural'}`);
        for (const c of t.cases) walk(c.tokens);
      }
    }
  };
  walk(parse(message));
  return [...out].sort();
}

/**
 * Parameters with no letters of their own, so that any letter in the output came from the message:
 * numbers, and for a select its first named case (a case's key is never printed).
 */
function letterFreeParams(message: string): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      if (t.type === 'argument' || t.type === 'function') params[t.arg] ??= 7;
      if (t.type === 'select') params[t.arg] = t.cases.find((c) => c.key !== 'other')?.key ?? 'other';
      if (t.type === 'plural' || t.type === 'selectordinal') params[t.arg] ??= 7;
      if (t.type === 'plural' || t.type === 'select' || t.type === 'selectordinal') for (const c of t.cases) walk(c.tokens);
    }
  };
  walk(parse(message));
  return params;
}

describe('catalogues', () => {
  const languages = catalogueLocales();

  it('include the source and at least one other complete language', () => {
    expect(languages).toContain(SOURCE_LOCALE);
    expect(languages.length).toBeGreaterThanOrEqual(2);
  });

  it.each(languages.filter((l) => l !== SOURCE_LOCALE))('%s has exactly the source keys, with the same placeholders', (locale) => {
    const messages = catalogues.get(locale)!;
    expect(Object.keys(messages).filter((k) => !Object.hasOwn(source, k))).toEqual([]);
    expect(Object.keys(source).filter((k) => !Object.hasOwn(messages, k))).toEqual([]);
    const differ = Object.keys(source).filter((k) => shape(source[k]!).join() !== shape(messages[k]!).join());
    expect(differ.map((k) => `${k}: ${shape(source[k]!).join()} ≠ ${shape(messages[k]!).join()}`)).toEqual([]);
  });

  it.each(languages)('every %s message compiles and has an "other" case for each plural and select', (locale) => {
    const mf = messageFormat(locale);
    const broken: string[] = [];
    for (const [key, message] of Object.entries(catalogues.get(locale)!)) {
      try {
        mf.compile(message);
        const missingOther = (tokens: Token[]): boolean =>
          tokens.some(
            (t) =>
              (t.type === 'plural' || t.type === 'select' || t.type === 'selectordinal') &&
              (!t.cases.some((c) => c.key === 'other') || t.cases.some((c) => missingOther(c.tokens))),
          );
        if (missingOther(parse(message))) broken.push(`${key}: no "other" case`);
      } catch (error) {
        broken.push(`${key}: ${(error as Error).message}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('keys are lower snake_case segments joined by dots', () => {
    expect(Object.keys(source).filter((k) => !/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/.test(k))).toEqual([]);
  });

  it.each([...PSEUDO_LOCALES])('%s changes every letter of the source text, and only the text', (locale) => {
    const translator = createTranslator();
    const plain: string[] = [];
    for (const [key, message] of Object.entries(source)) {
      const out = translator.t(locale, key, letterFreeParams(message));
      if (/[A-Za-z]/.test(out)) plain.push(`${key}: ${out}`);
    }
    expect(plain).toEqual([]);
    expect(translator.t(locale, 'common.time.just_now')).toMatch(/^\u202e?⟦ĵúšŧ ñóŵ ·+⟧\u202c?$/);
  });
});

describe('the translator', () => {
  const translator = createTranslator();

  it('uses each language’s plural rules and number format', () => {
    const fake = { en: '{count, plural, one {# reply} other {# replies}}', de: '{count, plural, one {# Antwort} other {# Antworten}}' };
    expect(messageFormat('en').compile(fake.en)({ count: 1 })).toBe('1 reply');
    expect(messageFormat('en').compile(fake.en)({ count: 1234 })).toBe('1,234 replies');
    expect(messageFormat('de').compile(fake.de)({ count: 1234 })).toBe('1.234 Antworten');
  });

  it('falls back to the source for a locale it does not have, and shows a missing key as the key', () => {
    expect(translator.t('xx', 'common.time.just_now')).toBe('just now');
    expect(translator.t('de', 'common.time.just_now')).toBe('gerade eben');
    expect(translator.t('de', 'no.such_key')).toBe('no.such_key');
  });
});

/** The widget's modules: everything web/src/embed/main.ts imports, directly or not, inside web/src. */
function widgetModules(): string[] {
  const seen = new Set<string>();
  const queue = [resolve('web/src/embed/main.ts')];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\s+['"](\.[^'"]+)['"]/g)) {
      const spec = (m[1] ?? m[2])!;
      if (!resolve(dirname(file), spec).includes(`${join('web', 'src')}`)) continue;
      const base = resolve(dirname(file), spec).replace(/\.js$/, '');
      const found = [base, `${base}.ts`, `${base}.svelte.ts`, `${base}.svelte`, join(base, 'index.ts')].find((f) => existsSync(f) && !f.endsWith('/'));
      if (found && /\.(ts|svelte)$/.test(found)) queue.push(found);
    }
  }
  return [...seen];
}

describe('the widget', () => {
  it('uses only keys its bundle carries (embed.* and common.*)', () => {
    const modules = widgetModules();
    expect(modules.some((f) => f.endsWith('EmbedApp.svelte'))).toBe(true);
    const outside: string[] = [];
    for (const file of modules) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-z0-9_.]+)'|\bkey="([a-z0-9_.]+)"/g)) {
        const key = (m[1] ?? m[2])!;
        if (!inScope(key, 'embed')) outside.push(`${file.replace(process.cwd(), '')}: ${key}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
