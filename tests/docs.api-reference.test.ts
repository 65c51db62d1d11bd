import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderApiReference } from '../server/docs/api-reference.js';
import { startTestApp, type TestApp } from './helpers/app.js';

/** docs/API.md is generated from the OpenAPI document; a schema change must come with the regenerated file. */
describe('the API reference in docs/API.md', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('is what the generator renders from the current OpenAPI document', async () => {
    await t.app.ready();
    const expected = renderApiReference(t.app.swagger());
    const current = await readFile(new URL('../docs/API.md', import.meta.url), 'utf8').catch(() => '(docs/API.md is missing)');
    expect(current, 'docs/API.md is out of date: run `npm run docs:api` and commit the result').toBe(expected);
  });

  it('renders the same text for the same document, whatever order its routes were registered in', () => {
    const doc = t.app.swagger() as { paths: Record<string, unknown> };
    const reversed = { ...doc, paths: Object.fromEntries(Object.entries(doc.paths).reverse()) };
    expect(renderApiReference(reversed)).toBe(renderApiReference(doc));
  });

  it('documents every route the document has, with its parameters, body limits and error statuses', () => {
    const text = renderApiReference(t.app.swagger());
    const doc = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) expect(text).toContain(`### \`${method.toUpperCase()} ${path}\``);
    }
    expect(text).toContain('| `handle` | string | yes | 3–32 characters; pattern `^[A-Za-z0-9_-]+$` |');
    expect(text).toMatch(/### `POST \/api\/embed\/\{community\}\/thread\/posts`[^#]*\*\*Who may call it:\*\* signed in, with a bearer token/);
    expect(text).toContain('**Errors** ([Error](#error), with a stable `code`): `400`, `401`, `403`, `404`, `409`, `413`, `429`');
    expect(text).toContain('## Live threads: `GET /api/live` (WebSocket)');
  });
});
