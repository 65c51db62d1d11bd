/**
 * npm run size: what a first visit to the SPA downloads, gzipped, against the design's budget.
 * Reads the built app (npm run build:web) and follows index.html's scripts, styles and
 * modulepreloads, and the static imports of those scripts.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIR = 'dist/web';
const BUDGET_KB = 100;

if (!existsSync(join(DIR, 'index.html'))) {
  console.error('size: no built web app; run npm run build:web first');
  process.exit(2);
}

const html = readFileSync(join(DIR, 'index.html'), 'utf8');
const queue = [...html.matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
const seen = new Set<string>();
const rows: Array<{ file: string; raw: number; gz: number }> = [{ file: '/index.html', raw: Buffer.byteLength(html), gz: gzipSync(html).length }];

while (queue.length) {
  const file = queue.shift()!;
  if (seen.has(file)) continue;
  seen.add(file);
  const content = readFileSync(join(DIR, file));
  rows.push({ file, raw: content.length, gz: gzipSync(content, { level: 9 }).length });
  if (file.endsWith('.js')) {
    // Static imports load with the page; dynamic import() chunks do not.
    for (const m of content.toString('utf8').matchAll(/(?:^|[;}\n])\s*import\s*(?:[^'"()]*?from\s*)?["'](\.{0,2}\/[^"']+\.js)["']/g)) {
      queue.push(new URL(m[1]!, `http://x${file}`).pathname);
    }
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
for (const r of rows) console.log(`${r.file.padEnd(48)} ${kb(r.raw).padStart(10)} ${kb(r.gz).padStart(10)} gz`);
const total = rows.reduce((s, r) => s + r.gz, 0);
console.log(`${'SPA first load'.padEnd(48)} ${''.padStart(10)} ${kb(total).padStart(10)} gz  (budget ${BUDGET_KB} KB: ${total <= BUDGET_KB * 1024 ? 'PASS' : 'FAIL'})`);
