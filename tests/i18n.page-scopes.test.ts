/**
 * Page scopes (server/i18n/catalogues.ts PAGE_SCOPES): a page few readers open keeps its words in
 * a chunk loaded with it, out of the app's first load. Its keys must then be used by that page
 * only (web/src/pages/<scope>/, which loads them before it renders): anywhere else they would show
 * as bare keys until someone happened to open the page.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inScope, PAGE_SCOPES, readCatalogues } from '../server/i18n/catalogues.js';

const WEB = join(import.meta.dirname, '..', 'web', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : /\.(ts|svelte)$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe('page scopes', () => {
  const source = readCatalogues().get('en')!;

  it.each(PAGE_SCOPES)('%s: its keys are out of the app bundle and in its own', (scope) => {
    const keys = Object.keys(source).filter((key) => key.startsWith(`${scope}.`));
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => inScope(key, 'app'))).toEqual([]);
    expect(keys.every((key) => inScope(key, scope))).toBe(true);
    expect(Object.keys(source).filter((key) => inScope(key, scope) && !key.startsWith(`${scope}.`))).toEqual([]);
  });

  it.each(PAGE_SCOPES)('%s: only its page uses its keys, and the page loads them first', (scope) => {
    const home = join(WEB, 'pages', scope);
    const outside: string[] = [];
    for (const file of sourceFiles(WEB).filter((f) => !f.startsWith(home))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(new RegExp(String.raw`\bt\(\s*['\`](${scope}\.[a-z0-9_.$\{\}]*)|\bkey="(${scope}\.[a-z0-9_.]+)"`, 'g'))) {
        outside.push(`${relative(WEB, file)}: ${m[1] ?? m[2]}`);
      }
    }
    expect(outside).toEqual([]);
    const loader = sourceFiles(home).find((f) => readFileSync(f, 'utf8').includes(`virtual:parley-i18n/${scope}`));
    expect(loader, `a module in pages/${scope} imports virtual:parley-i18n/${scope}`).toBeDefined();
    expect(readFileSync(loader!, 'utf8')).toMatch(/^await addMessages\(/m);
  });
});
