/**
 * The job queue the mail rides on, on this test run's database (PGlite, or PostgreSQL in CI): a job
 * enqueued in a write exists only if the write commits, a waiting job absorbs later ones with the
 * same key (one mail per topic per window), and a delayed job waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { write } from '../server/write/unit-of-work.js';
import { startTestApp, type TestApp } from './helpers/app.js';

describe('the job queue', () => {
  let t: TestApp;
  const seen: Array<{ queue: string; n: number; at: number }> = [];
  beforeAll(async () => {
    t = await startTestApp({ jobs: { pollingIntervalSeconds: 0.5 } });
    const { jobs } = t.app.parley.ctx;
    for (const [name, policy] of [
      ['test.plain', 'standard'],
      ['test.folded', 'short'],
    ] as const) {
      await jobs.define(name, { policy });
      await jobs.work<{ n: number }>(name, async (job) => {
        seen.push({ queue: name, n: job.data.n, at: Date.now() });
      });
    }
  });
  afterAll(() => t.close());

  it('runs a job sent in a write only when the write commits', async () => {
    const { jobs } = t.app.parley.ctx;
    await expect(
      write(t.app.parley.ctx, async ({ tx }) => {
        await jobs.send('test.plain', { n: 1 }, { tx });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await write(t.app.parley.ctx, ({ tx }) => jobs.send('test.plain', { n: 2 }, { tx }));
    await expect.poll(() => seen.filter((s) => s.queue === 'test.plain').map((s) => s.n)).toEqual([2]);
  });

  it('folds jobs with the same key into the one still waiting, many at once in one statement', async () => {
    const { jobs } = t.app.parley.ctx;
    const sentAt = Date.now();
    await write(t.app.parley.ctx, ({ tx }) =>
      jobs.sendMany(
        'test.folded',
        [
          { data: { n: 10 }, singletonKey: 'user-1:topic-1', startAfterSeconds: 1 },
          { data: { n: 11 }, singletonKey: 'user-1:topic-1', startAfterSeconds: 1 },
          { data: { n: 20 }, singletonKey: 'user-2:topic-1', startAfterSeconds: 1 },
        ],
        { tx },
      ),
    );
    await jobs.send('test.folded', { n: 12 }, { singletonKey: 'user-1:topic-1', startAfterSeconds: 1 });
    // Delayed and keyed inside a write too (the library binds one parameter in several casts).
    await write(t.app.parley.ctx, ({ tx }) => jobs.send('test.folded', { n: 30 }, { singletonKey: 'user-3:topic-1', startAfterSeconds: 1, tx }));
    await expect.poll(() => seen.filter((s) => s.queue === 'test.folded').length, { timeout: 8000 }).toBe(3);
    const folded = seen.filter((s) => s.queue === 'test.folded');
    // One job per key ran (which of the folded ones is not promised: the job reads the state it acts on).
    expect(folded.filter((s) => s.n >= 10 && s.n < 20)).toHaveLength(1);
    expect(folded.filter((s) => s.n === 20)).toHaveLength(1);
    expect(folded.filter((s) => s.n === 30)).toHaveLength(1);
    // Delayed: neither ran before its second was up.
    for (const s of folded) expect(s.at - sentAt).toBeGreaterThanOrEqual(900);
  });
});
