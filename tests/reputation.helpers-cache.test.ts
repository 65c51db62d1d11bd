/**
 * Top helpers are kept per process for a short while (HelpersCache): the same ranking within its
 * lifetime, one computation for readers arriving together, a fresh one afterwards, and nothing
 * remembered of a computation that failed.
 */
import { describe, expect, it } from 'vitest';
import { HelpersCache } from '../server/reputation/helpers.cache.js';

function counter() {
  let calls = 0;
  return {
    compute: async () => `ranking ${++calls}`,
    get calls() {
      return calls;
    },
  };
}

describe('HelpersCache', () => {
  it('answers the same ranking within its lifetime and computes a new one after it', async () => {
    let now = 1_000_000;
    const cache = new HelpersCache<string>(60, 1000, () => now);
    const c = counter();
    expect(await cache.get('acme month', c.compute)).toBe('ranking 1');
    now += 59_000;
    expect(await cache.get('acme month', c.compute)).toBe('ranking 1');
    now += 2_000;
    expect(await cache.get('acme month', c.compute)).toBe('ranking 2');
    expect(await cache.get('orbit month', c.compute)).toBe('ranking 3');
  });

  it('computes once for readers arriving while the ranking is computed', async () => {
    const cache = new HelpersCache<string>(60);
    const c = counter();
    const answers = await Promise.all(Array.from({ length: 20 }, () => cache.get('acme month', c.compute)));
    expect(new Set(answers)).toEqual(new Set(['ranking 1']));
    expect(c.calls).toBe(1);
  });

  it('does not remember a failed computation', async () => {
    const cache = new HelpersCache<string>(60);
    await expect(cache.get('nowhere month', () => Promise.reject(new Error('community_not_found')))).rejects.toThrow('community_not_found');
    expect(await cache.get('nowhere month', async () => 'ranking')).toBe('ranking');
  });

  it('computes every time with a lifetime of 0, and keeps at most maxEntries rankings', async () => {
    const off = new HelpersCache<string>(0);
    const c = counter();
    await off.get('acme month', c.compute);
    await off.get('acme month', c.compute);
    expect(c.calls).toBe(2);
    const small = new HelpersCache<string>(60, 2);
    const d = counter();
    for (const key of ['a', 'b', 'c']) await small.get(key, d.compute);
    expect(await small.get('c', d.compute)).toBe('ranking 3');
    // The oldest made room.
    expect(await small.get('a', d.compute)).toBe('ranking 4');
  });
});
