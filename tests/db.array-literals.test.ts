/**
 * Lists travel to PostgreSQL as one array-literal parameter each (db/client.ts intArray,
 * textArray): whatever a value holds, it comes back as it went, and nothing but integers passes
 * for an int[].
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { intArray, rows, textArray } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const roundTrip = async (literal: string, type: 'int[]' | 'text[]') =>
  (await rows<{ a: unknown[] }>(t.app.parley.ctx.db, sql`SELECT ${literal}::${sql.raw(type)} AS a`))[0]!.a;

describe('array literals', () => {
  it('bring text back as it went: quotes, backslashes, commas, braces, spaces, "NULL" the word, empty strings and real nulls', async () => {
    const values = ['plain', 'a "quoted" word', 'back\\slash', 'comma, and {braces}', '  spaced  ', 'NULL', '', null, 'ünïcødé ✓'];
    expect(await roundTrip(textArray(values), 'text[]')).toEqual(values);
    expect(await roundTrip(textArray([]), 'text[]')).toEqual([]);
  });

  it('bring integers back, and refuse anything that is not one before it reaches the database', async () => {
    expect(await roundTrip(intArray([1, -2, 2_147_483_647]), 'int[]')).toEqual([1, -2, 2_147_483_647]);
    expect(await roundTrip(intArray([]), 'int[]')).toEqual([]);
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, '1}' as unknown as number]) expect(() => intArray([1, bad])).toThrow(TypeError);
  });
});
