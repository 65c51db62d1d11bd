/**
 * Writes docs/API.md from the server's OpenAPI document: `npm run docs:api`.
 * Builds the app on an in-memory embedded database (nothing listens, nothing is stored), asks it
 * for the document it serves at `GET /api/docs`, and renders it with server/docs/api-reference.ts.
 * `npm run docs:api -- --check` only says whether the file is current (exit 1 when it is not).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApp } from '../app.js';
import { defaultConfig } from '../config/config.js';
import { renderApiReference } from '../docs/api-reference.js';

const target = fileURLToPath(new URL('../../docs/API.md', import.meta.url));
const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });

const app = await buildApp(defaultConfig({ dataDir: 'memory://', seedDemo: false, rateLimits: false, logLevel: 'silent' }));
let text: string;
try {
  await app.ready();
  text = renderApiReference(app.swagger());
} finally {
  await app.close();
}

if (values.check) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== text) {
    console.error('docs/API.md is out of date: run `npm run docs:api`.');
    process.exit(1);
  }
  console.log('docs/API.md is current.');
} else {
  await writeFile(target, text);
  console.log(`Wrote docs/API.md (${text.length} characters).`);
}
