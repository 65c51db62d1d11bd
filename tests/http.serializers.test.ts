import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Nullable } from '../server/schemas/common.schema.js';
import { lazySerializers, nullableForSerializer } from '../server/schemas/lazy-serializers.js';

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

  it('request validators likewise: a route’s are compiled when it is first asked, they refuse as before, and every one of them compiles', async () => {
    const waiting = t.app.parley.validators.compilePending;
    const refused = await t.guest().request('GET', '/api/topics/not-a-number');
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_input');
    expect(waiting()).toBeGreaterThan(100);
    expect(waiting()).toBe(0);
  });
});

describe('"this or null" in a response schema', () => {
  // What a reader gets must not change with how the serialiser is told about null: the same bytes
  // as JSON.stringify for null and for values, and no field dropped or coerced on the way.
  const Author = Type.Object({ handle: Type.String(), joined: Type.String({ format: 'date-time' }), avatarUrl: Nullable(Type.String()) });
  const Reply = Type.Object({
    author: Nullable(Author),
    excerpt: Nullable(Type.String()),
    number: Nullable(Type.Integer()),
    kind: Nullable(Type.Union([Type.Literal('like'), Type.Literal('helpful')])),
  });

  it('serialises null and values exactly as JSON.stringify does', () => {
    const { factory } = lazySerializers();
    const serialize = factory({}, {})({ schema: Reply, method: 'GET', url: '/x', httpStatus: '200' });
    for (const doc of [
      { author: null, excerpt: null, number: null, kind: null },
      { author: { handle: 'ada', joined: '2026-12-07T10:00:00.000Z', avatarUrl: null }, excerpt: 'Hi "there" \u2028', number: 3, kind: 'like' },
      { author: { handle: 'bo', joined: '2026-01-01T00:00:00.000Z', avatarUrl: '/a.png' }, excerpt: '', number: 0, kind: 'helpful' },
    ]) {
      expect(JSON.parse(serialize(doc))).toEqual(doc);
      expect(serialize(doc)).toBe(JSON.stringify(doc));
    }
  });

  it('reaches the serialiser as one schema marked nullable, not a union to validate every value against', () => {
    const read = nullableForSerializer(JSON.parse(JSON.stringify(Reply))) as { properties: Record<string, Record<string, unknown>> };
    for (const name of ['author', 'excerpt', 'number']) {
      expect(read.properties[name]!.anyOf, name).toBeUndefined();
      expect(read.properties[name]!.nullable, name).toBe(true);
    }
    expect((read.properties.author!.properties as Record<string, Record<string, unknown>>).avatarUrl!.nullable).toBe(true);
    // A union of literals or null stays a union: there is no one type to mark.
    expect(read.properties.kind!.anyOf).toHaveLength(2);
  });
});
