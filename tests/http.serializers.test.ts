import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';

// Response serialisers are compiled when first used, not at start (a few MB of idle memory): this
// compiles them all as a start would have, so a schema that cannot be compiled still fails here.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.app.ready();
});
afterAll(() => t.close());

describe('response serialisers', () => {
  it('wait for a route’s first answer, which comes out as the schema says, and every one of them compiles', async () => {
    const res = await t.guest().request('GET', '/api/communities');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.items)).toBe(true);
    // One per route and status: hundreds, still waiting after start and one answer.
    expect(t.app.parley.serializers.compilePending()).toBeGreaterThan(200);
    expect(t.app.parley.serializers.compilePending()).toBe(0);
  });
});
