/**
 * Every word a reader sees comes from a catalogue: this walks every Svelte component's markup and
 * fails on text (and on user-visible attributes: title, placeholder, aria-label, alt, label) written
 * into the component instead of coming from t(). Code samples (<code>, <pre>, <kbd>) and the product's
 * name are not words to translate.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

const WEB = join(import.meta.dirname, '..', 'web', 'src');
const VISIBLE_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'aria-description', 'aria-roledescription', 'aria-valuetext', 'alt', 'label']);
const CODE_ELEMENTS = new Set(['code', 'pre', 'kbd', 'samp', 'style', 'script']);
/** Names, not words. */
const ALLOWED = new Set(['Parley']);

const hasWords = (text: string) => /\p{L}{2,}/u.test(text) && !ALLOWED.has(text.trim());

function componentFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? componentFiles(join(dir, entry.name)) : entry.name.endsWith('.svelte') ? [join(dir, entry.name)] : [],
  );
}

interface Found {
  at: string;
  text: string;
}

type Node = { type?: string; name?: string; start?: number; data?: string; value?: unknown; [key: string]: unknown };

/** Literal text in a component's markup, with its line. */
export function literalText(source: string, file = 'component.svelte'): Found[] {
  const ast = parse(source, { modern: true }) as unknown as { fragment: Node };
  const found: Found[] = [];
  const lineOf = (offset: number) => source.slice(0, offset).split('\n').length;
  const report = (node: Node, text: string) => found.push({ at: `${file}:${lineOf(node.start ?? 0)}`, text: text.trim().replace(/\s+/g, ' ') });

  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.type === 'Text') {
      if (hasWords(n.data ?? '')) report(n, n.data ?? '');
      return;
    }
    if (n.type === 'Attribute') {
      if (VISIBLE_ATTRIBUTES.has(n.name ?? '') && Array.isArray(n.value)) {
        for (const part of n.value as Node[]) if (part.type === 'Text' && hasWords(part.data ?? '')) report(part, `${n.name}="${part.data}"`);
      }
      return;
    }
    if (n.type === 'RegularElement' && CODE_ELEMENTS.has(n.name ?? '')) return;
    for (const [key, value] of Object.entries(n)) if (key !== 'metadata' && key !== 'expression') visit(value);
  };
  visit(ast.fragment);
  return found;
}

describe('text outside the catalogues', () => {
  it('finds literal text, and accepts t() and code samples', () => {
    const found = literalText(`<h1>Hello</h1><p title="Greeting">{t('x')}</p><code>npm start</code><span>· 3 ·</span><b>{t('y')} Parley</b>`);
    expect(found.map((f) => f.text)).toEqual(['Hello', 'title="Greeting"']);
  });

  it('no component writes words of its own', () => {
    const found = componentFiles(WEB).flatMap((file) => literalText(readFileSync(file, 'utf8'), relative(WEB, file)));
    expect(found.map((f) => `${f.at}  ${f.text}`)).toEqual([]);
  });
});
