/**
 * npm run size: what a first visit downloads, gzipped, against the design's budgets:
 * the SPA (index.html) under 100 KB, the embed app (embed.html) under 40 KB, and the embed.js
 * loader under 4 KB. Reads the built app (npm run build:web) and follows each page's scripts,
 * styles and modulepreloads, and the static imports of those scripts.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIR = 'dist/web';

interface Row {
  file: string;
  raw: number;
  gz: number;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const line = (label: string, raw: string, gz: number, tail = '') => console.log(`${label.padEnd(48)} ${raw.padStart(10)} ${kb(gz).padStart(10)} gz${tail}`);
const gzip = (content: Buffer | string) => gzipSync(content, { level: 9 }).length;

for (const file of ['index.html', 'embed.html', 'embed.js']) {
  if (!existsSync(join(DIR, file))) {
    console.error(`size: no ${DIR}/${file}; run npm run build:web first`);
    process.exit(2);
  }
}

/** An HTML page and everything it loads up front. */
function firstLoad(page: string): Row[] {
  const html = readFileSync(join(DIR, page), 'utf8');
  const queue = [...html.matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  const seen = new Set<string>();
  const rows: Row[] = [{ file: `/${page}`, raw: Buffer.byteLength(html), gz: gzip(html) }];
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const content = readFileSync(join(DIR, file));
    rows.push({ file, raw: content.length, gz: gzip(content) });
    if (file.endsWith('.js')) {
      // Static imports load with the page; dynamic import() chunks do not.
      for (const m of content.toString('utf8').matchAll(/(?:^|[;}\n])\s*import\s*(?:[^'"()]*?from\s*)?["'](\.{0,2}\/[^"']+\.js)["']/g)) {
        queue.push(new URL(m[1]!, `http://x${file}`).pathname);
      }
    }
  }
  return rows;
}

let failed = false;
function report(label: string, rows: Row[], budgetKb: number): void {
  for (const r of rows) line(r.file, kb(r.raw), r.gz);
  const total = rows.reduce((s, r) => s + r.gz, 0);
  const pass = total <= budgetKb * 1024;
  failed ||= !pass;
  line(label, '', total, `  (budget ${budgetKb} KB: ${pass ? 'PASS' : 'FAIL'})`);
  console.log('');
}

report('SPA first load', firstLoad('index.html'), 100);
report('Embed app first load', firstLoad('embed.html'), 40);
const loader = readFileSync(join(DIR, 'embed.js'));
report('Embed loader (embed.js)', [{ file: '/embed.js', raw: loader.length, gz: gzip(loader) }], 4);

if (failed) process.exitCode = 1;
